"""Fit one marketing-mix model per brand x market as Ray tasks and collect one summary table.

    python examples/ray_fanout.py                      # 40 simulated data sets, local Ray
    python examples/ray_fanout.py --address ray://head:10001 --models 400

Each task is a pure function: (model text, DataFrame, seed) -> one summary row. It pins the
engine to one thread (``threads=1``) so that Ray spreads the work over the cores. The data sets
are simulated by the engine from models/demo.toml with the true values of
models/demo_truth.toml, one seed per brand x market; the fit's seed is fixed per data set, so a
task's result equals the sequential fit of the same data, bit for bit (the draws' SHA-256 is in
the table).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
from pathlib import Path

import pandas as pd

import mmm

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "demo.toml"
TRUTH = ROOT / "models" / "demo_truth.toml"
BRANDS = ["aurora", "brisk", "cobalt", "delta", "ember", "fjord", "gala", "halo"]
MARKETS = ["de", "fr", "it", "es", "uk"]
#: Short fits: enough for the fan-out to be measured, not for a decision.
SAMPLER = {"chains": 2, "warmup": 300, "draws": 300}
PERIODS = 104


def datasets(n: int) -> list[tuple[str, str, int, pd.DataFrame]]:
    """``n`` simulated brand x market data sets: (brand, market, seed, data)."""
    out = []
    for i in range(n):
        brand, market = BRANDS[i // len(MARKETS) % len(BRANDS)], MARKETS[i % len(MARKETS)]
        if i >= len(BRANDS) * len(MARKETS):
            brand = f"{brand}{i // (len(BRANDS) * len(MARKETS))}"
        sim = mmm.simulate(MODEL, TRUTH, periods=PERIODS, seed=1000 + i)
        out.append((brand, market, 1000 + i, sim.data))
    return out


def fit_one(model: str, data: pd.DataFrame, seed: int, threads: int = 1) -> dict:
    """One fit, summarised as one row: the draws' digest, parameter means, ROAS per channel."""
    started, cpu = time.perf_counter(), time.process_time()
    fit = mmm.fit(model, data, seed=seed, threads=threads, **SAMPLER)
    row = {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "draws_sha256": hashlib.sha256(fit.draws().tobytes()).hexdigest(),
        "divergences": int(fit.sample_stats()["diverging"].sum()),
        "max_r_hat": float(fit.summary()["r_hat"].max()),
    }
    for _, r in fit.summary().iterrows():
        row[r["parameter"]] = r["mean"]
    for _, r in fit.roas().iterrows():
        row[f"roas[{r['channel']}]"] = r["roas_mean"]
    return row


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", type=int, default=40, help="brand x market data sets (40)")
    p.add_argument("--address", default=None, help="a Ray cluster (default: start Ray locally)")
    p.add_argument("--out", default="ray_summary.csv", help="the summary table (CSV)")
    args = p.parse_args()

    import ray

    model = MODEL.read_text()
    sets = datasets(args.models)
    started = time.perf_counter()
    ray.init(address=args.address, include_dashboard=False, logging_level="ERROR")
    init_seconds = time.perf_counter() - started

    @ray.remote(num_cpus=1)
    def fit_task(model: str, data: pd.DataFrame, seed: int) -> dict:
        # One engine thread per task: Ray spreads the tasks over the cores.
        os.environ["RAYON_NUM_THREADS"] = "1"
        return fit_one(model, data, seed, threads=1)

    started = time.perf_counter()
    futures = [fit_task.remote(model, data, seed) for _, _, seed, data in sets]
    rows = ray.get(futures)
    seconds = time.perf_counter() - started
    cpus = int(ray.cluster_resources().get("CPU", 1))
    ray.shutdown()

    table = pd.DataFrame(
        [{"brand": b, "market": m, "seed": s, **row} for (b, m, s, _), row in zip(sets, rows)]
    )
    table.to_csv(args.out, index=False)
    fit_seconds = table["seconds"].sum()
    print(
        f"Ray: {len(rows)} models in {seconds:.1f} s ({60 * len(rows) / seconds:.1f} models per "
        f"minute; Ray start {init_seconds:.1f} s, not counted); mean fit {fit_seconds / len(rows):.2f} s "
        f"({table['cpu_seconds'].mean():.2f} s CPU) inside a task, overhead per task {(seconds * min(cpus, len(rows)) - fit_seconds) / len(rows):.2f} s "
        f"core-seconds. Table: {args.out}"
    )


if __name__ == "__main__":
    main()
