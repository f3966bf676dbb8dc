"""Ingest: read records, extract their triples with provenance, and write them to the store."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import PurePath

from pyoxigraph import Literal, NamedNode, Triple

from . import __version__, iris
from .conditions import Lexicon, shipped
from .derive import COLLABORATIONS, derive
from .extract import FORMATS
from .link import Link, link
from .model import Study
from .readers import Record, Skipped, read_paths
from .store import Store
from .terms import PROV_ENTITY, PROV_GENERATED_AT, RDF_TYPE, RDFS_LABEL, XSD_DATETIME, T
from .triples import study_triples
from .validate import Report, shapes_digest, verdict
from .validate import shapes as compiled_shapes

__all__ = ["BuildReport", "build", "content_hash", "provenance", "record_graphs", "write"]

_NCT = re.compile(r"NCT\d{8}")
_BATCH = 500
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
    formats: Counter[str] = field(default_factory=Counter)
    links: list[Link] = field(default_factory=list)
    validation: Report = field(default_factory=lambda: Report(limit=1000))
    rejected: int = 0

    def warning_kinds(self) -> Counter[str]:
        # Group by the message's shape: quoted values and numbers vary between records.
        return Counter(re.sub(r"\d+", "N", re.sub(r"'[^']*'|\"[^\"]*\"", "…", w[2])) for w in self.warnings)


def content_hash(record: Record) -> str:
    """A hash of the record's content and of this trialkg version, for incremental builds."""
    payload = record.payload
    if isinstance(payload, bytes):
        data = payload
    elif isinstance(payload, str):
        data = payload.encode()
    else:
        data = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(data + b"\x00" + __version__.encode()).hexdigest()


def provenance(graph: NamedNode, trial: NamedNode, record: Record, digest: str, when: str) -> list[Triple]:
    """PROV-O statements about one source record's graph, kept inside that graph."""
    where = record.source + (f" {record.position}" if record.position else "")
    triples = [
        Triple(graph, RDF_TYPE, T.SourceRecord),
        Triple(graph, RDF_TYPE, PROV_ENTITY),
        Triple(graph, RDFS_LABEL, Literal(f"source record {where}")),
        Triple(graph, T.describes, trial),
        Triple(graph, T.sourceFile, Literal(record.source)),
        Triple(graph, T.sourceFormat, Literal(record.format)),
        Triple(graph, T.contentHash, Literal(digest)),
        Triple(graph, T.trialkgVersion, Literal(__version__)),
        Triple(graph, PROV_GENERATED_AT, Literal(when, datatype=XSD_DATETIME)),
    ]
    if record.position:  # a file that holds one record has no position inside it
        triples.append(Triple(graph, T.recordPosition, Literal(record.position)))
    return triples


def _name_mismatch(record: Record, nct_id: str) -> str | None:
    name = PurePath(record.position or record.source).name
    named = _NCT.match(name)
    if named and named.group(0) != nct_id:
        return f"file name says {named.group(0)} but the record is {nct_id}"
    return None


