#!/usr/bin/env bash
# Time `mmm fit` against PyMC-Marketing + nutpie on PyMC-Marketing's canonical example.
#
# Usage: benches/pymc_compare.sh [pymc_compare.py options, e.g. --repeats 1 --json out.json]
#
# The Python side lives in a virtualenv outside the repository, created on first use:
#   MMM_PEER_VENV   its folder (default ~/.cache/mmm-peer-venv)
#   MMM_PEER_DATA   the example's CSV (default models/data/pymc_marketing_mmm_example.csv,
#                   the file models/pymc_marketing_example.toml reads)
# Nothing of PyMC's is written into the repository.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MMM_PEER_VENV:-$HOME/.cache/mmm-peer-venv}"
data="${MMM_PEER_DATA:-$repo/models/data/pymc_marketing_mmm_example.csv}"
peer_packages=("pymc-marketing>=0.19,<0.20" nutpie arviz)

if [[ ! -x "$venv/bin/python" ]]; then
    echo "creating the peer virtualenv in $venv" >&2
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import pymc_marketing, nutpie, arviz" 2>/dev/null; then
    echo "installing ${peer_packages[*]} into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet "${peer_packages[@]}"
fi

echo "building mmm (release)" >&2
(cd "$repo" && cargo build --release --quiet --bin mmm)
target_dir="$(cd "$repo" && cargo metadata --format-version 1 --no-deps |
    "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

cd "$repo"
exec "$venv/bin/python" benches/pymc_compare.py \
    --mmm "$target_dir/release/mmm" \
    --model "$repo/models/pymc_marketing_example.toml" \
    --data "$data" \
    "$@"
