"""Documents too large to hold in memory are read as streams: the same records, bounded memory, clear errors."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import FIXTURES
from trialkg import readers, streaming
from trialkg.readers import Record, Skipped, read_paths

CSVS = ["NCT02005731.csv", "NCT05699161.csv", "NCT06600893.csv", "NCT04295889.csv"]


def _studies() -> list[dict]:
    array = json.loads((FIXTURES / "NCT02369484-array.json").read_text())
    return [*array, json.loads((FIXTURES / "NCT03529110.json").read_text())]


def _read(path: Path) -> list[tuple[str, str, str, object]]:
    out = []
    for item in read_paths([path]):
        if isinstance(item, Record):
            out.append(("record", item.position, item.format, item.payload))
        elif isinstance(item, Skipped):
            out.append(("skipped", item.position, item.reason, None))
    return out


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every document over 200 bytes is streamed, in chunks of 97 bytes (elements cross chunk ends)."""
    monkeypatch.setattr(readers, "_IN_MEMORY", 200)
    monkeypatch.setattr(readers, "_HEAD", 97)
    monkeypatch.setattr(streaming, "_CHUNK", 97)


def _documents(folder: Path) -> list[Path]:
    studies = _studies()
    files = [folder / "array.json", folder / "lines.ndjson", folder / "array.json.gz"]
    files[0].write_text(json.dumps(studies, indent=2, ensure_ascii=False))
    files[1].write_text("\n".join(json.dumps(s, ensure_ascii=False) for s in studies) + "\n")
    files[2].write_bytes(gzip.compress(json.dumps(studies).encode()))
    for name in CSVS:
        files.append(folder / name)
        files[-1].write_bytes((FIXTURES / name).read_bytes())
    return files


def test_streamed_documents_give_the_records_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _documents(tmp_path)
    whole = {f.name: _read(f) for f in files}
    monkeypatch.setattr(readers, "_IN_MEMORY", 200)
    monkeypatch.setattr(readers, "_HEAD", 97)
    monkeypatch.setattr(streaming, "_CHUNK", 97)
    streamed = {f.name: _read(f) for f in files}
    assert streamed == whole
    assert len(streamed["array.json"]) == len(_studies()) > 1
    assert all(kind == "record" for items in streamed.values() for kind, *_ in items)
    assert sum(len(streamed[name]) for name in CSVS) >= 4


def test_a_truncated_stream_keeps_the_records_before_the_cut(tmp_path: Path, small: None) -> None:
    studies = _studies()
    text = json.dumps(studies, indent=1)
    cut = text.index(json.dumps(studies[-1]["protocolSection"]["identificationModule"]["nctId"]))
    (tmp_path / "cut.json").write_text(text[:cut])
    items = _read(tmp_path / "cut.json")
    assert [kind for kind, *_ in items] == ["record"] * (len(studies) - 1) + ["skipped"]
    assert items[-1][1] == f"[{len(studies) - 1}]" and "truncated" in items[-1][2]


def test_a_bad_byte_in_a_stream_is_reported_where_it_is(tmp_path: Path, small: None) -> None:
    header, row = (FIXTURES / "NCT06600893.csv").read_bytes().split(b"\n", 1)  # one row, on one line
    data = header + b"\n" + row + row.replace(b"a", b"\xff", 1) + row
    (tmp_path / "bad.csv").write_bytes(data)
    items, where = _read(tmp_path / "bad.csv"), data.index(b"\xff")
    assert [kind for kind, *_ in items] == ["record", "skipped"]
    assert items[1][2] == f"not UTF-8 text (byte {where})"


def test_bad_lines_of_a_json_lines_stream_lose_nothing_else(tmp_path: Path, small: None) -> None:
    studies = _studies()
    lines = [json.dumps(s) for s in studies]
    lines.insert(1, '{"protocolSection": {"identificationModule": ')
    (tmp_path / "lines.ndjson").write_text("\n".join(lines))
    items = _read(tmp_path / "lines.ndjson")
    assert [kind for kind, *_ in items] == ["record", "skipped"] + ["record"] * (len(studies) - 1)
    assert items[1][1] == "line 2" and items[1][2].startswith("invalid JSON")


def test_a_large_document_of_another_kind_is_refused(tmp_path: Path, small: None) -> None:
    (tmp_path / "big.xml").write_bytes((FIXTURES / "NCT01832051.xml").read_bytes())
    ((_, position, reason, _),) = _read(tmp_path / "big.xml")
    assert "not a JSON array, JSON lines or a CSV download" in reason


def test_a_zip_bomb_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "_IN_MEMORY", 1024 * 1024)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("studies.json", b"[" + b" " * (50 * 1024 * 1024) + b"]")
        z.writestr("NCT03529110.json", (FIXTURES / "NCT03529110.json").read_bytes())
    items = _read(bomb)
    assert [kind for kind, *_ in items] == ["skipped", "record"]
    assert "times its size (a zip bomb?)" in items[0][2]


# The child's own peak (VmHWM): getrusage's maxrss can carry the parent's over fork and exec.
_MEMORY = """
import re, sys
from trialkg.readers import Record, read_paths
n = sum(isinstance(i, Record) for i in read_paths([sys.argv[1]]))
print(n, int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) // 1024)
"""


def test_a_file_larger_than_memory_allows_is_read_in_flat_memory(tmp_path: Path) -> None:
    study = json.dumps(_studies()[-1])
    copies = 150 * 1024 * 1024 // len(study) + 1  # a 150 MB array of real records
    big = tmp_path / "big.json"
    with big.open("w") as fh:
        fh.write("[" + ",\n".join([study] * 1000))
        for _ in range(copies // 1000):
            fh.write(",\n" + ",\n".join([study] * 1000))
        fh.write("]")
    size_mb = big.stat().st_size / 2**20
    out = subprocess.run([sys.executable, "-c", _MEMORY, str(big)], capture_output=True, text=True, check=True)
    records, peak_mb = map(int, out.stdout.split())
    assert records == 1000 * (copies // 1000 + 1)
    # Read whole, the bytes and their text alone would take 300 MB; streamed, the interpreter's own ~35 MB
    # and a few chunks.
    assert size_mb > 150 and peak_mb < 100, (size_mb, peak_mb)


def test_streams_get_the_checks_of_documents_read_whole(tmp_path: Path, small: None) -> None:
    study = _studies()[-1]
    title = study["protocolSection"]["identificationModule"]["briefTitle"]
    study["protocolSection"]["identificationModule"]["briefTitle"] = title + "\ud800"
    lines = [json.dumps(study), "[" * 100_000, json.dumps(_studies()[0])]
    (tmp_path / "lines.ndjson").write_text("\n".join(lines))
    (tmp_path / "deep.json").write_text("[" + json.dumps(_studies()[0]) + "," + "[" * 100_000)
    (tmp_path / "wide.csv").write_text("x" * 200_000 + "\n" + "y\n" * 10)
    streamed = _read(tmp_path / "lines.ndjson")
    assert [kind for kind, *_ in streamed] == ["record", "skipped", "record"]
    assert streamed[0][3]["protocolSection"]["identificationModule"]["briefTitle"] == title + "\ufffd"
    assert streamed[1][2] == "invalid JSON: nested too deeply"
    assert [(kind, reason) for kind, _, reason, _ in _read(tmp_path / "deep.json")][1:] == [
        ("skipped", "invalid JSON: nested too deeply")]
    ((kind, _, reason, _),) = _read(tmp_path / "wide.csv")
    assert kind == "skipped" and "not a JSON array, JSON lines or a CSV download" in reason
