"""Push to a real Virtuoso 7 (Debian's virtuoso-opensource-7-bin) on 127.0.0.1, and the saved queries
there give the rows they give on the embedded store."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import FIXTURES
from trialkg.build import build
from trialkg.queries import load_all, run
from trialkg.remote import push
from trialkg.store import Store
from trialkg.suggestions import write_all

INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
NumberOfBuffers = 20000
MaxDirtyBuffers = 12000
DirsAllowed = ., {d}
MaxQueryMem = 500M

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 5

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 120
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("virtuoso-t")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install virtuoso-opensource-7-bin (.ci/run)")
        pytest.skip("Virtuoso 7 is not installed here (CI installs it)")
    folder = tmp_path_factory.mktemp("virtuoso")
    sql, http = _port(), _port()
    (folder / "virtuoso.ini").write_text(INI.format(d=folder, sql=sql, http=http))
    proc = subprocess.Popen([binary, "+foreground", "+configfile", str(folder / "virtuoso.ini")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", http), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        # The SPARQL endpoint's user may read only; an institution grants updates to its loader the same way.
        grant = [shutil.which("isql-vt") or "isql-vt", str(sql), "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";']
        subprocess.run(grant, check=True, capture_output=True, timeout=60)
        yield f"http://127.0.0.1:{http}/sparql"
    finally:
        proc.terminate()
        proc.wait(30)


def test_push_to_virtuoso_and_saved_queries_give_the_same_rows(virtuoso: str, tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    build(store, [str(FIXTURES)], validate=False)
    write_all(store)  # suggestions, for related-suggested.rq
    sent, kept = push(store, virtuoso, state=tmp_path / "state.json", batch=10)
    assert (sent, kept) == (store.named_graph_count(), 0)
    for name in load_all():
        here, there = _rows(run(name, store=store).dicts()), _rows(run(name, endpoint=virtuoso).dicts())
        assert there == here and here, name


def _rows(rows: list[dict[str, str]]) -> list[tuple[tuple[str, str], ...]]:
    # GROUP_CONCAT over nothing: Virtuoso gives "", Oxigraph leaves the variable unbound (CSV shows both as "");
    # over several values, each store joins them in its own order (SPARQL sets none): compare them sorted.
    def value(v: str) -> str:
        return "; ".join(sorted(v.split("; "))) if "; " in v else v

    return sorted(tuple(sorted((k, value(v)) for k, v in r.items() if v != "")) for r in rows)
