"""`trialkg serve`, `--endpoint` and `push` end to end against real Oxigraph servers on 127.0.0.1, and the
query page in headless Chromium."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import FIXTURES, chromium_dom
from trialkg.build import build
from trialkg.queries import load_all, run
from trialkg.remote import RemoteError, push
from trialkg.serve import Server, oxigraph_binary
from trialkg.store import Store
from trialkg.suggestions import write_all

QUERIES = load_all()


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, accept: str = "application/sparql-results+json") -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("srv") / "store"
    build(Store(path), [str(FIXTURES)], validate=False)
    write_all(Store(path))  # suggestions, for related-suggested.rq
    return Store(path, read_only=True)


@pytest.fixture(scope="module")
def served(store: Store) -> Iterator[str]:
    server = Server(store.path, port=0)
    server.start()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


def _rows(rows: object) -> list[tuple[tuple[str, str], ...]]:
    return sorted(tuple(sorted(r.items())) for r in rows.dicts())  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_saved_queries_run_unchanged_through_the_endpoint(name: str, store: Store, served: str) -> None:
    here = run(name, store=store)
    there = run(name, endpoint=served + "/query")
    assert _rows(there) == _rows(here) and here.rows


def test_protocol_get_post_and_content_negotiation(served: str) -> None:
    query = "SELECT ?id WHERE { ?t <https://w3id.org/trialkg/ontology#nctId> ?id } ORDER BY ?id LIMIT 3"
    url = served + "/query?" + urllib.parse.urlencode({"query": query})
    for accept, kind, check in (
        ("application/sparql-results+json", "json", lambda b: json.loads(b)["results"]["bindings"][0]["id"]["value"]),
        ("application/sparql-results+xml", "xml", lambda b: b.decode()),
        ("text/csv", "csv", lambda b: b.decode().splitlines()[1]),
        ("text/tab-separated-values", "tab-separated", lambda b: b.decode().splitlines()[1]),
    ):
        status, content_type, body = _get(url, accept)
        assert status == 200 and kind in content_type
        assert "NCT00000246" in check(body)
    headers = {"Content-Type": "application/sparql-query", "Accept": "text/csv"}
    post = urllib.request.Request(served + "/query", data=query.encode(), method="POST", headers=headers)
    with urllib.request.urlopen(post, timeout=30) as answer:
        assert answer.read().decode().splitlines()[1:] == ["NCT00000246", "NCT00006182", "NCT00351065"]


def test_served_store_is_read_only_and_parameters_stay_terms(served: str, store: Store) -> None:
    before = len(store)
    update = urllib.request.Request(served + "/update", data=b"DROP ALL", method="POST",
                                    headers={"Content-Type": "application/sparql-update"})  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(update, timeout=30)
    assert refused.value.code == 403
    status, _, body = _get(served + "/saved/trials-by-drug?" + urllib.parse.urlencode({"drug": '"} } DROP ALL #'}))
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    assert _get(served + "/saved/..%2F..%2Fetc%2Fpasswd")[0] == 400
    assert len(Store(store.path, read_only=True)) == before


def test_query_page_runs_a_saved_query_in_a_browser(served: str, tmp_path: Path) -> None:
    page = served + "/?" + urllib.parse.urlencode({"run": "trials-by-target", "target": "ERBB2"})
    dom = chromium_dom(page, tmp_path / "profile")
    table = dom[dom.index('<table id="rows">') :]
    assert "[89Zr]Zr-trastuzumab" in table and "NCT06830382" in table and "[18F]FDG" not in table


@pytest.fixture()
def target(tmp_path: Path) -> Iterator[str]:
    """An empty, writable Oxigraph server, as an institution would run one."""
    port = _port()
    proc = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(tmp_path / "remote"), "--bind",
                             f"127.0.0.1:{port}", "--union-default-graph"], stderr=subprocess.DEVNULL)  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


def _backends(store: Path) -> list[int]:
    """Processes of an oxigraph server on this store."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve-read-only" in args and str(store).encode() in args:
            found.append(int(proc.name))
    return found


def _graphs(endpoint: str) -> set[str]:
    status, _, body = _get(endpoint + "/query?" + urllib.parse.urlencode(
        {"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"}))  # fmt: skip
    return {b["g"]["value"] for b in json.loads(body)["results"]["bindings"]}


