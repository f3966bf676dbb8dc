"""One record to its checked graph as N-Quads text: the part of a build that runs in worker processes."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import PurePath

from pyoxigraph import Literal, NamedNode, Triple

from . import __version__, enums, iris
from .extract import FORMATS
from .model import Study
from .readers import Record, document_hash
from .shacl import Result, Shapes
from .terms import PROV_ENTITY, PROV_GENERATED_AT, PROV_REVISION_OF, RDF_TYPE, RDFS_LABEL, XSD_ANYURI, XSD_DATETIME, T
from .triples import Statement, date_literal, study_statements
from .validate import verdict

__all__ = ["Extractor", "Options", "Outcome", "content_hash", "outcomes", "provenance"]

_INLINE = 500  # records extracted in the calling process before worker processes are worth starting
_CHUNK = 64  # records per task sent to a worker


def content_hash(record: Record) -> str:
    """The hash of a record, for incremental builds: its document's bytes when it is the whole document,
    else its parsed content (a record inside an array or a CSV row), with this trialkg version."""
    if record.digest:
        return record.digest
    payload = record.payload
    if isinstance(payload, bytes):
        return document_hash(payload)
    if isinstance(payload, str):
        return document_hash(payload.encode())
    return document_hash(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode())


@dataclass
class Outcome:
    """What became of one record: written (with its N-Quads), unchanged, pending, rejected or skipped."""

    source: str
    position: str
    format: str
    status: str
    reason: str = ""
    trial: str = ""
    graph: str = ""
    quads: str = ""  # the record's own statements, in its graph, but for its content hash:
    seal: str = ""  # that one statement, written last (a record without it is redone by the next build)
    says: str = ""  # a hash of the record's statements but its provenance: two records that say the same
    entities: list[str] = field(default_factory=list)  # statements about shared entities, without a graph
    triples: int = 0
    warnings: list[str] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # condition labels, for splitting joined ones later
    record: Record | None = None  # a pending record and its parse, finished once every condition label
    study: Study | None = None  # of the build is known
    kept: list[Triple] | None = None  # the statements as objects, when the options keep them (in-process only)


@dataclass(frozen=True)
class Options:
    """How records are extracted: the same in every process of a build."""

    contacts: bool = False
    validate: bool = True
    strict: bool = False
    when: str = ""
    keep: bool = False  # keep the statements as objects too (for validate and related, which need no store)


class Extractor:
    """Parses, extracts, checks and writes out one record at a time (no store: a pure function of it)."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self._checker: Shapes | None = None
        self.digest = ""

    @property
    def checker(self) -> Shapes | None:
        """The compiled shapes, loaded on first use (a build with nothing new to write never needs them)."""
        if self._checker is None and self.options.validate:
            from .validate import shapes, shapes_digest

            self._checker, self.digest = shapes(), shapes_digest()
        return self._checker

    def __call__(self, record: Record, known: str | None) -> Outcome:
        """The outcome of one record; ``known`` is the content hash the store holds for its place."""
        if known is not None and content_hash(record) == known:
            return Outcome(record.source, record.position, record.format, "unchanged")
        try:
            study = FORMATS[record.format].parse(record.payload)
            if study.nct_id:
                iris.trial(study.nct_id)  # refuse a malformed id here, with the record named
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return self._skip(record, f"{record.format}: {exc}")
        except Exception as exc:  # noqa: BLE001  a parser's bug on one record must not stop the others
            return self._skip(record, f"{record.format}: cannot parse: {type(exc).__name__}: {exc}")
        if study.conditions_joined:
            # Split once every label of this build is known, so ingest order does not matter.
            return Outcome(record.source, record.position, record.format, "pending", record=record, study=study)
        return self.finish(record, study)

    def finish(self, record: Record, study: Study) -> Outcome:
        try:
            return self._finish(record, study)
        except Exception as exc:  # noqa: BLE001  one record's failure must not stop the others
            return self._skip(record, f"cannot extract: {type(exc).__name__}: {exc}")

    def _finish(self, record: Record, study: Study) -> Outcome:
        trial, graph, statements, warnings = self.triples(record, study)
        out = Outcome(record.source, record.position, record.format, "written", trial=trial.value,
                      graph=graph.value, warnings=warnings, labels=list(study.conditions))  # fmt: skip
        statements += provenance(graph, trial, record, content_hash(record), self.options.when)
        if self.checker is not None:
            out.results = self.checker.validate(statements)
            bad = [r for r in out.results if r.severity == "Violation"]
            if bad and self.options.strict:
                out.status, out.reason = "rejected", f"fails validation: {len(bad)} violation(s), e.g. {bad[0].message}"
                return out
            statements += verdict(graph, self.digest, out.results)
        out.triples = len(statements)
        if self.options.keep:
            out.kept = [Triple(*t) for t in statements]
            return out
        # N-Triples text for the writer, which loads text without building objects again. The record's
        # own subjects are few and its predicates fewer: each is written out once per record.
        own, into, text = [], f" {graph} .\n", _Text()
        about = hashlib.blake2b(digest_size=8)  # what the record says, without where and when it was read
        for s, p, o in statements:
            subject = text(s)
            if iris.shared_text(subject):
                out.entities.append(f"{subject} {text(p)} {o}")
            elif p == T.contentHash and s == graph:
                out.seal = f"{subject} {text(p)} {o}{into}"
            else:
                line = f"{subject} {text(p)} {o}"
                own.append(line + into)
                if s != graph and not iris.record_version_text(subject):  # its history is not what it says
                    about.update(line.encode())
        out.quads = "".join(own)
        out.says = about.hexdigest()
        return out

    def triples(self, record: Record, study: Study) -> tuple[NamedNode, NamedNode, list[Statement], list[str]]:
        """The trial, the graph and the statements of one parsed record, unchecked, and its warnings."""
        trial = iris.record_trial(study.nct_id, f"{record.source}|{record.position}")
        warnings = list(study.warnings)
        if study.nct_id and (mismatch := _name_mismatch(record, study.nct_id)):
            warnings.append(mismatch)
        # The same trial re-read from the same file replaces its graph even if it moved in the file.
        graph = iris.source_graph(record.origin or record.source, study.nct_id or record.position or "document")
        return trial, graph, study_statements(study, trial, contacts=self.options.contacts), warnings

    @staticmethod
    def _skip(record: Record, reason: str) -> Outcome:
        return Outcome(record.source, record.position, record.format, "skipped", reason=reason)


