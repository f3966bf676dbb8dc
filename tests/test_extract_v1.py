"""Retired API v1 FullStudiesResponse studies map to the same Study fields as v2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import FIXTURES
from trialkg.extract import ctgov_v1, extract
from trialkg.model import Investigator, Location

V1_FILES = ("results_1.json", "results_2.json", "covid-19-search.json", "NCT00023673.json",
            "NCT02028676.json", "NCT04780763.json")  # fmt: skip


def _studies(path: Path) -> list[dict[str, Any]]:
    """The caller's unwrapping: FullStudiesResponse.FullStudies[i].Study."""
    return [f["Study"] for f in json.loads(path.read_text())["FullStudiesResponse"]["FullStudies"]]


def _study(name: str) -> dict[str, Any]:
    (study,) = _studies(FIXTURES / name)
    return study


def test_is_study() -> None:
    assert ctgov_v1.is_study(_study("NCT04780763.v1.json"))
    assert not ctgov_v1.is_study(json.loads((FIXTURES / "NCT04780763.v1.json").read_text()))
    assert not ctgov_v1.is_study({"protocolSection": {}})  # v2
    assert not ctgov_v1.is_study([])


def test_interventional_not_yet_recruiting() -> None:
    s = ctgov_v1.parse(_study("NCT04780763.v1.json"))
    assert (s.nct_id, s.org_study_id, s.acronym) == ("NCT04780763", "NU391", "Tara")
    assert [(i.id, i.type, i.domain) for i in s.secondary_ids] == [
        ("S64737", "OTHER", "Ethische Commissie Onderzoek UZ/KU Leuven")  # v1 "Other Identifier" in v2 form
    ]
    assert (s.status, s.study_type, s.phases) == ("NOT_YET_RECRUITING", "INTERVENTIONAL", ["NA"])
    assert (s.allocation, s.intervention_model, s.primary_purpose, s.masking) == (
        "RANDOMIZED", "PARALLEL", "SUPPORTIVE_CARE", "QUADRUPLE"
    )  # fmt: skip
    assert (s.enrollment, s.enrollment_type) == (168, "ESTIMATED")  # 'Anticipated'
    assert (s.start_date, s.primary_completion_date, s.first_posted) == (
        "2021-03-04", "2021-07-31", "2021-03-03"
    )  # fmt: skip
    assert s.conditions == ["Anxious Healthy Subjects"]
    assert s.condition_mesh == [("D000001008", "Anxiety Disorders")]
    assert (s.minimum_age, s.maximum_age, s.sex, s.healthy_volunteers) == (
        "20 Years", "30 Years", "FEMALE", True
    )  # fmt: skip
    assert [(sp.name, sp.role, sp.agency_class) for sp in s.sponsors] == [
        ("Danone Research", "lead", "INDUSTRY")
    ]
    assert s.responsible_party_type == "SPONSOR" and s.responsible_party is None
    assert s.investigators == [
        Investigator("Rim HASSOUNA, PhD", "STUDY_CHAIR", "DANONE RESEARCH, PALAISEAU, FRANCE")
    ]
    assert s.locations == [Location("UZ/KU Leuven", "Leuven", None, "3000", "Belgium")]
    assert [a.type for a in s.arms] == ["ACTIVE_COMPARATOR", "PLACEBO_COMPARATOR"]
    assert s.arms[0].intervention_names == [
        "Other: Milk product fermented by lactic bacteria or not fermented"
    ]
    (i,) = s.interventions
    assert (i.type, i.name) == ("OTHER", "Milk product fermented by lactic bacteria or not fermented")
    assert i.arm_labels == [a.label for a in s.arms]
    assert [o.kind for o in s.outcomes][:1] == ["primary"]
    assert s.has_results is False and s.warnings == []


