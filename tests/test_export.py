"""Exports read back by the tools that take them: networkx for GraphML and GEXF, rdflib for RDF and JSON-LD,
a header and id check for Neo4j, headless Chromium for the HTML page; subsets, and errors in one line."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib

from conftest import FIXTURES, chromium_dom
from trialkg.build import build
from trialkg.export import FORMATS, Selection, export, neighbourhood, whole
from trialkg.export.cytoscape import write_html
from trialkg.export.graph import Edge, PNode, attributes, elements
from trialkg.export.neo4j import NODES, RELATIONSHIPS
from trialkg.iris import vocabulary_graph
from trialkg.store import Store
from trialkg.suggestions import write_all

TRIAL = "https://w3id.org/trialkg/trial/"
ABY025 = "https://w3id.org/trialkg/tracer/68ga-ga-aby-025"
VOCABULARY = vocabulary_graph("").value


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("export") / "store"
    writable = Store(path)
    build(writable, [str(FIXTURES)])
    write_all(writable, k=5)
    del writable
    return Store(path, read_only=True)


@pytest.fixture(scope="module")
def around(store: Store) -> Selection:
    return neighbourhood(store, [TRIAL + "NCT06830382"], hops=1)


def _expected(store: Store, selection: Selection) -> tuple[dict[str, PNode], Counter[tuple[str, str, str]]]:
    items = list(elements(store, selection))
    nodes = {e.id: e for e in items if isinstance(e, PNode)}
    edges = Counter((e.source, e.target, e.type) for e in items if isinstance(e, Edge))
    return nodes, edges


def _scores(store: Store) -> dict[tuple[str, str], float]:
    rows = store.select("SELECT ?a ?b ?s WHERE { ?x tkg:suggestedFor ?a ; tkg:suggestedTrial ?b ; tkg:score ?s }")
    return {(r["a"], r["b"]): float(r["s"]) for r in rows}


def test_graphml_reads_back_in_networkx_with_the_same_nodes_edges_and_attributes(
    store: Store, around: Selection, tmp_path: Path
) -> None:
    export(store, "graphml", tmp_path / "g.graphml", around)
    g = nx.read_graphml(tmp_path / "g.graphml", force_multigraph=True)
    nodes, edges = _expected(store, around)
    assert set(g.nodes) == set(nodes) and TRIAL + "NCT06830382" in g and ABY025 in g
    for iri, node in nodes.items():
        assert g.nodes[iri] == {"type": node.type, "label": node.label, **node.attrs}
    assert Counter((s, t, d["type"]) for s, t, d in g.edges(data=True)) == edges
    assert g.nodes[ABY025]["type"] == "Tracer" and g.nodes[TRIAL + "NCT06830382"]["nctId"] == "NCT06830382"
    scores = _scores(store)
    suggested = [(s, t, d) for s, t, d in g.edges(data=True) if d["type"] == "suggested"]
    assert suggested and all(d["weight"] == scores[(s, t)] and d["rank"] >= 1 for s, t, d in suggested)


def test_gexf_reads_back_in_networkx_with_the_same_nodes_edges_and_weights(
    store: Store, around: Selection, tmp_path: Path
) -> None:
    export(store, "gexf", tmp_path / "g.gexf", around)
    g = nx.read_gexf(tmp_path / "g.gexf")
    nodes, edges = _expected(store, around)
    assert set(g.nodes) == set(nodes)
    for iri, node in nodes.items():
        assert g.nodes[iri] == {"label": node.label, "type": node.type, **node.attrs}
    assert Counter((s, t, d["type"]) for s, t, d in g.edges(data=True)) == edges
    scores = _scores(store)
    assert all(d["weight"] == scores[(s, t)] for s, t, d in g.edges(data=True) if d.get("type") == "suggested")


def test_every_literal_of_the_fixtures_has_a_declared_attribute(store: Store) -> None:
    declared = set(attributes())
    for e in elements(store, whole()):
        if isinstance(e, PNode):
            assert set(e.attrs) <= declared, e.id


def test_nquads_and_trig_hold_every_statement_in_its_graph(store: Store, tmp_path: Path) -> None:
    everything = {str(q) for g in store.graphs() for q in store.quads(g)}
    assert export(store, "nquads", tmp_path / "all.nq", whole(vocabularies=True)) == f"{len(everything):,} statements"
    assert {str(q) for q in ox.parse(path=str(tmp_path / "all.nq"), format=ox.RdfFormat.N_QUADS)} == everything
    export(store, "trig", tmp_path / "data.trig", whole())
    data = {str(q) for q in ox.parse(path=str(tmp_path / "data.trig"), format=ox.RdfFormat.TRIG)}
    records = {str(q) for g in store.graphs() if not g.value.startswith(VOCABULARY) for q in store.quads(g)}
    assert data == records and len(records) < len(everything)


def _union(store: Store) -> rdflib.Graph:
    data = ox.serialize(
        [ox.Triple(q.subject, q.predicate, q.object) for g in store.graphs() if not g.value.startswith(VOCABULARY)
         for q in store.quads(g)], format=ox.RdfFormat.N_TRIPLES)  # fmt: skip
    return rdflib.Graph().parse(data=data.decode(), format="nt")


def test_turtle_and_jsonld_parse_back_as_the_union_of_the_graphs(store: Store, tmp_path: Path) -> None:
    union = _union(store)
    export(store, "turtle", tmp_path / "data.ttl", whole())
    assert set(rdflib.Graph().parse(tmp_path / "data.ttl", format="turtle")) == set(union)
    export(store, "jsonld", tmp_path / "data.jsonld", whole())
    doc = json.loads((tmp_path / "data.jsonld").read_text())
    trial = next(n for n in doc["@graph"] if n["@id"] == TRIAL + "NCT06830382")
    assert trial["@type"] == "Trial" and trial["nctId"] == "NCT06830382" and ABY025 in trial["tracer"]
    assert doc["@context"]["tracer"] == {"@id": "https://w3id.org/trialkg/ontology#tracer", "@type": "@id"}
    parsed = rdflib.Graph().parse(tmp_path / "data.jsonld", format="json-ld")
    assert set(parsed) == set(union)


def test_neo4j_files_have_import_headers_and_every_relationship_end_is_a_node(store: Store, tmp_path: Path) -> None:
    summary = export(store, "neo4j", tmp_path / "neo", whole())
    assert "neo4j-admin database import full neo4j --nodes=" in summary
    with (tmp_path / "neo" / NODES).open(newline="") as f:
        rows = list(csv.reader(f))
    header, nodes = rows[0], rows[1:]
    assert header[:3] == ["iri:ID", ":LABEL", "label"]
    ids = [r[0] for r in nodes]
    assert len(ids) == len(set(ids)) and all(len(r) == len(header) for r in nodes)
    assert {"Trial", "Tracer", "Site", "Organization"} <= {r[1] for r in nodes}
    with (tmp_path / "neo" / RELATIONSHIPS).open(newline="") as f:
        rels = list(csv.DictReader(f))
    assert list(rels[0]) == [":START_ID", ":END_ID", ":TYPE", "weight:double", "rank:long", "reason:string"]
    known = set(ids)
    assert all(r[":START_ID"] in known and r[":END_ID"] in known for r in rels)
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", r[":TYPE"]) for r in rels)
    suggested = [r for r in rels if r[":TYPE"] == "SUGGESTED"]
    assert suggested and all(0 < float(r["weight:double"]) <= 1 and int(r["rank:long"]) >= 1 for r in suggested)
    assert {"TRACER", "LEAD_SPONSOR", "SITE"} <= {r[":TYPE"] for r in rels}


def test_cytoscape_json_has_the_elements_of_the_graph(store: Store, around: Selection, tmp_path: Path) -> None:
    export(store, "cytoscape", tmp_path / "g.cyjs", around)
    doc = json.loads((tmp_path / "g.cyjs").read_text())
    nodes, edges = _expected(store, around)
    assert {n["data"]["id"] for n in doc["elements"]["nodes"]} == set(nodes)
    assert Counter((e["data"]["source"], e["data"]["target"], e["data"]["type"]) for e in doc["elements"]["edges"]) \
        == edges  # fmt: skip


def test_hops_widen_the_neighbourhood(store: Store) -> None:
    alone = neighbourhood(store, [TRIAL + "NCT06830382"], hops=0).nodes
    one = neighbourhood(store, [TRIAL + "NCT06830382"], hops=1).nodes
    two = neighbourhood(store, [TRIAL + "NCT06830382"], hops=2).nodes
    assert alone is not None and one is not None and two is not None
    assert TRIAL + "NCT06830382" in alone and ABY025 not in alone
    assert ABY025 in one and "https://w3id.org/trialkg/radionuclide/ga-68" not in one
    assert "https://w3id.org/trialkg/radionuclide/ga-68" in two and alone < one < two


def test_the_page_draws_the_trial_and_its_tracer_in_a_browser(store: Store, tmp_path: Path) -> None:
    page = tmp_path / "NCT06830382.html"
    export(store, "html", page, neighbourhood(store, [TRIAL + "NCT06830382"], hops=1), "NCT06830382")
    dom = chromium_dom(page.as_uri(), tmp_path / "profile")
    assert re.search(r'<g class="node"[^>]*data-id="https://w3id.org/trialkg/trial/NCT06830382" data-type="Trial"', dom)
    assert re.search(rf'<g class="node"[^>]*data-id="{ABY025}" data-type="Tracer"', dom)
    assert "[68Ga]Ga-aby-025" in dom and 'id="legend"' in dom


def test_labels_cannot_break_out_of_the_page_script(tmp_path: Path) -> None:
    evil = "</script><script>alert(1)</script><!--"
    a, b = "https://example.org/a", "https://example.org/b"
    items = [PNode(a, "Trial", evil, {"note": "<b>x</b>"}), PNode(b, "Site", "b"), Edge(a, b, "site")]
    with (tmp_path / "p.html").open("w") as out:
        write_html(items, out, evil)
    page = (tmp_path / "p.html").read_text()
    assert evil not in page and page.count("</script>") == 1
    data = page[page.index("const ELEMENTS = ") + len("const ELEMENTS = ") :].split(";\n", 1)[0]
    assert json.loads(data)[0]["data"]["label"] == evil


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trialkg", "export", *args], capture_output=True, text=True)


def test_cli_exports_a_query_neighbourhood_and_fails_in_one_line(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "her2.graphml"
    done = _cli("-f", "graphml", "-o", str(out), "--query", "trials-by-target", "-p", "target=ERBB2",
                "--store", str(store.path))  # fmt: skip
    assert done.returncode == 0, done.stderr
    g = nx.read_graphml(out, force_multigraph=True)
    assert {TRIAL + "NCT06830382", TRIAL + "NCT01858116"} <= set(g.nodes)
    base = ["--store", str(store.path)]
    for args, message in [
        (["-f", "html", "-o", str(tmp_path / "x.html")], "html draws a subgraph"),
        (["-f", "graphml", "-o", str(tmp_path / "x.graphml"), "--trial", "NCT99999999"], "NCT99999999: not in"),
        (["-f", "graphml", "-o", str(tmp_path / "no" / "x.graphml")], "no such folder"),
        (["-f", "neo4j", "-o", str(out)], "this is a file"),
    ]:  # fmt: skip
        done = _cli(*args, *base)
        assert done.returncode == 2 and message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.html").exists() and not list(tmp_path.glob("*.part"))


def test_every_format_is_registered_with_a_suffix_and_a_description() -> None:
    assert set(FORMATS) == {"turtle", "ntriples", "nquads", "trig", "jsonld", "graphml", "gexf", "cytoscape", "neo4j",
                            "html"}  # fmt: skip
    assert all(f.description for f in FORMATS.values())
