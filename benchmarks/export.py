"""How fast `trialkg export` writes each format, and in how much memory, on stores of 10,000 and 100,000 trials.

Each export of the whole store (vocabularies left out) runs as its own `trialkg export` process, so its peak
memory is its own (os.wait4). Stores as for the saved-query benchmark (benchmarks/queries.py --keep DIR).
The page (html) draws one trial's neighbourhood, not the whole store.
Run: python benchmarks/export.py --keep DIR [--sizes 10000 100000] [--largest FORMAT...] [--write]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from trialkg import iris
from trialkg.export import FORMATS
from trialkg.store import Store


def _run(args: list[str]) -> tuple[float, float]:
    """Seconds and peak resident memory (MB) of one trialkg process."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "trialkg", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    if status != 0:
        sys.exit(f"trialkg {' '.join(args)} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return took, usage.ru_maxrss / 1024


def _a_trial(folder: Path) -> str:
    """NCT06830382 where the store holds it, else the store's first trial (clones have new ids)."""
    store = Store(folder, read_only=True)
    if store.has_subject(iris.trial("NCT06830382")):
        return "NCT06830382"
    return next(store.select("SELECT ?id WHERE { ?t tkg:nctId ?id } LIMIT 1"))["id"]


def _size_mb(path: Path) -> float:
    files = path.rglob("*") if path.is_dir() else [path]
    return sum(f.stat().st_size for f in files if f.is_file()) / 2**20


def evaluate(keep: Path, sizes: list[int], formats: dict[int, list[str]], stamp: str = "") -> str:
    rows = []
    for fmt, spec in FORMATS.items():
        cells = []
        for n in sizes:
            if fmt not in formats.get(n, FORMATS):
                cells.append("–")
                continue
            store = keep / f"trials-{n}"
            if not (store / "CURRENT").exists():
                sys.exit(f"{store}: no store (run benchmarks/queries.py --keep {keep} first)")
            with tempfile.TemporaryDirectory(dir=keep) as tmp:
                out = Path(tmp) / f"out{spec.suffix}"
                subset = ["--trial", _a_trial(store)] if fmt == "html" else []
                took, peak = _run(["export", "-f", fmt, "-o", str(out), "--store", str(store), *subset])
                cells.append(f"{took:,.1f} s, {peak:,.0f} MB, {_size_mb(out):,.0f} MB out")
                shutil.rmtree(out, ignore_errors=True)
        rows.append(f"| {fmt} | " + " | ".join(cells) + " |")
        print(rows[-1], file=sys.stderr)
    head = " | ".join(f"{n:,} trials: time, peak RSS, output" for n in sizes)
    return "\n".join([
        "## Export (`benchmarks/export.py`)", "", *([stamp, ""] if stamp else []),
        "The whole store of N cloned trials (vocabulary graphs left out) written by one `trialkg export` process "
        "per format; peak RSS is that process's own. `html` draws one trial's neighbourhood (one hop) instead.",
        "", f"| format | {head} |", "|---|" + "---:|" * len(sizes), *rows, "",
    ])  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--keep", type=Path, required=True, help="the folder of benchmarks/queries.py's stores")
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--largest", nargs="+", default=list(FORMATS), choices=list(FORMATS),
                   help="the formats to measure at the largest size (each takes minutes there)")
    p.add_argument("--write", action="store_true", help="replace this section of benchmarks/RESULTS.md")
    args = p.parse_args()
    from run import stamp, write_section

    section = evaluate(args.keep, args.sizes, {max(args.sizes): args.largest}, stamp() if args.write else "")
    print(section)
    if args.write:
        write_section("## Export", section, before="## Trial pages")


if __name__ == "__main__":
    main()
