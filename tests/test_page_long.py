"""Long trial pages as text: the user's seeds, round trips of real records, and damaged pages."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from conftest import FIXTURES
from pages import FIELDS, LONG_BLURBS, LONG_FIELDS, facts, real_studies, render_long
from trialkg.extract import ctgov_v2, ctgov_xml, page_long
from trialkg.model import RelatedListing, Study

SEEDS = ("NCT06830382", "NCT04547309", "NCT07130344")


def _page(nct: str) -> str:
    return (FIXTURES / f"{nct}.page.txt").read_text(encoding="utf-8")


def _fixture_studies() -> list[tuple[str, Study]]:
    """The v2 and XML fixtures of this folder, and the parsed seeds."""
    out = []
    for path in sorted(FIXTURES.glob("NCT*.json")):
        if not path.name.endswith(".v1.json"):
            doc = json.loads(path.read_text())
            for record in doc if isinstance(doc, list) else [doc]:
                out.append((path.name, ctgov_v2.parse(record)))
    out += [(p.name, ctgov_xml.parse(p.read_bytes())) for p in sorted(FIXTURES.glob("NCT*.xml"))]
    out += [(f"{n}.page.txt", page_long.parse(_page(n))) for n in SEEDS]
    return out


# --- the seeds: what a reader sees on the page ---------------------------------------------


def test_seed_002_observational_trial() -> None:
    s = page_long.parse(_page("NCT06830382"))
    assert s.nct_id == "NCT06830382" and s.warnings == []
    assert s.brief_title == (
        "HER2-PET as a Precision Imaging Tool for Treatment With HER2-ADC in HER2-expressing mBC"
    )
    assert (s.status, s.study_type, s.enrollment, s.phases) == ("RECRUITING", "OBSERVATIONAL", 70, [])
    assert (s.start_date, s.completion_date) == ("2025-10-03", "2032-04-01")
    assert s.last_update_posted == "2025-11-20"
    assert (s.observational_model, s.time_perspective, s.allocation) == ("COHORT", "PROSPECTIVE", None)
    assert s.has_results is False
    assert s.conditions == ["Breast Cancer Stage IV HER2-low Breast Cancer Molecular Imaging"]
    assert s.conditions_joined is True
    assert [(p.name, p.role, p.agency_class) for p in s.sponsors] == [
        ("Renske Altena", "lead", "OTHER"),
        ("Karolinska Institutet", "collaborator", "OTHER"),
        ("Affibody", "collaborator", "INDUSTRY"),
    ]
    assert s.responsible_party_type == "SPONSOR_INVESTIGATOR"
    assert s.responsible_party is not None and s.responsible_party.name == "Renske Altena"
    assert [(i.name, i.role, i.affiliation) for i in s.investigators] == [
        ("Renske Altena, MD PhD", "STUDY_DIRECTOR", "Karolinska Institutet")
    ]
    [site] = s.locations
    assert (site.facility, site.city, site.state, site.country, site.status) == (
        "Karolinska University hospital", "Solna", None, "Sweden", "RECRUITING"
    )  # fmt: skip
    assert [(r.nct_id, r.status, r.phases) for r in s.related_listed] == [
        ("NCT06732336", "RECRUITING", ["PHASE1", "PHASE2"]),
        ("NCT04692831", "ACTIVE_NOT_RECRUITING", ["PHASE1"]),
        ("NCT01832051", "COMPLETED", ["PHASE2"]),
        ("NCT06194565", "RECRUITING", ["NA"]),
    ]
    assert s.related_listed[2].title == "Clinical Value of 89Zr-trastuzumab PET"
    assert [(c.name, c.role, c.phone, c.facility) for c in s.contacts] == [
        ("Thuy Tran, Associate Prof, PharmD, PhD", "CONTACT", "+46812377777", None),
        ("Renske Altena, Associate Professor, MD PhD", "CONTACT", None, None),
        ("Oscar Wiklander, MD PhD", "primary", "0728449485", "Karolinska University hospital"),
        ("Renske Altena, MD PhD", "backup", None, "Karolinska University hospital"),
    ]
    assert s.org_study_id == "HER2-Ex PET"
    assert [(i.id, i.type) for i in s.secondary_ids] == [("2024-512721-89-00", "CTIS")]
    # Observational groups have no 'Group Type'; both list the same PET intervention.
    assert [(a.label, a.type) for a in s.arms] == [
        ("Arm 1: HER2-expressing cohort", None), ("Arm 2: HER2-zero cohort", None)
    ]  # fmt: skip
    [pet] = s.interventions
    assert pet.name == "Positron emission tomografy with [68Ga]Ga-ABY-025" and pet.type == "DIAGNOSTIC_TEST"
    assert pet.description == "Investigational Medicinal product (IMP):[68Ga]Ga-ABY-025 (all patients)"
    assert pet.arm_labels == [a.label for a in s.arms]
    assert all(a.intervention_names == [pet.name] for a in s.arms)
    assert s.arms[1].description and s.arms[1].description.startswith("Patients with HER2-zero tumors")
    # Markdown escapes are undone; paragraphs stay apart.
    assert s.brief_summary and "tracer [68Ga]Ga-ABY-025 (hereafter" in s.brief_summary
    assert s.detailed_description and s.detailed_description.count("\n\n") == 6
    assert s.eligibility_criteria and "* Expected survival > 12 weeks." in s.eligibility_criteria
    assert s.eligibility_criteria.endswith("cannot be temporarily paused")
    assert (s.minimum_age, s.maximum_age, s.sex, s.healthy_volunteers) == ("18 Years", None, "FEMALE", False)


def test_seed_003_sponsors_site_and_publications() -> None:
    s = page_long.parse(_page("NCT04547309"))
    assert s.nct_id == "NCT04547309" and s.warnings == []
    assert (s.status, s.phases, s.study_type, s.enrollment) == ("RECRUITING", ["NA"], "INTERVENTIONAL", 200)
    assert (s.allocation, s.intervention_model, s.primary_purpose, s.masking) == (
        "NA", "SINGLE_GROUP", "DIAGNOSTIC", "NONE"
    )  # fmt: skip
    assert {(p.name, p.role, p.agency_class) for p in s.sponsors} == {
        ("Peking University Cancer Hospital & Institute", "lead", "OTHER"),
        ("The Affiliated Hospital of Qingdao University", "collaborator", "OTHER"),
        ("North Sichuan Medical College", "collaborator", "OTHER"),
    }
    [site] = s.locations
    assert (site.facility, site.city, site.state, site.country, site.status) == (
        "Hua Zhu", "Beijing", "Beijing Municipality", "China", "RECRUITING"
    )  # fmt: skip
    assert [(r.pmid, r.doi, r.type) for r in s.references] == [
        ("39854676", "10.1097/rlu.0000000000005686", "DERIVED"),
        ("39083323", "10.1093/oncolo/oyae188", "DERIVED"),
        ("38888484", "10.1148/radiol.232209", "DERIVED"),
    ]
    assert s.references[1].citation and s.references[1].citation.startswith("Gui X, Liang X")
    assert s.org_study_id == "2018KT61/2019KT114" and s.secondary_ids == []
    assert s.responsible_party_type == "PRINCIPAL_INVESTIGATOR"
    assert s.responsible_party is not None
    assert (s.responsible_party.name, s.responsible_party.role) == ("Hua Zhu", "Associate Professor")
    assert s.investigators == []
    assert [(c.name, c.role, c.phone) for c in s.contacts] == [("Shunlian Zhou", "primary", "010-88196391")]
    [arm] = s.arms
    assert arm.label == "68Ga/18F-HER2 Affibody PET/CT scan"
    assert (arm.type, arm.description) == ("EXPERIMENTAL", None)
    [tracer] = s.interventions
    assert (tracer.name, tracer.type, tracer.arm_labels) == (arm.label, "RADIATION", [arm.label])
    assert [(r.nct_id, r.phases) for r in s.related_listed] == [
        ("NCT04596670", ["EARLY_PHASE1"]), ("NCT06851663", ["PHASE2", "PHASE3"])
    ]  # fmt: skip
    assert s.conditions == ["HER2 Positive or Suspicious Positive Tumors"] and s.conditions_joined


def test_seed_004_randomized_trial_without_site_status() -> None:
    s = page_long.parse(_page("NCT07130344"))
    assert s.nct_id == "NCT07130344" and s.warnings == []
    assert (s.status, s.phases, s.enrollment) == ("NOT_YET_RECRUITING", ["NA"], 262)
    assert (s.allocation, s.intervention_model, s.primary_purpose) == ("RANDOMIZED", "PARALLEL", "OTHER")
    [site] = s.locations
    assert (site.facility, site.city, site.state, site.country, site.status) == (
        "ICANS", "Strasbourg", None, "France", None
    )  # fmt: skip
    assert [(i.name, i.role, i.affiliation) for i in s.investigators] == [
        ("François SOMME", "PRINCIPAL_INVESTIGATOR", "Institut de cancérologie Strasbourg Europe")
    ]
    assert s.responsible_party_type == "SPONSOR" and s.responsible_party is None
    assert [(p.name, p.role) for p in s.sponsors] == [("Centre Paul Strauss", "lead")]
    assert [(a.label, a.type, a.intervention_names) for a in s.arms] == [
        ("SOC arm", "ACTIVE_COMPARATOR", ["TAP CT-scan", "Bone scintigraphy"]),
        ("Experimental arm", "EXPERIMENTAL", ["18F-FDG PET-CT"]),
    ]
    assert [(i.name, i.type, i.arm_labels) for i in s.interventions] == [
        ("TAP CT-scan", "PROCEDURE", ["SOC arm"]),
        ("Bone scintigraphy", "PROCEDURE", ["SOC arm"]),
        ("18F-FDG PET-CT", "PROCEDURE", ["Experimental arm"]),
    ]
    assert [(c.name, c.phone) for c in s.contacts] == [
        ("Valérie SARTORI", "368767223 ext. 33"), ("Anne ANTHONY", "36876252413 ext. 33"),
        ("François SOMME", "368766767 ext. 33"),
    ]  # fmt: skip
    assert s.related_listed == [] and s.org_study_id == "2024-008"
    assert s.conditions == ["Metastatic Breast Cancer HER 2 Low-expressing Breast Cancer"]


@pytest.mark.parametrize("nct", SEEDS)
def test_renderer_writes_the_seed_back(nct: str) -> None:
    # The renderer mirrors the layout: re-rendering a parsed seed gives the seed, escapes undone.
    page = _page(nct)
    assert render_long(page_long.parse(page)) == re.sub(r"\\([\[\]<>])", r"\1", page)


# --- round trips of real records ------------------------------------------------------------


def _agreement(studies: list[tuple[str, Study]], extras: bool) -> tuple[dict[str, list[int]], list[str]]:
    shown = FIELDS if extras else LONG_FIELDS
    counts = {f: [0, 0, 0] for f in FIELDS}  # right, extracted, expected
    misses = []
    for label, study in studies:
        want = facts(study)
        got = facts(page_long.parse(render_long(study, extras=extras)))
        for f in shown:
            c = counts[f]
            c[0] += len(got[f] & want[f])
            c[1] += len(got[f])
            c[2] += len(want[f])
            if got[f] != want[f]:
                lost, extra = want[f] - got[f], got[f] - want[f]
                misses.append(f"{label} {f}: missing {lost!r:.200} extra {extra!r:.200}")
    return counts, misses


def _check(counts: dict[str, list[int]], misses: list[str], floor: float) -> None:
    low = {f: c for f, c in counts.items() if c[1] and (c[0] / c[1] < floor or c[0] / c[2] < floor)}
    assert not low, f"fields below {floor:.0%}: {low}\n" + "\n".join(misses[:60])


@pytest.mark.parametrize("extras", [False, True])
def test_fixture_records_round_trip(extras: bool) -> None:
    studies = _fixture_studies()
    assert len(studies) >= 15
    counts, misses = _agreement(studies, extras)
    assert not misses, "\n".join(misses)
    assert counts["sponsors"][2] and counts["locations"][2] and counts["references"][2]


@pytest.mark.parametrize("extras", [False, True])
def test_corpus_records_round_trip(shared: Path, extras: bool) -> None:
    studies = real_studies(shared / "corpus", per_source=12)
    assert len(studies) >= 100
    counts, misses = _agreement(studies, extras)
    _check(counts, misses, 0.97)
    right, extracted, expected = (sum(c[i] for c in counts.values()) for i in range(3))
    assert right / extracted > 0.995 and right / expected > 0.995, "\n".join(misses[:60])


# --- damaged and unusual pages ---------------------------------------------------------------


def _split(page: str) -> tuple[str, list[str]]:
    """The page head and its sections, cut at the headers the layout writes (for shuffling)."""
    headers = (
        "Study Results|Basic Information|Brief Summary|Detailed Description|Conditions|Study Design|"
        "Study Groups|Interventions|Eligibility Criteria|Sponsors|Responsible Party|"
        "Principal Investigators|Locations|Countries|Central Contacts|Facility Contacts|References|"
        "Other Identifiers|More Related Trials"
    )
    parts = re.split(rf"\n\n(?=(?:{headers})\n)", page)
    return parts[0], parts[1:]


def _rich() -> Study:
    """DESTINY-Breast03 (v2 fixture): many sites, references, arms and sponsors."""
    return ctgov_v2.parse(json.loads((FIXTURES / "NCT03529110.json").read_text()))


@pytest.mark.parametrize("seed", range(5))
def test_shuffled_sections_parse_the_same(seed: int) -> None:
    for page in [*map(_page, SEEDS), render_long(_rich())]:
        head, sections = _split(page)
        assert len(sections) >= 15
        random.Random(seed).shuffle(sections)
        assert facts(page_long.parse("\n\n".join([head, *sections]))) == facts(page_long.parse(page))


def test_missing_sections_leave_the_rest() -> None:
    page = _page("NCT07130344")
    head, sections = _split(page)
    kept = [s for s in sections if not s.startswith(("Interventions", "Countries", "Study Results"))]
    s, full = page_long.parse("\n\n".join([head, *kept])), page_long.parse(page)
    # The Study Groups still name and describe the interventions; the address gives the country.
    assert [(i.name, i.type, i.description, i.arm_labels) for i in s.interventions] == [
        (i.name, i.type, i.description, i.arm_labels) for i in full.interventions
    ]
    assert s.locations == full.locations and s.has_results is None
    same = set(FIELDS) - {"has_results"}
    got, want = facts(s), facts(full)
    assert {f: got[f] for f in same} == {f: want[f] for f in same}


def test_empty_sections() -> None:
    study = _rich()
    study.references, study.locations, study.arms, study.secondary_ids = [], [], [], []
    study.org_study_id = None
    page = render_long(study)
    for header in ("References", "Locations", "Study Groups", "Other Identifiers"):
        empty = f"\n\n{header}\n\nNothing is listed here for this trial."
        page = page.replace("\n\nSponsors\n\n", empty + "\n\nSponsors\n\n", 1)
    s = page_long.parse(page)
    assert (s.references, s.locations, s.arms, s.secondary_ids) == ([], [], [], [])
    assert [sp.name for sp in s.sponsors] == [sp.name for sp in study.sponsors]
    assert s.interventions and s.org_study_id is None and s.warnings == []


def test_pages_without_section_descriptions() -> None:
    for study in [_rich(), *(page_long.parse(_page(n)) for n in SEEDS)]:
        page = render_long(study, extras=True)
        bare = page
        for blurb in LONG_BLURBS.values():
            bare = bare.replace(f"\n\n{blurb}", "")
        assert bare != page
        assert facts(page_long.parse(bare)) == facts(page_long.parse(page))


def test_windows_line_endings_and_unknown_labels() -> None:
    page = _page("NCT07130344").replace("NONE\n\n", "NONE\n\nDesign Notes\n\nnone\n\n", 1)
    s = page_long.parse(page.replace("\n", "\r\n"))
    assert s.masking == "NONE" and s.enrollment == 262
    assert s.warnings == ["unknown study design field 'Design Notes': 'none'"]


def test_interventions_with_the_type_line_second() -> None:
    # Some pages list an intervention as name, type line, description (as the Study Groups do).
    page = _page("NCT07130344")
    start, end = page.index("\n\nInterventions\n\n"), page.index("\n\nEligibility Criteria\n\n")
    block = re.sub(r"\n\n([^\n]+)\n\n(Intervention Type \w+)", r"\n\n\2\n\n\1", page[start:end])
    block = block.replace("\n\nIntervention Type PROCEDURE\n\nPatient in the SOC arm will be followed by "
                          "TAP", "\n\nIntervention Type PROCEDURE\n\nOther Names: CT; CT-scan\n\n"
                          "Patient in the SOC arm will be followed by TAP", 1)  # fmt: skip
    s = page_long.parse(page[:start] + block + page[end:])
    full = page_long.parse(page)
    assert [(i.name, i.type, i.description) for i in s.interventions] == [
        (i.name, i.type, i.description) for i in full.interventions
    ]
    assert s.interventions[0].other_names == ["CT", "CT-scan"] and s.warnings == []


def test_outcomes_and_related_listings_round_trip() -> None:
    study = ctgov_xml.parse((FIXTURES / "NCT01832051.xml").read_bytes())
    assert study.outcomes
    study.related_listed = [
        RelatedListing("NCT06830382", "HER2-PET as a Precision Imaging Tool", "RECRUITING", []),
        RelatedListing("NCT04547309", None, "RECRUITING", ["NA"]),
    ]
    s = page_long.parse(render_long(study, extras=True))
    assert [(o.kind, o.measure, o.time_frame) for o in s.outcomes] == [
        (o.kind, o.measure, o.time_frame) for o in study.outcomes
    ]
    assert s.related_listed == study.related_listed


def test_score_tells_layouts_apart() -> None:
    long_scores = [page_long.score(_page(n)) for n in SEEDS]
    assert min(long_scores) >= 0.9
    terse = page_long.score((FIXTURES / "NCT01832051.terse.txt").read_text(encoding="utf-8"))
    rowdump = page_long.score((FIXTURES / "NCT01832051.rowdump.txt").read_text(encoding="utf-8"))
    prose = page_long.score(
        "The sponsors of this study met in several locations. Conditions were good, and the "
        "references to earlier interventions were clear.\n\nEligibility was discussed at length."
    )
    assert max(terse, rowdump) < 0.2 and prose < 0.05
    assert page_long.score(render_long(_rich())) >= 0.9
