"""Legacy and CSV values map to API v2 enum form; dates to ISO."""

from __future__ import annotations

import pytest

from trialkg import enums


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("status", "Not yet recruiting", "NOT_YET_RECRUITING"),
        ("status", "Active, not recruiting", "ACTIVE_NOT_RECRUITING"),
        ("status", "Unknown status", "UNKNOWN"),
        ("status", "RECRUITING", "RECRUITING"),
        ("intervention_model", "Single Group Assignment", "SINGLE_GROUP"),
        ("masking", "Double (Participant, Investigator)", "DOUBLE"),
        ("masking", "None (Open Label)", "NONE"),
        ("agency_class", "U.S. Fed", "FED"),
        ("allocation", "N/A", "NA"),
        ("allocation", "Non-Randomized", "NON_RANDOMIZED"),
        ("enrollment_type", "Anticipated", "ESTIMATED"),
        ("reference_type", "results_reference", "RESULT"),
        ("study_type", "Observational [Patient Registry]", "OBSERVATIONAL"),
    ],
)
def test_enum(kind: str, raw: str, expected: str) -> None:
    warnings: list[str] = []
    assert enums.enum(kind, raw, warnings) == expected
    assert warnings == []


def test_unknown_enum_is_kept_and_reported() -> None:
    warnings: list[str] = []
    assert enums.enum("status", "On hold", warnings) == "ON_HOLD"
    assert warnings == ["unknown status value 'On hold'"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Phase 1/Phase 2", ["PHASE1", "PHASE2"]), ("N/A", ["NA"]), ("PHASE2|PHASE3", ["PHASE2", "PHASE3"]),
     ("Early Phase 1", ["EARLY_PHASE1"]), (["PHASE1"], ["PHASE1"]), (None, [])],
)  # fmt: skip
def test_phases(raw: object, expected: list[str]) -> None:
    assert enums.phases(raw) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("May 2013", "2013-05"), ("March 4, 2021", "2021-03-04"), ("2024-12", "2024-12"),
     ("2017-12-13", "2017-12-13"), ("Sept 2013", None), ("", None)],
)  # fmt: skip
def test_dates(raw: str, expected: str | None) -> None:
    assert enums.date(raw) == expected


def test_doi_from_citation() -> None:
    citation = "Cortes J, et al. N Engl J Med. 2022;386(12):1143-1154. doi: 10.1056/NEJMoa2115022."
    assert enums.doi(citation) == "10.1056/nejmoa2115022"
    assert enums.doi("no identifier here") is None