def provenance(graph: NamedNode, trial: NamedNode, record: Record, digest: str, when: str) -> list[Statement]:
    """PROV-O statements about one source record's graph, kept inside that graph."""
    where = record.source + (f" {record.position}" if record.position else "")
    statements: list[Statement] = [
        (graph, RDF_TYPE, T.SourceRecord),
        (graph, RDF_TYPE, PROV_ENTITY),
        (graph, RDFS_LABEL, Literal(f"source record {where}")),
        (graph, T.describes, trial),
        (graph, T.sourceFile, Literal(record.source)),
        (graph, T.sourceFormat, Literal(record.format)),
        (graph, T.contentHash, Literal(digest)),
        (graph, T.trialkgVersion, Literal(__version__)),
        (graph, PROV_GENERATED_AT, Literal(when, datatype=XSD_DATETIME)),
    ]
    if record.position:  # a file that holds one record has no position inside it
        statements.append((graph, T.recordPosition, Literal(record.position)))
    if record.versions:
        statements += _versions(graph, trial, record)
    return statements


def _versions(graph: NamedNode, trial: NamedNode, record: Record) -> list[Statement]:
    """A record fetched from the API: when it was posted and fetched, what it changed, and the chain of
    its earlier versions (prov:wasRevisionOf), each kept whole in the fetch cache."""
    *earlier, last = record.versions
    root = record.source[: -len(last.page)] if record.source.endswith(last.page) else ""
    statements: list[Statement] = []
    node, newer = graph, last
    for v in [*reversed(earlier), None]:
        if (day := enums.date(newer.posted)) and len(day) == 10:  # a whole day, as the API gives it
            statements.append((node, T.versionPosted, date_literal(day)))
        if newer.retrieved:
            statements.append((node, T.retrievedAt, Literal(newer.retrieved, datatype=XSD_DATETIME)))
        if v is not None:
            statements += [(node, T.changedField, Literal(f)) for f in newer.changed or ()]
            older = iris.record_version(v.nct, v.posted, v.hash)
            statements += [
                (node, PROV_REVISION_OF, older),
                (older, RDF_TYPE, T.RecordVersion),
                (older, RDF_TYPE, PROV_ENTITY),
                (older, RDFS_LABEL, Literal(f"{v.nct} as posted {v.posted or 'on an unknown day'}")),
                (older, T.versionOf, trial),
                (older, T.cachedResponse, Literal(f"{root}{v.page} [{v.index}]")),
            ]
            node, newer = older, v
    if last.url:
        statements.append((graph, T.requestUrl, Literal(last.url, datatype=XSD_ANYURI)))
    return statements


class _Text(dict[NamedNode, str]):
    """The N-Triples form of a node, remembered: a record repeats its subjects and predicates."""

    def __call__(self, node: NamedNode) -> str:
        text = self.get(node)
        if text is None:
            text = self[node] = str(node)
        return text


def _name_mismatch(record: Record, nct_id: str) -> str | None:
    name = PurePath(record.position or record.source).name
    named = enums.NCT.match(name)
    if named and named.group(0) != nct_id:
        return f"file name says {named.group(0)} but the record is {nct_id}"
    return None


_worker: Extractor | None = None


def _start(options: Options, parent: int) -> None:
    global _worker
    _worker = Extractor(options)
    threading.Thread(target=_orphaned, args=(parent,), daemon=True).start()


def _orphaned(parent: int) -> None:
    """End this worker when the build that started it is gone (killed, say): nobody would read its work."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _run(chunk: list[tuple[Record, str | None]]) -> list[Outcome]:
    assert _worker is not None
    return [_worker(record, known) for record, known in chunk]


def outcomes(items: Iterable[tuple[Record, str | None]], extractor: Extractor, jobs: int) -> Iterator[Outcome]:
    """The outcome of each record, in input order. The first records are extracted here; the rest, if
    there are more, by ``jobs`` worker processes, a chunk at a time, while this process writes."""
    it = iter(items)
    for record, known in islice(it, _INLINE):
        yield extractor(record, known)
    first = list(islice(it, _CHUNK))
    if not first:
        return
    if jobs <= 1:
        for record, known in chain(first, it):
            yield extractor(record, known)
        return
    # spawn, not fork: the parent holds an open store and threads, which a forked child must not inherit.
    context = multiprocessing.get_context("spawn")
    setup = (extractor.options, os.getpid())
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start, initargs=setup) as pool:
        waiting: deque[Future[list[Outcome]]] = deque([pool.submit(_run, first)])
        while chunk := list(islice(it, _CHUNK)):
            waiting.append(pool.submit(_run, chunk))
            while len(waiting) > 3 * jobs:  # a bounded queue: memory stays flat however long the input
                yield from waiting.popleft().result()
        while waiting:
            yield from waiting.popleft().result()
