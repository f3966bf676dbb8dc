"""Find the ontology, shapes, queries and sample records from a checkout or an installed wheel."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["path"]

_KINDS = ("ontology", "shapes", "queries", "samples")


def path(kind: str) -> Path:
    """The folder of one kind of resource: inside the wheel, else the checkout's top level."""
    if kind not in _KINDS:
        raise ValueError(f"unknown resource kind {kind!r}")
    if kind == "samples":  # sample records live inside the package itself
        return Path(str(files("trialkg"))) / "samples"
    packaged = Path(str(files("trialkg"))) / "data" / kind
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / kind
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"trialkg's {kind} folder is missing from this installation")
