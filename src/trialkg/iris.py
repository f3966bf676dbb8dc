"""Mint every IRI of the graph: stable across runs and machines, from ids or normalized labels."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from pyoxigraph import NamedNode

from .enums import NCT
from .terms import DATA

__all__ = [
    "ENTITIES", "arm", "canonical", "city", "collaboration", "condition", "country", "derived_graph", "drug",
    "identifier", "intervention", "local_trial", "mesh", "normalize", "organization", "outcome", "person",
    "publication", "radionuclide", "record_trial", "record_version", "record_version_text", "related_listing",
    "shared", "shared_text", "site", "site_recruitment", "skolem", "slug", "source_graph", "suggestion", "target",
    "tracer", "trial", "trial_key", "vocabulary_graph",
]  # fmt: skip



@lru_cache(maxsize=1 << 16)  # sponsors, cities and countries repeat across records
def normalize(label: str) -> str:
    """Case-, accent-, punctuation- and space-insensitive form of a label, for matching."""
    text = unicodedata.normalize("NFKD", label)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def canonical(label: str) -> str:
    """One spelling per IRI for names outside a vocabulary: 'MK 6240', 'mk-6240' → 'mk-6240'.

    Labels that slug alike share an IRI, so they must share a label too: lower case, words
    separated by one space, and a short code prefix joined to its number by a hyphen.
    """
    return re.sub(r"\b([a-z]{1,5}) (\d+[a-z]?)\b", r"\1-\2", normalize(label))


@lru_cache(maxsize=1 << 16)
def slug(label: str, limit: int = 80) -> str:
    """IRI-safe slug of a label; long labels are cut and keep a hash so they stay distinct."""
    text = normalize(label).replace("_", " ").replace(" ", "-") or "x"
    if len(text) > limit:
        digest = hashlib.sha1(text.encode()).hexdigest()[:8]
        text = text[: limit - 9].rstrip("-") + "-" + digest
    return text


def _node(*parts: str) -> NamedNode:
    return NamedNode(DATA + "/".join(parts))


def trial(nct_id: str) -> NamedNode:
    """A registered trial, from its NCT id."""
    if not NCT.fullmatch(nct_id):
        raise ValueError(f"not an NCT id: {nct_id!r}")
    return _node("trial", nct_id)


def local_trial(key: str) -> NamedNode:
    """A trial whose record carries no registry id, from a stable key of its source."""
    return _node("trial", "local-" + hashlib.sha1(key.encode()).hexdigest()[:16])


def record_trial(nct_id: str | None, source_key: str) -> NamedNode:
    """The trial a record describes: its NCT id's, or a local one keyed by where the record came from."""
    return trial(nct_id) if nct_id else local_trial(source_key)


def trial_key(trial_iri: NamedNode) -> str:
    """The last path segment of a trial IRI (its NCT id), used to scope trial-local entities."""
    return trial_iri.value.rsplit("/", 1)[1]


def arm(trial_id: str, label: str) -> NamedNode:
    return _node("arm", trial_id, slug(label))


def intervention(trial_id: str, type_: str | None, name: str) -> NamedNode:
    return _node("intervention", trial_id, slug(f"{type_ or ''} {name}"))


def outcome(trial_id: str, kind: str, index: int) -> NamedNode:
    return _node("outcome", trial_id, f"{kind}-{index}")


def identifier(trial_id: str, value: str) -> NamedNode:
    return _node("identifier", trial_id, slug(value))


def site_recruitment(trial_id: str, site_iri: NamedNode) -> NamedNode:
    return _node("site-recruitment", trial_id, site_iri.value.rsplit("/", 1)[1])


def suggestion(trial_iri: NamedNode, other_iri: NamedNode) -> NamedNode:
    """A related trial trialkg suggests for a trial (trialkg.related), scoped under the trial."""
    return _node("suggestion", trial_key(trial_iri), trial_key(other_iri))


def related_listing(trial_id: str, listed_nct: str) -> NamedNode:
    return _node("related-listing", trial_id, listed_nct)


def condition(label: str) -> NamedNode:
    return _node("condition", slug(label))


def mesh(descriptor_id: str) -> NamedNode:
    """A MeSH descriptor, under NLM's own MeSH RDF namespace."""
    return NamedNode("http://id.nlm.nih.gov/mesh/" + descriptor_id)


def organization(name: str) -> NamedNode:
    return _node("org", slug(name))


