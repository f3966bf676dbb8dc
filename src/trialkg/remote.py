"""Remote SPARQL 1.1 stores: SELECT through SPARQLWrapper, and push of the graph (named graphs kept)."""

from __future__ import annotations

import pyoxigraph as ox

from .terms import PREFIXES

__all__ = ["RemoteError", "select"]

_PREFIX_LINES = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())
Term = ox.NamedNode | ox.BlankNode | ox.Literal


class RemoteError(Exception):
    """An endpoint that cannot be reached or refused a request, with the URL and the reason."""


def _term(binding: dict[str, str]) -> Term:
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return ox.BlankNode(value)
    if "xml:lang" in binding:
        return ox.Literal(value, language=binding["xml:lang"])
    if "datatype" in binding:
        return ox.Literal(value, datatype=ox.NamedNode(binding["datatype"]))
    return ox.Literal(value)


def select(endpoint: str, sparql: str, *, timeout: int = 60) -> tuple[list[str], list[list[Term | None]]]:
    """Run a SELECT on an endpoint (trialkg's prefixes declared first) and return its rows as RDF terms."""
    from SPARQLWrapper import JSON, POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    client = SPARQLWrapper(endpoint, agent="trialkg (https://w3id.org/trialkg)")
    client.setQuery(_PREFIX_LINES + sparql)
    client.setMethod(POST)
    client.setReturnFormat(JSON)
    client.setTimeout(timeout)
    try:
        doc = client.queryAndConvert()
    except SPARQLWrapperException as exc:
        raise RemoteError(f"{endpoint}: {' '.join(str(exc).split())[:300]}") from None
    except OSError as exc:  # URLError, timeouts, refused connections
        raise RemoteError(f"{endpoint}: cannot reach the endpoint: {getattr(exc, 'reason', exc)}") from None
    if not isinstance(doc, dict) or "head" not in doc:
        raise RemoteError(f"{endpoint}: the answer is not SPARQL JSON results")
    variables = list(doc["head"].get("vars", []))
    rows = [[_term(b[v]) if v in b else None for v in variables] for b in doc["results"]["bindings"]]
    return variables, rows