def test_observational_lists_locations_and_references() -> None:
    s = ctgov_v1.parse(_study("NCT05060562.v1.json"))
    assert (s.status, s.study_type, s.phases) == ("RECRUITING", "OBSERVATIONAL", [])
    # v1 keeps these two as lists ('DesignObservationalModelList'); the model holds one value.
    assert (s.observational_model, s.time_perspective) == ("COHORT", "PROSPECTIVE")
    assert s.allocation is None and s.masking is None
    assert (s.enrollment, s.enrollment_type, s.healthy_volunteers) == (1152, "ESTIMATED", False)
    assert s.condition_mesh == [("D000086382", "COVID-19")]
    assert s.keywords == ["COVID 19", "Post COVID 19 symptoms"]
    assert s.responsible_party_type == "PRINCIPAL_INVESTIGATOR"
    assert s.responsible_party == Investigator("Bumi Herman", "Assistant Lecturer", "Hasanuddin University")
    assert [(i.name, i.role) for i in s.investigators] == [
        ("Bumi Herman, M.D Ph.D", "PRINCIPAL_INVESTIGATOR"),
        ("Sathirakorn Pongpanich, Ph.D", "STUDY_DIRECTOR"),
        ("Pramon Viwattanakulvanid, Ph.D", "PRINCIPAL_INVESTIGATOR"),
    ]
    assert s.locations == [
        Location("Khairun University Faculty of Medicine", "Ternate", "North Maluku", None, "Indonesia",
                 "RECRUITING"),
        Location("Hasanuddin University Medical Research Center / HUMRC", "Makasar", "South Sulawesi",
                 "90245", "Indonesia", "RECRUITING"),
    ]  # fmt: skip
    assert len(s.references) == 11 and {r.type for r in s.references} == {"BACKGROUND"}
    first = s.references[0]
    assert (first.pmid, first.doi) == ("32644129", "10.1001/jama.2020.12603")
    assert [sp.name for sp in s.sponsors] == ["Hasanuddin University", "Chulalongkorn University"]
    assert s.warnings == []


def test_terminated_trial_with_results() -> None:
    s = ctgov_v1.parse(_study("NCT04656691.v1.json"))
    assert (s.status, s.phases, s.allocation, s.masking) == ("TERMINATED", ["PHASE4"], "NA", "NONE")
    assert s.why_stopped and s.why_stopped.startswith("In April 2021 FDA revoked")
    assert (s.enrollment, s.enrollment_type) == (139, "ACTUAL")
    assert s.intervention_mesh == [("C000711749", "Bamlanivimab")]
    assert s.healthy_volunteers is True  # 'Accepts Healthy Volunteers'
    assert s.responsible_party_type == "SPONSOR_INVESTIGATOR"
    assert [(sp.name, sp.role, sp.agency_class) for sp in s.sponsors] == [
        ("Daniel Griffin", "lead", "INDUSTRY"),
        ("Eli Lilly and Company", "collaborator", "INDUSTRY"),
        ("Optum, Inc.", "collaborator", "INDUSTRY"),
    ]
    assert s.has_results is True  # a ResultsSection (trimmed in the fixture) is present
    assert s.warnings == []


def test_unknown_module_section_and_enum_are_reported() -> None:
    study = _study("NCT04780763.v1.json")
    study["ProtocolSection"]["StatusModule"]["OverallStatus"] = "Paused for review"
    study["ProtocolSection"]["NewFancyModule"] = {}
    study["EvenNewerSection"] = {}
    s = ctgov_v1.parse(study)
    assert s.status == "PAUSED_FOR_REVIEW"
    assert "unknown status value 'Paused for review'" in s.warnings
    assert "unknown module 'NewFancyModule'" in s.warnings
    assert "unknown section 'EvenNewerSection'" in s.warnings


def test_v1_study_goes_through_the_format_registry() -> None:
    study, trial, triples = extract("ctgov-v1", _study("NCT04780763.v1.json"), "x")
    assert trial.value.endswith("/trial/NCT04780763") and triples


def test_every_corpus_v1_study_parses_without_warnings(shared: Path) -> None:
    folder = shared / "corpus/ctti-clinicaltrials__aact/json_data"
    studies = [ctgov_v1.parse(st) for name in V1_FILES for st in _studies(folder / name)]
    assert len(studies) == 206
    assert [(s.nct_id, s.warnings) for s in studies if s.warnings] == []
    assert all(s.nct_id and s.status and s.study_type for s in studies)
    assert sum(s.has_results for s in studies) == 6
