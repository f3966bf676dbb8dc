"""`trialkg serve`: Oxigraph's SPARQL 1.1 server over the store, behind a page that runs the saved queries."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path

from .queries import QueryError, bind, load_all, saved

__all__ = ["ServeError", "Server", "oxigraph_binary"]

_MAX_BYTES = 50 * 2**20  # a larger answer is cut off with an error, not sent whole
# What the front passes to Oxigraph; writes only when the server was started writable.
_READ_PATHS = ("/query",)
_WRITE_PATHS = ("/update", "/store")


class ServeError(Exception):
    """The server cannot start, with the reason for a person."""


def oxigraph_binary() -> str:
    """The `oxigraph` server program (the `oxigraph` package on PyPI, trialkg[server])."""
    here = Path(sys.executable).parent / "oxigraph"
    found = str(here) if here.exists() else shutil.which("oxigraph")
    if not found:
        raise ServeError("the oxigraph server is not installed: pip install 'trialkg[server]'")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """Oxigraph on a private port, and the front (page, saved queries, limits) on the public one."""

    def __init__(self, store: Path, host: str = "127.0.0.1", port: int = 7878, *, writable: bool = False,
                 timeout: int = 30, max_bytes: int = _MAX_BYTES) -> None:  # fmt: skip
        if not (store / "CURRENT").exists():
            raise ServeError(f"{store}: no trialkg store here (run 'trialkg build' first)")
        self.store, self.host, self.port, self.writable = store, host, port, writable
        self.timeout, self.max_bytes = timeout, max_bytes
        self.backend_port = _free_port()
        self.backend: subprocess.Popen[bytes] | None = None
        self.httpd: ThreadingHTTPServer | None = None
        self._running = False

    @property
    def backend_url(self) -> str:
        return f"http://127.0.0.1:{self.backend_port}"

    def start(self) -> None:
        mode = "serve" if self.writable else "serve-read-only"
        cmd = [oxigraph_binary(), mode, "--location", str(self.store), "--bind", f"127.0.0.1:{self.backend_port}",
               "--union-default-graph", "--timeout-s", str(self.timeout)]  # fmt: skip
        self.backend = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=_die_with_parent
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.backend.poll() is not None:
                err = (self.backend.stderr.read() if self.backend.stderr else b"").decode(errors="replace")
                raise ServeError(f"{self.store}: the oxigraph server stopped: {' '.join(err.split())[:300]}")
            try:
                with socket.create_connection(("127.0.0.1", self.backend_port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        try:
            self.httpd = ThreadingHTTPServer((self.host, self.port), _handler(self))
        except OSError as exc:
            self.stop()
            raise ServeError(f"cannot listen on {self.host}:{self.port}: {exc.strerror}") from None
        self.port = self.httpd.server_address[1]

    def serve_forever(self) -> None:
        assert self.httpd is not None
        if threading.current_thread() is threading.main_thread():
            # 'kill' and service managers send SIGTERM: stop the backend too, as Ctrl-C does.
            signal.signal(signal.SIGTERM, _interrupt)
        self._running = True
        try:
            self.httpd.serve_forever()
        finally:
            self._running = False
            self.stop()

    def stop(self) -> None:
        httpd, self.httpd = self.httpd, None
        if httpd is not None:
            if self._running:  # serve_forever runs in another thread: ask it to return first
                httpd.shutdown()
            httpd.server_close()
        if self.backend is not None and self.backend.poll() is None:
            self.backend.terminate()
            try:
                self.backend.wait(10)
            except subprocess.TimeoutExpired:
                self.backend.kill()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _die_with_parent() -> None:
    """In the backend's process: receive SIGTERM when trialkg's process ends, however it ends (Linux)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@cache
def _page() -> bytes:
    html = (files("trialkg") / "page.html").read_text(encoding="utf-8")
    catalogue = [
        {"name": q.name, "title": q.title, "description": q.description, "text": q.text,
         "params": [{"name": p.name, "type": p.type, "default": p.default, "description": p.description}
                    for p in q.params]}
        for q in load_all().values()
    ]  # fmt: skip
    # </ cannot close the script element from inside the JSON.
    return html.replace("/*QUERIES*/[]", json.dumps(catalogue).replace("</", "<\\/")).encode()


def _handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            if os.environ.get("TRIALKG_SERVE_LOG"):
                super().log_message(format, *args)

        def do_GET(self) -> None:  # noqa: N802
            url = urllib.parse.urlsplit(self.path)
            if url.path in ("/", "/index.html"):
                self._send(200, "text/html; charset=utf-8", _page())
            elif url.path.startswith("/saved/"):
                self._saved(url.path[len("/saved/") :], urllib.parse.parse_qs(url.query))
            else:
                self._forward()

        def do_POST(self) -> None:  # noqa: N802
            self._forward()

        def do_PUT(self) -> None:  # noqa: N802
            self._forward()

        def do_DELETE(self) -> None:  # noqa: N802
            self._forward()

        def _saved(self, name: str, query: dict[str, list[str]]) -> None:
            try:
                sparql = bind(saved(name), {k: v[-1] for k, v in query.items()})
            except QueryError as exc:
                self._send(400, "text/plain; charset=utf-8", str(exc).encode())
                return
            body = urllib.parse.urlencode({"query": sparql}).encode()
            self._proxy("POST", "/query", body, "application/x-www-form-urlencoded")

        def _forward(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            allowed = _READ_PATHS + (_WRITE_PATHS if server.writable else ())
            if path not in allowed:
                status = 403 if path in _WRITE_PATHS else 404
                why = "read-only server (start it with --writable to allow updates)" if status == 403 else "not found"
                self._send(status, "text/plain; charset=utf-8", why.encode())
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            self._proxy(self.command, self.path, body, self.headers.get("Content-Type"))

        def _proxy(self, method: str, path: str, body: bytes | None, content_type: str | None) -> None:
            headers = {"Accept": self.headers.get("Accept") or "application/sparql-results+json"}
            if content_type:
                headers["Content-Type"] = content_type
            request = urllib.request.Request(server.backend_url + path, data=body, headers=headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=server.timeout + 5) as answer:
                    status, kind, data = answer.status, answer.headers.get("Content-Type", ""), answer.read(
                        server.max_bytes + 1)
            except urllib.error.HTTPError as exc:
                status, kind, data = exc.code, exc.headers.get("Content-Type", "text/plain"), exc.read(65536)
            except (urllib.error.URLError, TimeoutError) as exc:
                self._send(504, "text/plain; charset=utf-8", f"SPARQL server did not answer: {exc}".encode())
                return
            if len(data) > server.max_bytes:
                why = f"the answer is larger than {server.max_bytes} bytes: add a LIMIT"
                self._send(413, "text/plain; charset=utf-8", why.encode())
                return
            self._send(status, kind, data)

        def _send(self, status: int, kind: str, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
