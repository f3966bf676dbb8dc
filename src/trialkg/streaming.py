"""Records of documents too large to hold in memory (JSON arrays, NDJSON, CSV), read as streams."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import Any, Protocol

__all__ = ["MAX_ELEMENT", "Readable", "Sink", "stream_records"]

MAX_ELEMENT = 64 * 1024 * 1024  # one study in a stream larger than this is refused (a real one is < 5 MiB)
_CHUNK = 1024 * 1024


class Readable(Protocol):
    """A binary stream: a file, an archive member, a gzip stream."""

    def read(self, size: int = -1, /) -> bytes: ...


class Sink(Protocol):
    """What becomes of the pieces of a stream: the readers module's items, for one source."""

    def value(self, value: Any, text: str, where: str) -> Iterator[Any]: ...  # an element of a JSON array

    def line(self, text: str, where: str) -> Iterator[Any]: ...  # one line of JSON lines

    def rows(self, lines: Iterator[str], where: str) -> Iterator[Any]: ...  # a CSV download's lines

    def is_csv(self, first_line: str) -> bool: ...

    def skipped(self, where: str, reason: str) -> Any: ...


class _Text:
    """UTF-8 text of a byte stream, a chunk at a time; a byte that is not UTF-8 ends it with an error."""

    def __init__(self, head: bytes, rest: Readable) -> None:
        self.pending, self.rest = head, rest
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.offset = 0  # bytes decoded so far, to say where a bad byte is

    def read(self, size: int = 0) -> str:
        data = self.pending or self.rest.read(size or _CHUNK)
        self.pending = b""
        try:
            text = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8 text (byte {self.offset + exc.start})") from None
        self.offset += len(data)
        return text


def stream_records(head: bytes, rest: Readable, position: str, sink: Sink) -> Iterator[Any]:
    """The records of one large document whose first bytes are ``head`` and the others ``rest``: a JSON
    array, one JSON value per line, or a ClinicalTrials.gov CSV download. Anything else is refused."""
    text = _Text(head, rest)
    try:
        first = text.read()
        start = first.lstrip()[:1]
        if start == "[":
            yield from _array(first, text, position, sink)
        elif start == "{":
            if first.lstrip().split("\n", 1)[0].strip() == "{":  # one object over many lines, not JSON lines
                yield sink.skipped(position, f"a single JSON document over {len(head) // 2**20} MiB is not read; "
                                             "split it, or write one study per line")  # fmt: skip
                return
            yield from _lines(first, text, position, sink)
        elif sink.is_csv(first.split("\n", 1)[0]):
            yield from sink.rows(_chunks(first, text), position)
        else:
            yield sink.skipped(position, f"a document over {len(head) // 2**20} MiB that is not a JSON array, "
                                         "JSON lines or a CSV download")  # fmt: skip
    except ValueError as exc:  # bad bytes: the records before them were yielded, the rest cannot be read
        yield sink.skipped(position, str(exc))


def _join(position: str, inner: str) -> str:
    return f"{position} {inner}" if position else inner


def _array(buf: str, text: _Text, position: str, sink: Sink) -> Iterator[Any]:
    decoder, pos, index, want = json.JSONDecoder(), buf.index("[") + 1, 0, 0
    eof = False
    while True:
        while True:  # the next non-blank character, reading on as needed
            while pos < len(buf) and buf[pos] in " \t\r\n":
                pos += 1
            if pos < len(buf) or eof:
                break
            buf, pos = text.read(), 0
            eof = not buf
        if pos >= len(buf):
            yield sink.skipped(_join(position, f"[{index}]"), "truncated JSON: the array never closes")
            return
        if buf[pos] == "]":
            return
        if index and buf[pos] == ",":
            pos += 1
            continue
        try:
            value, end = decoder.raw_decode(buf, pos)
            problem = "" if end < len(buf) or eof else "cut"  # a number cut by the chunk's end parses short
        except json.JSONDecodeError as exc:
            problem = exc.msg
        except RecursionError:  # no reading on helps, and past it the array cannot be followed
            yield sink.skipped(_join(position, f"[{index}]"), "invalid JSON: nested too deeply")
            return
        if problem:
            if eof:
                yield sink.skipped(_join(position, f"[{index}]"), f"invalid JSON: {problem} (truncated?)")
                return
            if len(buf) - pos > MAX_ELEMENT:
                yield sink.skipped(_join(position, f"[{index}]"), f"invalid JSON or an element over "
                                                                  f"{MAX_ELEMENT // 2**20} MiB: {problem}")  # fmt: skip
                return
            want = 2 * (want or _CHUNK)  # a growing read: an element is parsed again a few times, not once a chunk
            more = text.read(want)
            buf, pos, eof = buf[pos:] + more, 0, not more
            continue
        yield from sink.value(value, buf[pos:end], _join(position, f"[{index}]"))
        index, pos, want = index + 1, end, 0


def _lines(buf: str, text: _Text, position: str, sink: Sink) -> Iterator[Any]:
    for lineno, line in enumerate(_text_lines(buf, text), 1):
        if len(line) > MAX_ELEMENT:
            yield sink.skipped(_join(position, f"line {lineno}"), f"a line over {MAX_ELEMENT // 2**20} MiB")
        elif line.strip():
            yield from sink.line(line, _join(position, f"line {lineno}"))


def _text_lines(buf: str, text: _Text) -> Iterator[str]:
    while True:
        *whole, buf = buf.split("\n")
        yield from whole
        if len(buf) > MAX_ELEMENT:
            yield buf  # reported as too long; the rest of it is skipped up to the next line
            buf = ""
            while (more := text.read()) and "\n" not in more:
                pass
            buf = more.split("\n", 1)[1] if more else ""
            continue
        more = text.read()
        if not more:
            if buf:
                yield buf
            return
        buf += more


def _chunks(buf: str, text: _Text) -> Iterator[str]:
    """Lines with their endings, as the csv module wants them (a quoted field may span lines)."""
    for line in _text_lines(buf, text):
        yield line + "\n"
