"""Map registry values in any notation to ClinicalTrials.gov API v2 enum form, and dates to ISO."""

from __future__ import annotations

import re
from datetime import datetime

__all__ = ["KNOWN", "NCT", "date", "doi", "enum", "mesh_id", "phases", "pmid"]

# A registry id, in ASCII digits ('\d' takes any script's: 'NCT٠١...' is no NCT id).
NCT = re.compile(r"NCT[0-9]{8}")

# The API v2 value sets trialkg knows; anything else is kept in generic form and reported.
KNOWN: dict[str, frozenset[str]] = {
    "status": frozenset(
        "ACTIVE_NOT_RECRUITING COMPLETED ENROLLING_BY_INVITATION NOT_YET_RECRUITING RECRUITING "
        "SUSPENDED TERMINATED WITHDRAWN AVAILABLE NO_LONGER_AVAILABLE TEMPORARILY_NOT_AVAILABLE "
        "APPROVED_FOR_MARKETING WITHHELD UNKNOWN".split()
    ),
    "phase": frozenset("NA EARLY_PHASE1 PHASE1 PHASE2 PHASE3 PHASE4".split()),
    "study_type": frozenset("INTERVENTIONAL OBSERVATIONAL EXPANDED_ACCESS".split()),
    "allocation": frozenset("RANDOMIZED NON_RANDOMIZED NA".split()),
    "intervention_model": frozenset("SINGLE_GROUP PARALLEL CROSSOVER FACTORIAL SEQUENTIAL".split()),
    "observational_model": frozenset(
        "COHORT CASE_CONTROL CASE_ONLY CASE_CROSSOVER ECOLOGIC_OR_COMMUNITY FAMILY_BASED "
        "DEFINED_POPULATION NATURAL_HISTORY OTHER".split()
    ),
    "time_perspective": frozenset("PROSPECTIVE RETROSPECTIVE CROSS_SECTIONAL OTHER".split()),
    "primary_purpose": frozenset(
        "TREATMENT PREVENTION DIAGNOSTIC ECT SUPPORTIVE_CARE SCREENING HEALTH_SERVICES_RESEARCH "
        "BASIC_SCIENCE DEVICE_FEASIBILITY OTHER".split()
    ),
    "masking": frozenset("NONE SINGLE DOUBLE TRIPLE QUADRUPLE".split()),
    "agency_class": frozenset("NIH FED OTHER_GOV INDIV INDUSTRY NETWORK AMBIG OTHER UNKNOWN".split()),
    "intervention_type": frozenset(
        "BEHAVIORAL BIOLOGICAL COMBINATION_PRODUCT DEVICE DIAGNOSTIC_TEST DIETARY_SUPPLEMENT DRUG "
        "GENETIC PROCEDURE RADIATION OTHER".split()
    ),
    "arm_type": frozenset(
        "EXPERIMENTAL ACTIVE_COMPARATOR PLACEBO_COMPARATOR SHAM_COMPARATOR NO_INTERVENTION OTHER".split()
    ),
    "sex": frozenset("FEMALE MALE ALL".split()),
    "reference_type": frozenset("BACKGROUND RESULT DERIVED".split()),
    "responsible_party": frozenset("SPONSOR PRINCIPAL_INVESTIGATOR SPONSOR_INVESTIGATOR".split()),
    "official_role": frozenset(
        "STUDY_CHAIR STUDY_DIRECTOR PRINCIPAL_INVESTIGATOR SUB_INVESTIGATOR".split()
    ),
    "enrollment_type": frozenset("ACTUAL ESTIMATED".split()),
}
KNOWN["site_status"] = KNOWN["status"]
KNOWN["id_type"] = frozenset(
    "NIH FDA VA CDC AHRQ SAMHSA OTHER_GRANT EUDRACT_NUMBER CTIS REGISTRY OTHER NCT_ALIAS".split()
)

