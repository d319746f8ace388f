"""A fit's results as pandas DataFrames, its draws as numpy arrays, ArviZ, saving, optimizing."""

from __future__ import annotations

import io
import json
import os
import re
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from . import _native
from ._inputs import classify_toml

#: Sampler statistics with their ArviZ names.
SAMPLE_STATS = {
    "lp": "lp",
    "accept_stat": "acceptance_rate",
    "step_size": "step_size",
    "tree_depth": "tree_depth",
    "n_leapfrog": "n_steps",
    "diverging": "diverging",
    "energy": "energy",
}

#: The dimension each indexed parameter's label belongs to.
DIMS = {
    "beta": "channel",
    "alpha": "channel",
    "theta": "channel",
    "shape": "channel",
    "scale": "channel",
    "k": "channel",
    "s": "channel",
    "lam": "channel",
    "gamma": "control",
    "fourier": "fourier_term",
}

_INDEXED = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\[(.+)\]$")


def read_csv(source: Any) -> pd.DataFrame:
    """CSV with every float read back exactly (the engine writes shortest round-trip floats;
    pandas 3 reads them exactly by default, older pandas needs ``round_trip``)."""
    if int(pd.__version__.split(".")[0]) >= 3:
        return pd.read_csv(source)
    return pd.read_csv(source, float_precision="round_trip")


def _table(text: str) -> pd.DataFrame:
    return read_csv(io.StringIO(text))


class Fit:
    """A finished fit: what ``mmm fit`` writes into a fit directory, in memory."""

    def __init__(self, native: Any):
        self._native = native

    def __repr__(self) -> str:
        chains, draws = self._native.shape()
        return (
            f"<mmm.Fit: {len(self.parameters)} parameters, {chains} chains x {draws} draws, "
            f"sampled in {self._native.sampling_seconds():.2f} s>"
        )

    @property
    def parameters(self) -> list[str]:
        """Parameter names in model order (``beta[tv]``, ``alpha[tv]``, ...)."""
        return list(self._native.parameter_names())

    @cached_property
    def info(self) -> dict:
        """``fit.json``: the model, data fingerprint, sampler settings, per-chain diagnostics."""
        return json.loads(self._native.fit_json())

    def summary(self) -> pd.DataFrame:
        """``summary.csv``: mean, sd, quantiles, MCSE, ESS and R-hat per parameter."""
        return _table(self._native.summary_csv())

    def roas(self) -> pd.DataFrame:
        """``roas.csv``: ROAS, marginal ROAS and share of outcome per channel."""
        return _table(self._native.roas_csv())

    def contributions(self) -> pd.DataFrame:
        """``contributions.csv``: every component per period, mean and intervals."""
        return _table(self._native.contributions_csv())

    def response_curves(self) -> pd.DataFrame:
        """``response_curves.csv``: outcome per period at a flat spend per period."""
        return _table(self._native.response_curves_csv())

    def draws(self) -> np.ndarray:
        """Constrained draws, shape ``(chains, draws, parameters)``, in :attr:`parameters` order."""
        chains, draws = self._native.shape()
        flat = np.frombuffer(self._native.draws(), dtype="<f8")
        return flat.reshape(chains, draws, len(self.parameters))

    def sample_stats(self) -> dict[str, np.ndarray]:
        """Sampler statistics per draw, shape ``(chains, draws)``, under ArviZ's names."""
        chains, draws = self._native.shape()
        out = {}
        for name, arviz_name in SAMPLE_STATS.items():
            values = np.frombuffer(self._native.sample_stat(name), dtype="<f8")
            values = values.reshape(chains, draws)
            if name == "diverging":
                values = values.astype(bool)
            elif name in ("tree_depth", "n_leapfrog"):
                values = values.astype(np.int64)
            out[arviz_name] = values
        return out

    def to_arviz(self):
        """An ``arviz.InferenceData``: ``posterior`` (parameters grouped by name, with named
        coordinates: ``channel``, ``control``, ``fourier_term``) and ``sample_stats``."""
        import arviz as az

        posterior, coords, dims = self._grouped()
        return az.from_dict(
            posterior=posterior,
            sample_stats=self.sample_stats(),
            coords=coords,
            dims=dims,
            attrs={"inference_library": "mmm", "inference_library_version": _native.version()},
        )

    def _grouped(self):
        """Draws per variable, ``beta[tv]`` ... gathered into ``beta`` over ``channel``."""
        values = self.draws()
        variables: dict[str, list[tuple[str | None, int]]] = {}
        for i, name in enumerate(self.parameters):
            m = _INDEXED.match(name)
            base, label = (m.group(1), m.group(2)) if m else (name, None)
            variables.setdefault(base, []).append((label, i))
        posterior, coords, dims = {}, {}, {}
        for base, members in variables.items():
            index = [i for _, i in members]
            if members[0][0] is None:
                posterior[base] = values[:, :, index[0]]
                continue
            dim = DIMS.get(base, f"{base}_dim")
            labels = [label for label, _ in members]
            if dim in coords and coords[dim] != labels:
                dim = f"{base}_{dim}"
            coords[dim] = labels
            dims[base] = [dim]
            posterior[base] = values[:, :, index]
        return posterior, coords, dims

    def save(self, path: str | os.PathLike, force: bool = False) -> str:
        """Write the fit directory ``mmm fit --out PATH`` writes; returns its path."""
        return self._native.save(os.fspath(path), force)

    def optimize(self, scenario: Any, threads: int | None = None) -> "Allocation":
        """Answer a budget scenario (a path, TOML text or a dict), as ``mmm optimize`` does."""
        kind, value = classify_toml(scenario, "scenario")
        csv, js = self._native.optimize(kind, value, threads)
        return Allocation(csv, js)


class Allocation:
    """The answer to a scenario: ``allocation.csv`` and ``allocation.json``."""

    def __init__(self, csv: str, js: str):
        self._csv = csv
        self._json = js

    def table(self) -> pd.DataFrame:
        """``allocation.csv``: per channel current, optimal, bounds and marginal ROAS."""
        return _table(self._csv)

    @cached_property
    def details(self) -> dict:
        """``allocation.json``: the outcome of both plans with intervals, the optimality check."""
        return json.loads(self._json)

    def save(self, folder: str | os.PathLike) -> None:
        """Write ``allocation.csv`` and ``allocation.json`` into ``folder``."""
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "allocation.csv"), "w") as f:
            f.write(self._csv)
        with open(os.path.join(folder, "allocation.json"), "w") as f:
            f.write(self._json)

    def __repr__(self) -> str:
        return repr(self.table())
