"""Entity statistics: the SPARQL aggregates agree with plain Python over the same store's quads."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import FIXTURES
from trialkg.build import build
from trialkg.stats import LEGEND, LOCAL_CLASSES, TypeStats, as_json, render_table, stats
from trialkg.store import Store
from trialkg.terms import DATA, NS, PREFIXES

RDF_TYPE = PREFIXES["rdf"] + "type"
GROUNDING = {PREFIXES["skos"] + "exactMatch", NS + "meshTerm", NS + "pmid", NS + "doi"}


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stats") / "store"
    report = build(Store(path), [str(FIXTURES)])
    assert report.written and len(report.trials) >= 20
    return path


@pytest.fixture(scope="module")
def computed(store_path: Path) -> tuple[int, list[TypeStats]]:
    return stats(Store(store_path, read_only=True))


def _quads(store: Store) -> list[tuple[str, str, str, str, bool]]:
    """Every statement as (graph, subject, predicate, object, object is an IRI)."""
    rows = store.query("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert isinstance(rows, ox.QuerySolutions)
    return [(r["g"].value, r["s"].value, r["p"].value, r["o"].value, isinstance(r["o"], ox.NamedNode))
            for r in rows]  # fmt: skip


def _by_hand(store: Store) -> tuple[int, dict[str, tuple[int, int, int]]]:
    """The same statistics computed without SPARQL aggregates, from the list of quads."""
    quads = _quads(store)
    types: dict[str, dict[str, set[str]]] = defaultdict(
        lambda: defaultdict(set)
    )  # graph -> node -> classes
    out: dict[str, dict[str, set[str]]] = defaultdict(
        lambda: defaultdict(set)
    )  # graph -> node -> IRIs
    grounded_nodes = set()
    for g, s, p, o, is_iri in quads:
        if p == RDF_TYPE:
            types[g][s].add(o)
        elif is_iri:
            out[g][s].add(o)
        if p in GROUNDING and (
            p != PREFIXES["skos"] + "exactMatch" or (is_iri and not o.startswith(DATA))
        ):
            grounded_nodes.add(s)
    local = {NS + c for c in LOCAL_CLASSES}
    entities: dict[str, set[str]] = defaultdict(set)
    mentions: dict[str, set[tuple[str, str]]] = defaultdict(set)
    trials = set()
    for g, nodes in types.items():
        for node, classes in nodes.items():
            for c in classes:
                if c.startswith(NS) and c not in local:
                    entities[c[len(NS) :]].add(node)
            if NS + "Trial" not in classes:
                continue
            trials.add(node)
            # The first step inside the trial's record graph; the second, and the types, from any graph
            # (a shared entity is described in the entities graph, a trial's own nodes in its record).
            reach = set(out[g][node])
            for x in out[g][node] - {node}:
                reach |= {o for graph in out.values() for o in graph.get(x, ())}
            for e in reach:
                for c in {c for graph in types.values() for c in graph.get(e, ())}:
                    if c.startswith(NS) and c not in local:
                        mentions[c[len(NS) :]].add((node, e))
    result = {}
    for name, nodes in entities.items():
        grounded = {e for e in nodes if not e.startswith(DATA) or e in grounded_nodes}
        result[name] = (len(nodes), len(mentions[name]), len(grounded))
    return len(trials), result


def test_aggregates_agree_with_counts_by_hand(
    store_path: Path, computed: tuple[int, list[TypeStats]]
) -> None:
    trials, rows = computed
    by_hand_trials, by_hand = _by_hand(Store(store_path, read_only=True))
    assert trials == by_hand_trials >= 20
    assert {r.type: (r.entities, r.mentions, r.grounded) for r in rows} == by_hand


def test_entity_types_of_the_fixtures(computed: tuple[int, list[TypeStats]]) -> None:
    _, rows = computed
    by_type = {r.type: r for r in rows}
    # Every shared entity class the fixtures give rise to; trial-local classes are never listed.
    assert {"Condition", "MeshDescriptor", "Organization", "Site", "City", "Country", "Person",
            "Publication"} <= set(by_type)  # fmt: skip
    assert not set(by_type) & set(LOCAL_CLASSES)
    mesh = by_type["MeshDescriptor"]
    assert mesh.grounded == mesh.entities and mesh.grounded_share == 1.0  # NLM's own IRIs
    assert by_type["Site"].grounded == 0
    # Cities are only reached through sites, and trials share some.
    assert by_type["City"].mentions >= by_type["City"].entities > 0
    assert [r.entities for r in rows] == sorted((r.entities for r in rows), reverse=True)


def test_publications_are_grounded_by_pmid_or_doi(
    store_path: Path, computed: tuple[int, list[TypeStats]]
) -> None:
    store = Store(store_path, read_only=True)
    q = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a tkg:Publication . %s }"
    with_id = int(next(store.select(q % "{ ?p tkg:pmid ?x } UNION { ?p tkg:doi ?x }"))["n"])
    publications = {r.type: r for r in computed[1]}["Publication"]
    assert publications.grounded == with_id
    assert 0 < with_id < publications.entities  # a citation without PMID or DOI stays ungrounded


def test_renderings(computed: tuple[int, list[TypeStats]]) -> None:
    trials, rows = computed
    table = render_table(trials, rows)
    assert table.startswith(f"{trials} trials")
    assert "type" in table and "grounded" in table and all(f"{k}:" in table for k in LEGEND)
    doc = as_json(trials, rows)
    assert doc["trials"] == trials and doc["legend"] == LEGEND
    assert [t["type"] for t in doc["types"]] == [r.type for r in rows]  # type: ignore[index, union-attr]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trialkg", *args], capture_output=True, text=True)


def test_cli_stats(store_path: Path, computed: tuple[int, list[TypeStats]]) -> None:
    done = run("stats", "--store", str(store_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"{computed[0]} trials"
    done = run("stats", "--store", str(store_path), "--format", "json")
    assert done.returncode == 0
    assert json.loads(done.stdout) == json.loads(json.dumps(as_json(*computed)))


def test_cli_stats_without_a_store_exits_2_with_one_line(tmp_path: Path) -> None:
    done = run("stats", "--store", str(tmp_path / "none"))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.strip().count("\n") == 0
    assert "no trialkg store" in done.stderr and done.stdout == ""
    assert run("stats", "--format", "xml").returncode == 2  # argparse refuses an unknown format
