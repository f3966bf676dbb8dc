"""A ClinicalTrials.gov API v2 stand-in on 127.0.0.1: real studies served in pages, with faults on cue."""

from __future__ import annotations

import base64
import gzip
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_RANGE = re.compile(r"AREA\[LastUpdatePostDate\]RANGE\[(\d{4}-\d{2}-\d{2}|MIN),\s*(\d{4}-\d{2}-\d{2}|MAX)\]")


def nct(study: dict[str, Any]) -> str:
    return str(study["protocolSection"]["identificationModule"]["nctId"])


def posted(study: dict[str, Any]) -> str:
    """The study's lastUpdatePostDate ('' for a record trimmed of its status module)."""
    status = study["protocolSection"].get("statusModule", {})
    return str(status.get("lastUpdatePostDateStruct", {}).get("date", ""))


@dataclass
class Registry:
    """What the server holds and how it misbehaves: ``faults`` maps a request number (1-based, counted
    over the server's life) to '429', '500', 'slow', 'cut' (short of its Content-Length) or 'cut-open'
    (no Content-Length, connection closed mid-body)."""

    studies: list[dict[str, Any]]
    faults: dict[int, str] = field(default_factory=dict)
    retry_after: str = "1"
    slow_seconds: float = 1.5
    requests: list[tuple[str, dict[str, list[str]], dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def matching(self, q: dict[str, list[str]]) -> list[dict[str, Any]]:
        out = self.studies
        if "filter.ids" in q:
            wanted = set(re.split(r"[,|]", q["filter.ids"][0]))
            out = [s for s in out if nct(s) in wanted]
        if "filter.overallStatus" in q:
            statuses = set(q["filter.overallStatus"][0].split(","))
            out = [s for s in out if s["protocolSection"]["statusModule"].get("overallStatus") in statuses]
        if "query.term" in q:
            words = [w.lower() for w in q["query.term"][0].replace(" AND ", " ").split()]
            out = [s for s in out if all(w in json.dumps(s).lower() for w in words)]
        if "filter.advanced" in q:
            m = _RANGE.search(q["filter.advanced"][0])
            if not m:
                raise ValueError("filter.advanced: only AREA[LastUpdatePostDate]RANGE[...] is replayed")
            low, high = m.groups()
            out = [s for s in out if (low == "MIN" or posted(s) >= low) and (high == "MAX" or posted(s) <= high)]
        return out


class _Handler(BaseHTTPRequestHandler):
    registry: Registry

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        q = parse_qs(url.query)
        reg = self.registry
        with reg.lock:
            reg.requests.append((url.path, q, dict(self.headers)))
            fault = reg.faults.get(len(reg.requests))
        if url.path != "/api/v2/studies":
            return self._send(404, b'{"message":"not found"}')
        if fault in ("429", "500"):
            headers = {"Retry-After": reg.retry_after} if fault == "429" else {}
            return self._send(int(fault), b"Too Many Requests" if fault == "429" else b"Internal Server Error", headers)
        if fault == "slow":
            time.sleep(reg.slow_seconds)
        unknown = [k for k in q if not re.fullmatch(r"(query|filter|postFilter)\.\w+|format|pageSize|pageToken|"
                                                       r"countTotal|sort|fields", k)]  # fmt: skip
        if unknown:
            return self._send(400, f"unknown parameter '{unknown[0]}'\n".encode())
        try:
            studies = reg.matching(q)
        except ValueError as exc:
            return self._send(400, str(exc).encode())
        size = min(int(q.get("pageSize", ["10"])[0]), 1000)
        start = int(base64.urlsafe_b64decode(q["pageToken"][0]).decode()) if "pageToken" in q else 0
        page: dict[str, Any] = {"studies": studies[start : start + size]}
        if q.get("countTotal") == ["true"] and not start:
            page["totalCount"] = len(studies)
        if start + size < len(studies):
            page["nextPageToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
        body = json.dumps(page).encode()
        gz = "gzip" in self.headers.get("Accept-Encoding", "")
        if gz:
            body = gzip.compress(body)
        headers = {"Content-Type": "application/json"} | ({"Content-Encoding": "gzip"} if gz else {})
        if fault == "cut":
            return self._send(200, body, headers, cut=True)
        if fault == "cut-open":
            return self._send(200, body, headers, cut=True, length=False)
        return self._send(200, body, headers)

    def _send(self, code: int, body: bytes, headers: dict[str, str] | None = None, cut: bool = False,
              length: bool = True) -> None:  # fmt: skip
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.wfile.write(body[: len(body) // 2] if cut else body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # a client that gave up waiting (the 'slow' fault)
            pass
        self.close_connection = True


@contextmanager
def serve(registry: Registry) -> Iterator[str]:
    """The registry served on a free port of 127.0.0.1; yields the API's base URL."""
    handler = type("Handler", (_Handler,), {"registry": registry})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v2"
    finally:
        server.shutdown()
        server.server_close()
