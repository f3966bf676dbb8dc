"""Extractors, one module per input format, and the registry of formats the CLI reuses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyoxigraph import NamedNode, Triple

from .. import iris
from ..conditions import shipped_lexicon
from ..model import Study
from ..triples import study_triples
from . import ctgov_csv, ctgov_v1, ctgov_v2, ctgov_xml, page_long, page_rowdump, page_terse

__all__ = ["FORMATS", "PAGE_LAYOUTS", "Format", "extract", "page_layout"]


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
        Format("ctgov-xml", "Legacy ClinicalTrials.gov XML <clinical_study> (file, folder, archive)", ctgov_xml.parse),
        Format("ctgov-csv", "ClinicalTrials.gov website CSV download (any subset of columns)", ctgov_csv.parse),
        Format("page-long", "Trial page as text, with sections (NCT ID, Basic Information, ...)", page_long.parse),
        Format("page-terse", "Terse trial page as text: summary, design lines, sites, outcomes", page_terse.parse),
        Format("page-rowdump", "A website CSV row dumped as lines, without its header", page_rowdump.parse),
    )
}  # fmt: skip

# Text pages carry no format marker: each layout scores how much a text looks like it.
PAGE_LAYOUTS: dict[str, Callable[[str], float]] = {
    "page-long": page_long.score,
    "page-terse": page_terse.score,
    "page-rowdump": page_rowdump.score,
}
_PAGE_THRESHOLD = 0.5


def page_layout(text: str) -> str | None:
    """The text-page layout a text matches best, or None when none matches well enough."""
    name, score = max(((n, f(text)) for n, f in PAGE_LAYOUTS.items()), key=lambda x: x[1])
    return name if score >= _PAGE_THRESHOLD else None


def extract(
    format_name: str, payload: Any, fallback_key: str, *, contacts: bool = False
) -> tuple[Study, NamedNode, list[Triple]]:
    """Parse one record and make its triples; a record without NCT id gets a local trial IRI.

    Conditions a page joined on one line are split with the shipped lexicon; a build splits
    them again with everything its store and its other records know too.
    """
    study = FORMATS[format_name].parse(payload)
    if study.conditions_joined:
        study.conditions = shipped_lexicon().split_all(study.conditions)
    trial = iris.record_trial(study.nct_id, fallback_key)
    return study, trial, study_triples(study, trial, contacts=contacts)
