"""`trialkg fetch` and builds from its cache, against the API stand-in of tests/replay.py on 127.0.0.1.

The stand-in serves N studies cloned from the corpus's real v2 records (new NCT ids, the rest as it is).
Measured: a first fetch (pages of 1,000, no rate limit: the client's and the cache's own cost, not the
API's), an --update that finds nothing new, an --update after 1% of the studies changed, and the builds
that follow each (first, 1% changed, nothing changed), beside a build of the same studies from one JSON
array file. Run: python benchmarks/fetch.py [--trials 10000] [--write]
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from scale import templates  # noqa: E402

from replay import Registry, serve  # noqa: E402
from trialkg.build import build  # noqa: E402
from trialkg.cache import Cache  # noqa: E402
from trialkg.fetch import Client, Search  # noqa: E402
from trialkg.store import Store  # noqa: E402


def corpus_studies(shared: Path) -> list[dict[str, Any]]:
    """Every real v2 study of the corpus, once per NCT id, but those trimmed of their status."""
    return [s for s in templates(shared) if "statusModule" in s.get("protocolSection", {})]


class _Indexed(Registry):
    """The stand-in, with each study's text lower-cased once (the tests' one does it per request)."""

    def matching(self, q: dict[str, list[str]]) -> list[dict[str, Any]]:
        if "query.term" not in q:
            return super().matching(q)
        texts = self.__dict__.setdefault("texts", {})
        words = q["query.term"][0].lower().replace(" and ", " ").split()
        for s in self.studies:
            if id(s) not in texts:
                texts[id(s)] = json.dumps(s).lower()
        keep = {id(s) for s in self.studies if all(w in texts[id(s)] for w in words)}
        rest = {k: v for k, v in q.items() if k != "query.term"}
        return [s for s in super().matching(rest) if id(s) in keep] if rest else [s for s in self.studies
                                                                                    if id(s) in keep]


def clones(real: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        study = copy.deepcopy(real[i % len(real)])
        study["protocolSection"]["identificationModule"]["nctId"] = f"NCT9{i:07d}"
        out.append(study)
    return out


def _size(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def _timed(label: str, rows: list[str], fn: Any, note: Any = str) -> Any:
    start, cpu = time.perf_counter(), time.thread_time()
    result = fn()
    took, cpu = time.perf_counter() - start, time.thread_time() - cpu
    # The stand-in serves from threads of this process: this thread's CPU time is the client's own cost.
    own = f"{cpu:,.1f} s" if label.startswith("fetch") else ""
    rows.append(f"| {label} | {took:,.1f} s | {own} | {note(result)} |")
    print(rows[-1], file=sys.stderr)
    return result


def evaluate(shared: Path, trials: int, stamp: str) -> str:
    studies = clones(corpus_studies(shared), trials)
    reg, rows = _Indexed(studies), []
    search = Search.of({"query.term": "study"})
    everyone = [s for s in studies if "study" in json.dumps(s).lower()]
    with tempfile.TemporaryDirectory() as tmp, serve(reg) as api:
        work = Path(tmp)
        cache, client = Cache(work / "cache"), Client(api, per_minute=0)
        raw = sum(len(json.dumps(s)) for s in everyone) / 2**20
        _timed(f"fetch {len(everyone):,} studies (pages of 1,000)", rows,
                   lambda: cache.fetch(client, search, None, page_size=1000),
                   lambda r: f"{r.received:,} studies in {r.pages} requests; cache {_size(cache.root):,.1f} MB "
                             f"gzip for {raw:,.1f} MB of JSON")  # fmt: skip
        _timed("fetch --update, nothing new", rows, lambda: cache.fetch(client, search, None, 1000, update=True),
               lambda r: f"{r.received} received (posted on the newest day), {r.new + r.changed} new or changed")
        array = work / "studies.json"
        array.write_text(json.dumps(everyone))
        _timed("build from one JSON array file", rows, lambda: build(Store(work / "plain"), [str(array)]),
               lambda b: f"{b.written:,} records written")
        _timed("build from the cache", rows, lambda: build(Store(work / "store"), [str(cache.root)]),
               lambda b: f"{b.written:,} records written")
        changed = everyone[:: 100]
        for s in changed:
            s["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
            s["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2030-01-01"
        _timed(f"fetch --update after {len(changed)} changed", rows,
               lambda: cache.fetch(client, search, None, 1000, update=True),
               lambda r: f"{r.received} received, {r.changed} changed")
        _timed("build from the cache again", rows, lambda: build(Store(work / "store"), [str(cache.root)]),
               lambda b: f"{b.written:,} written, {b.unchanged:,} unchanged")
        _timed("build with nothing new", rows, lambda: build(Store(work / "store"), [str(cache.root)]),
               lambda b: f"{b.written:,} written, {b.unchanged:,} unchanged")
    return "\n".join([
        "## Fetch (`benchmarks/fetch.py`)", "", *([stamp, ""] if stamp else []),
        f"{trials:,} studies cloned from the corpus's real v2 records, served by the API stand-in of "
        "`tests/replay.py` on 127.0.0.1 (threads of the same process) with no rate limit. Time is wall time, "
        "the stand-in's work (JSON and gzip of each page) included; the client's CPU is the fetching thread's "
        "own (receive, gunzip, parse, hash each study, write the page and the ledger). The real API allows "
        "about 50 requests a minute: 1,000 studies a request, 50,000 a minute at most.", "",
        "| step | time | the client's CPU | what |", "|---|---:|---:|---|", *rows, "",
    ])  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    p.add_argument("--trials", type=int, default=10_000)
    p.add_argument("--write", action="store_true", help="replace this section of benchmarks/RESULTS.md")
    args = p.parse_args()
    from run import stamp, write_section

    section = evaluate(args.shared, args.trials, stamp() if args.write else "")
    print(section)
    if args.write:
        write_section("## Fetch", section, before="## Validation")


if __name__ == "__main__":
    main()
