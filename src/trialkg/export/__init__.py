"""Exports to graph tools: the registry of formats, and one entry point that writes any of them."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from ..store import Store
from .cytoscape import write_cytoscape, write_html
from .graph import Edge, PNode, elements
from .neo4j import command, write_neo4j
from .rdf import write_dataset, write_jsonld, write_union
from .select import Selection, neighbourhood, trials_of, whole
from .xml import write_gexf, write_graphml

__all__ = ["FORMATS", "ExportError", "Format", "Selection", "choose", "export", "neighbourhood", "trials_of", "whole"]


class ExportError(Exception):
    """An export that cannot be written, with a message for a person."""


@dataclass(frozen=True)
class Format:
    """One export format: its file suffix, what it is, and how it is written."""

    suffix: str
    description: str
    write: Callable[[Store, Selection, Path, str], str]


@contextmanager
def _replacing(target: Path, binary: bool) -> Iterator[IO[bytes] | IO[str]]:
    """A file written beside its target and moved over it only when complete: a failed export leaves no half."""
    if str(target) == "-":
        yield sys.stdout.buffer if binary else sys.stdout
        return
    part = target.with_name(target.name + ".part")
    try:
        with part.open("wb") if binary else part.open("w", encoding="utf-8") as out:
            yield out
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


def _counting(selection: Selection) -> tuple[Selection, list[int]]:
    """The selection with a progress that also counts the statements read."""
    count, tell = [0], selection.progress

    def progress(n: int) -> None:
        count[0] += n
        if tell is not None:
            tell(n)

    return replace(selection, progress=progress), count


def _rdf(fmt: ox.RdfFormat, dataset: bool) -> Callable[[Store, Selection, Path, str], str]:
    def write(store: Store, selection: Selection, target: Path, _title: str) -> str:
        selection, count = _counting(selection)
        with _replacing(target, True) as out:
            (write_dataset if dataset else write_union)(store, selection, out, fmt)  # type: ignore[arg-type]
        return f"{count[0]:,} statements"

    return write


def _jsonld(store: Store, selection: Selection, target: Path, _title: str) -> str:
    selection, count = _counting(selection)
    with _replacing(target, True) as out:
        write_jsonld(store, selection, out)  # type: ignore[arg-type]
    return f"{count[0]:,} statements"


def _counted(items: Iterator[PNode | Edge], counts: list[int]) -> Iterator[PNode | Edge]:
    for e in items:
        counts[isinstance(e, Edge)] += 1
        yield e


def _graph(writer: Callable[[Iterator[PNode | Edge], IO[str]], None]) -> Callable[[Store, Selection, Path, str], str]:
    def write(store: Store, selection: Selection, target: Path, _title: str) -> str:
        counts = [0, 0]
        with _replacing(target, False) as out:
            writer(_counted(elements(store, selection), counts), out)  # type: ignore[arg-type]
        return f"{counts[0]:,} nodes, {counts[1]:,} edges"

    return write


def _neo4j(store: Store, selection: Selection, target: Path, _title: str) -> str:
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target}: Neo4j import files go into a folder; this is a file")
    part = target.with_name(target.name + ".part")
    shutil.rmtree(part, ignore_errors=True)
    try:
        nodes, rels = write_neo4j(elements(store, selection), part)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(part, target)
    finally:
        shutil.rmtree(part, ignore_errors=True)
    return f"{nodes:,} nodes, {rels:,} relationships; import with:\n  {command(target)}"


def _html(store: Store, selection: Selection, target: Path, title: str) -> str:
    if selection.nodes is None:
        raise ExportError("html draws a subgraph: give --trial NCT_ID or --query NAME")
    try:
        with _replacing(target, False) as out:
            count = write_html(elements(store, selection), out, title)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ExportError(str(exc)) from None
    return f"{count:,} nodes drawn; open {target} in a browser (works offline)"


FORMATS: dict[str, Format] = {
    "turtle": Format(".ttl", "Turtle: the union of the graphs", _rdf(ox.RdfFormat.TURTLE, False)),
    "ntriples": Format(".nt", "N-Triples: the union of the graphs", _rdf(ox.RdfFormat.N_TRIPLES, False)),
    "nquads": Format(".nq", "N-Quads: every statement in its named graph", _rdf(ox.RdfFormat.N_QUADS, True)),
    "trig": Format(".trig", "TriG: the named graphs kept", _rdf(ox.RdfFormat.TRIG, True)),
    "jsonld": Format(".jsonld", "JSON-LD with a context of readable keys (nctId, leadSponsor, Trial)", _jsonld),
    "graphml": Format(".graphml", "GraphML for yEd, Cytoscape, Gephi, networkx", _graph(write_graphml)),
    "gexf": Format(".gexf", "GEXF 1.2 for Gephi", _graph(write_gexf)),
    "cytoscape": Format(".cyjs", "Cytoscape.js JSON (also Cytoscape Desktop)", _graph(write_cytoscape)),
    "neo4j": Format("", "a folder of CSV files for neo4j-admin database import", _neo4j),
    "html": Format(".html", "a self-contained page drawing a subgraph, offline", _html),
}


def choose(store: Store, trials: list[str] | None, query: str | None, params: dict[str, str] | None = None,
           hops: int = 1, vocabularies: bool = False) -> tuple[Selection, str]:  # fmt: skip
    """What to export and its title: the neighbourhood of the given trials (NCT ids) or of the trials a
    saved query returns, else the whole store."""
    from ..queries import run

    if trials and query:
        raise ExportError("give --trial or --query, not both")
    if trials:
        found = trials_of(store, [ox.Literal(t) for t in trials])
        missing = sorted(set(trials) - {t.rsplit("/", 1)[1] for t in found})
        if missing:
            raise ExportError(f"{', '.join(missing)}: not in the store")
        return neighbourhood(store, found, hops), " ".join(trials)
    if query:
        rows = run(query, params or {}, store=store)
        found = trials_of(store, [t for row in rows.rows for t in row])
        if not found:
            raise ExportError(f"query {query} returned no trials of this store")
        return neighbourhood(store, found, hops), query
    return whole(vocabularies), "trialkg"


def export(store: Store, fmt: str, target: Path, selection: Selection, title: str = "trialkg") -> str:
    """Write ``selection`` of the store as ``fmt`` to ``target``; returns a summary line."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    if str(target) == "-" and fmt == "neo4j":
        raise ExportError("neo4j writes a folder of files: give -o FOLDER")
    if str(target) != "-" and not target.parent.is_dir():
        raise ExportError(f"{target}: no such folder {target.parent}")
    return FORMATS[fmt].write(store, selection, target, title)
