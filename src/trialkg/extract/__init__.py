"""Extractors, one module per input format, and the registry of formats the CLI reuses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyoxigraph import NamedNode, Triple

from .. import iris
from ..model import Study
from ..triples import study_triples
from . import ctgov_csv, ctgov_v1, ctgov_v2, ctgov_xml

__all__ = ["FORMATS", "Format", "extract"]


@dataclass(frozen=True)
class Format:
    """An input format: its name, what it is, and its pure parser of one record."""

    name: str
    title: str
    parse: Callable[[Any], Study]


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("ctgov-v2", "ClinicalTrials.gov API v2 JSON (study, array, page, NDJSON, zip)", ctgov_v2.parse),
        Format("ctgov-v1", "Retired ClinicalTrials.gov API v1 FullStudiesResponse JSON", ctgov_v1.parse),
        Format("ctgov-xml", "Legacy ClinicalTrials.gov XML <clinical_study> (file, folder, zip, tar.gz)", ctgov_xml.parse),
        Format("ctgov-csv", "ClinicalTrials.gov website CSV download (any subset of columns)", ctgov_csv.parse),
    )
}  # fmt: skip


def extract(
    format_name: str, payload: Any, fallback_key: str, *, contacts: bool = False
) -> tuple[Study, NamedNode, list[Triple]]:
    """Parse one record and make its triples; a record without NCT id gets a local trial IRI."""
    study = FORMATS[format_name].parse(payload)
    trial = iris.trial(study.nct_id) if study.nct_id else iris.local_trial(fallback_key)
    return study, trial, study_triples(study, trial, contacts=contacts)
