"""Remote SPARQL 1.1 stores: SELECT through SPARQLWrapper, and push of the graph (named graphs kept)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from . import iris
from .store import Store
from .terms import SPARQL_PREFIXES, T

__all__ = ["RemoteError", "push", "select"]

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

    Graphs go in batches (DROP SILENT GRAPH then INSERT DATA, one request per batch). ``state`` records
    each pushed graph's content hash after every batch, so a re-run after a failure, or after a build,
    sends only what is missing or changed. Returns (graphs sent, graphs already there).
    """
    done: dict[str, str] = json.loads(state.read_text()) if state.exists() else {}
    sent = kept = 0
    pending: list[tuple[str, str, list[ox.Quad]]] = []

    def flush() -> None:
        nonlocal sent
        if not pending:
            return
        drops = "".join(f"DROP SILENT GRAPH <{g}> ;\n" for g, _, _ in pending)
        data = "".join(
            f"GRAPH <{g}> {{\n" + "".join(f"{_sk(g, q.subject)} {q.predicate} {_sk(g, q.object)} .\n" for q in quads)
            + "}\n"
            for g, _, quads in pending
        )
        _update(endpoint, f"{drops}INSERT DATA {{\n{data}}}", timeout)
        for g, digest, _ in pending:
            done[g] = digest
        tmp = state.with_suffix(".tmp")
        tmp.write_text(json.dumps(done))
        tmp.replace(state)  # the state file is replaced whole: a crash leaves the old one
        sent += len(pending)
        if progress:
            progress(len(pending))
        pending.clear()

    for graph in store.graphs():
        quads = list(store.quads(graph))
        hashes = (q.object for q in quads if q.predicate == T.contentHash and q.subject == graph)
        digest = next((h.value for h in hashes if isinstance(h, ox.Literal)), None)
        digest = digest or hashlib.sha256("".join(sorted(map(str, quads))).encode()).hexdigest()
        if done.get(graph.value) == digest:
            kept += 1
            if progress:
                progress(1)
            continue
        pending.append((graph.value, digest, quads))
        if len(pending) >= batch:
            flush()
    flush()
    return sent, kept
