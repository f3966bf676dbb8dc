"""Related trials on a graph of real records: rankings, reasons that hold in the graph, files, caps, the index."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import NamedNode

from conftest import FIXTURES
from trialkg import similarity, suggestions
from trialkg.build import build
from trialkg.related import Index, build_index, index_path, load_index, networkx_graph, suggest
from trialkg.store import Store
from trialkg.suggestions import write_all
from trialkg.terms import PROV_GENERATED_AT

TRIAL = "https://w3id.org/trialkg/trial/"
ABY025 = "https://w3id.org/trialkg/tracer/68ga-ga-aby-025"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("related") / "store"
    build(Store(path), [str(FIXTURES)])
    return Store(path, read_only=True)


@pytest.fixture(scope="module")
def index(store: Store) -> Index:
    return build_index(store)


def _linked(store: Store, trial: str, prop: str) -> set[str]:
    sparql = f"SELECT ?trial ?x WHERE {{ GRAPH ?g {{ ?trial {prop} ?x }} }}"
    rows = store.select(sparql, {"trial": NamedNode(TRIAL + trial)})
    return {r["x"] for r in rows}


def test_the_other_aby025_trial_comes_first_for_the_reasons_the_graph_holds(store: Store) -> None:
    # NCT01858116 and NCT06830382 both give [68Ga]Ga-ABY-025 (a HER2 Affibody PET tracer).
    trial, found = suggest(store, "NCT01858116", k=5)
    assert trial == TRIAL + "NCT01858116" and found[0].trial == TRIAL + "NCT06830382"
    assert ABY025 in _linked(store, "NCT01858116", "tkg:tracer") & _linked(store, "NCT06830382", "tkg:tracer")
    assert found[0].reasons[:3] == ["shared tracer [68Ga]Ga-aby-025", "same targeting vector aby-025",
                                    "same target ERBB2"]  # fmt: skip
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    assert TRIAL + "NCT01858116" not in {s.trial for s in found}


def test_every_shared_site_reason_is_a_site_both_trials_list(store: Store) -> None:
    # NCT03377387 and NCT00499330 share two Memorial Sloan Kettering sites.
    _, found = suggest(store, "NCT03377387", k=10)
    mine = _linked(store, "NCT03377387", "tkg:site")
    labels: dict[str, set[str]] = {}
    for r in store.select("SELECT ?s ?l WHERE { ?s a tkg:Site ; rdfs:label ?l }"):
        labels.setdefault(r["s"], set()).add(r["l"])  # a site two records spell two ways has two
    checked = 0
    for s in found:
        theirs = _linked(store, s.trial.rsplit("/", 1)[1], "tkg:site")
        for reason in s.reasons:
            if reason.startswith("shared site "):
                assert reason.removeprefix("shared site ") in set().union(*(labels[x] for x in mine & theirs))
                checked += 1
    assert checked >= 2


def test_a_rare_neighbour_weighs_more_than_a_common_one(index: Index) -> None:
    weights = index.weights()
    us = index.column["https://w3id.org/trialkg/country/united-states"]
    breast = index.column["https://w3id.org/trialkg/condition/breast-cancer"]
    aby = index.column[ABY025]
    assert index.df[us] > index.df[breast] > index.df[aby]
    assert weights[aby] > weights[breast] > weights[us]


def test_a_trial_given_as_a_file_that_the_store_lacks(tmp_path: Path) -> None:
    # A store without NCT06830382's page, asked about that page's file.
    records = tmp_path / "records"
    records.mkdir()
    for f in FIXTURES.iterdir():
        if f.name != "NCT06830382.page.txt" and f.is_file():
            shutil.copy(f, records / f.name)
    store = Store(tmp_path / "s")
    build(store, [str(records)])
    trial, found = suggest(store, str(FIXTURES / "NCT06830382.page.txt"), k=3)
    assert trial == TRIAL + "NCT06830382" and trial not in load_index(store).row
    assert found[0].trial == TRIAL + "NCT01858116"
    assert "shared tracer [68Ga]Ga-aby-025" in found[0].reasons


def test_a_neighbour_above_the_cap_proposes_no_candidates(index: Index) -> None:
    row = index.row[TRIAL + "NCT01858116"]
    graph, text = index.links[row], index.text[row]
    me = TRIAL + "NCT01858116"
    assert TRIAL + "NCT06830382" in {s.trial for s in index.related(graph, text, 20, exclude=me, text_weight=0)}
    index.cap = 1  # every neighbour of the trial is shared by two trials at least
    try:
        assert index.related(graph, text, 20, exclude=me, text_weight=0) == []
    finally:
        index.cap = 50


def test_a_lookup_reads_its_rarest_neighbours_first_and_no_more_than_its_budget(index: Index, monkeypatch: Any) -> None:
    me = TRIAL + "NCT01858116"
    row = index.row[me]
    graph, text = index.links[row], index.text[row]
    everything = index.related(graph, text, 20, exclude=me)
    monkeypatch.setattr(similarity, "BUDGET", 12)  # trials read: the ABY-025 trials' neighbours come first
    found = index.related(graph, text, 20, exclude=me)
    assert found[0].trial == TRIAL + "NCT06830382" and found[0].reasons[0].startswith("shared tracer")
    assert 0 < len(found) < len(everything)


def test_the_networkx_graph_holds_the_typed_neighbours(index: Index) -> None:
    g = networkx_graph(index)
    assert g.number_of_edges() == index.links.nnz
    neighbours = {n: g.nodes[n]["type"] for n in g[TRIAL + "NCT01858116"]}
    assert neighbours[ABY025] == "tracer"
    assert neighbours["https://w3id.org/trialkg/target/erbb2"] == "target"
    assert g.nodes[ABY025]["label"] == "[68Ga]Ga-aby-025"


def test_the_saved_index_gives_the_same_answers_and_a_build_drops_it(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    for f in FIXTURES.iterdir():
        if f.name != "NCT03991260.xml" and f.is_file():  # 99mTc-ADAPT6, a HER2 imaging trial added later
            shutil.copy(f, records / f.name)
    store = Store(tmp_path / "s")
    build(store, [str(records)])
    first = suggest(store, "NCT01858116")
    assert (index_path(store.path) / "index.json").exists()
    assert suggest(store, "NCT01858116") == first  # read back from disk
    assert TRIAL + "NCT03991260" not in {s.trial for s in first[1]}
    build(store, [str(FIXTURES / "NCT03991260.xml")])
    assert not index_path(store.path).exists()
    assert TRIAL + "NCT03991260" in {s.trial for s in suggest(store, "NCT01858116")[1]}


def test_cli_explains_and_fails_in_one_line(store: Store) -> None:
    run = [sys.executable, "-m", "trialkg", "related", "--store", str(store.path)]
    out = subprocess.run([*run, "NCT01858116", "-k", "3", "--json"], capture_output=True, text=True, check=True)
    doc = json.loads(out.stdout)
    assert doc["related"][0]["nct_id"] == "NCT06830382" and doc["related"][0]["title"].startswith("HER2-PET")
    text = subprocess.run([*run, "NCT01858116", "--explain"], capture_output=True, text=True, check=True).stdout
    assert "shared tracer [68Ga]Ga-aby-025" in text
    for bad, message in (("NCT99999999", "not in the store"), ("nope", "neither an NCT id")):
        done = subprocess.run([*run, bad], capture_output=True, text=True)
        assert done.returncode == 2 and message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_all_suggestions_written_ranked_with_their_method(tmp_path: Path) -> None:
    store = Store(tmp_path / "s")
    build(store, [str(FIXTURES)])
    trials, written, results = write_all(store, k=3)
    assert results == [] and trials >= 20 and trials < written <= 3 * trials
    rows = list(
        store.select("""SELECT ?for ?rank ?score ?other WHERE { GRAPH ?g { ?s
        tkg:suggestedFor ?for ; tkg:rank ?rank ; tkg:score ?score ; tkg:suggestedTrial ?other } }""")
    )
    assert len(rows) == written
    by_trial: dict[str, list[tuple[int, float]]] = {}
    for r in rows:
        assert r["other"] != r["for"]
        by_trial.setdefault(r["for"], []).append((int(r["rank"]), float(r["score"])))
    for ranked in by_trial.values():
        ranked.sort()
        assert [rank for rank, _ in ranked] == list(range(1, len(ranked) + 1))
        assert [score for _, score in ranked] == sorted((score for _, score in ranked), reverse=True)
    # The stored list is what a lookup gives.
    assert [s.trial for s in suggest(store, "NCT01858116", k=3)[1]] == [
        r["other"] for r in sorted((r for r in rows if r["for"] == TRIAL + "NCT01858116"), key=lambda r: int(r["rank"]))
    ]
    params = next(store.select("SELECT ?p WHERE { GRAPH ?g { ?g a tkg:DerivedGraph ; tkg:parameters ?p ; "
                               "tkg:method ?m FILTER(CONTAINS(STR(?g), 'related')) } }"))["p"]  # fmt: skip
    assert json.loads(params)["k"] == 3 and json.loads(params)["kinds"]["tracer"] == 3.0
    write_all(store, k=2)  # a second run replaces the graph whole
    assert int(next(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s tkg:suggestedFor ?t }"))["n"]) <= 2 * trials


def test_ranking_in_worker_processes_writes_what_one_process_writes(tmp_path: Path, monkeypatch: Any) -> None:
    store = Store(tmp_path / "s")
    build(store, [str(FIXTURES)])
    monkeypatch.setattr(suggestions, "_BLOCK", 3)  # enough blocks of trials for two workers to share

    def written() -> set[str]:
        return {str(q) for q in store.quads(suggestions.RELATED) if q.predicate != PROV_GENERATED_AT}

    one = write_all(store, k=4, jobs=1)
    alone = written()
    assert write_all(store, k=4, jobs=2) == one and written() == alone
    assert len(alone) > 4 * one[1]  # every suggestion's four statements, most with reasons


def test_many_at_once_gives_what_one_at_a_time_gives(index: Index) -> None:
    rows = list(range(len(index.trials)))
    together = index.related_many(index.links[rows], index.text[rows], 5, rows)
    for row, found in zip(rows, together, strict=True):
        alone = index.related(index.links[row], index.text[row], 5, exclude=index.trials[row])
        assert [(s.trial, round(s.score, 9)) for s in found] == [(s.trial, round(s.score, 9)) for s in alone]
