"""The whole registry on one machine: every stage of trialkg on 10,000 to 500,000 trials, beside its baselines.

Corpora are cloned from the real API v2 records of corpus/ under new NCT ids (NCT9xxxxxxx), written as the
registry's bulk download is (a zip of one JSON file per study). Each clone keeps its template's text,
design and interventions but draws its lead sponsor, collaborators, sites and condition list anew from
the real ones: a value already drawn is drawn again in proportion to its use so far (rich get richer), and
a new one is minted at the rate the real records show (Heaps' law K = a·n^b, a and b fitted on corpus/),
so entity counts and degrees grow with the corpus as the registry's do, not as uniform toy data.

Measured per size: the floor (reading the zip and parsing its JSON, one process); `trialkg build` (time,
trials/s, peak RSS of its process tree, store size); a no-change rebuild; `trialkg validate`; every saved
query (median of 3 after a warm-up); the related-trials index (built and saved, as a first lookup does)
and one lookup; `trialkg related --all --write` (which reads that index); `trialkg export -f nquads`.
Baseline: the same extraction into an rdflib in-memory Dataset, and the saved queries on it (sizes where
it fits in memory).
Run: python benchmarks/scale.py [--sizes 10000 100000 500000] [--keep DIR] [--skip STEP ...] [--write]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from queries import rdflib_times  # noqa: E402  (benchmarks/ is on sys.path when this file runs)
from validation import _tree_rss_kb  # noqa: E402

from trialkg.queries import bind, load_all, run_sparql
from trialkg.readers import Record, read_paths
from trialkg.store import Store

STEPS = ("floor", "build", "rebuild", "validate", "queries", "rdflib", "lookup", "related", "export")
RDFLIB_MAX = 100_000  # sizes the rdflib baseline is tried at (it took 3.8 GB for 10,000 trials)
RDFLIB_MEMORY = 16 * 2**30


class Draw:
    """Values of one kind drawn as the registry grows: reuse in proportion to use, new ones at Heaps' rate."""

    def __init__(self, real: list[Any], rng: random.Random, mint: Any) -> None:
        self.rng, self.mint = rng, mint
        keys = [json.dumps(v, sort_keys=True) for v in real]
        first: dict[str, Any] = {}  # each distinct value once
        for key, value in zip(keys, real, strict=True):
            first.setdefault(key, value)
        ids = {k: i for i, k in enumerate(first)}
        self.values = list(first.values())
        self.uses = [ids[k] for k in keys]  # one entry per use: a uniform pick is proportional to use
        n, half = len(keys), len(keys) // 2
        k_n, k_half = len(ids), len(set(keys[:half]))
        self.b = min(max(math.log(k_n / max(k_half, 1)) / math.log(n / max(half, 1)), 0.05), 1.0)
        self.a = k_n / n**self.b

    def __call__(self) -> Any:
        n = len(self.uses)
        if self.rng.random() < min(1.0, self.a * self.b * n ** (self.b - 1)):
            self.values.append(self.mint(self.rng.choice(self.values), len(self.values)))
            self.uses.append(len(self.values) - 1)
        else:
            self.uses.append(self.rng.choice(self.uses))
        return self.values[self.uses[-1]]


def templates(shared: Path) -> list[dict[str, Any]]:
    """Every real v2 study of the corpus, once per NCT id (the last one read)."""
    seen: dict[str, dict[str, Any]] = {}
    for item in read_paths([shared / "corpus"]):
        if isinstance(item, Record) and item.format == "ctgov-v2":
            nct = item.payload.get("protocolSection", {}).get("identificationModule", {}).get("nctId")
            if nct:
                seen[nct] = item.payload
    return list(seen.values())


def _renamed(value: dict[str, Any], field: str, k: int) -> dict[str, Any]:
    return {**value, field: f"{value.get(field, '')} {k}"}


