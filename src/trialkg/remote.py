"""Remote SPARQL 1.1 stores: SELECT through SPARQLWrapper, and push of the graph (named graphs kept)."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox

from . import iris
from .store import Store
from .terms import SPARQL_PREFIXES

__all__ = ["RemoteError", "push", "select"]

Term = ox.NamedNode | ox.BlankNode | ox.Literal
_LARGE = 20_000  # statements per request beyond which a graph is sent alone, in chunks


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
    client.setQuery(SPARQL_PREFIXES + sparql)
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


def _update(endpoint: str, text: str, timeout: int) -> None:
    import urllib.error
    import urllib.parse
    import urllib.request

    body = urllib.parse.urlencode({"update": text}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "trialkg (https://w3id.org/trialkg)"}
    request = urllib.request.Request(endpoint, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            answer.read()
    except urllib.error.HTTPError as exc:
        detail = " ".join(exc.read(2000).decode(errors="replace").split())[:300]
        raise RemoteError(f"{endpoint}: update refused ({exc.code}): {detail}") from None
    except OSError as exc:
        raise RemoteError(f"{endpoint}: cannot reach the endpoint: {getattr(exc, 'reason', exc)}") from None


def _sk(graph: str, term: object) -> object:
    return iris.skolem(ox.NamedNode(graph), term.value) if isinstance(term, ox.BlankNode) else term


def _triples(graph: str, quads: Iterable[ox.Quad]) -> str:
    return "".join(f"{_sk(graph, q.subject)} {q.predicate} {_sk(graph, q.object)} .\n" for q in quads)


def push(
    store: Store,
    endpoint: str,
    *,
    state: Path,
    batch: int = 200,
    timeout: int = 300,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Copy every named graph of the store into a SPARQL 1.1 Update endpoint, replacing earlier copies.

    Graphs go in batches (DROP SILENT GRAPH then INSERT DATA, one request per batch); a graph larger
    than one request (the entities graph) goes alone, in chunks. ``state`` records each pushed graph's
    content hash after every request that completes a graph, so a re-run after a failure, or after a
    build, sends only what is missing or changed. Returns (graphs sent, graphs already there).
    """
    done: dict[str, str] = json.loads(state.read_text()) if state.exists() else {}
    sent = kept = 0
    pending: list[tuple[str, str, list[ox.Quad]]] = []

    def record(graphs: list[tuple[str, str]]) -> None:
        nonlocal sent
        done.update(graphs)
        tmp = state.with_suffix(".tmp")
        tmp.write_text(json.dumps(done))
        tmp.replace(state)  # the state file is replaced whole: a crash leaves the old one
        sent += len(graphs)
        if progress:
            progress(len(graphs))

    def flush() -> None:
        if not pending:
            return
        drops = "".join(f"DROP SILENT GRAPH <{g}> ;\n" for g, _, _ in pending)
        data = "".join(f"GRAPH <{g}> {{\n{_triples(g, quads)}}}\n" for g, _, quads in pending)
        _update(endpoint, f"{drops}INSERT DATA {{\n{data}}}", timeout)
        record([(g, digest) for g, digest, _ in pending])
        pending.clear()

    def chunked(graph: ox.NamedNode, digest: str) -> None:
        first, chunk = True, []
        for quad in itertools.chain(store.quads(graph), [None]):
            if quad is not None:
                chunk.append(quad)
            if chunk and (quad is None or len(chunk) >= _LARGE):
                drop = f"DROP SILENT GRAPH <{graph.value}> ;\n" if first else ""
                body = f"GRAPH <{graph.value}> {{\n{_triples(graph.value, chunk)}}}"
                _update(endpoint, f"{drop}INSERT DATA {{\n{body}\n}}", timeout)
                first, chunk = False, []
        record([(graph.value, digest)])

    for graph in store.graphs():
        # The hash of the graph's statements in the store's (sorted, stable) order; large graphs are
        # not held in memory but read again to send.
        h, quads, size = hashlib.sha256(), [], 0
        for quad in store.quads(graph):
            h.update(str(quad).encode())
            size += 1
            if size <= _LARGE:
                quads.append(quad)
        digest = h.hexdigest()
        if done.get(graph.value) == digest:
            kept += 1
            if progress:
                progress(1)
            continue
        if size > _LARGE:
            flush()
            chunked(graph, digest)
            continue
        pending.append((graph.value, digest, quads))
        if len(pending) >= batch:
            flush()
    flush()
    return sent, kept
