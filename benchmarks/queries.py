"""Latency of every saved query at 10,000 and 100,000 trials: the embedded store beside rdflib in memory.

Stores of N trials are cloned from the record graphs of corpus/ and seeds/ under new NCT ids (as in
validation.py). Each saved query runs with its default parameters: on the embedded Oxigraph store,
the median of 5 runs after one warm-up; on an rdflib Dataset holding the same quads in memory (union
default graph), one run, stopped after --rdflib-timeout seconds.
Run: python benchmarks/queries.py [--shared ../shared] [--sizes 10000 100000] [--keep DIR] [--write]
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import validation  # noqa: E402  (benchmarks/ is on sys.path when this file runs)

from trialkg.queries import bind, load_all, run_sparql
from trialkg.shacl import to_rdflib
from trialkg.store import Store
from trialkg.terms import SPARQL_PREFIXES


class _Timeout(Exception):
    pass


def _embedded(store: Store, runs: int = 5) -> dict[str, tuple[float, int]]:
    out = {}
    for name, q in load_all().items():
        sparql = bind(q, {})
        rows = len(run_sparql(sparql, store=store).rows)  # warm-up
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            run_sparql(sparql, store=store)
            times.append(time.perf_counter() - start)
        out[name] = (statistics.median(times), rows)
        print(f"  oxigraph {name}: {out[name][0]:.3f} s, {rows} rows", file=sys.stderr)
    return out


def _rdflib(store: Store, timeout: int) -> tuple[dict[str, float | str | None], float, float]:
    """Each query's time on an in-memory rdflib Dataset (None: stopped at the timeout; a string: rdflib
    failed), load s, load MB."""
    import resource

    import rdflib

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    data = rdflib.Dataset(default_union=True)
    for g in store.graphs():
        graph = data.graph(rdflib.URIRef(g.value))
        for quad in store.quads(g):
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))  # type: ignore[arg-type]
    loaded = time.perf_counter() - start
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    return rdflib_times(data, timeout), loaded, grown


def rdflib_times(data: Any, timeout: int) -> dict[str, float | str | None]:
    """Each saved query's seconds on an rdflib Dataset (None: stopped at the timeout; a string: rdflib failed)."""

    def stop(*_: object) -> None:
        raise _Timeout

    signal.signal(signal.SIGALRM, stop)
    out: dict[str, float | str | None] = {}
    for name, q in sorted(load_all().items()):
        signal.alarm(timeout)
        start = time.perf_counter()
        try:
            list(data.query(SPARQL_PREFIXES + bind(q, {})))
            out[name] = time.perf_counter() - start
        except _Timeout:
            out[name] = None
        except Exception as exc:  # noqa: BLE001  rdflib fails on some valid queries: report, keep going
            out[name] = f"fails ({type(exc).__name__})"
        finally:
            signal.alarm(0)
        print(f"  rdflib {name}: {out[name]}", file=sys.stderr)
    return out


def evaluate(shared: Path, sizes: list[int], keep: Path | None, rdflib_timeout: int, stamp: str = "") -> str:
    columns, results = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        base = None
        for n in sizes:
            path = (keep or Path(tmp)) / f"trials-{n}"
            if not (path / "CURRENT").exists():
                base = base or validation._corpus_graphs(shared)
                validation._make_store(base, n, path)
            store = Store(path, read_only=True)
            print(f"{n} trials: {store.named_graph_count()} graphs", file=sys.stderr)
            embedded = _embedded(store)
            slow, loaded, grown = _rdflib(store, rdflib_timeout)
            columns.append((n, loaded, grown))
            results[n] = (embedded, slow)
    names = sorted(load_all())
    head = "| query | " + " | ".join(f"{n:,}: Oxigraph s | rows | rdflib s" for n, _, _ in columns) + " |"
    rule = "|---|" + "---:|---:|---:|" * len(columns)
    lines = []
    for name in names:
        cells = []
        for n, _, _ in columns:
            (median, rows), rd = results[n][0][name], results[n][1][name]
            cell = f"> {rdflib_timeout}" if rd is None else rd if isinstance(rd, str) else f"{rd:.2f}"
            cells.append(f"{median:.3f} | {rows:,} | {cell}")
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    loads = "; ".join(f"{n:,} trials: {s:.0f} s, +{mb:,.0f} MB" for n, s, mb in columns)
    return "\n".join([
        "## Saved queries (`benchmarks/queries.py`)", "", *([stamp, ""] if stamp else []),
        "Each saved query with its default parameters on stores of N trials cloned from `corpus/` and "
        "`seeds/` (as for validation). Oxigraph: the embedded store, median of 5 runs after a warm-up. "
        f"rdflib: the same quads in an in-memory `Dataset` (union default graph), one run, stopped after "
        f"{rdflib_timeout} s. Loading rdflib took {loads}.", "",
        head, rule, *lines, "",
    ])  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--keep", type=Path, help="keep (and reuse) the cloned stores in this folder")
    p.add_argument("--rdflib-timeout", type=int, default=60)
    p.add_argument("--write", action="store_true", help="replace this section of benchmarks/RESULTS.md")
    args = p.parse_args()
    from run import stamp, write_section

    section = evaluate(args.shared, args.sizes, args.keep, args.rdflib_timeout, stamp() if args.write else "")
    print(section)
    if args.write:
        write_section("## Saved queries", section, before="## Trial pages")


if __name__ == "__main__":
    main()
