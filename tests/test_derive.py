"""Derived shortcuts: the sponsor collaborations a build computes, checked against the records' own sponsors."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest

from conftest import FIXTURES
from trialkg.build import build
from trialkg.store import Store
from trialkg.terms import T

_PAIRS = """SELECT ?a ?b ?n WHERE { GRAPH <https://w3id.org/trialkg/graph/derived/collaborations> {
    ?c a tkg:Collaboration ; tkg:partner ?a, ?b ; tkg:sharedTrials ?n FILTER(STR(?a) < STR(?b)) } }"""


def _pairs(store: Store) -> dict[tuple[str, str], int]:
    return {(r["a"], r["b"]): int(r["n"]) for r in store.select(_PAIRS)}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("derive") / "store"
    build(Store(path), [str(FIXTURES)])
    return Store(path, read_only=True)


def test_collaborations_are_the_pairs_of_each_trials_sponsors(store: Store) -> None:
    # By hand: every record graph's lead sponsor and collaborators, pooled per trial, paired.
    sponsors: dict[str, set[str]] = {}
    for graph in store.graphs():
        for quad in store.quads(graph):
            if quad.predicate in (T.leadSponsor, T.collaborator):
                sponsors.setdefault(quad.subject.value, set()).add(quad.object.value)  # type: ignore[union-attr]
    expected = Counter(p for orgs in sponsors.values() for p in combinations(sorted(orgs), 2))
    assert len(expected) >= 40
    assert _pairs(store) == dict(expected)
    # NCT03529110: Daiichi Sankyo leads, with Daiichi Sankyo Co., Ltd. and AstraZeneca.
    org = "https://w3id.org/trialkg/org/"
    assert _pairs(store)[(org + "astrazeneca", org + "daiichi-sankyo")] == 1


def test_a_changed_record_changes_the_collaborations(tmp_path: Path) -> None:
    src = tmp_path / "NCT03529110.json"
    shutil.copy(FIXTURES / "NCT03529110.json", src)
    store = Store(tmp_path / "s")
    build(store, [str(src)])
    assert len(_pairs(store)) == 3  # three sponsors, three pairs
    record = json.loads(src.read_text())
    del record["protocolSection"]["sponsorCollaboratorsModule"]["collaborators"]
    src.write_text(json.dumps(record))
    report = build(store, [str(src)])
    assert report.written == 1
    assert _pairs(store) == {}  # the graph is derived again, not added to


def test_checking_in_slices_never_cuts_a_node_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real suggestions example, checked seven statements at a time: each node still whole.
    import pyoxigraph as ox

    import trialkg.derive

    path = Path(__file__).parent / "shapes" / "data" / "suggestions.ttl"
    quads = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    assert trialkg.derive.check(triples) == []
    monkeypatch.setattr(trialkg.derive, "_CHUNK", 7)
    assert trialkg.derive.check(triples) == []
    assert len(list(trialkg.derive._slices(triples))) > 1