# Legacy XML, CSV and v1 spellings whose generic form is not the v2 form.
_SPECIAL: dict[str, str] = {
    "N_A": "NA",
    "NOT_APPLICABLE": "NA",
    "EARLY_PHASE_1": "EARLY_PHASE1",
    "PHASE_1": "PHASE1",
    "PHASE_2": "PHASE2",
    "PHASE_3": "PHASE3",
    "PHASE_4": "PHASE4",
    "UNKNOWN_STATUS": "UNKNOWN",
    "SINGLE_GROUP_ASSIGNMENT": "SINGLE_GROUP",
    "PARALLEL_ASSIGNMENT": "PARALLEL",
    "CROSSOVER_ASSIGNMENT": "CROSSOVER",
    "FACTORIAL_ASSIGNMENT": "FACTORIAL",
    "SEQUENTIAL_ASSIGNMENT": "SEQUENTIAL",
    "NONE_OPEN_LABEL": "NONE",
    "U_S_FED": "FED",
    "OTHER_U_S_FEDERAL_AGENCY": "FED",
    "RESULTS_REFERENCE": "RESULT",
    "RESULTS": "RESULT",
    "ANTICIPATED": "ESTIMATED",
    "CASE_ONLY": "CASE_ONLY",
    "ECOLOGIC_OR_COMMUNITY_STUDIES": "ECOLOGIC_OR_COMMUNITY",
    "OBSERVATIONAL_PATIENT_REGISTRY": "OBSERVATIONAL",
    "BOTH": "ALL",
    "EXPANDED_ACCESS_TREATMENT_IND_PROTOCOL": "EXPANDED_ACCESS",
    "CASE_CROSSOVER": "CASE_CROSSOVER",
    "DEVICE_FEASIBILITY": "DEVICE_FEASIBILITY",
    "EDUCATIONAL_COUNSELING_TRAINING": "ECT",
    # v1 secondary-id types
    "REGISTRY_IDENTIFIER": "REGISTRY",
    "OTHER_IDENTIFIER": "OTHER",
    "U_S_NIH_GRANT_CONTRACT": "NIH",
    "U_S_FDA_GRANT_CONTRACT": "FDA",
    "EUDRACT_NUMBER": "EUDRACT_NUMBER",
    "OTHER_GRANT_FUNDING_NUMBER": "OTHER_GRANT",
}


def _generic(raw: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", raw.upper()).strip("_")


def enum(kind: str, raw: str | None, warnings: list[str] | None = None) -> str | None:
    """Return the v2 enum form of ``raw``; unknown values are kept (generic form) and reported."""
    if raw is None or not raw.strip():
        return None
    # Masking in legacy XML carries its roles: 'Double (Participant, Investigator)'.
    if kind == "masking":
        raw = raw.split("(")[0] if not raw.upper().startswith("NONE") else "NONE"
    value = _generic(raw)
    value = _SPECIAL.get(value, value)
    if warnings is not None and value not in KNOWN[kind]:
        warnings.append(f"unknown {kind} value {raw.strip()!r}")
    return value


def phases(raw: str | list[str] | None, warnings: list[str] | None = None) -> list[str]:
    """Split and map phases: 'Phase 1/Phase 2' and 'PHASE1|PHASE2' give [PHASE1, PHASE2]."""
    if not raw:
        return []
    # '/' separates phases only before another phase: 'N/A' is one value.
    parts = raw if isinstance(raw, list) else re.split(r"[|,]|/(?=\s*phase)", raw, flags=re.I)
    out = [enum("phase", p, warnings) for p in parts]
    return sorted({p for p in out if p})


_MONTHS = {m.lower(): i for i, m in enumerate(
    "January February March April May June July August September October November December".split(), 1
)}  # fmt: skip
_MONTHS.update({name[:3]: i for name, i in list(_MONTHS.items())})
_ISO = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?", re.ASCII)  # ASCII digits only: int() takes any others
_WORDS = re.compile(r"([A-Za-z]+)\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})", re.ASCII)


def _valid(year: int, month: int, day: int | None) -> str | None:
    try:
        datetime(year, month, day or 1)
    except ValueError:
        return None
    return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")


def date(raw: str | None, warnings: list[str] | None = None) -> str | None:
    """ISO date: 'May 2013' gives '2013-05', 'March 4, 2021' gives '2021-03-04'."""
    if raw is None or not raw.strip():
        return None
    text = " ".join(raw.split())
    result = None
    if m := _ISO.fullmatch(text):
        result = _valid(int(m[1]), int(m[2]), int(m[3]) if m[3] else None)
    elif (m := _WORDS.fullmatch(text)) and (month := _MONTHS.get(m[1].lower())):
        result = _valid(int(m[3]), month, int(m[2]) if m[2] else None)
    elif re.fullmatch(r"[0-9]{4}", text):
        result = text
    if result is None and warnings is not None:
        warnings.append(f"unparsed date {raw.strip()!r}")
    return result


_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.I)


def doi(text: str | None) -> str | None:
    """The DOI inside a citation, lower-cased without resolver prefix or trailing punctuation."""
    match = _DOI.search(text or "")
    return match.group(1).rstrip(".,;)]").lower() if match else None


# A PMID and a MeSH id become the last segment of an IRI: anything else is reported, not used.
_PMID = re.compile(r"[0-9]+")
_MESH_ID = re.compile(r"[A-Za-z0-9]+")


def pmid(text: str | None, warnings: list[str]) -> str | None:
    """A PubMed id as given, or None (with a warning) when it is not one: '12345' yes, '1 2' no."""
    if text is not None and not _PMID.fullmatch(text):
        warnings.append(f"PMID is not a number, left out: {text!r}"[:200])
        return None
    return text


def mesh_id(value: object) -> bool:
    """Whether a value can be a MeSH id ('D001943', 'C000656')."""
    return isinstance(value, str) and _MESH_ID.fullmatch(value) is not None
