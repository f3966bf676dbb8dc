"""The RDF graph as a property graph: typed, labelled nodes with literal attributes; typed edges; suggestions
as weighted trial-to-trial edges."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

import pyoxigraph as ox

from ..resources import path
from ..store import Store
from ..terms import NS, PREFIXES, RDF_TYPE, RDFS_LABEL, T
from .select import Node, Selection, nodes

__all__ = ["EDGE_ATTRIBUTES", "Edge", "PNode", "Spill", "attributes", "convert", "elements", "name", "ontology"]

EDGE_ATTRIBUTES = {"weight": "double", "rank": "int", "reason": "string"}  # only suggestions have them
_SHORT = {v: k for k, v in PREFIXES.items()}


@dataclass
class PNode:
    """A node of the property graph: IRI, type (its trialkg class), label and literal attributes."""

    id: str
    type: str
    label: str
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class Edge:
    """A typed edge (the predicate's name); a suggestion's carries its score as weight, rank and reason."""

    source: str
    target: str
    type: str
    attrs: dict[str, float | int | str] = field(default_factory=dict)


def name(predicate: str) -> str:
    """A predicate's short name: local name for trialkg's and rdfs:label, prefix_local for others."""
    if predicate.startswith(NS):
        return predicate[len(NS) :]
    if predicate == RDFS_LABEL.value:
        return "label"
    local = re.split(r"[#/]", predicate)[-1]
    for ns, prefix in _SHORT.items():
        if predicate.startswith(ns):
            return f"{prefix}_{local}"
    return local


@cache
def ontology() -> tuple[tuple[str, str, str], ...]:
    """The statements of trialkg's ontology file between IRIs (declarations, domains, ranges)."""
    quads = ox.parse(path=str(path("ontology") / "trialkg.ttl"), format=ox.RdfFormat.TURTLE)
    return tuple((q.subject.value, q.predicate.value, q.object.value) for q in quads
                 if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode))  # fmt: skip


@cache
def attributes() -> tuple[str, ...]:
    """The node attributes every export declares: the ontology's datatype properties and the provenance
    terms records carry, by short name."""
    datatype = PREFIXES["owl"] + "DatatypeProperty"
    props = sorted(name(s) for s, p, o in ontology() if p == RDF_TYPE.value and o == datatype)
    return ("type", "label", *props, "prov_generatedAtTime")


def _label(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/#"))[-1]


def convert(node: Node) -> tuple[PNode | None, list[Edge]]:
    """One RDF node as a property-graph node and its outgoing edges; a suggestion as one edge."""
    if any(p == T.suggestedFor for p, _ in node.statements):
        one = {p: o.value for p, o in node.statements if isinstance(o, (ox.NamedNode, ox.Literal))}
        attrs: dict[str, float | int | str] = {"weight": float(one[T.score]), "rank": int(one[T.rank])}
        if T.reason in one:
            attrs["reason"] = one[T.reason]
        return None, [Edge(one[T.suggestedFor], one[T.suggestedTrial], "suggested", attrs)]
    types = sorted(o.value[len(NS) :] for p, o in node.statements
                   if p == RDF_TYPE and isinstance(o, ox.NamedNode) and o.value.startswith(NS))  # fmt: skip
    values: dict[str, list[str]] = {}
    edges = []
    for p, o in node.statements:
        if isinstance(o, ox.Literal):
            values.setdefault(name(p.value), []).append(o.value)
        elif isinstance(o, ox.NamedNode) and p != RDF_TYPE:
            edges.append(Edge(node.iri, o.value, name(p.value)))
    attrs_ = {k: "; ".join(sorted(set(v))) for k, v in values.items()}
    labels = values.get("label") or values.get("nctId") or [_label(node.iri)]
    attrs_.pop("label", None)
    return PNode(node.iri, types[0] if types else "Resource", min(labels), attrs_), edges


class Spill:
    """Edges written to a temporary file while nodes stream out, read back once every node is out."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed by close()

    def add(self, edge: Edge) -> None:
        self._file.write(json.dumps([edge.source, edge.target, edge.type, edge.attrs]) + "\n")

    def __iter__(self) -> Iterator[Edge]:
        self._file.seek(0)
        for line in self._file:
            s, t, k, a = json.loads(line)
            yield Edge(s, t, k, a)

    def close(self) -> None:
        self._file.close()


def elements(store: Store, selection: Selection) -> Iterator[PNode | Edge]:
    """Every node, then every edge; an edge's end that no exported node describes (an external vocabulary
    entry) becomes a bare node, except in a subset, where edges leaving it are left out."""
    spill, seen = Spill(), set()  # hashes of node IRIs: memory stays small on the whole registry
    try:
        for node in nodes(store, selection):
            if node.iri.startswith("_:"):
                continue  # blank nodes: OWL axioms of the vocabularies, not entities
            made, edges = convert(node)
            if made is not None:
                seen.add(hash(made.id))
                yield made
            for e in edges:
                spill.add(e)
        inside = selection.nodes
        for e in spill:
            for end in (e.source, e.target):
                if hash(end) not in seen and (inside is None or end in inside):
                    seen.add(hash(end))
                    yield PNode(end, "Resource", _label(end))
        for e in spill:
            if hash(e.source) in seen and hash(e.target) in seen:
                yield e
    finally:
        spill.close()
