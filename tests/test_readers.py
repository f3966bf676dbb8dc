"""Formats are recognized by content; every file gives records or a reason it gave none."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

from conftest import FIXTURES
from trialkg.readers import Record, Skipped, read_paths, records_from_bytes


def _items(data: bytes) -> list[Record | Skipped]:
    return list(records_from_bytes(data, "src", ""))


def _study() -> dict:
    return json.loads((FIXTURES / "NCT03529110.json").read_text())


def test_v2_single_array_page_and_ndjson() -> None:
    study = _study()
    single = _items(json.dumps(study).encode())
    array = _items(json.dumps([study, study]).encode())
    page = _items(json.dumps({"studies": [study], "nextPageToken": "x"}).encode())
    ndjson = _items((json.dumps(study) + "\n" + json.dumps(study) + "\n").encode())
    assert [r.format for r in single] == ["ctgov-v2"]
    assert [r.position for r in array] == ["[0]", "[1]"]
    assert [r.format for r in page] == ["ctgov-v2"]
    assert [r.position for r in ndjson] == ["line 1", "line 2"]


def test_bom_is_accepted_and_non_utf8_is_reported() -> None:
    assert [r.format for r in _items(b"\xef\xbb\xbf" + json.dumps(_study()).encode())] == ["ctgov-v2"]
    (bad,) = _items(b"{\"a\": \"\xff\xfe\"}")
    assert isinstance(bad, Skipped) and "not UTF-8" in bad.reason


def test_empty_truncated_and_foreign_documents_are_skipped_with_reasons() -> None:
    reasons = [
        _items(b"")[0],
        _items(b"   \n")[0],
        _items(json.dumps(_study()).encode()[:500])[0],
        _items(b'{"StudyStatistics": {"APIVrs": "1"}}')[0],
        _items(b"<rss><channel/></rss>")[0],
        _items(b"# Sources\nplain text")[0],
    ]
    assert all(isinstance(r, Skipped) for r in reasons)
    texts = [r.reason for r in reasons if isinstance(r, Skipped)]
    assert texts[0] == texts[1] == "empty document"
    assert texts[2].startswith("invalid JSON")
    assert "no ClinicalTrials.gov study" in texts[3]
    assert "not <clinical_study>" in texts[4]
    assert texts[5] == "not a recognized trial format"


def test_one_bad_element_of_an_array_loses_nothing_else() -> None:
    items = _items(json.dumps([_study(), {"oops": 1}, _study()]).encode())
    assert [type(i).__name__ for i in items] == ["Record", "Skipped", "Record"]
    assert items[1].position == "[1]"


def test_zip_of_per_study_files(tmp_path: Path) -> None:
    items = list(read_paths([FIXTURES / "NCT06600893-bulk.zip"]))
    assert [(i.format, i.position) for i in items if isinstance(i, Record)] == [
        ("ctgov-v2", "NCT06600893.json"), ("ctgov-v2", "NCT00351065.json")
    ]  # fmt: skip


def test_tar_gz_and_gzip(tmp_path: Path) -> None:
    xml = (FIXTURES / "NCT01858116.xml").read_bytes()
    tar_path = tmp_path / "AllPublicXML.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tar:
        info = tarfile.TarInfo("NCT0185xxxx/NCT01858116.xml")
        info.size = len(xml)
        tar.addfile(info, io.BytesIO(xml))
    gz_path = tmp_path / "study.json.gz"
    gz_path.write_bytes(gzip.compress(json.dumps(_study()).encode()))
    items = list(read_paths([tar_path, gz_path]))
    assert [(i.format, i.position) for i in items if isinstance(i, Record)] == [
        ("ctgov-xml", "NCT0185xxxx/NCT01858116.xml"), ("ctgov-v2", "")
    ]  # fmt: skip


def test_folder_is_walked_and_hidden_files_ignored(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.json").write_text(json.dumps(_study()))
    (tmp_path / ".hidden.json").write_text(json.dumps(_study()))
    items = list(read_paths([tmp_path, tmp_path / "missing"]))
    assert [type(i).__name__ for i in items] == ["Record", "Skipped"]
    assert items[1].reason == "no such file or folder"


def test_corrupt_zip_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    data = (FIXTURES / "NCT06600893-bulk.zip").read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    items = list(read_paths([bad]))
    assert items and all(isinstance(i, Skipped) for i in items)


def test_archive_member_paths_are_never_used_as_file_paths(tmp_path: Path) -> None:
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../../escape.json", json.dumps(_study()))
    items = list(read_paths([evil]))
    assert [i.position for i in items] == ["../../escape.json"]
    assert not (tmp_path.parent.parent / "escape.json").exists()
