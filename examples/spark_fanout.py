"""Fit one marketing-mix model per brand x market with Spark's groupBy().applyInPandas().

    python examples/spark_fanout.py                    # 40 simulated data sets, local[2]
    python examples/spark_fanout.py --master spark://head:7077 --models 400

All data sets sit in one long table (brand, market, week, sales, spends, promo); Spark groups
it by brand and market and hands each group to a pandas function that fits it with the engine
pinned to one thread (``threads=1``) and returns one summary row. The data sets are simulated by
the engine from models/demo.toml with models/demo_truth.toml, one seed per brand x market, and
each fit's seed is fixed per data set, so every row equals the sequential fit of the same data,
bit for bit (the draws' SHA-256 is in the table).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
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


def datasets(n: int) -> pd.DataFrame:
    """``n`` simulated brand x market data sets stacked in one table, with each one's seed."""
    parts = []
    for i in range(n):
        brand, market = BRANDS[i // len(MARKETS) % len(BRANDS)], MARKETS[i % len(MARKETS)]
        if i >= len(BRANDS) * len(MARKETS):
            brand = f"{brand}{i // (len(BRANDS) * len(MARKETS))}"
        data = mmm.simulate(MODEL, TRUTH, periods=PERIODS, seed=1000 + i).data
        parts.append(data.assign(brand=brand, market=market, seed=1000 + i))
    return pd.concat(parts, ignore_index=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", type=int, default=40, help="brand x market data sets (40)")
    p.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    p.add_argument("--out", default="spark_summary.csv", help="the summary table (CSV)")
    args = p.parse_args()

    from pyspark.sql import SparkSession
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

    # Spark's Python workers run this interpreter (the one with mmm installed).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    model = MODEL.read_text()
    long = datasets(args.models)
    first = long[long["seed"] == long["seed"].iloc[0]].drop(columns=["brand", "market", "seed"])
    params = mmm.check(model, first).parameters
    channels = ["tv", "search", "social", "print"]

    started = time.perf_counter()
    spark = (
        SparkSession.builder.master(args.master)
        .appName("mmm-fanout")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    init_seconds = time.perf_counter() - started

    columns = ["seconds", "cpu_seconds", "divergences", "max_r_hat"] + params + [f"roas[{c}]" for c in channels]
    schema = StructType(
        [
            StructField("brand", StringType()),
            StructField("market", StringType()),
            StructField("seed", LongType()),
            StructField("draws_sha256", StringType()),
        ]
        + [StructField(c, DoubleType()) for c in columns]
    )
    names = [f.name for f in schema.fields]

    def fit_group(group: pd.DataFrame) -> pd.DataFrame:
        seed = int(group["seed"].iloc[0])
        data = group.drop(columns=["brand", "market", "seed"]).reset_index(drop=True)
        t, cpu = time.perf_counter(), time.process_time()
        # One engine thread per task: Spark spreads the groups over the cores.
        fit = mmm.fit(model, data, seed=seed, threads=1, **SAMPLER)
        summary = fit.summary().set_index("parameter")["mean"]
        roas = fit.roas().set_index("channel")["roas_mean"]
        row = {
            "brand": group["brand"].iloc[0],
            "market": group["market"].iloc[0],
            "seed": seed,
            "draws_sha256": hashlib.sha256(fit.draws().tobytes()).hexdigest(),
            "seconds": time.perf_counter() - t,
            "cpu_seconds": time.process_time() - cpu,
            "divergences": float(fit.sample_stats()["diverging"].sum()),
            "max_r_hat": float(fit.summary()["r_hat"].max()),
            **{p: float(summary[p]) for p in params},
            **{f"roas[{c}]": float(roas[c]) for c in channels},
        }
        return pd.DataFrame([row], columns=names)

    started = time.perf_counter()
    frame = spark.createDataFrame(long)
    table = frame.groupBy("brand", "market").applyInPandas(fit_group, schema=schema).toPandas()
    seconds = time.perf_counter() - started
    cores = spark.sparkContext.defaultParallelism
    spark.stop()

    table = table.sort_values("seed").reset_index(drop=True)
    table.to_csv(args.out, index=False)
    n = len(table)
    fit_seconds = table["seconds"].sum()
    print(
        f"Spark: {n} models in {seconds:.1f} s ({60 * n / seconds:.1f} models per minute; "
        f"Spark start {init_seconds:.1f} s, not counted); mean fit {fit_seconds / n:.2f} s "
        f"({table['cpu_seconds'].mean():.2f} s CPU) inside a task, overhead per task {(seconds * min(cores, n) - fit_seconds) / n:.2f} "
        f"core-seconds. Table: {args.out}"
    )


if __name__ == "__main__":
    main()
