"""Read files, folders and archives into records, recognizing each format by its content."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import re
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .extract import ctgov_csv, ctgov_v1, ctgov_v2, page_layout
from .streaming import Readable, stream_records

__all__ = [
    "LEDGER", "Known", "Record", "Skipped", "Unchanged", "csv_rows", "document_hash", "read_paths",
    "records_from_bytes",
]  # fmt: skip

_MAX_MEMBER = 512 * 1024 * 1024  # a single document (one study, not an array) larger than this is refused
_IN_MEMORY = 64 * 1024 * 1024  # a larger document is read as a stream (JSON array, JSON lines, CSV)
_HEAD = 1024 * 1024  # bytes of a large document read to tell its format
LEDGER = "ledger.jsonl"  # a folder holding this file is a fetch cache (cache.py), read as one
_BOMB_RATIO = 200  # a large archive member that unpacks to more than this many times its packed size


@dataclass(frozen=True)
class Record:
    """One source record: where it came from, which format it is, and its parsed payload. ``digest`` is
    the hash of the document's bytes when the record is the whole document (a file or archive member
    holding one study), so that a rebuild can pass over it unread. A record fetched from the API names
    its graph by ``origin`` (the study's URL there), so that each new version replaces the one before,
    and carries every version fetched (cache.Version, oldest first) for its provenance."""

    source: str
    position: str
    format: str
    payload: Any
    digest: str = ""
    origin: str = ""
    versions: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """Something read that gave no record, and why."""

    source: str
    position: str
    reason: str


@dataclass(frozen=True)
class Unchanged:
    """A document whose bytes hash as the store's copy of it: not parsed again."""

    source: str
    position: str


Item = Record | Skipped | Unchanged
Known = Callable[[str, str, str], bool]  # (source, position, document hash) -> the store holds it as it is


def document_hash(data: bytes) -> str:
    """The hash of a document's bytes and of this trialkg version (a new version re-extracts everything)."""
    return hashlib.sha256(data + b"\x00" + __version__.encode()).hexdigest()


def read_paths(paths: Iterable[str | os.PathLike[str]], known: Known | None = None) -> Iterator[Item]:
    """Records of every file under the given paths (folders recursively, archives opened); a document
    that ``known`` recognizes by its hash is yielded as Unchanged instead of being parsed."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path))
        elif path.is_file():
            files = [path]
        else:
            reason = "not a regular file or folder" if path.exists() else "no such file or folder"
            yield Skipped(str(path), "", reason)
            continue
        # A fetch cache (a folder with a ledger) is read as the latest version of each study, with its history.
        caches = [f.parent for f in files if f.name == LEDGER] if path.is_dir() else []
        if caches:
            from .cache import Cache

            for cache in caches:
                yield from Cache(cache).records(known)
            files = [f for f in files if not any(f.is_relative_to(c) for c in caches)]
        for file in files:
            yield from _read_file(file, known)


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _read_file(path: Path, known: Known | None) -> Iterator[Item]:
    source = str(path.resolve())
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
        if zipfile.is_zipfile(path):
            yield from _read_zip(path, source, known)
        elif head[:2] == b"\x1f\x8b" and tarfile.is_tarfile(path):
            yield from _read_tar(path, source, known)
        elif head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as fh:
                yield from _document(fh, None, source, "", known)
        else:
            with path.open("rb") as fh:
                yield from _document(fh, path.stat().st_size, source, "", known)
    except (OSError, EOFError, zipfile.BadZipFile, tarfile.TarError, zlib.error) as exc:
        yield Skipped(source, "", f"cannot read file: {exc}")


def _read_zip(path: Path, source: str, known: Known | None) -> Iterator[Item]:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or name.startswith("__MACOSX/") or Path(name).name.startswith("."):
                continue
            if info.file_size > _IN_MEMORY and info.file_size > _BOMB_RATIO * max(info.compress_size, 1):
                yield Skipped(source, name, f"archive member unpacks to {info.file_size} bytes, "
                                            f"{info.file_size // max(info.compress_size, 1)} times its size "
                                            "(a zip bomb?)")  # fmt: skip
                continue
            with archive.open(info) as fh:
                yield from _document(fh, info.file_size, source, name, known)


def _read_tar(path: Path, source: str, known: Known | None) -> Iterator[Item]:
    # Streaming mode: members are read in order without seeking, so memory stays flat.
    with tarfile.open(path, "r|*") as archive:
        for member in archive:
            if not member.isfile() or Path(member.name).name.startswith("."):
                continue
            fh = archive.extractfile(member)
            if fh is not None:
                yield from _document(fh, member.size, source, member.name, known)


def _document(fh: Readable, size: int | None, source: str, position: str, known: Known | None) -> Iterator[Item]:
    """The records of one document: read whole when it is small, as a stream when it is not (a multi-GB
    array or CSV download keeps memory flat). ``size`` is None when only reading tells it (gzip)."""
    if size is not None and size > _IN_MEMORY:
        head = fh.read(_HEAD)
    else:
        head = fh.read(_IN_MEMORY + 1)
        if len(head) <= _IN_MEMORY:
            yield from records_from_bytes(head, source, position, known)
            return
    yield from stream_records(head, fh, position, _Sink(source))


class _Sink:
    """The items of one large document's pieces, as ``streaming`` finds them."""

    def __init__(self, source: str) -> None:
        self.source = source

    def value(self, value: Any, text: str, where: str) -> Iterator[Item]:
        return _json_items(_unicode(value, text), self.source, where)

    def line(self, text: str, where: str) -> Iterator[Item]:
        return _json_line(text, self.source, where)

    def rows(self, lines: Iterator[str], where: str) -> Iterator[Item]:
        return csv_rows(lines, self.source, where)

    def is_csv(self, first_line: str) -> bool:
        return _csv_header(first_line)

    def skipped(self, where: str, reason: str) -> Skipped:
        return Skipped(self.source, where, reason)


def records_from_bytes(data: bytes, source: str, position: str, known: Known | None = None) -> Iterator[Item]:
    """Recognize the format of one document by its content and yield its records."""
    if len(data) > _MAX_MEMBER:
        yield Skipped(source, position, "document larger than 512 MiB")
        return
    digest = document_hash(data)
    if known is not None and known(source, position, digest):
        yield Unchanged(source, position)
        return
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        yield Skipped(source, position, f"not UTF-8 text (byte {exc.start})")
        return
    start = text.lstrip()[:1]
    if not start:
        yield Skipped(source, position, "empty document")
    elif start in "{[":
        yield from _json_records(text, source, position, digest)
    elif start == "<":
        if "<clinical_study" in text[:4096]:
            yield Record(source, position, "ctgov-xml", data, digest)
        else:
            yield Skipped(source, position, "XML whose root is not <clinical_study>")
    elif _csv_header(text):
        yield from _csv_records(text, source, position)
    elif layout := page_layout(text):
        yield Record(source, position, layout, text, digest)
    else:
        yield Skipped(source, position, "not a recognized trial format")


def _csv_header(text: str) -> bool:
    """Whether the first line is the header of a website CSV download (a line too long for a CSV field is none)."""
    try:
        return ctgov_csv.is_csv_header(next(csv.reader(io.StringIO(text.split("\n", 1)[0])), []))
    except csv.Error:
        return False


def _json_records(text: str, source: str, position: str, digest: str) -> Iterator[Item]:
    try:
        docs: list[Any] = [json.loads(text)]
    except RecursionError:
        yield Skipped(source, position, "invalid JSON: nested too deeply")
        return
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            # A page whose title starts with a bracket ('[18F]FDG PET ...') is text, not JSON.
            if layout := page_layout(text):
                yield Record(source, position, layout, text, digest)
            else:
                yield Skipped(source, position, f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
            return
        yield from _ndjson_records(text, source, position)
        return
    yield from _json_items(_unicode(docs[0], text), source, position, digest)


def _ndjson_records(text: str, source: str, position: str) -> Iterator[Item]:
    # Lines end at '\n' only: JSON strings may hold U+2028, U+0085 and the like unescaped.
    for lineno, line in enumerate(text.split("\n"), 1):
        if line.strip():
            yield from _json_line(line, source, _join(position, f"line {lineno}"))


def _json_line(line: str, source: str, where: str) -> Iterator[Item]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        yield Skipped(source, where, f"invalid JSON: {exc.msg}")
        return
    except RecursionError:
        yield Skipped(source, where, "invalid JSON: nested too deeply")
        return
    yield from _json_items(_unicode(obj, line), source, where)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _unicode(doc: Any, text: str) -> Any:
    """A parsed JSON value with the lone surrogates of its text ('\\ud800' escapes: no character, and
    no UTF-8 can hold them) replaced by U+FFFD, as a decoder replaces a bad byte; in place."""
    if "\\ud" not in text and "\\uD" not in text:
        return doc
    if isinstance(doc, str):
        return _SURROGATE.sub("\ufffd", doc)
    stack = [doc] if isinstance(doc, (dict, list)) else []
    while stack:  # no recursion: the JSON may nest as deep as its parser allowed
        node = stack.pop()
        if isinstance(node, dict):
            for key in [k for k in node if _SURROGATE.search(k)]:
                node[_SURROGATE.sub("\ufffd", key)] = node.pop(key)
        for key, value in node.items() if isinstance(node, dict) else enumerate(node):
            if isinstance(value, str):
                node[key] = _SURROGATE.sub("\ufffd", value)
            elif isinstance(value, (dict, list)):
                stack.append(value)
    return doc


def _json_items(doc: Any, source: str, position: str, digest: str = "") -> Iterator[Item]:
    if isinstance(doc, dict) and isinstance(doc.get("studies"), list):
        doc = doc["studies"]  # an API v2 page
    elif isinstance(doc, dict) and isinstance(doc.get("FullStudiesResponse"), dict):
        full = doc["FullStudiesResponse"].get("FullStudies") or []
        if isinstance(full, list):  # anything else is no v1 response: reported below
            doc = [f.get("Study") if isinstance(f, dict) else f for f in full]
    items = enumerate(doc) if isinstance(doc, list) else [(None, doc)]
    for index, obj in items:
        where, whole = (position, digest) if index is None else (_join(position, f"[{index}]"), "")
        if ctgov_v2.is_study(obj):
            yield Record(source, where, "ctgov-v2", obj, whole)
        elif ctgov_v1.is_study(obj):
            yield Record(source, where, "ctgov-v1", obj, whole)
        else:
            keys = ", ".join(list(obj)[:5]) if isinstance(obj, dict) else type(obj).__name__
            yield Skipped(source, where, f"JSON holds no ClinicalTrials.gov study ({keys})")


def _csv_records(text: str, source: str, position: str) -> Iterator[Item]:
    yield from csv_rows(io.StringIO(text, newline=""), source, position)


def csv_rows(lines: Iterable[str], source: str, position: str) -> Iterator[Item]:
    """A record per row of a CSV download; a broken row (a stray quote) is reported and the next one read."""
    # strict: a quote in the wrong place is an error here, where the lenient reader would take the rest of
    # the file into one field.
    reader = csv.DictReader(lines, strict=True)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # DictReader's own line_num is updated by rows read whole: the underlying reader's is current.
            yield Skipped(source, _join(position, f"line {reader.reader.line_num}"), f"broken CSV: {exc}")
            continue
        where = _join(position, f"row {reader.line_num}")
        if None in row:
            yield Skipped(source, where, "CSV row has more fields than the header")
        else:
            yield Record(source, where, "ctgov-csv", row)


def _join(position: str, inner: str) -> str:
    return f"{position} {inner}" if position else inner
