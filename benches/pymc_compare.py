"""Time PyMC-Marketing + nutpie against `mmm fit` on PyMC-Marketing's canonical example.

Run through benches/pymc_compare.sh, which prepares the virtualenv and builds the binary.

Both fits are 4 chains x (1000 warm-up + 1000 draws). For each run the script records the wall
time of the fit (PyMC-Marketing: the `MMM.fit` call, i.e. compile + warm-up + sampling +
deterministics; ours: the whole `mmm fit` process, including reading the data and writing the
fit directory) and the smallest bulk ESS over the model's parameters (PyMC-Marketing: arviz's
`ess(method="bulk")` over the free random variables; ours: the `ess_bulk` column of the fit
directory's `summary.csv`). It prints a table and, with --json, writes the numbers to a file.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

CHANNELS = ["x1", "x2"]
CONTROLS = ["event_1", "event_2", "t"]
L_MAX = 8
FOURIER_ORDER = 2


def parse_args() -> argparse.Namespace:
    repo = Path(__file__).resolve().parent.parent
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--data",
        type=Path,
        default=repo / "models" / "data" / "pymc_marketing_mmm_example.csv",
        help="the example's CSV (date_week, y, x1, x2, event_1, event_2, dayofyear, t)",
    )
    p.add_argument("--model", type=Path, default=repo / "models" / "pymc_marketing_example.toml")
    p.add_argument("--mmm", type=Path, default=repo / "target" / "release" / "mmm")
    p.add_argument("--chains", type=int, default=4)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--repeats",
        type=int,
        default=2,
        help="fits per side; the first PyMC-Marketing fit may pay for compile caches",
    )
    p.add_argument("--skip-peer", action="store_true", help="time only `mmm fit`")
    p.add_argument("--skip-ours", action="store_true", help="time only PyMC-Marketing")
    p.add_argument("--json", type=Path, help="also write the results here")
    return p.parse_args()


def peer_fit(args: argparse.Namespace) -> dict:
    """One PyMC-Marketing fit with nutpie; wall time of the fit call and min bulk ESS."""
    import arviz as az
    import pandas as pd
    from pymc_marketing.mmm import GeometricAdstock, LogisticSaturation
    from pymc_marketing.mmm.multidimensional import MMM

    data = pd.read_csv(args.data, parse_dates=["date_week"])
    X = data[["date_week", *CHANNELS, *CONTROLS]]
    y = data["y"]
    mmm = MMM(
        date_column="date_week",
        target_column="y",
        channel_columns=CHANNELS,
        control_columns=CONTROLS,
        adstock=GeometricAdstock(l_max=L_MAX),
        saturation=LogisticSaturation(),
        yearly_seasonality=FOURIER_ORDER,
    )
    start = time.perf_counter()
    idata = mmm.fit(
        X,
        y,
        nuts_sampler="nutpie",
        chains=args.chains,
        tune=args.tune,
        draws=args.draws,
        random_seed=args.seed,
        progressbar=False,
    )
    wall = time.perf_counter() - start
    free = [rv.name for rv in mmm.model.free_RVs]
    ess = az.ess(idata.posterior[free], method="bulk")
    per_param = {}
    for name in free:
        da = ess[name]
        if da.ndim == 0:
            per_param[name] = float(da)
        else:
            for label, v in da.to_series().items():
                per_param[f"{name}[{label}]"] = float(v)
    stats = idata.sample_stats
    return {
        "wall_s": wall,
        "min_ess_bulk": min(per_param.values()),
        "argmin_ess_bulk": min(per_param, key=per_param.get),
        "n_params": len(per_param),
        "divergences": int(stats["diverging"].sum()),
        "mean_steps": float(stats["n_steps"].mean()) if "n_steps" in stats else math.nan,
        # Set by pm.sample around nutpie.sample: warm-up + draws, without compile.
        "sampling_s": float(idata.posterior.attrs.get("sampling_time", math.nan)),
    }


def our_fit(args: argparse.Namespace) -> dict:
    """One `mmm fit` run in a fresh directory; wall time of the process and min bulk ESS."""
    with tempfile.TemporaryDirectory(prefix="mmm-compare-") as tmp:
        out = Path(tmp) / "fit"
        cmd = [str(args.mmm), "fit", str(args.model), "--out", str(out)]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"`{' '.join(cmd)}` failed ({proc.returncode}):\n{proc.stderr}")
        with open(out / "summary.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        if not rows or "ess_bulk" not in rows[0]:
            sys.exit(f"{out / 'summary.csv'}: no `ess_bulk` column")
        name_col = next(iter(rows[0]))
        ess = {r[name_col]: float(r["ess_bulk"]) for r in rows if r["ess_bulk"] not in ("", "NA")}
        meta = json.loads((out / "fit.json").read_text())
        chains = meta.get("chains", [])
        draws = meta.get("sampler", {}).get("draws", args.draws) * max(len(chains), 1)
        return {
            "wall_s": wall,
            "min_ess_bulk": min(ess.values()),
            "argmin_ess_bulk": min(ess, key=ess.get),
            "n_params": len(ess),
            "divergences": sum(c.get("divergences", 0) for c in chains),
            "mean_steps": sum(c.get("n_leapfrog", 0) for c in chains) / draws,
            "sampling_s": meta.get("timings", {}).get("sampling_seconds", math.nan),
        }


def versions() -> dict:
    out = {"python": platform.python_version()}
    for mod in ("pymc_marketing", "pymc", "pytensor", "nutpie", "arviz"):
        try:
            out[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001 - a missing module only loses a line of the report
            out[mod] = "?"
    return out


def main() -> None:
    args = parse_args()
    warnings.filterwarnings("ignore")
    results: list[tuple[str, dict]] = []
    # Alternate the two, so that a change in the machine's load hits both alike.
    for i in range(args.repeats):
        sides = [] if args.skip_peer else [("PyMC-Marketing + nutpie", peer_fit)]
        sides += [] if args.skip_ours else [("mmm fit", our_fit)]
        for name, fit in sides:
            print(f"{name}, run {i + 1}/{args.repeats} ...", file=sys.stderr)
            load_before = os.getloadavg()[0]
            r = fit(args)
            r["load_before"] = load_before
            results.append((f"{name} (run {i + 1})", r))

    print()
    print(
        f"PyMC-Marketing example, {args.chains} chains x ({args.tune} warm-up + {args.draws} "
        f"draws), {os.cpu_count()} cores"
    )
    header = (
        "fit",
        "wall s",
        "of which sampling s",
        "min bulk ESS",
        "min bulk ESS / wall s",
        "lowest",
        "params",
        "divergences",
        "leapfrog steps / draw",
        "load avg before",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, r in results:
        print(
            f"| {label} | {r['wall_s']:.1f} | {r['sampling_s']:.1f} | {r['min_ess_bulk']:.0f} | "
            f"{r['min_ess_bulk'] / r['wall_s']:.1f} | {r['argmin_ess_bulk']} | {r['n_params']} | "
            f"{r['divergences']} | {r['mean_steps']:.1f} | {r['load_before']:.1f} |"
        )
    info = versions()
    print()
    print(", ".join(f"{k} {v}" for k, v in info.items()))
    if args.json:
        args.json.write_text(
            json.dumps(
                {"versions": info, "results": [{"fit": l, **r} for l, r in results]}, indent=2
            )
        )


if __name__ == "__main__":
    main()