def clones(shared: Path, trials: int, seed: int = 7) -> Iterator[tuple[str, bytes]]:
    """(NCT id, JSON bytes) of ``trials`` clones of the corpus's v2 records, entities reshuffled."""
    rng = random.Random(seed)
    real = templates(shared)
    modules = [t.get("protocolSection", {}) for t in real]
    sponsors = [m.get("sponsorCollaboratorsModule", {}) for m in modules]
    lead = Draw([s["leadSponsor"] for s in sponsors if "leadSponsor" in s], rng, lambda v, k: _renamed(v, "name", k))
    partner = Draw([c for s in sponsors for c in s.get("collaborators", [])] or [{"name": "none"}], rng,
                   lambda v, k: _renamed(v, "name", k))  # fmt: skip
    site = Draw([x for m in modules for x in m.get("contactsLocationsModule", {}).get("locations", [])], rng,
                lambda v, k: _renamed(v, "facility", k))  # fmt: skip
    conditions = Draw([m.get("conditionsModule", {}).get("conditions", []) for m in modules], rng,
                      lambda v, k: [f"{c} {k}" for c in v])  # fmt: skip
    for i in range(trials):
        template = rng.choice(real)
        old = template["protocolSection"]["identificationModule"]["nctId"]
        new = f"NCT9{i:07d}"
        study = json.loads(json.dumps(template).replace(old, new))
        ps = study["protocolSection"]
        scm = ps.setdefault("sponsorCollaboratorsModule", {})
        scm["leadSponsor"] = lead()
        if scm.get("collaborators"):
            scm["collaborators"] = [partner() for _ in scm["collaborators"]]
        clm = ps.get("contactsLocationsModule", {})
        if clm.get("locations"):
            clm["locations"] = [site() for _ in clm["locations"]]
        cm = ps.setdefault("conditionsModule", {})
        cm["conditions"] = conditions()
        study.get("derivedSection", {}).pop("conditionBrowseModule", None)  # its MeSH terms were the template's
        yield new, json.dumps(study).encode()


def make_corpus(shared: Path, trials: int, path: Path) -> None:
    """The clones as the registry's bulk download: a zip of one JSON file per study."""
    part = path.with_suffix(".part")
    with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for nct, data in clones(shared, trials):
            archive.writestr(f"{nct[:7]}xxxx/{nct}.json", data)
    part.rename(path)


def _run(cmd: list[str]) -> tuple[float, float]:
    """Seconds and peak resident memory (MB, the process and its workers together) of one command."""
    start, peak = time.perf_counter(), 0
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        while proc.poll() is None:
            peak = max(peak, _tree_rss_kb(proc.pid))
            time.sleep(0.2)
        took = time.perf_counter() - start
        if proc.returncode not in (0, 1):  # validate exits 1 on violations: still a measurement
            err.seek(0)
            sys.exit(f"{' '.join(cmd)} failed: {err.read().decode()[-2000:]}")
    return took, peak / 1024


def _trialkg(*args: str) -> tuple[float, float]:
    return _run([sys.executable, "-m", "trialkg", *args])


def _floor(corpus: Path) -> float:
    start = time.perf_counter()
    with zipfile.ZipFile(corpus) as archive:
        for info in archive.infolist():
            json.loads(archive.read(info))
    return time.perf_counter() - start


def _size_mb(path: Path) -> float:
    files = path.rglob("*") if path.is_dir() else [path]
    return sum(f.stat().st_size for f in files if f.is_file()) / 2**20


def _queries(store: Store, runs: int = 3) -> dict[str, float]:
    out = {}
    for name, q in sorted(load_all().items()):
        sparql = bind(q, {})
        run_sparql(sparql, store=store)  # warm-up
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            run_sparql(sparql, store=store)
            times.append(time.perf_counter() - start)
        out[name] = statistics.median(times)
        print(f"  {name}: {out[name]:.3f} s", file=sys.stderr)
    return out


