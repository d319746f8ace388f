"""The fan-out recipes run for real: every Ray and Spark result equals the sequential fit of the
same data set with the same seed, bit for bit (the draws' SHA-256)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from conftest import FANOUT_MODELS, ROOT


def run_example(name: str, out, *extra) -> pd.DataFrame:
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable)
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), "--models", str(FANOUT_MODELS),
         "--out", str(out), *extra],
        capture_output=True, text=True, env=env, timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    print("\n" + done.stdout.strip().splitlines()[-1])
    return pd.read_csv(out)


def assert_equal_to_sequential(table: pd.DataFrame, sequential: dict):
    assert len(table) == FANOUT_MODELS
    assert table["seed"].nunique() == FANOUT_MODELS
    for _, row in table.iterrows():
        reference = sequential[int(row["seed"])]
        assert row["draws_sha256"] == reference["draws_sha256"], row["seed"]
        for key in ("beta[tv]", "roas[search]"):
            assert row[key] == reference[key]


def test_ray_tasks_equal_the_sequential_fits(sequential, tmp_path):
    pytest.importorskip("ray")
    table = run_example("ray_fanout.py", tmp_path / "ray.csv")
    assert_equal_to_sequential(table, sequential)


def test_spark_apply_in_pandas_equals_the_sequential_fits(sequential, tmp_path):
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.fail("Spark needs java; install a headless JDK (default-jre-headless)")
    table = run_example("spark_fanout.py", tmp_path / "spark.csv")
    assert_equal_to_sequential(table, sequential)