def test_push_keeps_named_graphs_and_saved_queries_give_the_same_rows(
    store: Store, target: str, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    sent, kept = push(store, target + "/update", state=state, batch=7)
    assert (sent, kept) == (store.named_graph_count(), 0)
    assert _graphs(target) == {g.value for g in store.graphs()}
    for name in QUERIES:
        assert _rows(run(name, endpoint=target + "/query")) == _rows(run(name, store=store)), name
    assert push(store, target + "/update", state=state) == (0, store.named_graph_count())  # nothing new


def _size(endpoint: str, graph: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    status, _, body = _get(endpoint + "/query?" + urllib.parse.urlencode({"query": query}))
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_a_graph_larger_than_a_request_goes_in_chunks(
    store: Store, target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trialkg.remote

    entities = "https://w3id.org/trialkg/graph/entities"
    size = sum(1 for _ in store.quads(trialkg.remote.iris.ENTITIES))
    monkeypatch.setattr(trialkg.remote, "_LARGE", size // 4)  # the entities graph takes five requests
    state = tmp_path / "state.json"
    push(store, target + "/update", state=state, batch=50)
    assert _size(target, entities) == size
    # A statement the remote copy holds and the store does not is dropped with the graph's first chunk.
    stale = f'INSERT DATA {{ GRAPH <{entities}> {{ <urn:x:old> <urn:x:said> "stale" }} }}'
    urllib.request.urlopen(urllib.request.Request(target + "/update", data=stale.encode(), method="POST",
                           headers={"Content-Type": "application/sparql-update"}), timeout=30).read()  # fmt: skip
    assert _size(target, entities) == size + 1
    push(store, target + "/update", state=tmp_path / "again.json", batch=50)
    assert _size(target, entities) == size
    for name in QUERIES:
        assert _rows(run(name, endpoint=target + "/query")) == _rows(run(name, store=store)), name


class _Flaky(BaseHTTPRequestHandler):
    """Forwards the first `allowed` update requests to the real server, then fails like a dying server."""

    allowed = 2
    upstream = ""

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if type(self).allowed <= 0:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        type(self).allowed -= 1
        request = urllib.request.Request(self.upstream, data=body, method="POST",
                                         headers={"Content-Type": self.headers["Content-Type"]})  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_push_resumes_after_a_failure(store: Store, target: str, tmp_path: Path) -> None:
    _Flaky.upstream, _Flaky.allowed = target + "/update", 2
    flaky = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    threading.Thread(target=flaky.serve_forever, daemon=True).start()
    state = tmp_path / "state.json"
    with pytest.raises(RemoteError, match="update refused \\(503\\)"):
        push(store, f"http://127.0.0.1:{flaky.server_address[1]}/update", state=state, batch=5)
    flaky.shutdown()
    assert len(json.loads(state.read_text())) == 10 and len(_graphs(target)) == 10
    sent, kept = push(store, target + "/update", state=state, batch=5)
    assert (sent, kept) == (store.named_graph_count() - 10, 10)
    assert _graphs(target) == {g.value for g in store.graphs()}


def test_cli_serve_binds_loopback_and_push_reports(store: Store, target: str, tmp_path: Path) -> None:
    port, before = _port(), set(_backends(store.path))  # the module's own server may be running too
    proc = subprocess.Popen([sys.executable, "-m", "trialkg", "serve", "--store", str(store.path), "--port", str(port)],
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert f"http://127.0.0.1:{port}/" in line and "read-only" in line
        assert _get(f"http://127.0.0.1:{port}/")[0] == 200
        started = set(_backends(store.path)) - before
        assert len(started) == 1
    finally:
        proc.terminate()  # SIGTERM, as `kill` or a service manager sends it
        proc.wait(10)
    for _ in range(50):  # the oxigraph backend goes with it
        if not started & set(_backends(store.path)):
            break
        time.sleep(0.1)
    assert not started & set(_backends(store.path))
    pushing = ["push", "-q", "--store", str(store.path), "--endpoint", target + "/update"]
    done = subprocess.run([sys.executable, "-m", "trialkg", *pushing, "--state", str(tmp_path / "s.json")],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0 and f"{store.named_graph_count()} graphs sent, 0 already there" in done.stdout
    refused = subprocess.run([sys.executable, "-m", "trialkg", "push", "-q", "--store", str(store.path), "--endpoint",
                              "http://127.0.0.1:9/update"], capture_output=True, text=True)  # fmt: skip
    assert refused.returncode == 2 and "cannot reach the endpoint" in refused.stderr
