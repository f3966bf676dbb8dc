"""Ingest: read records, extract their triples with provenance, and write them to the store."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Triple

from . import iris
from .conditions import Lexicon, shipped
from .derive import COLLABORATIONS, derive
from .link import Link, link
from .pipeline import Extractor, Options, Outcome, outcomes
from .readers import Item, Record, Skipped, Unchanged, read_paths
from .store import Store
from .terms import T
from .validate import Report

__all__ = ["BuildReport", "build", "known_records", "record_graphs"]

_BATCH = 300_000  # statements loaded at a time; two batches in memory at most, as text
_ENTITY_MEMORY = 1_000_000  # entity statements remembered as written, so that the next batches skip them
_COMPACT_AFTER = 5_000  # records written before a build compacts the store (minutes on a large one)
_LISTED = 100_000  # warnings kept in full; all are counted
Progress = Callable[[Iterable[Item]], Iterable[Item]]  # wraps the items read (a progress bar)
_CONDITION_LABELS = "SELECT DISTINCT ?label WHERE { ?c a tkg:Condition ; rdfs:label ?label }"


@dataclass
class BuildReport:
    """What a build did: counts, and every record it skipped or warned about, with reasons."""

    records: int = 0
    written: int = 0
    unchanged: int = 0
    triples: int = 0
    trials: set[str] = field(default_factory=set)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[tuple[str, str, str]] = field(default_factory=list)
    warning_count: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)
    links: list[Link] = field(default_factory=list)
    validation: Report = field(default_factory=lambda: Report(limit=1000))
    rejected: int = 0
    gone: list[str] = field(default_factory=list)  # record graphs whose source no longer holds them
    pruned: int = 0
    orphans: int = 0  # statements about entities that only pruned records named
    resumed: bool = False  # the previous build of this store was interrupted; this one finished its work

    def warn(self, source: str, position: str, text: str) -> None:
        self.warning_count += 1
        # Group by the message's shape: quoted values and numbers vary between records.
        self.kinds[re.sub(r"\d+", "N", re.sub(r"'[^']*'|\"[^\"]*\"", "…", text))] += 1
        if len(self.warnings) < _LISTED:
            self.warnings.append((source, position, text))

    def warning_kinds(self) -> Counter[str]:
        return self.kinds


Place = tuple[str, str]  # (source, position)
Known = dict[Place, tuple[str, str, str]]  # place -> (graph, content hash, trial) of the store's record graphs


def known_records(store: Store) -> Known:
    """Where each record graph of the store came from, its content hash and its trial: four scans."""

    def values(p: NamedNode) -> dict[str, str]:
        return {q.graph_name.value: q.object.value for q in store.pattern(None, p, None)  # type: ignore[union-attr]
                if q.subject == q.graph_name}  # fmt: skip

    files, hashes, trials = values(T.sourceFile), values(T.contentHash), values(T.describes)
    positions = values(T.recordPosition)
    sources: dict[str, str] = {}  # one string per source file, however many records it holds
    # A graph without its hash was cut short by a killed build: never unchanged, so it is written again.
    return {
        (sources.setdefault(f, f), positions.get(g, "")): (g, hashes.get(g, ""), trials.get(g, ""))
        for g, f in files.items()
    }  # fmt: skip


class _Builder:
    """One build's state: the report, what the store held, and records waiting for the condition lexicon."""

    def __init__(self, store: Store | None, options: Options, jobs: int) -> None:
        self.store, self.jobs = store, jobs
        self.extractor = Extractor(options)
        self.report = BuildReport()
        self.known: Known = known_records(store) if store is not None else {}
        self.kept: set[str] = set()  # record graphs this build wrote, found unchanged, or could not read
        self.unreadable: set[str] = set()
        self.labels: set[str] = set()
        self.pending: list[Outcome] = []
        self.said: dict[tuple[str, str], tuple[str, str]] = {}  # (trial, format) -> (what it says, where)

    def run(self, paths: Iterable[str], progress: Progress | None) -> Iterator[Outcome]:
        """Every record's outcome, counted in the report; pending ones once the others are done."""
        for outcome in outcomes(self._records(paths, progress), self.extractor, self.jobs):
            if self._take(outcome):
                yield outcome
        if self.pending:
            lexicon = Lexicon(shipped())
            lexicon.add(self.labels)
            if self.store is not None:
                lexicon.add(row["label"] for row in self.store.select(_CONDITION_LABELS))
            for o in self.pending:
                assert o.record is not None and o.study is not None
                o.study.conditions = lexicon.split_all(o.study.conditions)
                done = self.extractor.finish(o.record, o.study)
                if self._take(done):
                    yield done

    def _unchanged(self, source: str, position: str, digest: str) -> bool:
        entry = self.known.get((source, position))
        return entry is not None and entry[1] == digest

    def _hash(self, source: str, position: str) -> str | None:
        entry = self.known.get((source, position))
        return entry[1] if entry else None

    def _records(self, paths: Iterable[str], progress: Progress | None) -> Iterator[tuple[Record, str | None]]:
        items: Iterable[Item] = read_paths(paths, self._unchanged if self.known else None)
        for item in progress(items) if progress else items:
            if isinstance(item, Record):
                self.report.records += 1
                yield item, self._hash(item.source, item.position)
            elif isinstance(item, Unchanged):
                self.report.records += 1
                self.report.unchanged += 1
                graph, _, trial = self.known[(item.source, item.position)]
                self.kept.add(graph)
                self.report.trials.add(trial)
            else:
                self.report.skipped.append(item)
                self._keep(item.source, item.position)

    def _keep(self, source: str, position: str) -> None:
        """What the store holds for a place this build could not read stays (a pruning build keeps it)."""
        if not position:
            self.unreadable.add(source)
        elif entry := self.known.get((source, position)):
            self.kept.add(entry[0])

    def _take(self, o: Outcome) -> bool:
        """Count an outcome; True when it has a graph to write (or, rejected, one to remove)."""
        r = self.report
        if o.status == "skipped":
            r.skipped.append(Skipped(o.source, o.position, o.reason))
            self._keep(o.source, o.position)
            return False
        if o.status == "pending":
            self.pending.append(o)
            return False
        if o.status == "unchanged":
            r.unchanged += 1
            graph, _, trial = self.known[(o.source, o.position)]
            self.kept.add(graph)
            r.trials.add(trial)
            return False
        self.labels.update(o.labels)
        for w in o.warnings:
            r.warn(o.source, o.position, w)
        r.formats[o.format] += 1
        r.trials.add(o.trial)
        if o.graph in self.kept:
            r.warn(o.source, o.position, f"{o.graph} appears again in this source; the later record is kept")
        where = o.source + (f" {o.position}" if o.position else "")
        said = self.said.setdefault((o.trial, o.format), (o.says, where))
        if said[0] != o.says:
            r.warn(o.source, o.position, f"{o.trial.rsplit('/', 1)[-1]} is also in {said[1]}, which says otherwise; "
                                         "both records are kept, each in its own graph")  # fmt: skip
        self.kept.add(o.graph)
        if self.extractor.options.validate:
            r.validation.add(o.trial, o.graph, o.source, o.results)
        if o.status == "rejected":
            r.skipped.append(Skipped(o.source, o.position, o.reason))
            r.rejected += 1
            return True
        r.written += 1
        r.triples += o.triples
        return True

    def gone(self, paths: Iterable[str]) -> list[str]:
        """Record graphs of the store from files under ``paths`` that this build did not find there."""
        # A path that is not there (a typo, an unmounted disk) says nothing about what its files hold.
        roots = [str(Path(p).resolve()) for p in paths if Path(p).exists()]
        inside = tuple(r + os.sep for r in roots)
        return sorted(
            graph for (source, _), (graph, _, _) in self.known.items()
            if graph not in self.kept and source not in self.unreadable
            and (source in roots or source.startswith(inside))
        )  # fmt: skip


