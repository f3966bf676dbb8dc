"""API v2 JSON records map to the right Study fields and triples."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conftest import FIXTURES, SHARED
from trialkg.extract import ctgov_v2, drift, extract
from trialkg.model import Study
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


# --- schema drift: fields no real v2 record has had are reported, never dropped silently ---------------------------

_DRIFT = "unknown v2 fields (schema drift, not extracted): "
_LOCATIONS = "protocolSection.contactsLocationsModule.locations[]"


def corpus_studies(root: Path) -> Iterator[Any]:
    """Every real v2 study under ``root``: per-study files, arrays, and zips of one study per member."""
    for data in _documents(root):
        yield from (s for s in (data if isinstance(data, list) else [data]) if ctgov_v2.is_study(s))


def _documents(root: Path) -> Iterator[Any]:
    for path in sorted(root.rglob("*.json")):
        yield json.loads(path.read_text(encoding="utf-8-sig"))
    for path in sorted(root.rglob("*.zip")):
        with zipfile.ZipFile(path) as zf:
            yield from (json.loads(zf.read(name)) for name in zf.namelist() if name.endswith(".json"))


def field_paths(node: object, prefix: str = "") -> set[str]:
    """Every key path of one study, list items as ``[]``: what ``v2_fields.txt`` is made of."""
    if isinstance(node, list):
        return set().union(*(field_paths(v, prefix + "[]") for v in node))
    if not isinstance(node, dict):
        return set()
    paths = {f"{prefix}.{k}" if prefix else k for k in node}
    return paths.union(*(field_paths(v, f"{prefix}.{k}" if prefix else k) for k, v in node.items()))


def write_known_paths(corpus: Path = SHARED / "corpus") -> None:
    """Regenerate ``v2_fields.txt`` from the corpus, keeping its header and any paths it already has."""
    lines = drift.FIELDS.read_text(encoding="utf-8").splitlines()
    header = [line for line in lines if line.startswith("#")]
    paths = set(drift.known_paths()).union(*(field_paths(s) for s in corpus_studies(corpus)))
    drift.FIELDS.write_text("\n".join(header + sorted(paths)) + "\n", encoding="utf-8")


def _drift(study: Study) -> list[str]:
    return [w for w in study.warnings if w.startswith(_DRIFT)]


def _without_warnings(study: Study) -> dict:
    fields = dict(vars(study))
    fields.pop("warnings")
    return fields


def test_real_records_have_no_drift() -> None:
    records = [_study(n) for n in ("NCT03529110.json", "NCT06600893.v2.json", "NCT03377387.json", "NCT02278341.json")]
    records += _study("NCT02369484-array.json")
    assert len(records) >= 5
    for record in records:
        assert drift.unknown(record) == []
        assert _drift(ctgov_v2.parse(record)) == []


def test_unknown_fields_give_one_warning_and_change_nothing_else() -> None:
    record = _study("NCT03529110.json")
    drifted = _study("NCT03529110.json")
    drifted["derivedSection"]["newModule"] = {"score": 1}  # a new module: named, not descended
    drifted["protocolSection"]["designModule"]["designInfo"]["fooBar"] = "x"  # a new field inside a module
    drifted["protocolSection"]["statusModule"]["overalStatus"] = "COMPLETED"  # a misspelt key
    drifted["aiSummary"] = "new top-level field"
    for location in drifted["protocolSection"]["contactsLocationsModule"]["locations"][1:4]:
        location["floor"] = "3"  # inside list items: one path however many items carry it
    drifted["protocolSection"]["contactsLocationsModule"]["locations"][0]["geoPoint"]["alt"] = 12.5
    before, after = ctgov_v2.parse(record), ctgov_v2.parse(drifted)
    assert _drift(after) == [_DRIFT + ", ".join([
        "aiSummary",
        "derivedSection.newModule",
        f"{_LOCATIONS}.floor",
        f"{_LOCATIONS}.geoPoint.alt",
        "protocolSection.designModule.designInfo.fooBar",
    ]) + " … and 1 more"]  # fmt: skip
    assert drift.unknown(drifted)[-1] == "protocolSection.statusModule.overalStatus"
    assert after.warnings == before.warnings + _drift(after)
    assert _without_warnings(after) == _without_warnings(before)
    assert before.locations and before.sponsors and before.outcomes and before.interventions
    assert set(extract("ctgov-v2", drifted, "x")[2]) == set(extract("ctgov-v2", record, "x")[2])


def test_a_few_unknown_fields_are_all_named() -> None:
    record = _study("NCT06600893.v2.json")
    record["protocolSection"]["eligibilityModule"]["maxAge"] = "65 Years"
    assert _drift(ctgov_v2.parse(record)) == [_DRIFT + "protocolSection.eligibilityModule.maxAge"]


def test_known_but_unextracted_fields_are_not_drift() -> None:
    record = _study("NCT03529110.json")
    # The fixture already carries fields parse does not read (oversight, documents, misc info) ...
    assert {"oversightModule", "ipdSharingStatementModule"} <= set(record["protocolSection"])
    assert "documentSection" in record and "miscInfoModule" in record["derivedSection"]
    # ... and these real values, copied from the corpus records named, are ones it lacks.
    ps, derived = record["protocolSection"], record["derivedSection"]
    ps["designModule"]["bioSpec"] = {"retention": "SAMPLES_WITHOUT_DNA",
                                     "description": "cell pellet More than 95% CD5+CD19+ lymphocytes"}  # NCT03294980
    ps["armsInterventionsModule"]["interventions"][0]["interventionMappedName"] = []  # NCT05914155
    derived["miscInfoModule"]["modelPredictions"] = {"bmiLimits": {"minBmi": 0, "maxBmi": 101}}  # NCT00763412
    record["documentSection"]["largeDocumentModule"]["noSap"] = True  # NCT04326231
    events = [{"type": "RELEASE", "date": "2024-05-29"}, {"type": "RESET", "date": "2024-06-24"}]  # NCT04574193
    record["annotationSection"] = {"annotationModule": {"unpostedAnnotation": {"unpostedEvents": events}}}
    assert drift.unknown(record) == []
    assert ctgov_v2.parse(record).warnings == []


def test_drift_walk_survives_wrong_types() -> None:
    record = _study("NCT03529110.json")
    contacts = record["protocolSection"]["contactsLocationsModule"]
    contacts["overallOfficials"] = {"name": "Dr X"}  # an object where a list is expected: its keys are unknown
    contacts["locations"] = "Boston"  # a string where a list is expected: nothing below it to check
    record["protocolSection"]["statusModule"] = []
    assert drift.unknown(record) == ["protocolSection.contactsLocationsModule.overallOfficials.name"]


def test_shipped_fields_cover_the_corpus(shared: Path) -> None:
    studies = list(corpus_studies(shared / "corpus"))
    assert len(studies) > 1000
    assert set().union(*(field_paths(s) for s in studies)) <= drift.known_paths()
    assert all(drift.unknown(s) == [] for s in studies)


def test_a_field_of_the_wrong_type_skips_the_record_with_its_reason() -> None:
    from trialkg.pipeline import Extractor, Options
    from trialkg.readers import Record

    def outcome(change: Any) -> Any:
        record = _study("NCT03529110.json")
        change(record["protocolSection"])
        return Extractor(Options(validate=False))(Record("f.json", "", "ctgov-v2", record), None)

    conditions = outcome(lambda ps: ps["conditionsModule"].update(conditions="Breast Cancer"))
    title = outcome(lambda ps: ps["identificationModule"].update(briefTitle=["a", "b"]))
    untouched = outcome(lambda ps: None)
    # Read as it came, a string would have been 13 one-letter conditions, and a list its Python repr as a title.
    assert conditions.status == title.status == "skipped" and untouched.status == "written"
    assert conditions.reason == "ctgov-v2: a list expected, found a str: Breast Cancer"
    assert title.reason == "ctgov-v2: text expected, found a list: ['a', 'b']"
