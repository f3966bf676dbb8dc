"""Rebuilds re-extract only changed records, prune what left the source, and extract in parallel alike."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import FIXTURES
from trialkg import pipeline
from trialkg.build import build
from trialkg.cli import main
from trialkg.readers import Unchanged, read_paths
from trialkg.store import Store
from trialkg.terms import PROV_GENERATED_AT

SINGLE = ["NCT03529110.json", "NCT03377387.json", "NCT06600893.v2.json", "NCT01832051.xml", "NCT00000246.xml",
          "NCT04547309.page.txt", "NCT02369484-array.json", "NCT05699161.csv"]  # fmt: skip


def _corpus(folder: Path) -> Path:
    folder.mkdir()
    for name in SINGLE:
        shutil.copy(FIXTURES / name, folder / name)
    return folder


def _statements(store: Store) -> set[str]:
    """Every statement of the store but the build's timestamps and the vocabularies (their axioms are
    blank nodes, named anew by each load), as N-Quads lines."""
    dump = store._store.dump(format=ox.RdfFormat.N_QUADS).decode()
    return {line for line in dump.splitlines() if str(PROV_GENERATED_AT) not in line and "/vocabulary/" not in line}


def _title(store: Store, nct: str) -> list[str]:
    return [r["x"] for r in store.select(f"SELECT ?x WHERE {{ ?t tkg:nctId '{nct}' ; tkg:briefTitle ?x }}")]


def test_a_rebuild_passes_over_unchanged_documents_unparsed(tmp_path: Path) -> None:
    src = _corpus(tmp_path / "in")
    store = Store(tmp_path / "s")
    first = build(store, [str(src)])
    before = _statements(store)
    again = build(store, [str(src)])
    assert first.written == first.records > 8 and again.written == 0
    assert again.unchanged == again.records == first.records and not again.skipped
    assert len(again.trials) == len(first.trials)
    assert _statements(store) == before
    # The documents holding one record were recognized by their bytes, before any parsing.
    known = {(s, p) for (s, p) in pipeline_places(store)}
    unread = [i for i in read_paths([src], lambda s, p, d: (s, p) in known) if isinstance(i, Unchanged)]
    assert {Path(u.source).name for u in unread} >= {"NCT03529110.json", "NCT01832051.xml", "NCT04547309.page.txt"}


def pipeline_places(store: Store) -> set[tuple[str, str]]:
    from trialkg.build import known_records

    return set(known_records(store))


def test_only_the_changed_records_are_extracted_again(tmp_path: Path) -> None:
    src = _corpus(tmp_path / "in")
    store = Store(tmp_path / "s")
    build(store, [str(src)])
    record = json.loads((src / "NCT03529110.json").read_text())
    record["protocolSection"]["identificationModule"]["briefTitle"] = "A new title"
    (src / "NCT03529110.json").write_text(json.dumps(record))
    array = json.loads((src / "NCT02369484-array.json").read_text())  # two studies: one changes
    array[1]["protocolSection"]["identificationModule"]["briefTitle"] = "Another new title"
    nct = array[1]["protocolSection"]["identificationModule"]["nctId"]
    (src / "NCT02369484-array.json").write_text(json.dumps(array))
    report = build(store, [str(src)])
    assert report.written == 2 and report.unchanged == report.records - 2
    assert _title(store, "NCT03529110") == ["A new title"]
    assert _title(store, nct) == ["Another new title"]


# Entities that NCT03377387's record names and no other graph does (the derived collaborations aside).
ONLY_THERE = """SELECT DISTINCT ?e WHERE {
  GRAPH ?g { ?t tkg:nctId 'NCT03377387' . ?t ?p ?e }
  GRAPH <https://w3id.org/trialkg/graph/entities> { ?e a ?type }
  FILTER NOT EXISTS { GRAPH ?h { ?x ?q ?e }
                      FILTER (?h != ?g && ?h != <https://w3id.org/trialkg/graph/derived/collaborations>) }
}"""


def test_records_gone_from_the_source_are_listed_and_pruned_on_request(tmp_path: Path) -> None:
    src = _corpus(tmp_path / "in")
    other = tmp_path / "other.json"
    shutil.copy(FIXTURES / "NCT02278341.json", other)
    store = Store(tmp_path / "s")
    build(store, [str(src), str(other)])
    (src / "NCT03377387.json").unlink()
    array = json.loads((src / "NCT02369484-array.json").read_text())
    (src / "NCT02369484-array.json").write_text(json.dumps(array[:1]))  # its second study left the file
    (src / "NCT01832051.xml").write_text("<clinical_study><id_info>")  # now unreadable: its graph stays
    listed = build(store, [str(src)])
    assert len(listed.gone) == 2 and listed.pruned == 0
    assert _title(store, "NCT03377387")  # still there without --prune
    only = [ox.NamedNode(r["e"]) for r in store.select(ONLY_THERE)]  # its sites, say: no other record names them
    assert only and all(store.has_subject(e) for e in only)
    pruned = build(store, [str(src)], prune=True)
    assert pruned.pruned == 2 and pruned.written == 0
    assert not any(store.has_subject(e) for e in only) and pruned.orphans >= 2 * len(only)
    assert _title(store, "NCT03529110")  # and shared entities stay described: every trial keeps its sites
    assert not list(store.select("SELECT ?site WHERE { ?t tkg:site ?site FILTER NOT EXISTS { ?site a ?type } }"))
    assert not _title(store, "NCT03377387")
    gone_nct = array[1]["protocolSection"]["identificationModule"]["nctId"]
    assert not _title(store, gone_nct)
    assert _title(store, "NCT01832051")  # unreadable this time, not gone
    assert _title(store, "NCT02552212")  # from a file outside the paths built: never pruned
    assert build(store, [str(src)], prune=True).pruned == 0
    src.rename(tmp_path / "moved")
    assert build(store, [str(src)], prune=True).pruned == 0  # a folder not there prunes nothing
    assert _title(store, "NCT03529110")


def test_workers_write_what_one_process_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _corpus(tmp_path / "in")
    for n in range(4):  # more documents than the few extracted inline: the rest go to worker processes
        shutil.copy(FIXTURES / "NCT03529110.json", src / f"copy{n}-NCT03529110.json")
    monkeypatch.setattr(pipeline, "_INLINE", 2)
    monkeypatch.setattr(pipeline, "_CHUNK", 3)
    alone, shared = Store(tmp_path / "one"), Store(tmp_path / "two")
    one = build(alone, [str(src)], jobs=1)
    two = build(shared, [str(src)], jobs=2)
    assert one.written == two.written == one.records > 10
    assert (one.warning_count, one.validation.severities) == (two.warning_count, two.validation.severities)
    assert _statements(alone) == _statements(shared)


def test_build_cli_reports_and_prunes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _corpus(tmp_path / "in")
    store = tmp_path / "s"
    assert main(["build", "-q", "--store", str(store), str(src)]) == 0
    (src / "NCT03529110.json").unlink()
    capsys.readouterr()
    assert main(["build", "-q", "--store", str(store), str(src)]) == 0
    assert "1 records in the store are no longer in these sources (--prune removes them" in capsys.readouterr().out
    assert main(["build", "-q", "--prune", "--store", str(store), str(src)]) == 0
    out = capsys.readouterr().out
    assert "0 records written" in out and "pruned 1 records no longer in these sources" in out


WORKERS_THEN_WAIT = """
import sys, time
from pathlib import Path
from trialkg import pipeline
from trialkg.readers import Record, read_paths
pipeline._INLINE, pipeline._CHUNK = 0, 1
records = [r for r in read_paths([Path(sys.argv[1])]) if isinstance(r, Record)]
def items():
    yield from ((r, None) for r in records)
    print("extracting", flush=True)
    time.sleep(600)  # the reader stalls: the workers wait for work, as in a build killed mid-way
for _ in pipeline.outcomes(items(), pipeline.Extractor(pipeline.Options()), jobs=2):
    pass
"""


def test_workers_end_when_their_build_is_killed(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-c", WORKERS_THEN_WAIT, str(_corpus(tmp_path / "in"))],
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "extracting"
        children = {int(c) for task in Path(f"/proc/{proc.pid}/task").iterdir()
                    for c in (task / "children").read_text().split()}  # fmt: skip
        assert len(children) >= 2  # the workers (and spawn's resource tracker)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_running(c) for c in children):
        time.sleep(0.2)
    assert [c for c in children if _running(c)] == []


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except OSError:
        return False