def person(name: str) -> NamedNode:
    # Degrees after the first comma ('Jane Roe, MD PhD') do not make another person.
    return _node("person", slug(name.split(",")[0]))


def country(name: str) -> NamedNode:
    return _node("country", slug(name))


def city(name: str, state: str | None, country_name: str | None) -> NamedNode:
    parts = [slug(country_name or "unknown")] + ([slug(state)] if state else []) + [slug(name)]
    return _node("city", *parts)


def site(facility: str, city_name: str | None, state: str | None, country_name: str | None) -> NamedNode:
    """A facility, keyed by name and the same place as its city, so one hospital in two trials is one node."""
    key = "|".join(normalize(x or "") for x in (facility, city_name, state, country_name))
    digest = hashlib.sha1(key.encode()).hexdigest()[:10]
    return _node("site", f"{slug(facility, 60)}-{digest}")


def publication(pmid: str | None, doi: str | None, citation: str | None) -> NamedNode:
    if pmid:
        return _node("publication", "pmid", pmid)
    if doi:
        return _node("publication", "doi", slug(doi))
    return _node("publication", hashlib.sha1(normalize(citation or "").encode()).hexdigest()[:16])


def drug(label: str) -> NamedNode:
    return _node("drug", slug(label))


def tracer(label: str) -> NamedNode:
    return _node("tracer", slug(label))


def radionuclide(symbol: str) -> NamedNode:
    return _node("radionuclide", slug(symbol))


def target(symbol: str) -> NamedNode:
    return _node("target", slug(symbol))


_VERSION = "version"
_VERSION_TEXT = f"<{DATA}{_VERSION}/"  # as N-Triples writes one


def record_version(nct_id: str, posted: str, content_hash: str) -> NamedNode:
    """An earlier version of a trial's record fetched from the API: its NCT id, the day it was posted, its hash."""
    return _node(_VERSION, trial(nct_id).value.rsplit("/", 1)[1], f"{slug(posted)}-{content_hash[:12]}")


def record_version_text(text: str) -> bool:
    """Whether a node written out in N-Triples (``<iri>``) is a record's earlier version (record_version)."""
    return text.startswith(_VERSION_TEXT)


def source_graph(source: str, record_key: str) -> NamedNode:
    """The named graph of one source record: the file (or URL) it came from and its key there."""
    digest = hashlib.sha1(f"{source}\x00{record_key}".encode()).hexdigest()[:16]
    return _node("graph", f"{record_key}-{digest}" if NCT.fullmatch(record_key) else digest)


# Entities that many trials share, described once in the store's entities graph (build.py): their
# statements repeated in every record's graph would make each join over the union of graphs return
# one row per record that mentions the entity. Trial-local nodes (arms, outcomes, …) stay in the record.
_SHARED = tuple(DATA + kind + "/" for kind in (
    "org", "site", "city", "country", "condition", "drug", "tracer", "radionuclide", "target", "person",
    "publication")) + ("http://id.nlm.nih.gov/mesh/",)  # fmt: skip
ENTITIES = NamedNode(DATA + "graph/entities")


def shared(node: object) -> bool:
    """True for an IRI of an entity that trials share (a sponsor, a site, a drug…), not a trial's own node."""
    return isinstance(node, NamedNode) and node.value.startswith(_SHARED)


def shared_text(text: str) -> bool:
    """``shared`` for a node written out in N-Triples (``<iri>``)."""
    return text.startswith(_SHARED, 1)


def collaboration(a: NamedNode, b: NamedNode) -> NamedNode:
    """Two organizations that sponsor trials together, the same node whichever comes first."""
    key = "|".join(sorted((a.value, b.value)))
    return _node("collaboration", hashlib.sha1(key.encode()).hexdigest()[:16])


def derived_graph(name: str) -> NamedNode:
    """The named graph of one shortcut a build derives from the whole store ('collaborations')."""
    return _node("graph/derived", name)


def vocabulary_graph(name: str) -> NamedNode:
    """The named graph that holds one of trialkg's own vocabularies in a store ('ontology', 'drugs')."""
    return _node("graph/vocabulary", name)


def skolem(graph: NamedNode, blank: str) -> NamedNode:
    """A skolem IRI for a blank node of a graph (RDF 1.1 §3.5), for stores that refuse blank nodes in
    INSERT DATA (Virtuoso); only trialkg's own vocabulary graphs have blank nodes (OWL axioms)."""
    digest = hashlib.sha1(graph.value.encode()).hexdigest()[:12]
    return _node(".well-known/genid", f"{digest}-{blank}")