def rdflib_baseline(corpus: str, timeout: int) -> None:
    """In a child process: the same extraction into an rdflib Dataset, then the saved queries on it; JSON out."""
    import resource

    import rdflib

    from trialkg import iris
    from trialkg.extract import FORMATS
    from trialkg.shacl import to_rdflib
    from trialkg.triples import study_triples

    # A cap on the address space, so that a corpus too large for memory fails here, not the machine.
    resource.setrlimit(resource.RLIMIT_AS, (RDFLIB_MEMORY, RDFLIB_MEMORY))
    start, trials = time.perf_counter(), 0
    data = rdflib.Dataset(default_union=True)
    try:
        for item in read_paths([corpus]):
            if isinstance(item, Record):
                study = FORMATS[item.format].parse(item.payload)
                trial = iris.trial(study.nct_id)
                graph = data.graph(rdflib.URIRef(iris.source_graph(item.source, study.nct_id).value))
                for t in study_triples(study, trial):
                    graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))  # type: ignore[arg-type]
                trials += 1
    except MemoryError:
        took = time.perf_counter() - start
        print(json.dumps({"error": f"out of {RDFLIB_MEMORY / 2**30:.0f} GB after {took:.0f} s, {trials:,} trials in"}))
        return
    out: dict[str, Any] = {"ingest": time.perf_counter() - start,
                           "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}  # fmt: skip
    print(json.dumps({**out, **rdflib_times(data, timeout)}))


def measure(shared: Path, n: int, keep: Path, skip: set[str], timeout: int) -> dict[str, Any]:
    """Every step on ``n`` trials; corpus and store kept in ``keep`` (a store there is reused, not rebuilt)."""
    corpus, store_path, out = keep / f"corpus-{n}.zip", keep / f"store-{n}", {"trials": n}
    if not corpus.exists():
        start = time.perf_counter()
        make_corpus(shared, n, corpus)
        print(f"{n}: corpus made in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    out["corpus_mb"] = _size_mb(corpus)
    if "floor" not in skip:
        out["floor"] = _floor(corpus)
    if "build" not in skip and not (store_path / "CURRENT").exists():
        out["build"] = _trialkg("build", "-q", "--store", str(store_path), str(corpus))
        out["store_mb"] = _size_mb(store_path)
    if "rebuild" not in skip:
        out["rebuild"] = _trialkg("build", "-q", "--store", str(store_path), str(corpus))
    if "validate" not in skip:
        out["validate"] = _trialkg("validate", "-q", "--store", str(store_path))
    store = Store(store_path, read_only=True)
    out["statements"] = len(store)
    if "queries" not in skip:
        out["queries"] = _queries(store)
    if "lookup" not in skip:
        from related_speed import _lookups  # noqa: E402

        from trialkg.related import build_index, index_path, save_index

        start = time.perf_counter()
        index = build_index(store)
        save_index(index, index_path(store_path))  # as a first lookup does: --all --write then reads it
        out["index"] = time.perf_counter() - start
        out["lookup"] = _lookups(index)
    del store
    if "rdflib" not in skip and n <= RDFLIB_MAX:
        child = subprocess.run([sys.executable, __file__, "--rdflib-child", str(corpus), str(timeout)],
                               capture_output=True, text=True)  # fmt: skip
        out["rdflib"] = json.loads(child.stdout) if child.returncode == 0 else {"error": child.stderr[-500:]}
    if "related" not in skip:
        out["related"] = _trialkg("related", "--all", "--write", "--store", str(store_path))
    if "export" not in skip:
        target = keep / f"export-{n}.nq"
        out["export"] = (*_trialkg("export", "-f", "nquads", "-o", str(target), "--store", str(store_path)),
                         _size_mb(target))  # fmt: skip
        target.unlink()
    return out


def _cell(r: dict[str, Any], step: str) -> str:
    v = r.get(step)
    if v is None:
        return "–"
    n = r["trials"]
    if step == "floor":
        return f"{v:,.0f} s ({n / v:,.0f} trials/s)"
    if step == "build":
        floor = f", {v[0] / r['floor']:.1f}× the floor" if r.get("floor") else ""
        return f"{v[0]:,.0f} s ({n / v[0]:,.0f} trials/s), {v[1]:,.0f} MB peak, store {r['store_mb']:,.0f} MB{floor}"
    if step == "rdflib":
        if "error" in v:
            return str(v["error"])[:120]
        return f"{v['ingest']:,.0f} s ({n / v['ingest']:,.0f} trials/s), {v['rss']:,.0f} MB peak"
    if step == "lookup":
        same = f"; top 10 as an unbounded read in {v[2]:.0%}" if len(v) > 2 else ""
        return f"index {r['index']:,.0f} s; lookup median {v[0]:.1f} ms, p95 {v[1]:.1f} ms{same}"
    if step == "export":
        return f"{v[0]:,.0f} s, {v[1]:,.0f} MB peak, {v[2]:,.0f} MB out"
    return f"{v[0]:,.1f} s, {v[1]:,.0f} MB peak"


ROWS = {
    "floor": "read the zip and parse its JSON (the floor)",
    "build": "`trialkg build` (2 processes extract, 1 writes)",
    "rdflib": "baseline: the same extraction into rdflib in memory (no validation)",
    "rebuild": "`trialkg build` again, nothing changed",
    "validate": "`trialkg validate`",
    "lookup": "`trialkg related NCT…`",
    "related": "`trialkg related --all --write` (top 10)",
    "export": "`trialkg export -f nquads` (whole store)",
}


def render(results: dict[str, dict[str, Any]], stamp: str) -> str:
    sizes = sorted(results.values(), key=lambda r: r["trials"])
    head = "| step | " + " | ".join(f"{r['trials']:,} trials" for r in sizes) + " |"
    rule = "|---|" + "---|" * len(sizes)
    lines = ["| corpus | " + " | ".join(f"{r['corpus_mb']:,.0f} MB zip, {r.get('statements', 0):,} statements"
                                         for r in sizes) + " |"]  # fmt: skip
    lines += [f"| {label} | " + " | ".join(_cell(r, step) for r in sizes) + " |" for step, label in ROWS.items()]
    names = sorted({q for r in sizes for q in r.get("queries", {})})
    qhead = "| saved query | " + " | ".join(f"{r['trials']:,}: Oxigraph s | rdflib s" for r in sizes) + " |"
    qlines = []
    for name in names:
        cells = []
        for r in sizes:
            ox_s = r.get("queries", {}).get(name)
            rd = r.get("rdflib", {}).get(name, "–") if r["trials"] <= RDFLIB_MAX else "–"
            rd = "> timeout" if rd is None else f"{rd:.2f}" if isinstance(rd, float) else rd
            cells.append(f"{'–' if ox_s is None else f'{ox_s:.3f}'} | {rd}")
        qlines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return "\n".join([
        "## Scale (`benchmarks/scale.py`)", "", stamp, "", __doc__.split("\nRun:")[0].split("\n", 1)[1].strip(), "",
        head, rule, *lines, "", qhead, "|---|" + "---:|---:|" * len(sizes), *qlines, "",
    ])  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 500_000])
    p.add_argument("--keep", type=Path, help="folder for corpora, stores and results.json (required)")
    p.add_argument("--skip", nargs="+", default=[], choices=STEPS)
    p.add_argument("--rdflib-timeout", type=int, default=120)
    p.add_argument("--rdflib-child", nargs=2, help=argparse.SUPPRESS)
    p.add_argument("--write", action="store_true", help="replace this section of benchmarks/RESULTS.md")
    args = p.parse_args()
    if args.rdflib_child:
        rdflib_baseline(args.rdflib_child[0], int(args.rdflib_child[1]))
        return
    if args.keep is None:
        p.error("--keep DIR is required")
    from run import commit, machine, write_section

    args.keep.mkdir(parents=True, exist_ok=True)
    saved = args.keep / "results.json"
    results = json.loads(saved.read_text()) if saved.exists() else {}
    for n in args.sizes:
        results[str(n)] = {**results.get(str(n), {}), **measure(args.shared, n, args.keep, set(args.skip),
                                                                args.rdflib_timeout)}  # fmt: skip
        results[str(n)]["when"] = f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}, commit {commit()}"
        saved.write_text(json.dumps(results, indent=1))
    when = "; ".join(f"{r['trials']:,} trials {r['when']}" for r in results.values())
    stamp = f"Measured: {when}. {machine()}."
    section = render(results, stamp)
    print(section)
    if args.write:
        write_section("## Scale", section, before="## Ingest")


if __name__ == "__main__":
    main()
