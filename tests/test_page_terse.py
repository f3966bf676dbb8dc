"""Terse trial pages as text: the user's seed 001, round trips of real records, damaged pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from pages import real_studies, render_long, render_rowdump, render_terse
from trialkg.extract import FORMATS, page_rowdump, page_terse
from trialkg.model import Location, Outcome, Study
from trialkg.readers import Record, read_paths

SEED = FIXTURES / "NCT01832051.terse.txt"
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~=^])")


def _n(text: str | None) -> str | None:
    """Comparison form of text: markdown escapes undone, whitespace collapsed."""
    return " ".join(_ESCAPE.sub(r"\1", text).split()) or None if text else None


def fixture_studies() -> list[tuple[str, Study]]:
    """Every structured record of tests/fixtures (v2, v1, XML, CSV), parsed by its own parser."""
    paths = [p for p in sorted(FIXTURES.iterdir()) if p.suffix in {".xml", ".json", ".csv"}]
    return [(f"{r.source}{r.position}", FORMATS[r.format].parse(r.payload))
            for r in read_paths(paths) if isinstance(r, Record)]  # fmt: skip


# What a terse page carries, per field, in comparison form.
def _site(x: Location) -> tuple[str | None, ...]:
    return (_n(x.facility), _n(x.city), _n(x.state), _n(x.country))


def _outcome(o: Outcome) -> tuple[str | None, ...]:
    return (_n(o.measure), _n(o.description), _n(o.time_frame))


FIELDS: dict[str, Callable[[Study], Any]] = {
    "brief_summary": lambda s: _n(s.brief_summary),
    "study_type": lambda s: s.study_type,
    "allocation": lambda s: s.allocation,
    "primary_purpose": lambda s: s.primary_purpose,
    "masking": lambda s: s.masking,
    "enrollment": lambda s: s.enrollment,
    "locations": lambda s: [_site(x) for x in s.locations],
    "outcomes": lambda s: [_outcome(o) for o in s.outcomes],
}
EXTRA_FIELDS: dict[str, Callable[[Study], Any]] = {
    f: (lambda s, f=f: getattr(s, f))
    for f in ("nct_id", "status", "phases", "intervention_model", "observational_model",
              "time_perspective", "start_date", "primary_completion_date", "completion_date", "sex",
              "minimum_age", "maximum_age", "healthy_volunteers")  # fmt: skip
}


def agreement(
    studies: list[tuple[str, Study]], extras: bool
) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """Per field: records whose value came back exactly, of those with a value on either side."""
    fields = {**FIELDS, **(EXTRA_FIELDS if extras else {})}
    counts = dict.fromkeys(fields, (0, 0))
    misses = []
    for label, study in studies:
        back = page_terse.parse(render_terse(study, extras=extras))
        for name, get in fields.items():
            want, got = get(study), get(back)
            if want in (None, []) and got in (None, []):
                continue
            right, total = counts[name]
            counts[name] = (right + (want == got), total + 1)
            if want != got:
                misses.append(f"{label} {name}: {want!r:.150} != {got!r:.150}")
    return counts, misses


# --- the seed: what a reader sees on the page -----------------------------------------------


def test_seed_001() -> None:
    s = page_terse.parse(SEED.read_text(encoding="utf-8"))
    assert (s.study_type, s.allocation, s.primary_purpose, s.masking) == (
        "INTERVENTIONAL", "NA", "DIAGNOSTIC", "NONE"
    )  # fmt: skip
    assert s.enrollment == 20
    assert [(x.facility, x.city, x.state, x.country) for x in s.locations] == [
        ("University Medical Center", "Groningen", None, "Netherlands")
    ]
    assert len(s.outcomes) == 4
    assert {o.time_frame for o in s.outcomes} == {"about 2 years (end of study)"}
    assert {o.kind for o in s.outcomes} == {"unspecified"}  # the page does not tell
    assert s.outcomes[0].measure == "Concordance between HER2-PET results and anti-HER2 therapy"
    first = s.outcomes[0].description or ""
    assert first.endswith("2/3 of included patients.")
    assert s.outcomes[3].measure == "Correlation of HER2-PET results and HER-2 expression by CTCs"
    assert s.brief_summary and s.brief_summary.startswith("Information about the presence of human")
    assert s.brief_summary.endswith("two after HER2-PET.")
    # No title or NCT id on this page, and the closing disclaimer is in no field.
    assert s.nct_id is None and s.brief_title is None and s.warnings == []
    texts = [s.brief_summary]
    texts += [t for o in s.outcomes for t in (o.measure, o.description, o.time_frame)]
    texts += [t for x in s.locations for t in (x.facility, x.city, x.country)]
    assert not any("medical advice" in (t or "") or "informational" in (t or "") for t in texts)


def test_renderer_writes_the_seed_back() -> None:
    page = SEED.read_text(encoding="utf-8")
    assert render_terse(page_terse.parse(page)) == page


# --- round trips of real records ------------------------------------------------------------


@pytest.mark.parametrize("extras", [False, True])
def test_fixture_records_round_trip(extras: bool) -> None:
    studies = fixture_studies()
    assert len(studies) >= 20
    counts, misses = agreement(studies, extras)
    assert not misses, "\n".join(misses)
    assert counts["locations"][1] >= 10 and counts["outcomes"][1] >= 15


@pytest.mark.parametrize("extras", [False, True])
def test_corpus_records_round_trip(shared: Path, extras: bool) -> None:
    studies = real_studies(shared / "corpus", per_source=15)
    assert len(studies) >= 100
    counts, misses = agreement(studies, extras)
    # Sites come back as 'City, State, Country': a comma inside a city or state ('Tokyo,
    # Chuo-ku') cannot be told from the one between them.
    floors = {"locations": 0.93, "outcomes": 0.98}
    low = {f: c for f, c in counts.items() if c[1] and c[0] / c[1] < floors.get(f, 1.0)}
    assert not low, f"{low}\n" + "\n".join(misses[:40])


# --- damaged and unusual pages ---------------------------------------------------------------


def _lines() -> list[str]:
    return SEED.read_text(encoding="utf-8").split("\n")


def test_missing_lines_leave_the_rest() -> None:
    lines = _lines()
    no_summary = page_terse.parse("\n".join(lines[1:]))
    assert no_summary.brief_summary is None and no_summary.study_type == "INTERVENTIONAL"
    assert len(no_summary.outcomes) == 4 and no_summary.locations[0].city == "Groningen"
    # No design lines: the summary ends where the site begins.
    no_design = page_terse.parse("\n".join([lines[0], *lines[11:]]))
    assert no_design.brief_summary == lines[0] and no_design.study_type is None
    assert [x.facility for x in no_design.locations] == ["University Medical Center"]
    assert len(no_design.outcomes) == 4
    # No site: the first outcome follows the design lines.
    no_site = page_terse.parse("\n".join(lines[:11] + lines[13:]))
    assert no_site.locations == [] and no_site.outcomes[0].measure.startswith("Concordance")
    # No outcomes, no disclaimer.
    bare = page_terse.parse("\n".join(lines[:13]))
    assert bare.outcomes == [] and bare.locations[0].country == "Netherlands"
    # An outcome without description, and one without time frame at the end.
    page = "\n".join(lines[:13] + ["Overall survival", "Time frame: 5 years", "Quality of life"])
    assert [(o.measure, o.description, o.time_frame) for o in page_terse.parse(page).outcomes] == [
        ("Overall survival", None, "5 years"), ("Quality of life", None, None)
    ]  # fmt: skip


def test_observational_record_with_other_labels() -> None:
    page = "\n".join([
        "A registry of patients treated with trastuzumab.",
        "NCT ID", "NCT01234567", "Study Type", "Observational", "Observational Model", "COHORT",
        "Time Perspective", "PROSPECTIVE", "Status", "Recruiting", "Phase", "PHASE1|PHASE2",
        "Start Date", "May 2013", "Sex", "FEMALE", "Minimum Age", "18 Years",
        "Healthy Volunteers", "No", "Estimated Enrollment", "1,200", "Funding Source", "INDUSTRY",
        "Registry Site", "Lyon, France", "Adverse events", "Time frame: 2 years",
    ])  # fmt: skip
    s = page_terse.parse(page)
    assert s.nct_id == "NCT01234567" and s.study_type == "OBSERVATIONAL" and s.allocation is None
    assert (s.observational_model, s.time_perspective, s.status) == (
        "COHORT", "PROSPECTIVE", "RECRUITING"
    )  # fmt: skip
    assert s.phases == ["PHASE1", "PHASE2"] and s.start_date == "2013-05"
    assert (s.sex, s.minimum_age, s.healthy_volunteers) == ("FEMALE", "18 Years", False)
    assert (s.enrollment, s.enrollment_type) == (1200, "ESTIMATED")
    assert s.warnings == ["unknown page label 'Funding Source' with value 'INDUSTRY'"]
    assert [(x.facility, x.city, x.country) for x in s.locations] == [
        ("Registry Site", "Lyon", "France")
    ]
    assert [(o.measure, o.time_frame) for o in s.outcomes] == [("Adverse events", "2 years")]


def test_several_sites_with_and_without_facility() -> None:
    head = _lines()[:11]
    tail = ["Overall survival", "Deaths from any cause", "Time frame: 5 years"]
    sites = [
        "Karolinska University Hospital", "Solna, , Sweden",
        "Psychiatric Consultants, PC", "Franklin, Tennessee, United States",
        "Samsung Medical Center", "Seoul, Korea, Republic of",
    ]  # fmt: skip
    s = page_terse.parse("\n".join(head + sites + tail))
    assert [(x.facility, x.city, x.state, x.country) for x in s.locations] == [
        ("Karolinska University Hospital", "Solna", None, "Sweden"),
        ("Psychiatric Consultants, PC", "Franklin", "Tennessee", "United States"),
        ("Samsung Medical Center", "Seoul", None, "Korea, Republic of"),
    ]
    assert [o.measure for o in s.outcomes] == ["Overall survival"]
    # Older records list sites without facility: addresses only.
    bare = ["Birmingham, Alabama, United States", "Boston, Massachusetts, United States",
            "Toronto, Ontario, Canada"]  # fmt: skip
    s = page_terse.parse("\n".join(head + bare + tail))
    assert [(x.facility, x.city) for x in s.locations] == [
        (None, "Birmingham"), (None, "Boston"), (None, "Toronto")
    ]
    assert [(o.measure, o.description) for o in s.outcomes] == [
        ("Overall survival", "Deaths from any cause")
    ]


def test_labelled_outcome_kinds_and_measure_named_like_a_header() -> None:
    head = _lines()[:13]
    page = head + [
        "Primary Outcomes", "Overall survival", "Time frame: 5 years",
        "Secondary Outcomes", "Toxicity", "CTCAE grade 3 or more", "Time frame: 1 year",
    ]  # fmt: skip
    assert [(o.kind, o.measure) for o in page_terse.parse("\n".join(page)).outcomes] == [
        ("primary", "Overall survival"), ("secondary", "Toxicity")
    ]  # fmt: skip
    # A measure called 'Primary Outcome' with its description stays a measure.
    page = head + ["Primary Outcome", "Re-epithelialization in two weeks.", "Time frame: 14 days"]
    assert [(o.kind, o.measure) for o in page_terse.parse("\n".join(page)).outcomes] == [
        ("unspecified", "Primary Outcome")
    ]


def test_disclaimers_escapes_and_line_endings() -> None:
    lines = _lines()[:-1] + [
        "Content on this site is not medical advice.",
        "Please consult your doctor before making any decision.",
    ]
    lines[0] = r"Patients with \[68Ga\]Ga-ABY-025 uptake \> 6 are eligible."
    s = page_terse.parse("\r\n".join(lines))
    assert s.brief_summary == "Patients with [68Ga]Ga-ABY-025 uptake > 6 are eligible."
    assert s.outcomes[-1].time_frame == "about 2 years (end of study)" and len(s.outcomes) == 4
    # Inline 'Label: value' lines are read as well.
    inline = page_terse.parse("Summary of the trial.\nStudy Type: INTERVENTIONAL\nEnrollment: 35")
    assert (inline.study_type, inline.enrollment) == ("INTERVENTIONAL", 35)


# --- telling layouts apart ------------------------------------------------------------------


PROSE = (
    "The study type was discussed at length by the investigators, who met in Groningen, "
    "Netherlands, and in Boston.\nEnrollment of patients was slow. Masking was not possible, "
    "since the time frame of the trial was short.\n\nThis is not medical advice."
)


def test_scores_tell_layouts_apart() -> None:
    seed = SEED.read_text(encoding="utf-8")
    assert page_terse.score(seed) >= 0.9
    assert page_rowdump.score(seed) < 0.1
    rowdump = (FIXTURES / "NCT01832051.rowdump.txt").read_text(encoding="utf-8")
    assert page_terse.score(rowdump) < 0.1
    assert page_terse.score(PROSE) < 0.05 and page_terse.score("") == 0.0
    for page in sorted(FIXTURES.glob("NCT*.page.txt")):  # the long seeds 002-004
        assert page_terse.score(page.read_text(encoding="utf-8")) < 0.2, page.name
    for label, study in fixture_studies():
        if study.outcomes and study.study_type:  # not a near-empty page
            assert page_terse.score(render_terse(study)) >= 0.5, label
        assert page_terse.score(render_rowdump(study, extras=True)) < 0.3, label
        assert page_terse.score(render_long(study, extras=True)) < 0.3, label
