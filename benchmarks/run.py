"""All benchmarks in one command, written to benchmarks/RESULTS.md with machine, date and commit.

Run: python benchmarks/run.py [--shared ../shared]. Ingest: each case runs in a fresh process so
its peak RSS is its own; the 'read+parse only' column reads and parses the same records without
extracting triples or writing, as the floor of what ingest can cost. Then validation at 10,000
and 100,000 trials (validation.py), the field-level scores
of the text-page parsers (page_fields.py), the condition splitter (conditions.py), and the tracer
and drug cards against the hand labels (gold.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import conditions  # noqa: E402  (benchmarks/ is on sys.path when this file runs)
import gold  # noqa: E402
import page_fields  # noqa: E402
import validation  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "legacy XML archive (AllPublicXML subset)": [
        "corpus/reesewang25__enrollment_and_studylength/AllPublicXML_subset_6786.tar.gz"
    ],
    "API v2 JSON arrays and bulk zip": [
        "corpus/vrinda2019__NSCLCBench/ctg-studies.json",
        "corpus/UserZetsu__dtx-analysis/ctg-studies.json",
        "corpus/dgg32__clinical-trials-public",
        "corpus/dgg32__graph_bigquery/ctg-studies.json",
        "corpus/koy570__herniated_disc/ctg-studies.json",
        "corpus/scampbe3__my-website/ctg-studies.json",
        "corpus/Marc-Morcos__ClinicalTrials-Urology-Database-Word-Counter/ctg-studies.json.zip",
    ],
}


def _child(mode: str, paths: list[str]) -> None:
    """Run one measurement in this process and print it as JSON."""
    from trialkg.build import build
    from trialkg.extract import FORMATS
    from trialkg.readers import Record, read_paths
    from trialkg.store import Store

    start = time.perf_counter()
    if mode == "read":
        records = (r for r in read_paths(paths) if isinstance(r, Record))
        n = sum(1 for r in records if FORMATS[r.format].parse(r.payload))
        out = {"records": n, "triples": 0, "store_mb": 0.0}
    else:
        with tempfile.TemporaryDirectory() as tmp:
            report = build(Store(Path(tmp) / "store"), paths)
            size = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file())
        out = {"records": report.written, "triples": report.triples, "store_mb": size / 2**20}
    out["seconds"] = time.perf_counter() - start
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def _measure(mode: str, paths: list[str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, *paths], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _stats(shared: Path) -> str:
    """`trialkg stats` on the whole corpus and the seeds: the grounded share per entity type."""
    from trialkg.build import build
    from trialkg.stats import stats
    from trialkg.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "store")
        build(store, [str(shared / "corpus"), str(shared / "seeds")])
        trials, rows = stats(store)
    lines = [f"| {r.type} | {r.entities:,} | {r.mentions:,} | {r.grounded:,} | {r.grounded_share:.1%} |" for r in rows]
    return "\n".join([
        "## Entities and grounding (`trialkg stats` on `corpus/` and `seeds/`)", "",
        f"{trials:,} trials. Grounded: tied to an external identifier (skos:exactMatch to MeSH or NCIt, "
        "tkg:meshTerm, a PMID or DOI, or an external IRI).", "",
        "| type | entities | mentions | grounded | share |", "|---|---:|---:|---:|---:|", *lines, "",
    ])  # fmt: skip


def write_section(heading: str, section: str, before: str) -> None:
    """Replace one section of RESULTS.md (from its heading to the next), or put it before another."""
    results = ROOT / "benchmarks" / "RESULTS.md"
    text = results.read_text()
    start = text.find(heading)
    if start >= 0:
        end = text.find("\n## ", start + 1) + 1 or len(text)
    else:
        start = end = text.find(before) if before in text else len(text)
    results.write_text(text[:start] + section + "\n" + text[end:])


def commit() -> str:
    git = ["git", "rev-parse", "--short", "HEAD"]
    return subprocess.run(git, cwd=ROOT, capture_output=True, text=True).stdout.strip() or "uncommitted"


def stamp() -> str:
    """The line that dates a section measured apart: when, at which commit, on which machine."""
    return f"Measured apart: {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}, commit {commit()}, {machine()}."


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    except OSError:
        mem = 0.0
    system = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, {system}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        _child(args.child[0], args.child[1:])
        return
    rows = []
    for name, rel in CASES.items():
        paths = [str(args.shared / r) for r in rel]
        floor = _measure("read", paths)
        full = _measure("build", paths)
        print(f"{name}: {full}  (read only: {floor})", file=sys.stderr)
        rows.append(
            f"| {name} | {full['records']:,} | {full['triples']:,} | {full['seconds']:.1f} | "
            f"{full['records'] / full['seconds']:,.0f} | {full['triples'] / full['seconds']:,.0f} | "
            f"{full['peak_rss_mb']:,.0f} | {full['store_mb']:,.0f} | {floor['seconds']:.1f} | "
            f"{full['seconds'] / floor['seconds']:.1f}× |"
        )
    text = "\n".join([
        "# Benchmarks", "",
        f"- machine: {machine()}",
        f"- date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- commit: {commit()}",
        "- command: `python benchmarks/run.py`", "",
        "## Ingest (`trialkg build` into a new store, including the final optimize)", "",
        "| input | records | triples | seconds | trials/s | triples/s | peak RSS MB | store MB"
        " | read+parse only s | ingest / read |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows, "",
        validation.evaluate(args.shared, [10_000, 100_000]),
        page_fields.evaluate(page_fields.real_studies(args.shared / "corpus", 60))[0], "",
        conditions.evaluate(args.shared), "",
        gold.evaluate(args.shared), "",
        _stats(args.shared),
    ])  # fmt: skip
    (ROOT / "benchmarks" / "RESULTS.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
