"""Shared fixtures: the repository, the `mmm` binary, and the sequential fits of the fan-out
data sets (the reference the Ray and Spark results must equal bit for bit)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_MODEL = ROOT / "models" / "pymc_marketing_example.toml"
#: Data sets the fan-out tests fit (the issue's 40; fewer for a quick local run).
FANOUT_MODELS = int(os.environ.get("MMM_FANOUT_MODELS", "40"))

sys.path.insert(0, str(ROOT / "examples"))


@pytest.fixture(scope="session")
def mmm_bin() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    path = target / "release" / "mmm"
    if not path.exists():
        pytest.fail(f"{path} is missing; build it with `cargo build --release`")
    return path


@pytest.fixture(scope="session")
def sequential():
    """The fan-out data sets fitted one after another in this process, one engine thread."""
    import ray_fanout

    sets = ray_fanout.datasets(FANOUT_MODELS)
    model = ray_fanout.MODEL.read_text()
    started, cpu = time.perf_counter(), time.process_time()
    rows = [ray_fanout.fit_one(model, data, seed) for _, _, seed, data in sets]
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"\nsequential: {len(rows)} models in {seconds:.1f} s "
        f"({60 * len(rows) / seconds:.1f} models per minute, one thread; "
        f"{cpu / len(rows):.2f} s CPU per model)"
    )
    return {seed: row for (_, _, seed, _), row in zip(sets, rows)}
