"""Shortcuts derived from the whole store after a build, each in a graph of its own: sponsor collaborations."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from itertools import combinations

from pyoxigraph import Literal, NamedNode, Triple

from . import iris
from .shacl import Result
from .store import Store
from .terms import PROV_GENERATED_AT, RDF_TYPE, RDFS_LABEL, XSD_DATETIME, XSD_INTEGER, T
from .validate import shapes

__all__ = ["COLLABORATIONS", "check", "collaborations", "derive", "describe"]

COLLABORATIONS = iris.derived_graph("collaborations")
_CHUNK = 5 * 10_000  # statements per validation slice: 10,000 collaborations of five statements each
# Read inside each record's graph: a trial's sponsors as its records state them, each pair once per trial.
_SPONSORS = "SELECT DISTINCT ?trial ?org WHERE { GRAPH ?g { ?trial tkg:leadSponsor|tkg:collaborator ?org } }"
_NAMES = "SELECT ?org (MIN(?label) AS ?name) WHERE { ?org a tkg:Organization ; rdfs:label ?label } GROUP BY ?org"


def collaborations(store: Store) -> tuple[list[Triple], dict[str, str]]:
    """A tkg:Collaboration for every two organizations that sponsor a trial together, with the count;
    and the organizations' names."""
    sponsors: dict[str, set[str]] = defaultdict(set)
    for row in store.select(_SPONSORS):
        sponsors[row["trial"]].add(row["org"])
    pairs = Counter(pair for orgs in sponsors.values() for pair in combinations(sorted(orgs), 2))
    names = {row["org"]: row["name"] for row in store.select(_NAMES)}
    out = []
    for (a, b), shared in sorted(pairs.items()):
        one, two = NamedNode(a), NamedNode(b)
        node = iris.collaboration(one, two)
        label = " – ".join(sorted((names.get(a, a), names.get(b, b))))
        out += [
            Triple(node, RDF_TYPE, T.Collaboration),
            Triple(node, RDFS_LABEL, Literal(label)),
            Triple(node, T.partner, one),
            Triple(node, T.partner, two),
            Triple(node, T.sharedTrials, Literal(str(shared), datatype=XSD_INTEGER)),
        ]
    return out, names


def describe(graph: NamedNode, label: str, method: str, parameters: Mapping[str, object] | None = None) -> list[Triple]:
    """A derived graph's own node: what it holds, when, how and with which settings (tkg:DerivedGraph)."""
    when = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    out = [
        Triple(graph, RDF_TYPE, T.DerivedGraph),
        Triple(graph, RDFS_LABEL, Literal(label)),
        Triple(graph, PROV_GENERATED_AT, Literal(when, datatype=XSD_DATETIME)),
        Triple(graph, T.method, Literal(method)),
    ]
    if parameters is not None:
        out.append(Triple(graph, T.parameters, Literal(json.dumps(parameters, sort_keys=True))))
    return out


def check(triples: list[Triple], names: Mapping[str, str] | None = None) -> list[Result]:
    """Derived statements against the shapes, a slice at a time (each node stands alone), with the types
    and names of the organizations they name (``names``: organization IRI to name)."""
    results = []
    for part in _slices(triples):
        partners = {t.object for t in part if t.predicate == T.partner and isinstance(t.object, NamedNode)}
        described = [t for o in partners for t in (
            Triple(o, RDF_TYPE, T.Organization), Triple(o, RDFS_LABEL, Literal((names or {}).get(o.value, o.value))))]
        results += shapes().validate(part + described)
    return results


def _slices(triples: list[Triple]) -> Iterator[list[Triple]]:
    """About _CHUNK statements at a time, never cutting one subject's statements apart."""
    start = 0
    while start < len(triples):
        end = min(start + _CHUNK, len(triples))
        while end < len(triples) and triples[end].subject == triples[end - 1].subject:
            end += 1
        yield triples[start:end]
        start = end


def derive(store: Store) -> list[Result]:
    """Replace every derived graph with one computed from the store as it is now; returns what the shapes
    found in them."""
    triples, names = collaborations(store)
    method = "pairs of organizations named as lead sponsor or collaborator of one trial, counted over trials"
    triples += describe(COLLABORATIONS, "sponsor collaborations", method)
    results = check(triples, names)
    store.replace({COLLABORATIONS: triples})
    return results
