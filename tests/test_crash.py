"""A build killed at any moment leaves every record's graph whole or absent, and the next build completes it."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from test_incremental import _corpus, _statements
from trialkg import iris
from trialkg.build import build
from trialkg.derive import COLLABORATIONS
from trialkg.store import Store
from trialkg.terms import PROV_GENERATED_AT, T

# The build in a child process, in small batches, each bulk load cut in two with a pause between: the
# Oxigraph bulk loader is not atomic, and this makes a kill between the two halves of a batch likely.
_CHILD = """
import sys, time
from trialkg import build
from trialkg.store import Store
build._BATCH = 300
load = Store.load_data
def halves(self, data, fmt):
    lines = data.splitlines(keepends=True)
    load(self, b"".join(lines[: len(lines) // 2]), fmt)
    print("half", flush=True)
    time.sleep(0.05)
    load(self, b"".join(lines[len(lines) // 2 :]), fmt)
    print("whole", flush=True)
Store.load_data = halves
from trialkg.cli import main
sys.exit(main(["build", "-q", "--store", sys.argv[1], sys.argv[2]]))
"""


_SHARED_GRAPHS = tuple(iris.DATA + "graph/" + g for g in ("entities", "derived/", "vocabulary/"))


def _graphs(store: Store) -> dict[str, set[str]]:
    """Each record graph's statements, but the build's timestamp."""
    out: dict[str, set[str]] = {}
    for q in store._store.quads_for_pattern(None, None, None, None):
        name = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        record = name.startswith(iris.DATA + "graph/") and not name.startswith(_SHARED_GRAPHS)
        if record and q.predicate != PROV_GENERATED_AT:
            out.setdefault(name, set()).add(f"{q.subject} {q.predicate} {q.object}")
    return out


def _child(store: Path, src: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", _CHILD, str(store), str(src)], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def _loads(child: subprocess.Popen[str], stop: int | None = None) -> int:
    """Follow the child's bulk loads (two lines each, at each half); kill it after ``stop`` of them.
    Returns how many it saw, or -1 if it was killed (a resumed build may finish before ``stop``)."""
    assert child.stdout is not None
    seen = 0
    for line in child.stdout:
        if line.strip() in ("half", "whole"):
            seen += 1
            if seen == stop:
                child.send_signal(signal.SIGKILL)
                child.communicate()
                return -1
    child.communicate()
    return seen


def test_a_killed_build_leaves_whole_records_and_the_next_one_completes(tmp_path: Path) -> None:
    src = _corpus(tmp_path / "in")
    clean_store = Store(tmp_path / "clean")
    build(clean_store, [str(src)])
    clean, everything = _graphs(clean_store), _statements(clean_store)
    assert len(clean) == 9
    loads = _loads(_child(tmp_path / "count", src))
    assert loads > 10  # many small batches, each loaded in two halves
    path, rng, seen_states = tmp_path / "killed", random.Random(7), set()
    for _ in range(5):
        killed = _loads(_child(path, src), stop=rng.randint(1, loads)) == -1
        store = Store(path, read_only=True)
        graphs, sealed = _graphs(store), 0
        for graph, statements in graphs.items():
            if any(s.startswith(f"<{graph}> {T.contentHash} ") for s in statements):
                # A record with its content hash is whole: exactly what an uninterrupted build writes.
                assert statements == clean[graph], graph
                sealed += 1
        seen_states.add((sealed, len(graphs) - sealed))
        del store
    finished = _child(path, src)
    out, err = finished.communicate(timeout=300)
    assert finished.returncode == 0, err
    assert ("did not finish" in out) == killed
    store = Store(path)
    assert _graphs(store) == clean
    assert _statements(store) == everything
    # The kills fell at different stages, some of them with a record half-written.
    assert len(seen_states) > 1 and any(partial for _, partial in seen_states), seen_states


def test_work_after_the_records_is_redone_when_the_last_build_was_cut_short(tmp_path: Path) -> None:
    src = _corpus(tmp_path / "in")
    store = Store(tmp_path / "s")
    build(store, [str(src)])
    expected = _statements(store)
    # As a build killed after writing records and before deriving leaves it: stale derived statements,
    # and the mark of a build that did not finish.
    stale = ox.Triple(ox.NamedNode("https://example.org/stale"), T.score, ox.Literal("1"))
    store.add(COLLABORATIONS, [stale])
    store.begin_build()
    report = build(store, [str(src)])
    assert report.written == 0 and report.resumed
    assert _statements(store) == expected
    assert not store.interrupted
    again = build(store, [str(src)])
    assert not again.resumed


def test_a_second_build_of_the_same_store_is_refused(tmp_path: Path) -> None:
    src = _corpus(tmp_path / "in")
    child = _child(tmp_path / "s", src)
    try:
        deadline = time.time() + 60
        while not (tmp_path / "s" / "CURRENT").exists() and time.time() < deadline:
            time.sleep(0.05)
        second = subprocess.run([sys.executable, "-m", "trialkg", "build", "--store", str(tmp_path / "s"), str(src)],
                                capture_output=True, text=True, timeout=120)  # fmt: skip
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.communicate()
    assert second.returncode == 2
    assert "in use by another trialkg build" in second.stderr
    assert "Traceback" not in second.stderr
