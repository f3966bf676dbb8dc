"""RDF exports: N-Quads and TriG with their named graphs, Turtle and N-Triples of the union, JSON-LD with a
context of readable keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import IO, Any

import pyoxigraph as ox

from ..store import Store
from ..terms import NS, PREFIXES, RDF_TYPE, XSD
from .graph import name, ontology
from .select import Selection, nodes, quads

__all__ = ["context", "write_dataset", "write_jsonld", "write_union"]

_STRING = XSD + "string"


def write_dataset(store: Store, selection: Selection, out: IO[bytes], fmt: ox.RdfFormat) -> None:
    """N-Quads or TriG: every selected statement in the graph that holds it."""
    ox.serialize(quads(store, selection), out, fmt, prefixes=PREFIXES if fmt == ox.RdfFormat.TRIG else None)


def _triples(store: Store, selection: Selection) -> Iterator[ox.Triple]:
    for node in nodes(store, selection):
        subject = ox.BlankNode(node.iri[2:]) if node.iri.startswith("_:") else ox.NamedNode(node.iri)
        for p, o in node.statements:
            yield ox.Triple(subject, p, o)


def write_union(store: Store, selection: Selection, out: IO[bytes], fmt: ox.RdfFormat) -> None:
    """Turtle or N-Triples: the union of the selected graphs, a subject's statements together and once."""
    ox.serialize(_triples(store, selection), out, fmt, prefixes=PREFIXES if fmt == ox.RdfFormat.TURTLE else None)


@cache
def _properties() -> dict[str, tuple[str, str | None]]:
    """Each ontology property's IRI by short name, with its range when it is an IRI-valued (object) property
    ('@id') or a datatype other than xsd:string."""
    owl = PREFIXES["owl"]
    kinds = {
        s: o
        for s, p, o in ontology()
        if p == RDF_TYPE.value and o in (owl + "ObjectProperty", owl + "DatatypeProperty")
    }
    ranges = {s: o for s, p, o in ontology() if p == PREFIXES["rdfs"] + "range"}
    out: dict[str, tuple[str, str | None]] = {}
    for iri, kind in kinds.items():
        if kind.endswith("ObjectProperty"):
            out[name(iri)] = (iri, "@id")
        else:
            r = ranges.get(iri)
            out[name(iri)] = (iri, r if r and r.startswith(XSD) and r != _STRING else None)
    return out


@cache
def context() -> dict[str, Any]:
    """The JSON-LD context: trialkg's classes and properties by their own names ('nctId', 'Trial'), typed
    values and links coerced, other vocabularies by prefix."""
    ctx: dict[str, Any] = dict(PREFIXES)
    ctx["label"] = PREFIXES["rdfs"] + "label"
    for s, p, o in ontology():
        if p == RDF_TYPE.value and o == PREFIXES["owl"] + "Class" and s.startswith(NS):
            ctx[s[len(NS) :]] = s
    for key, (iri, kind) in _properties().items():
        ctx[key] = {"@id": iri, "@type": kind} if kind else iri
    return ctx


def _value(key: str, o: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Any:
    coerced = _properties().get(key, ("", None))[1]
    if isinstance(o, ox.NamedNode):
        return o.value if coerced == "@id" else {"@id": o.value}
    if isinstance(o, ox.BlankNode):
        return {"@id": str(o)}
    assert isinstance(o, ox.Literal)
    if o.language:
        return {"@value": o.value, "@language": o.language}
    datatype = o.datatype.value
    if coerced == "@id" or (coerced or _STRING) != datatype:  # not what the context says: say it in full
        return {"@value": o.value} if datatype == _STRING else {"@value": o.value, "@type": datatype}
    return o.value


def _keys(predicate: str) -> str:
    key = name(predicate)
    if predicate.startswith(NS) or key == "label":
        return key
    return predicate  # another vocabulary's term: its full IRI (prefixes expand it either way)


def write_jsonld(store: Store, selection: Selection, out: IO[bytes]) -> None:
    """JSON-LD, a node object per subject under "@graph", streamed."""
    out.write(b'{"@context": ' + json.dumps(context(), indent=1).encode() + b',\n"@graph": [')
    first = True
    for node in nodes(store, selection):
        obj: dict[str, Any] = {"@id": node.iri}
        for p, o in node.statements:
            if p == RDF_TYPE and isinstance(o, ox.NamedNode):
                obj.setdefault("@type", []).append(o.value[len(NS) :] if o.value.startswith(NS) else o.value)
                continue
            key = _keys(p.value)
            obj.setdefault(key, []).append(_value(key, o))
        body = {k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in obj.items()}
        out.write((b"\n" if first else b",\n") + json.dumps(body, ensure_ascii=False).encode())
        first = False
    out.write(b"\n]}\n")
