"""Builds write one named graph per source record, replace on re-ingest, and skip only what is bad."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from conftest import FIXTURES
from trialkg.build import build
from trialkg.store import Store, StoreError


def _count(store: Store, sparql: str) -> int:
    return int(next(store.select(sparql))["n"])


GRAPHS = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?g a tkg:SourceRecord } }"
TITLES = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?t tkg:briefTitle ?x } }"


def test_build_writes_a_graph_per_record_with_provenance(tmp_path: Path) -> None:
    store = Store(tmp_path / "s")
    report = build(store, [str(FIXTURES / "NCT02369484-array.json")])
    assert report.written == 2 and not report.skipped
    assert _count(store, GRAPHS) == 2
    rows = list(store.select(
        "SELECT ?file ?pos ?fmt ?v WHERE { GRAPH ?g { ?g tkg:describes <https://w3id.org/trialkg/trial/NCT04044170> ;"
        " tkg:sourceFile ?file ; tkg:recordPosition ?pos ; tkg:sourceFormat ?fmt ; tkg:trialkgVersion ?v ;"
        " prov:generatedAtTime ?at } }"
    ))  # fmt: skip
    assert len(rows) == 1
    assert rows[0]["file"].endswith("NCT02369484-array.json") and rows[0]["fmt"] == "ctgov-v2"
    assert rows[0]["pos"] in {"[0]", "[1]"}


def test_rebuild_is_unchanged_and_a_changed_record_replaces_its_graph(tmp_path: Path) -> None:
    src = tmp_path / "NCT03529110.json"
    shutil.copy(FIXTURES / "NCT03529110.json", src)
    store = Store(tmp_path / "s")
    first = build(store, [str(src)])
    again = build(store, [str(src)])
    assert (first.written, again.written, again.unchanged) == (1, 0, 1)
    record = json.loads(src.read_text())
    record["protocolSection"]["identificationModule"]["briefTitle"] = "A new title"
    src.write_text(json.dumps(record))
    third = build(store, [str(src)])
    assert third.written == 1
    titles = [r["x"] for r in store.select("SELECT ?x WHERE { ?t tkg:briefTitle ?x }")]
    assert titles == ["A new title"]  # the old title is gone: no stale triples
    assert _count(store, GRAPHS) == 1


def test_same_trial_from_two_sources_keeps_both_graphs(tmp_path: Path) -> None:
    store = Store(tmp_path / "s")
    build(store, [str(FIXTURES / "NCT03377387.json"), str(FIXTURES / "NCT03377387.xml")])
    assert _count(store, GRAPHS) == 2
    assert _count(store, TITLES) == 2


def test_bad_record_is_skipped_and_the_rest_kept(tmp_path: Path) -> None:
    good = json.loads((FIXTURES / "NCT03529110.json").read_text())
    broken = json.loads(json.dumps(good))
    broken["protocolSection"]["identificationModule"]["nctId"] = "NCT-not-an-id"
    src = tmp_path / "mixed.json"
    src.write_text(json.dumps([broken, good]))
    store = Store(tmp_path / "s")
    report = build(store, [str(src)])
    assert report.written == 1
    (skip,) = report.skipped
    assert skip.position == "[0]" and "NCT-not-an-id" in skip.reason


def test_name_content_mismatch_is_a_warning(tmp_path: Path) -> None:
    store = Store(tmp_path / "s")
    report = build(store, [str(FIXTURES / "NCT02278341.json")])
    assert report.written == 1
    assert any("file name says NCT02278341 but the record is NCT02552212" in w[2] for w in report.warnings)


def test_duplicate_nct_in_one_source_is_reported(tmp_path: Path) -> None:
    study = json.loads((FIXTURES / "NCT03529110.json").read_text())
    changed = json.loads(json.dumps(study))
    changed["protocolSection"]["identificationModule"]["briefTitle"] = "Second version"
    src = tmp_path / "dups.json"
    src.write_text(json.dumps([study, changed]))
    store = Store(tmp_path / "s")
    report = build(store, [str(src)])
    assert any("appears again" in w[2] for w in report.warnings)
    assert [r["x"] for r in store.select("SELECT ?x WHERE { ?t tkg:briefTitle ?x }")] == ["Second version"]


def test_second_writer_is_refused(tmp_path: Path) -> None:
    Store(tmp_path / "s")  # keeps the lock while referenced
    held = Store(tmp_path / "s2")
    with pytest.raises(StoreError, match="in use"):
        Store(tmp_path / "s2")
    del held


def test_reading_a_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no trialkg store here"):
        Store(tmp_path / "nothing", read_only=True)


def test_contacts_are_kept_out_unless_asked(tmp_path: Path) -> None:
    xml = str(FIXTURES / "NCT01832051.xml")
    ask = "SELECT ?name ?phone WHERE { ?t tkg:contact ?p . ?p rdfs:label ?name OPTIONAL { ?p tkg:phone ?phone } }"
    plain = Store(tmp_path / "plain")
    build(plain, [xml, str(FIXTURES / "NCT06830382.page.txt")])
    assert list(plain.select(ask)) == []
    assert list(plain.select("SELECT ?x WHERE { ?s tkg:phone|tkg:email ?x }")) == []
    opted = Store(tmp_path / "opted")
    build(opted, [xml, str(FIXTURES / "NCT06830382.page.txt")], contacts=True)
    phones = {r.get("phone") for r in opted.select(ask)}
    assert "+46812377777" in phones  # a central contact of the page


def test_shared_entities_are_described_once_in_the_entities_graph(tmp_path: Path) -> None:
    # NCT03377387 and NCT00499330 share two Memorial Sloan Kettering sites; the v2 and XML records of
    # NCT03377387 name the same sponsor, conditions and sites again.
    store = Store(tmp_path / "s")
    files = ["NCT03377387.json", "NCT03377387.xml", "NCT00499330.xml"]
    build(store, [str(FIXTURES / f) for f in files])
    misplaced = """SELECT ?s ?g WHERE { GRAPH ?g { ?s ?p ?o }
        FILTER(?g != <https://w3id.org/trialkg/graph/entities>
               && !STRSTARTS(STR(?g), "https://w3id.org/trialkg/graph/vocabulary/")
               && REGEX(STR(?s), "^https://w3id.org/trialkg/(org|site|city|condition|drug|tracer|person)/")) }"""
    assert list(store.select(misplaced)) == []
    # Every shared entity a record links to is typed and labelled there.
    undescribed = """SELECT DISTINCT ?e WHERE { GRAPH ?g { ?t a tkg:Trial ; tkg:site|tkg:leadSponsor|tkg:condition ?e }
        FILTER NOT EXISTS { GRAPH <https://w3id.org/trialkg/graph/entities> { ?e a ?type ; rdfs:label ?label } } }"""
    assert list(store.select(undescribed)) == []
    # A site both trials list: two record graphs link to it, its description is one set of statements.
    shared = """SELECT ?site (COUNT(DISTINCT ?g) AS ?records) WHERE {
        GRAPH ?g { <https://w3id.org/trialkg/trial/NCT00499330> tkg:site ?site }
        GRAPH ?h { <https://w3id.org/trialkg/trial/NCT03377387> tkg:site ?site } } GROUP BY ?site"""
    sites = [r["site"] for r in store.select(shared)]
    assert len(sites) == 2
    for site in sites:
        about = "SELECT ?site ?g ?p ?o WHERE { GRAPH ?g { ?site ?p ?o } }"
        quads = list(store.select(about, {"site": NamedNode(site)}))
        assert {q["g"] for q in quads} == {"https://w3id.org/trialkg/graph/entities"}
        assert len(quads) == len({(q["p"], q["o"]) for q in quads})