class _Writer:
    """Record graphs as N-Quads text, a batch at a time, loaded by one thread while the next is made."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.graphs: dict[str, str] = {}
        self.seals: dict[str, str] = {}
        self.entities: set[str] = set()
        self.size = 0
        self.written: set[str] = set()
        self.thread = ThreadPoolExecutor(1)
        self.loading: Future[None] | None = None

    def add(self, o: Outcome) -> None:
        # A graph seen twice in one batch: the later version wins, as it does across batches.
        self.graphs[o.graph] = o.quads if o.status == "written" else ""
        self.seals[o.graph] = o.seal if o.status == "written" else ""
        self.entities.update(o.entities)
        self.size += o.triples
        if self.size >= _BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.graphs and not self.entities:
            return
        new = self.entities - self.written
        if len(self.written) > _ENTITY_MEMORY:
            self.written.clear()
        self.written |= new
        into = iris.ENTITIES
        text = "".join(self.graphs.values()) + "".join(f"{e} {into} .\n" for e in new)
        seals = "".join(self.seals.values())
        graphs = [NamedNode(g) for g in self.graphs]
        self.graphs, self.seals, self.entities, self.size = {}, {}, set(), 0
        self.wait()
        self.loading = self.thread.submit(self._load, graphs, text.encode(), seals.encode())

    def _load(self, graphs: list[NamedNode], data: bytes, seals: bytes) -> None:
        # The bulk loader is not atomic: a build killed while it runs can leave part of a batch. A record
        # counts as in the store only by its content hash, loaded after the rest of its graph, so a
        # half-written record has none and the next build writes it again (after removing what is there).
        self.store.remove(graphs)  # earlier versions of these records' graphs, and any half-written one
        if data:
            self.store.load_data(data, RdfFormat.N_QUADS)
        if seals:
            self.store.load_data(seals, RdfFormat.N_QUADS)

    def wait(self) -> None:
        if self.loading is not None:
            loading, self.loading = self.loading, None
            loading.result()

    def close(self) -> None:
        self.flush()
        self.wait()
        self.thread.shutdown()


def build(
    store: Store,
    paths: Iterable[str],
    progress: Progress | None = None,
    *,
    contacts: bool = False,
    validate: bool = True,
    strict: bool = False,
    prune: bool = False,
    jobs: int = 0,
) -> BuildReport:
    """Ingest every record under ``paths``; bad records are reported and skipped, never fatal.

    Records the store holds as they are (same content hash) are passed over, most of them unparsed.
    The others are extracted and validated by ``jobs`` processes (default: one per core) and written
    by this one; each graph's verdict is kept in its provenance, and with ``strict`` a graph with
    violations is left out. Record graphs from files under ``paths`` that no longer hold them are
    listed in the report, and removed with ``prune``. Records without an NCT id are then linked to
    the trial they duplicate (link.py), and the derived shortcuts recomputed (derive.py). Contact
    persons (personal data) are written only with ``contacts``. ``progress`` wraps the items read.
    """
    when = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    resumed = store.interrupted
    store.begin_build()
    b = _Builder(store, Options(contacts, validate, strict, when), jobs or os.cpu_count() or 1)
    b.report.resumed = resumed
    writer = _Writer(store)
    try:
        for outcome in b.run(paths, progress):
            writer.add(outcome)
    finally:
        writer.close()
    report = b.report
    report.gone = b.gone(paths)
    referred: set[NamedNode] = set()  # shared entities the pruned records named: some may be orphans now
    if prune and report.gone:
        for graph in map(NamedNode, report.gone):
            referred.update(q.object for q in store.quads(graph) if iris.shared(q.object))  # type: ignore[misc]
            store.remove([graph])
        report.pruned = len(report.gone)
    # A build killed after writing records but before what follows them leaves that work to this one.
    changed = report.written or report.rejected or report.pruned or resumed
    if changed or not store.has_graph(iris.vocabulary_graph("drugs")):
        _vocabularies(store)
    report.links = link(store)
    if changed or report.links or not store.has_graph(COLLABORATIONS):
        report.validation.add("", COLLABORATIONS.value, "trialkg build", derive(store), record=False)
        from .related import invalidate  # numpy and scipy only when the store changed

        invalidate(store.path)  # the related-trials index describes the store as it was
    if referred:  # after derive, whose collaborations name organizations too
        report.orphans = store.remove_unreferenced(iris.ENTITIES, referred)
    moved = {x.old: x.new for x in report.links}
    report.trials = {moved.get(t, t) for t in report.trials}
    if report.written >= _COMPACT_AFTER or (report.written and not b.known) or resumed:
        store.optimize()  # bulk-loaded files query several times slower until compacted
    store.end_build()
    return report


def _vocabularies(store: Store) -> None:
    """The ontology and the drug vocabulary in graphs of their own, so that queries can use term labels
    and every name of a drug (skos:prefLabel, skos:altLabel on the drug's own IRI)."""
    from pyoxigraph import RdfFormat, parse

    from .resources import path

    graphs = {}
    for name, file in (("ontology", "trialkg.ttl"), ("drugs", "drugs.ttl")):
        quads = parse(path=str(path("ontology") / file), format=RdfFormat.TURTLE)
        graphs[iris.vocabulary_graph(name)] = [Triple(q.subject, q.predicate, q.object) for q in quads]
    store.replace(graphs)


def record_graphs(paths: Iterable[str], report: BuildReport) -> Iterator[tuple[NamedNode, list[Triple]]]:
    """Each record's graph as a build would write it, without a store and unvalidated (for ``validate``)."""
    when = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    b = _Builder(None, Options(validate=False, when=when, keep=True), jobs=1)
    b.report = report
    for outcome in b.run(paths, None):
        if outcome.kept is not None:
            yield NamedNode(outcome.graph), outcome.kept
