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
from .extract import extract
from .readers import Record, Skipped, read_paths
from .store import Store
from .terms import PROV_ENTITY, PROV_GENERATED_AT, RDF_TYPE, RDFS_LABEL, XSD, T

__all__ = ["BuildReport", "build", "content_hash", "provenance"]

_NCT = re.compile(r"NCT\d{8}")
_BATCH = 500


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

    def warning_kinds(self) -> Counter[str]:
        # Group by the message's shape: quoted values and numbers vary between records.
        return Counter(re.sub(r"\d+", "N", re.sub(r"'[^']*'|\"[^\"]*\"", "…", w[2])) for w in self.warnings)


def content_hash(record: Record) -> str:
    """A hash of the record's content and of this trialkg version, for incremental builds."""
    payload = record.payload
    if isinstance(payload, bytes):
        data = payload
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
        Triple(graph, PROV_GENERATED_AT, Literal(when, datatype=NamedNode(XSD + "dateTime"))),
    ]
    if record.position:  # a file that holds one record has no position inside it
        triples.append(Triple(graph, T.recordPosition, Literal(record.position)))
    return triples


def _record_key(record: Record, nct_id: str | None) -> str:
    # The same trial re-read from the same file replaces its graph even if it moved in the file.
    return nct_id or record.position or "document"


def _name_mismatch(record: Record, nct_id: str) -> str | None:
    name = PurePath(record.position or record.source).name
    named = _NCT.match(name)
    if named and named.group(0) != nct_id:
        return f"file name says {named.group(0)} but the record is {nct_id}"
    return None


def build(store: Store, paths: Iterable[str], progress: Iterable[Record | Skipped] | None = None) -> BuildReport:
    """Ingest every record under ``paths``; bad records are reported and skipped, never fatal."""
    report = BuildReport()
    when = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    items: Iterable[Record | Skipped] = progress if progress is not None else read_paths(paths)
    batch: dict[NamedNode, list[Triple]] = {}
    for graph, triples in _extracted(store, items, report, when):
        batch[graph] = triples
        if len(batch) >= _BATCH:
            store.replace(batch)
            batch = {}
    if batch:
        store.replace(batch)
    if report.written:
        store.optimize()  # bulk-loaded files query several times slower until compacted
    store.flush()
    return report


def _extracted(
    store: Store, items: Iterable[Record | Skipped], report: BuildReport, when: str
) -> Iterator[tuple[NamedNode, list[Triple]]]:
    seen: set[NamedNode] = set()
    for item in items:
        if isinstance(item, Skipped):
            report.skipped.append(item)
            continue
        report.records += 1
        try:
            study, trial, triples = extract(item.format, item.payload, f"{item.source}|{item.position}")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            report.skipped.append(Skipped(item.source, item.position, f"{item.format}: {exc}"))
            continue
        where = (item.source, item.position, study.nct_id or "")
        report.warnings += [(*where[:2], w) for w in study.warnings]
        if study.nct_id and (mismatch := _name_mismatch(item, study.nct_id)):
            report.warnings.append((*where[:2], mismatch))
        report.formats[item.format] += 1
        report.trials.add(trial.value)
        graph = iris.source_graph(item.source, _record_key(item, study.nct_id))
        if graph in seen:
            report.warnings.append((*where[:2], f"{study.nct_id} appears again in this source; the later record is kept"))
        seen.add(graph)
        digest = content_hash(item)
        if store.content_hash(graph) == digest:
            report.unchanged += 1
            continue
        triples += provenance(graph, trial, item, digest, when)
        report.written += 1
        report.triples += len(triples)
        yield graph, triples
