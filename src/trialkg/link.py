"""Record linkage: records without an NCT id join the registered trial (or each other) they describe."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

from . import iris
from .store import Store
from .terms import DATA, T

__all__ = ["Link", "link", "same_text"]

LOCAL = DATA + "trial/local-"
_VERDICT = (T.validatedAgainst, T.violationCount, T.warningCount)

_LOCALS = """
SELECT ?local ?g ?trial ?title ?summary WHERE { GRAPH ?g { ?g tkg:describes ?trial .
  OPTIONAL { ?trial tkg:briefTitle ?title } OPTIONAL { ?trial tkg:briefSummary ?summary } }
  FILTER(STRSTARTS(STR(?trial), ?local)) }"""
# Exact title first (an index lookup); the summary prefix scan runs only for local records.
_BY_TITLE = "SELECT ?title ?trial WHERE { ?trial tkg:briefTitle|tkg:officialTitle ?title }"
_BY_SUMMARY = """
SELECT ?prefix ?trial ?summary WHERE { ?trial tkg:briefSummary ?summary FILTER(STRSTARTS(?summary, ?prefix)) }"""


class Link:
    """One local record's graph moved under another trial IRI."""

    def __init__(self, graph: str, old: str, new: str, reason: str) -> None:
        self.graph, self.old, self.new, self.reason = graph, old, new, reason


def _words(text: str) -> list[str]:
    return iris.normalize(text).split()


def same_text(a: str, b: str) -> bool:
    """Near-identical summaries: the shorter (at least 20 words) is, word for word, the start of the longer."""
    x, y = sorted((_words(a), _words(b)), key=len)
    if len(x) < 20:
        return False
    agree = sum(1 for u, v in zip(x, y, strict=False) if u == v)
    return agree >= 0.9 * len(x)


def _candidates(store: Store, title: str | None, summary: str | None) -> Iterator[tuple[str, str]]:
    if title:
        for row in store.select(_BY_TITLE, {"title": ox.Literal(title)}):
            yield row["trial"], "same title"
    if summary and len(summary) >= 80:
        # The prefix is only a cheap filter; same_text decides on normalized words.
        for row in store.select(_BY_SUMMARY, {"prefix": ox.Literal(summary[:60])}):
            if same_text(summary, row["summary"]):
                yield row["trial"], "near-identical summary"


def link(store: Store) -> list[Link]:
    """Merge every local record into the trial it duplicates; order of ingest does not matter."""
    rows = list(store.select(_LOCALS, {"local": ox.Literal(LOCAL)}))
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    reasons: dict[str, str] = {}
    for row in rows:
        for other, reason in _candidates(store, row.get("title"), row.get("summary")):
            ra, rb = find(row["trial"]), find(other)
            if ra == rb or not (ra.startswith(LOCAL) or rb.startswith(LOCAL)):
                continue  # already one trial, or two registered trials: never merged
            # A registered trial, else the smaller local IRI, becomes the root: order-independent.
            root, child = sorted((ra, rb), key=lambda t: (t.startswith(LOCAL), t))
            parent[child] = root
            reasons.setdefault(row["trial"], reason)
            reasons.setdefault(other, reason)
    links = []
    for row in rows:
        target = find(row["trial"])
        if target != row["trial"]:
            links.append(Link(row["g"], row["trial"], target, reasons.get(row["trial"], "linked")))
    for item in links:
        _move(store, item)
    return links


def _move(store: Store, item: Link) -> None:
    """Rewrite one graph's statements from the local trial IRI (and IRIs scoped under it) to the target."""
    old_key, new_key = iris.trial_key(ox.NamedNode(item.old)), iris.trial_key(ox.NamedNode(item.new))

    def rename(term: Term) -> Term:
        if isinstance(term, ox.NamedNode) and f"/{old_key}" in term.value:
            return ox.NamedNode(term.value.replace(f"/{old_key}", f"/{new_key}"))
        if isinstance(term, ox.Literal) and term.value == old_key:  # an untitled record's label
            return ox.Literal(new_key)
        return term

    graph = ox.NamedNode(item.graph)
    triples = [
        ox.Triple(rename(q.subject), q.predicate, rename(q.object))  # type: ignore[arg-type]
        for q in store.quads(graph)
        if q.predicate not in _VERDICT  # the graph changed: 'validate --store' must check it afresh
    ]
    if not item.new.startswith(LOCAL):  # the record now describes a registered trial: say which, as others do
        triples.append(ox.Triple(ox.NamedNode(item.new), T.nctId, ox.Literal(new_key)))
    store.replace({graph: triples})


Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
