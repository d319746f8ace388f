#!/usr/bin/env bash
# Cost of a whole `mmm fit` against the number of groups, on the Meridian-shaped panel
# (66 weeks x 36 channels, models/panels/meridian_size.toml), default 4 x (1000 + 1000).
#
# Usage: benches/panel_groups.sh [GROUPS...]     (default: 20 50 100 183)
#   MMM_BENCH_DIR   scratch folder for the simulations and fits (default: a new temp folder)
#   MMM_BENCH_ARGS  extra `mmm fit` arguments, e.g. "--warmup 300 --draws 300" for a quick look
#
# Prints one markdown row per size: wall, sampling and derive seconds, CPU seconds, peak RSS,
# leapfrog steps per kept draw, max R-hat, min bulk ESS and divergences.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sizes=("$@")
[[ ${#sizes[@]} -eq 0 ]] && sizes=(20 50 100 183)
work="${MMM_BENCH_DIR:-$(mktemp -d)}"
mkdir -p "$work"

echo "building mmm (release)" >&2
(cd "$repo" && cargo build --release --quiet --bin mmm)
target_dir="$(cd "$repo" && cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
mmm="$target_dir/release/mmm"

echo "| groups | parameters | wall, s | sampling, s | derive, s | CPU, s | peak RSS | steps per draw | max R-hat | min bulk ESS | divergences |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for g in "${sizes[@]}"; do
    sed "s/^groups = .*/groups = $g/" "$repo/models/panels/meridian_size_truth.toml" > "$work/truth_$g.toml"
    rm -rf "$work/sim_$g" "$work/fit_$g"
    if ! "$mmm" simulate "$repo/models/panels/meridian_size.toml" --truth "$work/truth_$g.toml" \
        --seed 1 --out "$work/sim_$g" > /dev/null 2> "$work/log_$g"; then
        echo "| $g | the simulation failed: $(tail -n 1 "$work/log_$g") |"
        continue
    fi
    # The review's exit status (3 on a failed review) is part of the row, not a bench failure.
    # shellcheck disable=SC2086
    /usr/bin/time -f "%e %U %S %M" -o "$work/time_$g" \
        "$mmm" fit "$work/sim_$g/model.toml" --out "$work/fit_$g" ${MMM_BENCH_ARGS:-} \
        > "$work/log_$g" 2>&1 || true
    python3 - "$g" "$work" <<'PY'
import csv, json, os, sys
g, work = sys.argv[1], sys.argv[2]
if not os.path.exists(f"{work}/fit_{g}/fit.json"):
    print(f"| {g} | the fit failed: {open(f'{work}/log_{g}').read().strip().splitlines()[-1]} |")
    sys.exit(0)
wall, user, sys_s, rss_kb = open(f"{work}/time_{g}").read().split()[-4:]
meta = json.load(open(f"{work}/fit_{g}/fit.json"))
chains = meta["chains"]
steps = sum(c["n_leapfrog"] for c in chains) / (meta["sampler"]["draws"] * len(chains))
rows = list(csv.DictReader(open(f"{work}/fit_{g}/summary.csv")))
rhat = max(float(r["r_hat"]) for r in rows)
ess = min(float(r["ess_bulk"]) for r in rows)
div = sum(c["divergences"] for c in chains)
t = meta["timings"]
print(f"| {g} | {len(meta['parameters'])} | {float(wall):.0f} | {t['sampling_seconds']:.0f} | "
      f"{t.get('derive_seconds', float('nan')):.0f} | {float(user) + float(sys_s):.0f} | "
      f"{int(rss_kb) / 1024:.0f} MB | {steps:.1f} | {rhat:.3f} | {ess:.0f} | {div} |")
PY
done