class _Builder:
    """One build's state: the store, the report, and records waiting for the condition lexicon."""

    def __init__(self, store: Store | None, contacts: bool, validate: bool = True, strict: bool = False) -> None:
        self.store, self.contacts, self.strict = store, contacts, strict
        self.checker = compiled_shapes() if validate else None
        self.digest = shapes_digest() if validate else ""
        self.report = BuildReport()
        self.when = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        self.seen: set[NamedNode] = set()
        self.labels: set[str] = set()
        self.pending: list[tuple[Record, Study]] = []

    def parsed(self, items: Iterable[Record | Skipped]) -> Iterator[tuple[Record, Study]]:
        for item in items:
            if isinstance(item, Skipped):
                self.report.skipped.append(item)
                continue
            self.report.records += 1
            try:
                study = FORMATS[item.format].parse(item.payload)
                if study.nct_id:
                    iris.trial(study.nct_id)  # refuse a malformed id here, with the record named
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                self.report.skipped.append(Skipped(item.source, item.position, f"{item.format}: {exc}"))
                continue
            if study.conditions_joined:
                # Split once every label of this build is known, so ingest order does not matter.
                self.pending.append((item, study))
                continue
            self.labels.update(study.conditions)
            yield item, study

    def split_pending(self) -> Iterator[tuple[Record, Study]]:
        if not self.pending:
            return
        lexicon = Lexicon(shipped())
        lexicon.add(self.labels)
        if self.store is not None:
            lexicon.add(row["label"] for row in self.store.select(_CONDITION_LABELS))
        for item, study in self.pending:
            study.conditions = lexicon.split_all(study.conditions)
            yield item, study

    def graphs(self, records: Iterable[tuple[Record, Study]]) -> Iterator[tuple[NamedNode, list[Triple]]]:
        report = self.report
        for item, study in records:
            trial = iris.record_trial(study.nct_id, f"{item.source}|{item.position}")
            report.warnings += [(item.source, item.position, w) for w in study.warnings]
            if study.nct_id and (mismatch := _name_mismatch(item, study.nct_id)):
                report.warnings.append((item.source, item.position, mismatch))
            report.formats[item.format] += 1
            report.trials.add(trial.value)
            # The same trial re-read from the same file replaces its graph even if it moved in the file.
            graph = iris.source_graph(item.source, study.nct_id or item.position or "document")
            if graph in self.seen:
                again = f"{study.nct_id} appears again in this source; the later record is kept"
                report.warnings.append((item.source, item.position, again))
            self.seen.add(graph)
            digest = content_hash(item)
            if self.store is not None and self.store.content_hash(graph) == digest:
                report.unchanged += 1
                continue
            triples = study_triples(study, trial, contacts=self.contacts)
            triples += provenance(graph, trial, item, digest, self.when)
            if self.checker is not None:
                results = self.checker.validate(triples)
                report.validation.add(trial.value, graph.value, item.source, results)
                bad = [r for r in results if r.severity == "Violation"]
                if bad and self.strict:
                    reason = f"fails validation: {len(bad)} violation(s), e.g. {bad[0].message}"
                    report.skipped.append(Skipped(item.source, item.position, reason))
                    report.rejected += 1
                    if self.store is not None:
                        self.store.remove([graph])  # an earlier, now superseded version must not stay
                    continue
                triples += verdict(graph, self.digest, results)
            report.written += 1
            report.triples += len(triples)
            yield graph, triples

    def write(self, graphs: Iterable[tuple[NamedNode, list[Triple]]]) -> None:
        assert self.store is not None
        write(self.store, graphs)


def write(store: Store, graphs: Iterable[tuple[NamedNode, list[Triple]]]) -> None:
    """Each record's own statements to its graph (replacing an earlier version); what it says about shared
    entities (iris.shared) added to the one entities graph, so the union of graphs states each fact once."""
    batch: dict[NamedNode, list[Triple]] = {}
    entities: set[Triple] = set()
    for graph, triples in graphs:
        batch[graph] = [t for t in triples if not iris.shared(t.subject)]
        entities.update(t for t in triples if iris.shared(t.subject))
        if len(batch) >= _BATCH:
            store.replace(batch)
            store.add(iris.ENTITIES, entities)
            batch, entities = {}, set()
    if batch:
        store.replace(batch)
        store.add(iris.ENTITIES, entities)


def build(
    store: Store,
    paths: Iterable[str],
    progress: Iterable[Record | Skipped] | None = None,
    *,
    contacts: bool = False,
    validate: bool = True,
    strict: bool = False,
) -> BuildReport:
    """Ingest every record under ``paths``; bad records are reported and skipped, never fatal.

    Each record's graph is validated against the shapes before it is written, its verdict kept in
    its provenance; with ``strict`` a graph with violations is left out. Records without an NCT id
    are then linked to the trial they duplicate (see link.py), and the derived shortcuts recomputed
    (derive.py). Contact persons (personal data) are written only with ``contacts``.
    """
    b = _Builder(store, contacts, validate, strict)
    items = progress if progress is not None else read_paths(paths)
    b.write(b.graphs(b.parsed(items)))
    b.write(b.graphs(b.split_pending()))
    if b.report.written or not store.has_graph(iris.vocabulary_graph("drugs")):
        _vocabularies(store)
    b.report.links = link(store)
    if b.report.written or b.report.links or b.report.rejected or not store.has_graph(COLLABORATIONS):
        b.report.validation.add("", COLLABORATIONS.value, "trialkg build", derive(store), record=False)
        from .related import invalidate  # numpy and scipy only when the store changed

        invalidate(store.path)  # the related-trials index describes the store as it was
    moved = {x.old: x.new for x in b.report.links}
    b.report.trials = {moved.get(t, t) for t in b.report.trials}
    if b.report.written:
        store.optimize()  # bulk-loaded files query several times slower until compacted
    store.flush()
    return b.report


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
    b = _Builder(None, contacts=False, validate=False)
    b.report = report
    yield from b.graphs(b.parsed(read_paths(paths)))
    yield from b.graphs(b.split_pending())
