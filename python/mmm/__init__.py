"""mmm: Bayesian marketing-mix models from Python (docs/python.md).

    import mmm
    fit = mmm.fit("models/pymc_marketing_example.toml", chains=4, seed=1)
    fit.roas()                 # a DataFrame, like roas.csv
    idata = fit.to_arviz()     # arviz.InferenceData with channel coordinates

``model`` is a model file's path, TOML text or a dict; ``data`` a CSV path or a pandas
DataFrame (default: the model's ``[data] path``). Every engine error is an :class:`MmmError`
with the message the command line prints.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

from . import _native
from ._fit import Allocation, Fit, read_csv
from ._inputs import classify_data, classify_toml
from ._native import MmmError

__all__ = ["Allocation", "Check", "Fit", "MmmError", "Simulation", "check", "fit", "simulate"]
__version__ = _native.version()


@dataclass(frozen=True)
class Check:
    """What ``mmm check`` found: the model as read, its parameters, the number of periods."""

    model: str
    parameters: list[str]
    periods: int

    def __str__(self) -> str:
        return self.model


@dataclass(frozen=True)
class Simulation:
    """A simulated data set: the data, the model reading it, and the truth."""

    data: pd.DataFrame
    model: str
    truth: dict


def check(model: Any, data: Any = None) -> Check:
    """Validate a model and its data as ``mmm check`` does; raise :class:`MmmError` if invalid."""
    text, names, periods = _native.check(*classify_toml(model, "model"), *classify_data(data))
    return Check(text, list(names), periods)


def fit(
    model: Any,
    data: Any = None,
    *,
    chains: int | None = None,
    warmup: int | None = None,
    draws: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
) -> Fit:
    """Sample the posterior as ``mmm fit`` does (same seed, same draws, bit for bit).

    Sampler settings left as ``None`` come from the model's ``[sampler]`` table. ``threads``
    pins the engine to that many threads (chains run in parallel up to it); ``None`` uses every
    core. The GIL is released while sampling, and Ctrl-C stops the fit with KeyboardInterrupt.
    """
    native = _native.fit(
        *classify_toml(model, "model"),
        *classify_data(data),
        chains=chains,
        warmup=warmup,
        draws=draws,
        seed=seed,
        threads=threads,
    )
    return Fit(native)


def simulate(
    model: Any, truth: Any = None, *, periods: int | None = None, seed: int | None = None
) -> Simulation:
    """Simulate a data set from a model as ``mmm simulate`` does (truth: path, TOML or dict;
    without it every parameter is drawn from its prior)."""
    truth_kind, truth_value = ("none", None) if truth is None else classify_toml(truth, "truth")
    csv, model_toml, truth_json = _native.simulate(
        *classify_toml(model, "model"), truth_kind, truth_value, periods, seed
    )
    data = read_csv(io.StringIO(csv))
    return Simulation(data=data, model=model_toml, truth=json.loads(truth_json))
