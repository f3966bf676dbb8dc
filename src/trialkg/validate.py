"""Validate the graph against shapes/, one source record's graph at a time, in parallel processes."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from functools import cache
from multiprocessing import get_context
from pathlib import Path

import pyoxigraph as ox

from . import __version__, iris
from .resources import path as resource_path
from .shacl import Result, Shapes, ShapesError, load
from .store import Store, StoreError
from .terms import XSD_INTEGER, T
from .triples import Statement

__all__ = [
    "Finding", "InputError", "Report", "described", "shapes", "shapes_digest", "validate_files", "validate_graphs",
    "validate_store", "verdict",
]  # fmt: skip

# Every named graph, with the verdict its build recorded (absent for graphs written otherwise).
_GRAPHS = """SELECT ?g ?trial ?file ?against ?violations ?warnings WHERE {
  GRAPH ?g {
    OPTIONAL { ?g tkg:describes ?trial } OPTIONAL { ?g tkg:sourceFile ?file }
    OPTIONAL { ?g tkg:validatedAgainst ?against ; tkg:violationCount ?violations ; tkg:warningCount ?warnings }
  }
}"""
_DEFAULT = ""  # the unit name of a data file's default graph
# RDF files are validated as graphs; any other file is read as trial records, as build reads them.
RDF_SUFFIXES = {
    ".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG, ".rdf": ox.RdfFormat.RDF_XML, ".n3": ox.RdfFormat.N3,
}  # fmt: skip


class InputError(Exception):
    """A data file that cannot be validated, with the file and the reason."""


_CHUNK = 400  # graphs per task: large enough to amortize the round trip, small enough to balance
_ENTITIES = 2000  # shared entities per task
_SUBJECTS = f"SELECT DISTINCT ?s WHERE {{ GRAPH <{iris.ENTITIES.value}> {{ ?s ?p ?o }} }}"


@cache
def shapes(folder: str | None = None) -> Shapes:
    """The compiled shapes of ``folder`` (default: trialkg's own shapes/), compiled once per process."""
    where = Path(folder or resource_path("shapes"))
    files = sorted(where.glob("*.ttl"))
    if not files:
        raise ShapesError(f"{where}: no SHACL shapes files (*.ttl) here")
    return load(files)


@cache
def shapes_digest(folder: str | None = None) -> str:
    """SHA-256 of the shapes files and the checker's version: a recorded verdict holds while it matches."""
    h = hashlib.sha256(__version__.encode())
    for ttl in sorted(Path(folder or resource_path("shapes")).glob("*.ttl")):
        h.update(b"\x00" + ttl.name.encode() + b"\x00" + ttl.read_bytes())
    return h.hexdigest()


def verdict(graph: ox.NamedNode, digest: str, results: list[Result]) -> list[Statement]:
    """What a build records about a graph's validation, inside the graph's own provenance."""
    violations = sum(r.severity == "Violation" for r in results)
    return [
        (graph, T.validatedAgainst, ox.Literal(digest)),
        (graph, T.violationCount, ox.Literal(str(violations), datatype=XSD_INTEGER)),
        (graph, T.warningCount, ox.Literal(str(len(results) - violations), datatype=XSD_INTEGER)),
    ]


@dataclass(frozen=True)
class Finding:
    """A validation result with where it came from: the trial, its source record's graph and file."""

    trial: str
    graph: str
    source: str
    result: Result


@dataclass
class Report:
    """Counts of every result by shape, and the first ``limit`` results in full."""

    limit: int | None = None
    graphs: int = 0
    trusted: int = 0  # graphs whose clean verdict from the build was taken without reading them
    findings: list[Finding] = field(default_factory=list)
    counts: Counter[tuple[str, str, str, str | None]] = field(default_factory=Counter)
    severities: Counter[str] = field(default_factory=Counter)
    failing_graphs: set[str] = field(default_factory=set)

    def add(self, trial: str, graph: str, source: str, results: list[Result], *, record: bool = True) -> None:
        """Count one record graph's results (``record=False``: results of another unit, not a record)."""
        self.graphs += record
        for r in results:
            self.counts[(r.severity, r.shape, r.component, r.path)] += 1
            self.severities[r.severity] += 1
            if r.severity == "Violation":
                self.failing_graphs.add(graph)
            if self.limit is None or len(self.findings) < self.limit:
                self.findings.append(Finding(trial, graph, source, r))

    def conforms(self, fail_on: str = "Violation") -> bool:
        """True unless a result of ``fail_on``'s severity or worse was found (warnings pass by default)."""
        worse = {"Violation": ("Violation",), "Warning": ("Violation", "Warning"),
                 "Info": ("Violation", "Warning", "Info")}[fail_on]  # fmt: skip
        return not any(self.severities[s] for s in worse)

    @property
    def total(self) -> int:
        return sum(self.severities.values())


def validate_graphs(
    graphs: Iterable[tuple[str, str, str, Iterable[ox.Triple | ox.Quad]]],
    limit: int | None = None,
    folder: str | None = None,
) -> Report:
    """Validate graphs given as (trial, graph name, source, statements), in this process."""
    report, checker = Report(limit=limit), shapes(folder)
    for trial, graph, source, statements in graphs:
        report.add(trial, graph, source, checker.validate(statements))
    return report


# The store a worker process reads; opened once per process by _init.
_worker_store: ox.Store | None = None
_worker_folder: str | None = None


def _init(path: str, folder: str | None) -> None:
    global _worker_store, _worker_folder
    _worker_store, _worker_folder = ox.Store.read_only(path), folder


# A unit of validation: a record's graph by name, or a group of the entities graph's subjects.
Unit = str | tuple[str, ...]


def _check_chunk(units: list[Unit]) -> list[tuple[str, list[Result]]]:
    assert _worker_store is not None
    checker, out = shapes(_worker_folder), []
    for unit in units:
        if isinstance(unit, tuple):
            out.append((iris.ENTITIES.value, _check_entities(_worker_store, checker, unit)))
            continue
        graph = ox.DefaultGraph() if unit == _DEFAULT else ox.NamedNode(unit)
        quads = list(_worker_store.quads_for_pattern(None, None, None, graph))
        # The record's own nodes, checked with its entities' descriptions; the entities themselves are
        # checked once, in their own units, not once per record that links to them.
        results = checker.validate(quads + described(_worker_store, quads))
        out.append((unit, [r for r in results if not _on_shared(r)]))
    return out


def _on_shared(result: Result) -> bool:
    return result.focus.startswith("<") and iris.shared(ox.NamedNode(result.focus[1:-1]))


def _check_entities(store: ox.Store, checker: Shapes, subjects: tuple[str, ...]) -> list[Result]:
    """Shared entities as the entities graph describes them, gathered from every record that names them.
    Several values where the shapes allow one are disagreements between records (a sponsor 'INDUSTRY' in
    one record and 'OTHER' in another), not a record's defect: reported as warnings that say so."""
    quads = [q for s in subjects for q in store.quads_for_pattern(ox.NamedNode(s), None, None, iris.ENTITIES)]
    mine = {f"<{s}>" for s in subjects}
    out = []
    for r in checker.validate(quads + described(store, quads)):
        if r.focus not in mine:
            continue  # a linked entity of another unit
        if r.component == "MaxCount" and r.severity == "Violation":
            r = replace(r, severity="Warning", message="Records disagree: " + r.message)
        out.append(r)
    return out


def described(store: ox.Store, quads: list[ox.Quad]) -> list[ox.Quad]:
    """The entities graph's descriptions of the shared entities a record links to, and of those they link to
    (a site's city, its country): the record's graph as build validated it, with what other records added."""
    seen: set[ox.NamedNode] = set()
    todo = [q.object for q in quads if isinstance(q.object, ox.NamedNode) and iris.shared(q.object)]
    found: list[ox.Quad] = []
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for q in store.quads_for_pattern(node, None, None, iris.ENTITIES):
            found.append(q)
            if isinstance(q.object, ox.NamedNode) and iris.shared(q.object):
                todo.append(q.object)
    return found


def _units(store: Store, digest: str | None) -> tuple[list[tuple[str, str, str]], int]:
    """(trial, graph, source file) of every graph to read, sorted by trial so a report groups them, and
    how many graphs were left unread because their build found them clean against ``digest``."""
    rows, clean = {}, set()
    # Not units: trialkg's ontology and drug vocabulary (not data), the entities graph (checked with each
    # record that links to its entities) and derived shortcuts (checked whole by the build that derives them).
    skip = (iris.vocabulary_graph("").value, iris.derived_graph("").value, iris.ENTITIES.value)
    for row in store.select(_GRAPHS):
        if row["g"].startswith(skip):
            continue
        rows[row["g"]] = (row.get("trial", ""), row["g"], row.get("file", ""))
        if digest and row.get("against") == digest and row.get("violations") == row.get("warnings") == "0":
            clean.add(row["g"])
    if next(iter(store.default_quads()), None) is not None:
        rows[_DEFAULT] = ("", _DEFAULT, "")
    return sorted(v for g, v in rows.items() if g not in clean), len(clean)


def _entity_groups(store: Store) -> list[tuple[str, ...]]:
    """The entities graph's subjects, in groups of _ENTITIES (always read: no build validated them merged)."""
    subjects = sorted(row["s"] for row in store.select(_SUBJECTS))
    return [tuple(subjects[i : i + _ENTITIES]) for i in range(0, len(subjects), _ENTITIES)]


def validate_store(
    path: str | os.PathLike[str],
    *,
    full: bool = False,
    jobs: int | None = None,
    limit: int | None = None,
    folder: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Validate every named graph of a store, ``jobs`` processes at a time (default: one per core).

    A graph its build validated clean against the same shapes is trusted without being read, unless
    ``full``: reading is the slow part (Oxigraph decodes about 10 µs per statement).
    """
    store = Store(path, read_only=True)
    units, trusted = _units(store, None if full else shapes_digest(folder))
    where = {g: (trial, source) for trial, g, source in units}
    where[iris.ENTITIES.value] = ("", "entities graph (what every record says of the entities it names)")
    names: list[Unit] = [g for _, g, _ in units]
    chunks = [names[i : i + _CHUNK] for i in range(0, len(names), _CHUNK)]
    chunks += [[group] for group in _entity_groups(store)]
    report = Report(limit=limit, graphs=trusted, trusted=trusted)
    where_store = str(store.path)
    del store  # workers open their own read-only handles
    jobs = jobs or os.cpu_count() or 1
    for done in _run(chunks, where_store, folder, jobs):
        for name, results in done:
            trial, source = where[name]
            report.add(trial, name, source, results, record=name != iris.ENTITIES.value)
        if progress:
            progress(len(done))
    return report


def _run(
    chunks: list[list[Unit]], path: str, folder: str | None, jobs: int
) -> Iterator[list[tuple[str, list[Result]]]]:
    if jobs <= 1 or len(chunks) <= 1:
        _init(path, folder)
        yield from map(_check_chunk, chunks)
        return
    # spawn, not fork: the parent holds an open RocksDB handle with threads of its own.
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_init, initargs=(path, folder)) as pool:
        try:
            yield from pool.map(_check_chunk, chunks)
        except BrokenProcessPool:
            raise StoreError(f"{path}: a validation process died (out of memory?); try --jobs 1") from None


def validate_files(
    paths: list[str], *, limit: int | None = None, folder: str | None = None, jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Report, list[tuple[str, str, str]]]:
    """Validate RDF data files (each named graph apart) and trial records (each as build would write it).

    Returns the report and the records that could not be read, as (file, position, reason).
    """
    import tempfile

    from .build import BuildReport, record_graphs

    rdf = [p for p in paths if Path(p).suffix.lower() in RDF_SUFFIXES]
    sources = [p for p in paths if p not in rdf]
    report, skipped = Report(limit=limit), []
    if rdf:
        with tempfile.TemporaryDirectory(prefix="trialkg-validate-") as tmp:
            store = Store(Path(tmp) / "store")
            for p in rdf:
                store.load_file(p, RDF_SUFFIXES[Path(p).suffix.lower()])
            store.flush()
            del store
            report = validate_store(Path(tmp) / "store", full=True, jobs=jobs, limit=limit, folder=folder,
                                    progress=progress)  # fmt: skip
    if sources:
        built = BuildReport()
        checker = shapes(folder)
        for graph, triples in record_graphs(sources, built):
            trial = next((str(t.object.value) for t in triples if t.predicate == T.describes), "")  # type: ignore[union-attr]
            source = next((str(t.object.value) for t in triples if t.predicate == T.sourceFile), "")  # type: ignore[union-attr]
            report.add(trial, graph.value, source, checker.validate(triples))
            if progress:
                progress(1)
        skipped = [(s.source, s.position, s.reason) for s in built.skipped]
    return report, skipped
