"""The fetch cache: API pages as received (gzip) and a ledger of every study version, read back as records."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from .fetch import Client, FetchError, Search, search_params, utc_now
from .readers import LEDGER, Item, Known, Record, Skipped, Unchanged, document_hash

__all__ = ["LEDGER", "Cache", "FetchReport", "Version", "changed_fields", "changed_values", "study_hash"]

# Fields the API changes in every record every day (the data's version date): never a change of the record.
_VOLATILE = ("derivedSection.miscInfoModule.versionHolder",)
# Fields that change with every version by definition: kept out of the list of what changed.
_BOOKKEEPING = ("protocolSection.statusModule.lastUpdatePostDateStruct",
                "protocolSection.statusModule.lastUpdateSubmitDate")  # fmt: skip


@dataclass(frozen=True)
class Version:
    """One version of a study as fetched: when the registry posted it, when it was fetched, where it is kept."""

    nct: str
    posted: str  # the record's lastUpdatePostDate
    retrieved: str
    page: str  # the response file, relative to the cache folder
    index: int  # the study's place in the response's 'studies'
    hash: str
    changed: tuple[str, ...] | None  # fields that differ from the version before; None for the first
    url: str = ""  # the request whose response held it


@dataclass
class FetchReport:
    """What one fetch asked and received."""

    run: str
    search: Search
    since: str | None
    pages: int = 0
    received: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    again: int = 0  # studies a run received more than once (pages that shifted while it paged)
    total: int | None = None
    missing: list[str] = field(default_factory=list)  # NCT ids asked for and not returned
    moves: list[str] = field(default_factory=list)  # what changed, per study: 'NCT…: overallStatus A -> B'
    problems: list[str] = field(default_factory=list)


def study_hash(study: Any) -> str:
    """SHA-256 of a study's JSON in canonical form, without the fields the API changes every day."""
    doc = _without(study, _VOLATILE)
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _without(study: Any, paths: tuple[str, ...]) -> Any:
    if not isinstance(study, dict):
        return study
    study = dict(study)
    for path in paths:
        *parents, last = path.split(".")
        node = study
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                break
            node[part] = node = dict(child)
        else:
            node.pop(last, None)
    return study


