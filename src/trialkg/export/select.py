"""What an export holds: the whole store or the neighbourhood of some trials, as nodes with their statements."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import pyoxigraph as ox

from .. import iris
from ..enums import NCT
from ..store import Store
from ..terms import RDF_TYPE, T

__all__ = ["HUB", "Node", "Selection", "neighbourhood", "nodes", "quads", "trials_of", "whole"]

_TELL = 10_000  # statements between two progress reports
HUB = 200  # a node linked from more nodes than this (a country, a big sponsor) is kept but not walked through
_VOCABULARY = iris.vocabulary_graph("").value
_TRIAL = iris.trial("NCT00000000").value[: -len("NCT00000000")]
_TRIALS = "SELECT ?trial ?g WHERE { GRAPH ?g { ?g tkg:describes ?trial } }"

Object = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
T_ = TypeVar("T_")


@dataclass
class Node:
    """One subject and what the exported graphs say about it (each statement once)."""

    iri: str
    statements: list[tuple[ox.NamedNode, Object]]


@dataclass
class Selection:
    """The whole store (``nodes is None``) or a set of node IRIs; vocabulary graphs only on request."""

    nodes: set[str] | None = None
    vocabularies: bool = False
    seeds: list[str] = field(default_factory=list)
    progress: Callable[[int], object] | None = None  # told how many statements were read, now and then


def _in_vocabulary(q: ox.Quad) -> bool:
    return isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value.startswith(_VOCABULARY)


def whole(vocabularies: bool = False) -> Selection:
    return Selection(None, vocabularies)


def _links(store: Store, node: ox.NamedNode) -> Iterator[ox.NamedNode]:
    """A node's neighbours: what it links to, and (unless it is a hub) what links to it; a suggestion is
    walked through to the trial it suggests, as if it were an edge."""
    for q in store.pattern(node, None, None):
        if isinstance(q.object, ox.NamedNode) and q.predicate != RDF_TYPE:
            yield q.object
    incoming = []
    for q in store.pattern(None, None, node):
        if isinstance(q.subject, ox.NamedNode) and not _in_vocabulary(q):
            incoming.append((q.subject, q.predicate))
            if len(incoming) > HUB:
                return
    for subject, predicate in incoming:
        if predicate in (T.suggestedFor, T.suggestedTrial):
            yield subject  # the suggestion itself, then the trial on its other end
            other = T.suggestedTrial if predicate == T.suggestedFor else T.suggestedFor
            for q in store.pattern(subject, other, None):
                if isinstance(q.object, ox.NamedNode):
                    yield q.object
        else:
            yield subject


def neighbourhood(store: Store, trials: Iterable[str], hops: int = 1) -> Selection:
    """The trials and every node within ``hops`` links of them (a suggestion counts as one link)."""
    seeds = list(dict.fromkeys(trials))
    seen = set(seeds)
    frontier = [ox.NamedNode(t) for t in seeds]
    for _ in range(hops):
        nxt = []
        for node in frontier:
            for other in _links(store, node):
                if other.value not in seen:
                    seen.add(other.value)
                    nxt.append(other)
        frontier = nxt
    # The given trials' records come with them: where each statement came from.
    for trial in seeds:
        for q in store.pattern(None, T.describes, ox.NamedNode(trial)):
            seen.add(_key(q.subject))
    return Selection(seen, False, seeds)


def trials_of(store: Store, values: Iterable[ox.NamedNode | ox.BlankNode | ox.Literal | None]) -> list[str]:
    """The trials among query results: trial IRIs, and NCT ids as literals."""
    out = []
    prefix = _TRIAL
    for v in values:
        if isinstance(v, ox.NamedNode) and v.value.startswith(prefix):
            out.append(v.value)
        elif isinstance(v, ox.Literal) and NCT.fullmatch(v.value):
            out.append(iris.trial(v.value).value)
    return [t for t in dict.fromkeys(out) if store.has_subject(ox.NamedNode(t))]


def _graphs(store: Store, selection: Selection) -> Iterator[ox.NamedNode]:
    for g in store.graphs():
        if selection.vocabularies or not g.value.startswith(_VOCABULARY):
            yield g


def _told(items: Iterable[T_], size: Callable[[T_], int], progress: Callable[[int], object] | None) -> Iterator[T_]:
    """The items, telling ``progress`` now and then how many statements they held."""
    read = 0
    for item in items:
        read += size(item)
        if progress is not None and read >= _TELL:
            progress(read)
            read = 0
        yield item
    if progress is not None:
        progress(read)


def nodes(store: Store, selection: Selection) -> Iterator[Node]:
    """Every selected subject once, with its statements (see _nodes), the progress told as they are read."""
    return _told(_nodes(store, selection), lambda n: len(n.statements), selection.progress)


def _nodes(store: Store, selection: Selection) -> Iterator[Node]:
    """Every selected subject once, with its statements from every exported graph, a node at a time:
    a trial's records are read together, then each graph that describes no trial, in store order."""
    if selection.nodes is not None:
        for iri in sorted(selection.nodes):
            node = ox.NamedNode(iri)
            yield Node(
                iri,
                _unique(
                    (q.predicate, q.object)
                    for q in store.pattern(node, None, None)
                    if selection.vocabularies or not _in_vocabulary(q)
                ),
            )
        return
    by_trial: dict[str, list[str]] = {}
    for row in store.select(_TRIALS):
        by_trial.setdefault(row["trial"], []).append(row["g"])
    records = {g for gs in by_trial.values() for g in gs}
    for graphs in by_trial.values():  # a trial's records together: a few hundred statements
        gathered: dict[str, list[tuple[ox.NamedNode, Object]]] = {}
        for record in graphs:
            for q in store.quads(ox.NamedNode(record)):
                gathered.setdefault(_key(q.subject), []).append((q.predicate, q.object))
        yield from (Node(k, _unique(v)) for k, v in gathered.items())
    for graph in _graphs(store, selection):
        if graph.value not in records:
            yield from _grouped(store.quads(graph))


def _key(subject: object) -> str:
    return subject.value if isinstance(subject, ox.NamedNode) else str(subject)


def _grouped(quads_: Iterable[ox.Quad]) -> Iterator[Node]:
    """One graph's statements by subject: the store gives each subject's statements one after another."""
    current, pairs = "", list[tuple[ox.NamedNode, Object]]()
    for q in quads_:
        s = _key(q.subject)
        if s != current and pairs:
            yield Node(current, _unique(pairs))
            pairs = []
        current = s
        pairs.append((q.predicate, q.object))
    if pairs:
        yield Node(current, _unique(pairs))


def _unique(pairs: Iterable[tuple[ox.NamedNode, Object]]) -> list[tuple[ox.NamedNode, Object]]:
    return list(dict.fromkeys(pairs))


def quads(store: Store, selection: Selection) -> Iterator[ox.Quad]:
    """The selected statements with their graphs (for N-Quads and TriG), the progress told as they are read."""
    return _told(_quads(store, selection), lambda _: 1, selection.progress)


def _quads(store: Store, selection: Selection) -> Iterator[ox.Quad]:
    if selection.nodes is None:
        for g in _graphs(store, selection):
            yield from store.quads(g)
        return
    for iri in sorted(selection.nodes):
        for q in store.pattern(ox.NamedNode(iri), None, None):
            if selection.vocabularies or not _in_vocabulary(q):
                yield q
