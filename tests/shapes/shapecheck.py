"""Helpers for the shapes tests: validate rdflib graphs with pySHACL and read the results back."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import rdflib
from pyshacl import validate
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from trialkg.shacl import Shapes, from_rdflib, load

ROOT = Path(__file__).resolve().parents[2]
SHAPES = ROOT / "shapes"
DATA = Path(__file__).parent / "data"
TKGSH = "https://w3id.org/trialkg/shapes#"
NODES = "https://w3id.org/trialkg/"
PREFIXES = """\
@prefix tkg: <https://w3id.org/trialkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix mesh: <http://id.nlm.nih.gov/mesh/> .
@base <https://w3id.org/trialkg/> .
"""
# A result as the tests state it: (shape, focus node, result path, constraint component), where the
# shape is the tkgsh: local name, the focus is relative to https://w3id.org/trialkg/, the path is
# written in SPARQL property-path style and the component without 'sh:' and 'ConstraintComponent'.
Result = tuple[str, str, str, str]


@lru_cache(maxsize=1)
def shapes() -> rdflib.Graph:
    """Every shapes file, parsed once."""
    graph = rdflib.Graph()
    for ttl in sorted(SHAPES.glob("*.ttl")):
        graph.parse(ttl, format="turtle")
    return graph


def turtle(text: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=PREFIXES + text, format="turtle")


@cache
def _data(name: str) -> rdflib.Graph:
    return rdflib.Graph().parse(DATA / name, format="turtle")


def data(name: str) -> rdflib.Graph:
    """A fresh copy of one of data/*.ttl (trimmed real graphs)."""
    copy = rdflib.Graph()
    for triple in _data(name):
        copy.add(triple)
    return copy


def _path(report: rdflib.Graph, node: rdflib.term.Node | None) -> str:
    if node is None:
        return "-"
    if isinstance(node, rdflib.URIRef):
        return node.n3(shapes().namespace_manager)
    if (inner := report.value(node, SH.inversePath)) is not None:
        return "^" + _path(report, inner)
    if (alts := report.value(node, SH.alternativePath)) is not None:
        return "(" + "|".join(_path(report, x) for x in Collection(report, alts)) + ")"
    raise AssertionError(f"unexpected path form {node!r}")


def _focus(node: rdflib.term.Node | None) -> str:
    text = str(node)
    return text[len(NODES) :] if text.startswith(NODES) else text


def report(graph: rdflib.Graph) -> rdflib.Graph:
    _, out, _ = validate(graph, shacl_graph=shapes(), inference="none", advanced=False)
    return out


@lru_cache(maxsize=1)
def checker() -> Shapes:
    """trialkg's own compiled checker over the same shapes files."""
    return load(sorted(SHAPES.glob("*.ttl")))


def _short(text: str, prefix: str) -> str:
    return text[len(prefix) :] if text.startswith(prefix) else text


def results(graph: rdflib.Graph, severity: rdflib.URIRef | None = None) -> set[Result]:
    """Every result trialkg's checker gives for ``graph`` (only those of ``severity`` if given)."""
    wanted = None if severity is None else _short(str(severity), str(SH))
    return {
        (_short(r.shape, TKGSH), _focus(rdflib.URIRef(r.focus.strip("<>"))), r.path or "-", r.component)
        for r in checker().validate(from_rdflib(graph))
        if wanted is None or r.severity == wanted
    }


def pyshacl_results(graph: rdflib.Graph, severity: rdflib.URIRef | None = None) -> set[Result]:
    """Every result pySHACL gives for ``graph`` (only those of ``severity`` if given)."""
    out = report(graph)
    found = set()
    for r in out.subjects(RDF.type, SH.ValidationResult):
        if severity is not None and out.value(r, SH.resultSeverity) != severity:
            continue
        shape = str(out.value(r, SH.sourceShape))
        component = str(out.value(r, SH.sourceConstraintComponent))
        found.add((
            shape[len(TKGSH) :] if shape.startswith(TKGSH) else shape,
            _focus(out.value(r, SH.focusNode)),
            _path(out, out.value(r, SH.resultPath)),
            component.removeprefix(str(SH)).removesuffix("ConstraintComponent"),
        ))  # fmt: skip
    return found


@dataclass(frozen=True)
class Case:
    """One broken copy of a real graph: what is removed, what is added, and what must be reported."""

    id: str
    base: str
    expect: set[Result]
    remove: str = ""
    add: str = ""
    extra: tuple[str, ...] = field(default=())

    def graph(self) -> rdflib.Graph:
        graph = data(self.base) if self.base else rdflib.Graph()
        if self.remove:
            gone = turtle(self.remove)
            missing = [t for t in gone if t not in graph]
            assert not missing, f"{self.id}: triples to remove are not in {self.base}: {missing}"
            for triple in gone:
                graph.remove(triple)
        if self.add:
            for triple in turtle(self.add):
                graph.add(triple)
        return graph


def property_shapes(node_shape: str) -> set[str]:
    """Local names of a node shape's property shapes, and of itself if it has node-level constraints."""
    g = shapes()
    node = rdflib.URIRef(TKGSH + node_shape)
    names = {str(p)[len(TKGSH) :] for p in g.objects(node, SH.property)}
    node_level = {SH["xone"], SH["or"], SH["pattern"], SH["class"], SH.nodeKind}
    if any(p in node_level for p in g.predicates(node, None)):
        names.add(node_shape)
    return names