def changed_fields(old: Any, new: Any, path: str = "") -> list[str]:
    """The dotted paths where two versions of a study differ; a list that differs is one path."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in sorted(set(old) | set(new), key=str):
            where = f"{path}.{key}" if path else str(key)
            if where in _VOLATILE or where in _BOOKKEEPING:
                continue
            if key not in old or key not in new:
                out.append(where)
            else:
                out += changed_fields(old[key], new[key], where)
        return out
    return [] if old == new else [path]


def changed_values(old: Any, new: Any, paths: list[str]) -> dict[str, list[Any]]:
    """Old and new value of each changed path that holds a short text, number or flag on both sides."""
    out = {}
    for path in paths:
        a, b = _at(old, path), _at(new, path)
        if all(isinstance(v, (str, int, float, bool)) and len(str(v)) <= 120 for v in (a, b)):
            out[path] = [a, b]
    return out


def _at(doc: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(doc, dict):
            return None
        doc = doc.get(part)
    return doc


def _nct(study: Any) -> str | None:
    value = _at(study, "protocolSection.identificationModule.nctId")
    return value if isinstance(value, str) else None


def _posted(study: Any) -> str:
    value = _at(study, "protocolSection.statusModule.lastUpdatePostDateStruct.date")
    return value if isinstance(value, str) else ""


class Cache:
    """A folder of API responses and the ledger that indexes them: ``pages/RUN/NNNN.json.gz``, ``ledger.jsonl``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ledger = root / LEDGER

    def entries(self) -> Iterator[dict[str, Any]]:
        """The ledger's lines; a line cut short by a killed fetch is passed over."""
        if not self.ledger.exists():
            return
        with self.ledger.open(encoding="utf-8") as fh:
            for line in fh:
                with contextlib.suppress(ValueError):
                    entry = json.loads(line)
                    if isinstance(entry, dict):
                        yield entry

    def versions(self) -> dict[str, list[Version]]:
        """Every version of every study the cache holds, oldest first."""
        return self._scan(None)[0]

    def baseline(self, search: Search) -> str | None:
        """The newest lastUpdatePostDate a finished fetch of this search received: what --update asks after."""
        return self._scan(search)[1]

    def _scan(self, search: Search | None) -> tuple[dict[str, list[Version]], str | None]:
        """One pass over the ledger: every study's versions, and the baseline of ``search`` if given."""
        urls: dict[str, str] = {}
        out: dict[str, list[Version]] = defaultdict(list)
        newest = None
        for e in self.entries():
            if e.get("done"):
                if search is not None and e.get("search") == search.key and e.get("newest"):
                    newest = max(newest or "", e["newest"])
            elif "page" in e and "study" not in e:
                urls[e["page"]] = e.get("url", "")
            elif "study" in e:
                changed = e.get("changed")
                out[e["study"]].append(Version(
                    e["study"], e.get("posted", ""), e.get("retrieved", ""), e["page"], int(e["index"]), e["hash"],
                    tuple(changed) if isinstance(changed, list) else None, urls.get(e["page"], "")))  # fmt: skip
        return out, newest

    def fetch(self, client: Client, search: Search, since: str | None, page_size: int = 200,
              progress: Callable[[int, int | None], None] | None = None, *, update: bool = False) -> FetchReport:
        """Ask the API for a search (records updated on or after ``since`` only, when given; with ``update``
        and no ``since``, after the search's baseline) and keep each page as received; the ledger gets a
        line for each study that is new or changed."""
        self.root.mkdir(parents=True, exist_ok=True)
        with _locked(self.root / ".lock"):
            return _Run(self, client, search, since, page_size, progress, update).go()

    def append(self, entries: list[dict[str, Any]]) -> None:
        """Lines added to the ledger and forced to disk (after the page they name)."""
        with self.ledger.open("ab") as fh:
            if fh.tell() and not _ends_with_newline(self.ledger):
                fh.write(b"\n")  # a line cut short by a killed fetch stays alone
            fh.write("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries).encode())
            fh.flush()
            os.fsync(fh.fileno())

    def records(self, known: Known | None = None) -> Iterator[Item]:
        """The latest version of each study, as a record with its earlier versions; those the store holds
        as they are (by hash) come back Unchanged without their page being read."""
        latest: dict[str, list[tuple[list[Version], str, str]]] = defaultdict(list)
        for history in self.versions().values():
            last = history[-1]
            digest = document_hash(f"{last.hash}|{len(history)}".encode())
            source, position = str((self.root / last.page).resolve()), f"[{last.index}]"
            if known is not None and known(source, position, digest):
                yield Unchanged(source, position)
            else:
                latest[last.page].append((history, source, digest))
        for page, wanted in latest.items():
            source = wanted[0][1]
            try:
                studies = _studies(self.root / page)
            except (OSError, EOFError, zlib.error, ValueError) as exc:
                for history, _, _ in wanted:
                    yield Skipped(source, f"[{history[-1].index}]", f"cached response unreadable: {exc}")
                continue
            for history, _, digest in wanted:
                last = history[-1]
                study = studies[last.index] if last.index < len(studies) else None
                if _nct(study) != last.nct:
                    yield Skipped(source, f"[{last.index}]", f"cached response does not hold {last.nct} here")
                    continue
                origin = f"{_api(last.url).rstrip('/')}/studies/{last.nct}"
                yield Record(source, f"[{last.index}]", "ctgov-v2", study, digest, origin, tuple(history))


def _api(url: str) -> str:
    """The API's base URL from one of its request URLs."""
    return url.split("/studies?", 1)[0] if "/studies?" in url else "https://clinicaltrials.gov/api/v2"


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


def _studies(path: Path) -> list[Any]:
    with gzip.open(path, "rb") as fh:
        doc = json.load(fh)
    studies = doc.get("studies") if isinstance(doc, dict) else None
    if not isinstance(studies, list):
        raise ValueError("not a page of studies")
    return studies


@lru_cache(maxsize=8)
def _studies_cached(path: Path, _mtime: float) -> list[Any]:
    return _studies(path)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One fetch at a time into a cache folder (another one waiting would page the same search twice)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    with path.open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FetchError(f"{path.parent}: another fetch is writing to this cache") from None
        yield


class _Run:
    """One fetch: its pages written as they come, its ledger lines after each page."""

    def __init__(self, cache: Cache, client: Client, search: Search, since: str | None, page_size: int,
                 progress: Callable[[int, int | None], None] | None, update: bool) -> None:  # fmt: skip
        self.cache, self.client, self.search, self.page_size = cache, client, search, page_size
        self.progress = progress
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        run, n = stamp, 1
        while (cache.root / "pages" / run).exists():
            n += 1
            run = f"{stamp}-{n}"
        versions, self.baseline = cache._scan(search)
        self.report = FetchReport(run, search, since or (self.baseline if update else None))
        self.latest = {nct: h[-1] for nct, h in versions.items()}
        self.seen: set[str] = set()
        self.newest = ""

    def go(self) -> FetchReport:
        r, search = self.report, self.search
        self.cache.append([{"run": r.run, "search": search.key, "params": dict(search.params), "ids": list(search.ids),
                            "since": r.since, "started": utc_now()}])  # fmt: skip
        folder = self.cache.root / "pages" / r.run
        folder.mkdir(parents=True)
        try:
            self._pages()
        finally:
            if not r.pages:
                folder.rmdir()  # a run that got nothing leaves no empty folder behind
        return self._finish()

    def _pages(self) -> None:
        r, search = self.report, self.search
        for params in search_params(search, r.since):
            for n, page in enumerate(self.client.pages(params, self.page_size)):
                if n == 0 and page.total is not None:  # totalCount comes with a series' first page
                    r.total = (r.total or 0) + page.total
                r.pages += 1
                name = f"pages/{r.run}/{r.pages:04d}.json.gz"
                temp = self.cache.root / (name + ".part")
                temp.write_bytes(page.raw)
                os.replace(temp, self.cache.root / name)
                lines: list[dict[str, Any]] = [{"page": name, "url": page.url, "received": page.received,
                                                "studies": len(page.studies)}]  # fmt: skip
                lines += self._studies(name, page.studies, page.received)
                self.cache.append(lines)
                if self.progress:
                    self.progress(len(page.studies), r.total)

    def _finish(self) -> FetchReport:
        r, search = self.report, self.search
        if search.ids and not r.since:
            r.missing = [nct for nct in search.ids if nct not in self.seen]
        newest = max(self.newest, self.baseline or "") or None
        self.cache.append([{"done": r.run, "search": search.key, "finished": utc_now(), "pages": r.pages,
                            "received": r.received, "new": r.new, "changed": r.changed, "unchanged": r.unchanged,
                            "newest": newest, "missing": r.missing}])  # fmt: skip
        return r

    def _studies(self, name: str, studies: list[Any], received: str) -> list[dict[str, Any]]:
        r, lines = self.report, []
        for index, study in enumerate(studies):
            r.received += 1
            nct = _nct(study)
            if nct is None:
                r.problems.append(f"{name} [{index}]: a study without an NCT id (kept in the response file)")
                continue
            if nct in self.seen:
                r.again += 1
            self.seen.add(nct)
            posted = _posted(study)
            self.newest = max(self.newest, posted)
            digest = study_hash(study)
            before = self.latest.get(nct)
            if before is not None and before.hash == digest:
                r.unchanged += 1
                continue
            changed: list[str] | None = None
            values: dict[str, list[Any]] = {}
            if before is not None:
                r.changed += 1
                changed, values = self._diff(before, study)
                r.moves.append(f"{nct}: " + ("; ".join(f"{p.rsplit('.', 1)[-1]} {a} -> {b}" for p, (a, b)
                                                        in values.items()) or ", ".join(changed or ["?"])))  # fmt: skip
            else:
                r.new += 1
            version = Version(nct, posted, received, name, index, digest, None if changed is None else tuple(changed))
            self.latest[nct] = version
            lines.append({"study": nct, "posted": posted, "retrieved": received, "page": name, "index": index,
                          "hash": digest, "changed": changed, **({"values": values} if values else {})})  # fmt: skip
        return lines

    def _diff(self, before: Version, study: Any) -> tuple[list[str] | None, dict[str, list[Any]]]:
        """The fields that changed since the version before, and the old and new values of the short ones."""
        path = self.cache.root / before.page
        try:
            old = _studies_cached(path, path.stat().st_mtime)[before.index]
        except (OSError, EOFError, zlib.error, ValueError, IndexError):
            return None, {}  # the earlier response is gone or damaged: what changed is not known
        fields = changed_fields(old, study)
        return fields, changed_values(old, study, fields)
