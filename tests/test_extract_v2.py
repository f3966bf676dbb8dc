"""API v2 JSON records map to the right Study fields and triples."""

from __future__ import annotations

import json

from conftest import FIXTURES
from trialkg.extract import ctgov_v2, extract
from trialkg.terms import T


def _study(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def test_destiny_breast03_fields() -> None:
    s = ctgov_v2.parse(_study("NCT03529110.json"))
    assert s.nct_id == "NCT03529110"
    assert s.brief_title and s.brief_title.endswith("[DESTINY-Breast03]")
    assert s.phases == ["PHASE3"]
    assert s.study_type == "INTERVENTIONAL"
    assert s.allocation == "RANDOMIZED"
    assert s.enrollment == 524 and s.enrollment_type == "ACTUAL"
    assert s.start_date == "2018-08-09"
    assert [sp.name for sp in s.sponsors if sp.role == "lead"] == ["Daiichi Sankyo"]
    assert {sp.name for sp in s.sponsors if sp.role == "collaborator"} == {"AstraZeneca", "Daiichi Sankyo Co., Ltd."}
    assert [i.name for i in s.interventions] == [
        "Trastuzumab deruxtecan (T-DXd)", "Ado-trastuzumab emtansine (T-DM1)"
    ]
    assert {i.type for i in s.interventions} == {"DRUG"}
    assert all(loc.facility for loc in s.locations) and len(s.locations) == 6
    assert s.locations[0].lat is not None
    assert s.has_results is True
    assert s.warnings == []


def test_references_keep_pmid_type_and_doi() -> None:
    s = ctgov_v2.parse(_study("NCT03529110.json"))
    derived = [r for r in s.references if r.pmid]
    assert derived and all(r.type in {"BACKGROUND", "RESULT", "DERIVED"} for r in derived)
    assert any(r.doi and r.doi.startswith("10.") and r.doi == r.doi.lower() for r in derived)


def test_mesh_ids_from_derived_section_link_conditions() -> None:
    record = _study("NCT02278341.json")
    study, trial, triples = extract("ctgov-v2", record, "x")
    mesh = {t.object.value for t in triples if t.predicate == T.conditionMeshTerm}
    assert {m.rsplit("/", 1)[1] for m in mesh} == {mid for mid, _ in study.condition_mesh}
    assert mesh and all(m.startswith("http://id.nlm.nih.gov/mesh/D") for m in mesh)


def test_file_content_wins_over_file_name() -> None:
    # The AACT fixture named NCT02278341 holds NCT02552212: the content decides the trial.
    study, trial, _ = extract("ctgov-v2", _study("NCT02278341.json"), "x")
    assert study.nct_id == "NCT02552212"
    assert trial.value.endswith("/trial/NCT02552212")


def test_unknown_enum_and_module_are_reported_not_dropped() -> None:
    record = _study("NCT03529110.json")
    record["protocolSection"]["statusModule"]["overallStatus"] = "PAUSED_FOR_REVIEW"
    record["protocolSection"]["newFancyModule"] = {"x": 1}
    s = ctgov_v2.parse(record)
    assert s.status == "PAUSED_FOR_REVIEW"
    assert any("PAUSED_FOR_REVIEW" in w for w in s.warnings)
    assert any("newFancyModule" in w for w in s.warnings)


def test_arm_links_to_its_interventions() -> None:
    _, trial, triples = extract("ctgov-v2", _study("NCT03529110.json"), "x")
    arms = {t.object for t in triples if t.subject == trial and t.predicate == T.arm}
    links = [t for t in triples if t.predicate == T.armIntervention]
    assert len(arms) == 2
    assert {t.subject for t in links} == arms
