"""Models, data and scenarios as Python hands them, classified for the engine."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ._native import MmmError


def classify_toml(value: Any, what: str) -> tuple[str, str]:
    """A path, TOML text or a dict, as ``(kind, value)``: ``path``, ``toml`` or ``json``."""
    if isinstance(value, Mapping):
        try:
            return "json", json.dumps(value, default=_plain, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise MmmError(f"{what} dict: {e}") from None
    if isinstance(value, os.PathLike):
        return "path", os.fspath(value)
    if isinstance(value, str):
        # Text with a line break or a key is TOML; anything else names a file.
        if "\n" in value or ("=" in value and not Path(value).exists()):
            return "toml", value
        return "path", value
    raise MmmError(
        f"{what}: expected a path, TOML text or a dict, got {type(value).__name__}"
    )


def _plain(value: Any) -> Any:
    """numpy scalars and paths in a model dict, as JSON takes them."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{value!r} ({type(value).__name__}) is not a TOML value")


def classify_data(data: Any) -> tuple[str, str | None]:
    """Data as ``(kind, value)``: ``none``, ``path`` or ``csv`` (text made from a DataFrame)."""
    if data is None:
        return "none", None
    if isinstance(data, (str, os.PathLike)):
        return "path", os.fspath(data)
    if isinstance(data, pd.DataFrame):
        return "csv", dataframe_csv(data)
    raise MmmError(
        f"data: expected a path or a pandas DataFrame, got {type(data).__name__}"
    )


def dataframe_csv(df: pd.DataFrame) -> str:
    """The DataFrame as CSV text the engine's data checks read; errors then name the column.

    Dates become ISO text, floats are written with full precision (``repr``), so the engine
    reads exactly the values the DataFrame holds; booleans become 0/1. The engine's own checks
    then name any missing column or any cell it cannot read as a number.
    """
    out = df.copy()
    if not isinstance(out.index, pd.RangeIndex):
        out = out.reset_index()
    for name in out.columns:
        col = out[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            out[name] = col.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(col):
            out[name] = col.astype(int)
    return out.to_csv(index=False, float_format=None, lineterminator="\n")
