"""A compiled SHACL Core checker for small graphs (one source record at a time), kept equal to pySHACL by tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH

__all__ = [
    "Graph", "Result", "Shape", "Shapes", "ShapesError", "Statement", "from_rdflib", "load", "load_graph", "to_ox",
    "to_rdflib",
]  # fmt: skip

Term = ox.NamedNode | ox.BlankNode | ox.Literal
# A statement as a Triple, a Quad (its graph ignored) or a plain (subject, predicate, object) tuple.
Statement: TypeAlias = ox.Triple | ox.Quad | tuple[Any, ox.NamedNode, Any]
# A property path: an IRI, or (operator, operand) with operator one of inverse, alternative,
# sequence, zeroOrMore, oneOrMore, zeroOrOne.
PathExpr: TypeAlias = ox.NamedNode | tuple[str, Any]
_TYPE = ox.NamedNode(str(RDF.type))
_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
# Parts of SHACL Core this checker leaves out; a shapes file that uses one is refused, not half-checked.
_UNSUPPORTED = ("closed", "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount", "sparql", "target")
# The components that can report anything about an empty set of value nodes.
_EMPTY_FAILS = frozenset({"HasValue", "Equals"})
_SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


class ShapesError(Exception):
    """A shapes graph this checker cannot compile, with the shape and the reason."""


class Graph:
    """One small data graph indexed both ways: subject → predicate → objects, and back."""

    def __init__(self, triples: Iterable[Statement]) -> None:
        out: dict[Term, dict[ox.NamedNode, dict[Term, None]]] = {}
        s: Any  # RDF-star triple terms would pass through as opaque nodes
        o: Any
        for t in triples:
            if isinstance(t, tuple):
                s, p, o = t
            else:
                s, p, o = t.subject, t.predicate, t.object
            by_p = out.get(s)
            if by_p is None:
                by_p = out[s] = {}
            objs = by_p.get(p)
            if objs is None:
                by_p[p] = {o: None}
            else:
                objs[o] = None
        self.out = out
        self._inv: dict[ox.NamedNode, dict[Term, list[Term]]] = {}
        self._types: dict[Term, dict[Term, None]] | None = None
        self._subclassing = False

    def objects(self, s: Term, p: ox.NamedNode) -> list[Term]:
        by_p = self.out.get(s)
        objs = by_p.get(p) if by_p else None
        return list(objs) if objs else []

    def subjects(self, p: ox.NamedNode, o: Term) -> list[Term]:
        inv = self._inv.get(p)
        if inv is None:  # built per predicate on first use: shapes invert only a few
            inv = self._inv[p] = {}
            for s, by_p in self.out.items():
                for obj in by_p.get(p, ()):
                    inv.setdefault(obj, []).append(s)
        return inv.get(o, [])

    def instances(self, cls: ox.NamedNode) -> list[Term]:
        """Subjects typed ``cls`` or a subclass of it (rdfs:subClassOf in the data graph, as SHACL says)."""
        if self._types is None:
            types: dict[Term, dict[Term, None]] = {}
            for s, by_p in self.out.items():
                for t in by_p.get(_TYPE, ()):
                    types.setdefault(t, {})[s] = None
            self._types = types
            self._subclassing = any(_SUBCLASS in by_p for by_p in self.out.values())
        if not self._subclassing:
            return list(self._types.get(cls, ()))
        found: dict[Term, None] = {}
        for t, members in self._types.items():
            if self.is_a(t, cls):
                found.update(members)
        return list(found)

    def is_a(self, cls: Term, target: ox.NamedNode) -> bool:
        if cls == target:
            return True
        seen, todo = set(), [cls]
        while todo:
            c = todo.pop()
            if c == target:
                return True
            if c not in seen:
                seen.add(c)
                todo.extend(self.objects(c, _SUBCLASS))
        return False

    def values(self, focus: Term, path: PathExpr) -> list[Term]:
        if isinstance(path, ox.NamedNode):
            return self.objects(focus, path)
        op, arg = path
        if op == "inverse":
            inner = arg
            if isinstance(inner, ox.NamedNode):
                return self.subjects(inner, focus)
            if inner[0] == "alternative":  # ^(a|b) = ^a|^b
                return list(dict.fromkeys(v for p in inner[1] for v in self.values(focus, ("inverse", p))))
            raise ShapesError("only IRIs and alternatives can be inverted here")
        if op == "alternative":
            return list(dict.fromkeys(v for p in arg for v in self.values(focus, p)))
        if op == "sequence":
            nodes = [focus]
            for step in arg:
                nodes = list(dict.fromkeys(v for n in nodes for v in self.values(n, step)))
            return nodes
        # zeroOrMore, oneOrMore, zeroOrOne
        reached: dict[Term, None] = {focus: None} if op != "oneOrMore" else {}
        frontier = [focus]
        while frontier:
            nxt = [v for n in frontier for v in self.values(n, arg) if v not in reached]
            reached.update(dict.fromkeys(nxt))
            frontier = nxt if op != "zeroOrOne" else []
        return list(reached)


@dataclass(frozen=True)
class Result:
    """One validation result, in plain strings (picklable, printable); ``value`` is N-Triples."""

    shape: str
    focus: str
    path: str | None
    value: str | None
    component: str
    severity: str
    message: str


# A constraint: (component local name, check(graph, focus, value nodes) -> failing value nodes, where
# None stands for a result about the focus node as a whole, e.g. a count).
Check = Callable[[Graph, Term, list[Term]], Sequence[Term | None]]


@dataclass
class Shape:
    """A compiled node or property shape."""

    id: str
    path: PathExpr | None = None
    path_text: str | None = None
    severity: str = "Violation"
    message: str = ""
    targets_class: list[ox.NamedNode] = field(default_factory=list)
    targets_node: list[Term] = field(default_factory=list)
    targets_subjects_of: list[ox.NamedNode] = field(default_factory=list)
    targets_objects_of: list[ox.NamedNode] = field(default_factory=list)
    min_count: int = 0
    max_count: int | None = None
    checks: list[tuple[str, Check]] = field(default_factory=list)
    empty_checks: list[tuple[str, Check]] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)
    _groups: tuple[list[tuple[ox.NamedNode, list[Shape], list[Shape]]], list[Shape]] | None = None

    def validate(self, graph: Graph, focus: Term, out: list[Result]) -> None:
        values = [focus] if self.path is None else graph.values(focus, self.path)
        self.check(graph, focus, values, out)

    def check(self, graph: Graph, focus: Term, values: list[Term], out: list[Result]) -> None:
        """Report what ``values`` (this shape's value nodes for ``focus``) break."""
        # Counts are checked inline: nearly every property shape has one, and a call costs more.
        n = len(values)
        if n < self.min_count:
            out.append(Result(self.id, str(focus), self.path_text, None, "MinCount", self.severity, self.message))
        elif self.max_count is not None and n > self.max_count:
            out.append(Result(self.id, str(focus), self.path_text, None, "MaxCount", self.severity, self.message))
        if not n:  # most optional properties are absent: only a few components can fail then
            checks = self.empty_checks
            if not checks:
                return
        else:
            checks = self.checks
        for component, check in checks:
            for bad in check(graph, focus, values):
                out.append(Result(self.id, str(focus), self.path_text, None if bad is None else str(bad),
                                  component, self.severity, self.message))  # fmt: skip
        if self.properties:
            if self._groups is None:
                self._groups = _group(self.properties)
            iri_groups, others = self._groups
            for value in values:
                by_p = graph.out.get(value) or {}
                for path, props, if_absent in iri_groups:
                    objs = by_p.get(path)
                    if objs:
                        found = list(objs)
                        for prop in props:
                            prop.check(graph, value, found, out)
                    else:
                        for prop in if_absent:
                            prop.check(graph, value, [], out)
                for prop in others:
                    prop.validate(graph, value, out)

    def conforms(self, graph: Graph, focus: Term) -> bool:
        out: list[Result] = []
        self.validate(graph, focus, out)
        return not out

    def focus_nodes(self, graph: Graph) -> list[Term]:
        nodes: dict[Term, None] = {}
        for cls in self.targets_class:
            nodes.update(dict.fromkeys(graph.instances(cls)))
        nodes.update(dict.fromkeys(n for n in self.targets_node))
        for p in self.targets_subjects_of:
            nodes.update(dict.fromkeys(s for s, by_p in graph.out.items() if p in by_p))
        for p in self.targets_objects_of:
            nodes.update(dict.fromkeys(o for by_p in graph.out.values() for o in by_p.get(p, ())))
        return list(nodes)


def _group(props: list[Shape]) -> tuple[list[tuple[ox.NamedNode, list[Shape], list[Shape]]], list[Shape]]:
    """Property shapes by their IRI path (and those that can fail when it is absent), then the rest."""
    groups: dict[ox.NamedNode, list[Shape]] = {}
    others = []
    for prop in props:
        if isinstance(prop.path, ox.NamedNode):
            groups.setdefault(prop.path, []).append(prop)
        else:
            others.append(prop)
    absent = [(p, ss, [s for s in ss if s.empty_checks or s.properties or s.min_count]) for p, ss in groups.items()]
    return absent, others


class Shapes:
    """Every top-level shape of a shapes graph, compiled; ``validate`` checks one data graph."""

    def __init__(self, shapes: Sequence[Shape], paths: dict[str, rdflib.term.Node], graph: rdflib.Graph) -> None:
        self.shapes = [s for s in shapes if s.targets_class or s.targets_node or s.targets_subjects_of
                       or s.targets_objects_of]  # fmt: skip
        self.paths = paths  # shape id → its sh:path node in the shapes graph, for Turtle reports
        self.graph = graph

    def validate(self, triples: Iterable[Statement] | Graph) -> list[Result]:
        graph = triples if isinstance(triples, Graph) else Graph(triples)
        out: list[Result] = []
        for shape in self.shapes:
            for focus in shape.focus_nodes(graph):
                shape.validate(graph, focus, out)
        return out


def load(files: Iterable[Path]) -> Shapes:
    """Compile the shapes of some Turtle files (trialkg's are ``resources.path('shapes')``)."""
    g, files = rdflib.Graph(), list(files)
    if not files:
        raise ShapesError("no shapes files (*.ttl) found")
    for f in files:
        try:
            g.parse(f, format="turtle")
        except Exception as exc:  # rdflib raises several kinds for bad Turtle; all mean the same here
            first = " ".join(str(exc).split())[:300] or type(exc).__name__
            raise ShapesError(f"{f}: not valid Turtle: {first}") from None
    return load_graph(g)


def load_graph(g: rdflib.Graph) -> Shapes:
    """Compile the shapes of an rdflib graph."""
    return _Compiler(g).compile()


class _Compiler:
    def __init__(self, g: rdflib.Graph) -> None:
        self.g = g
        self.done: dict[rdflib.term.Node, Shape] = {}
        self.paths: dict[str, rdflib.term.Node] = {}

    def compile(self) -> Shapes:
        g = self.g
        roots = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
        roots |= {s for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
                  for s in g.subjects(p, None)}  # fmt: skip
        shapes = [self.shape(n) for n in sorted(roots, key=str)]
        return Shapes(shapes, self.paths, g)

    def shape(self, node: rdflib.term.Node) -> Shape:
        if node in self.done:
            return self.done[node]
        g = self.g
        for bad in _UNSUPPORTED:
            if (node, SH[bad], None) in g:
                raise ShapesError(f"{node}: sh:{bad} is not supported by trialkg's checker")
        shape = Shape(id=str(node) if isinstance(node, rdflib.URIRef) else f"_:{node}")
        self.done[node] = shape
        if (node, SH.deactivated, rdflib.Literal(True)) in g:
            return shape
        severity = g.value(node, SH.severity)
        shape.severity = _SEVERITY.get(severity, "Violation") if isinstance(severity, rdflib.URIRef) else "Violation"
        messages = sorted(g.objects(node, SH.message), key=lambda m: getattr(m, "language", None) not in (None, "en"))
        shape.message = str(messages[0]) if messages else ""
        if (path := g.value(node, SH.path)) is not None:
            shape.path, shape.path_text = self.path(path)
            self.paths[shape.id] = path
        shape.targets_class = [ox.NamedNode(str(c)) for c in g.objects(node, SH.targetClass)]
        shape.targets_node = [to_ox(c) for c in g.objects(node, SH.targetNode)]
        shape.targets_subjects_of = [ox.NamedNode(str(c)) for c in g.objects(node, SH.targetSubjectsOf)]
        shape.targets_objects_of = [ox.NamedNode(str(c)) for c in g.objects(node, SH.targetObjectsOf)]
        from .constraints import compile_checks

        if shape.path is not None:
            if (low := g.value(node, SH.minCount)) is not None:
                shape.min_count = int(str(low))
            if (high := g.value(node, SH.maxCount)) is not None:
                shape.max_count = int(str(high))
        shape.checks = compile_checks(self, node)
        shape.empty_checks = [c for c in shape.checks if c[0] in _EMPTY_FAILS]
        shape.properties = [self.shape(p) for p in g.objects(node, SH.property)]
        return shape

    def list(self, node: rdflib.term.Node) -> list[rdflib.term.Node]:
        return list(Collection(self.g, node))  # type: ignore[arg-type, unused-ignore]

    def path(self, node: rdflib.term.Node) -> tuple[PathExpr, str]:
        g = self.g
        if isinstance(node, rdflib.URIRef):
            return ox.NamedNode(str(node)), node.n3(g.namespace_manager)
        if (g.value(node, RDF.first)) is not None:
            parts = [self.path(x) for x in self.list(node)]
            seq: PathExpr = ("sequence", tuple(p for p, _ in parts))
            return seq, "/".join(t for _, t in parts)
        for op, mark in (("inverse", "^"), ("alternative", "|"), ("zeroOrMore", "*"), ("oneOrMore", "+"),
                         ("zeroOrOne", "?")):  # fmt: skip
            if (inner := g.value(node, SH[op + "Path"])) is None:
                continue
            if op == "alternative":
                parts = [self.path(x) for x in self.list(inner)]
                alt: PathExpr = (op, tuple(p for p, _ in parts))
                return alt, "(" + "|".join(t for _, t in parts) + ")"
            sub, text = self.path(inner)
            unary: PathExpr = (op, sub)
            return unary, (mark + text if op == "inverse" else text + mark)
        raise ShapesError(f"{node}: not a SHACL property path")


def to_ox(node: rdflib.term.Node) -> Term:
    """An rdflib term as a pyoxigraph term (plain literals become xsd:string, as RDF 1.1 says)."""
    if isinstance(node, rdflib.URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, rdflib.BNode):
        return ox.BlankNode(str(node))
    assert isinstance(node, rdflib.Literal)
    if node.language:
        return ox.Literal(str(node), language=node.language)
    if node.datatype:
        return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
    return ox.Literal(str(node))



def from_rdflib(graph: rdflib.Graph) -> list[ox.Triple]:
    """An rdflib graph's statements as pyoxigraph triples, ready for ``Shapes.validate``."""
    return [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in graph]  # type: ignore[arg-type]


def to_rdflib(term: Term) -> rdflib.term.Node:
    """A pyoxigraph term as an rdflib term; plain strings stay untyped, as Turtle and sh:in write them
    (rdflib does not take "X"^^xsd:string for "X")."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    plain = term.datatype.value == "http://www.w3.org/2001/XMLSchema#string"
    return rdflib.Literal(term.value, datatype=None if plain else rdflib.URIRef(term.datatype.value))
