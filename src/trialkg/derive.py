"""Shortcuts derived from the whole store after a build, each in a graph of its own: sponsor collaborations."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations

from pyoxigraph import Literal, NamedNode, Triple

from . import iris
from .shacl import Result
from .store import Store
from .terms import RDF_TYPE, RDFS_LABEL, XSD, T
from .validate import shapes

__all__ = ["COLLABORATIONS", "collaborations", "derive"]

COLLABORATIONS = iris.derived_graph("collaborations")
_INTEGER = NamedNode(XSD + "integer")
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
            Triple(node, T.sharedTrials, Literal(str(shared), datatype=_INTEGER)),
        ]
    return out, names


def derive(store: Store) -> list[Result]:
    """Replace every derived graph with one computed from the store as it is now; returns what the shapes
    found in them (checked with the types of the organizations they name)."""
    triples, names = collaborations(store)
    results = []
    for start in range(0, len(triples), _CHUNK):  # each node stands alone: check a slice at a time
        part = triples[start : start + _CHUNK]
        partners = {t.object for t in part if t.predicate == T.partner and isinstance(t.object, NamedNode)}
        described = [t for o in partners for t in (
            Triple(o, RDF_TYPE, T.Organization), Triple(o, RDFS_LABEL, Literal(names.get(o.value, o.value))))]
        results += shapes().validate(part + described)
    store.replace({COLLABORATIONS: triples})
    return results
