"""How fast `trialkg related` is: one lookup at 10,000, 100,000 and 500,000 trials, and top-10 for all trials.

Stores of N trials cloned from corpus/ and seeds/ (as for the saved-query benchmark; reused with --keep).
The index of the largest store is also scaled up: its trials repeated under new ids (their neighbours'
rarity recomputed) up to 500,000. Per size: the time to build the index from the store, its size on
disk, and the median and 95th percentile of one lookup (top 10, with reasons) over 300 trials drawn at
random, in a process that has the index loaded. Then 'trialkg related --all --write' on the 100,000
store, timed as the command runs it.
Run: python benchmarks/related_speed.py --keep DIR [--sizes 10000 100000] [--scale 500000] [--write]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import sparse

from trialkg import similarity
from trialkg.related import build_index, index_path, save_index
from trialkg.similarity import Index, normalized, weights
from trialkg.store import Store
from trialkg.suggestions import RELATED, write_all
from trialkg.terms import T

SAMPLE = 300


def _lookups(index: Index) -> tuple[float, float, float]:
    """Median and 95th percentile of one lookup, in ms, and the share of lookups whose top 10 is the one
    an unbounded read of candidates gives (what the budget costs)."""
    rng = random.Random(3)
    times, same = [], 0
    for row in rng.sample(range(len(index.trials)), min(SAMPLE, len(index.trials))):
        start = time.perf_counter()
        found = index.related(index.links[row], index.text[row], 10, exclude=index.trials[row])
        times.append((time.perf_counter() - start) * 1000)
        budget, similarity.BUDGET = similarity.BUDGET, len(index.trials) * 1000
        try:
            unbounded = index.related(index.links[row], index.text[row], 10, exclude=index.trials[row])
        finally:
            similarity.BUDGET = budget
        same += [s.trial for s in found] == [s.trial for s in unbounded]
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], same / len(times)


def _scaled(index: Index, trials: int) -> Index:
    """The index's trials repeated under new ids up to ``trials``, neighbour weights recomputed."""
    times = -(-trials // len(index.trials))
    binary = sparse.vstack([index.links.astype(bool).astype(np.float64)] * times).tocsr()[:trials]
    text = sparse.vstack([index.text] * times).tocsr()[:trials]
    ids = [f"{t}-{i}" for i in range(times) for t in index.trials][:trials]
    weight = weights(index.kinds, np.diff(binary.tocsc().indptr), trials)
    links = normalized(sparse.csr_matrix(binary.multiply(weight[None, :])))
    return Index(ids, index.features, index.kinds, index.labels, links, index.vocabulary, index.idf, text)


def _statements(store: Store) -> int:
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{RELATED.value}> {{ ?s ?p ?o }} }}"
    return int(next(store.select(count))["n"])


def _disk_mb(index: Index) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        save_index(index, Path(tmp))
        return sum(f.stat().st_size for f in Path(tmp).iterdir()) / 2**20


def evaluate(keep: Path, sizes: list[int], scale: int | None, stamp: str = "") -> str:
    rows, last = [], None
    for n in sizes:
        path = keep / f"trials-{n}"
        if not (path / "CURRENT").exists():
            sys.exit(f"{path}: no store (run benchmarks/queries.py --keep {keep} first)")
        store = Store(path, read_only=True)
        start = time.perf_counter()
        index = build_index(store)
        built = time.perf_counter() - start
        median, p95, same = _lookups(index)
        rows.append(f"| {len(index.trials):,} | {built:.1f} | {_disk_mb(index):,.0f} | {median:.1f} | {p95:.1f} | "
                    f"{same:.1%} |")  # fmt: skip
        print(rows[-1], file=sys.stderr)
        last = (n, index)
        del store
    if scale and last:
        start = time.perf_counter()
        big = _scaled(last[1], scale)
        made = time.perf_counter() - start
        median, p95, same = _lookups(big)
        rows.append(f"| {scale:,} (the {last[0]:,} index repeated; {made:.0f} s to scale) | – | "
                    f"{_disk_mb(big):,.0f} | {median:.1f} | {p95:.1f} | {same:.1%} |")  # fmt: skip
        print(rows[-1], file=sys.stderr)
        del big
    write = ""
    if last:
        save_index(last[1], index_path(keep / f"trials-{last[0]}"))  # what the first lookup would have saved
        store = Store(keep / f"trials-{last[0]}")
        earlier = _statements(store)
        start = time.perf_counter()
        store.remove_large(RELATED, T.suggestedFor)  # what a second run does first, timed apart from the write
        removed = time.perf_counter() - start
        start = time.perf_counter()
        trials, written, results = write_all(store, k=10)
        took = time.perf_counter() - start
        bad = sum(r.severity == "Violation" for r in results)
        statements = _statements(store)
        write = (f"`trialkg related --all --write` (top 10 of every trial ranked by {os.cpu_count()} processes, "
                 f"one block in 32 checked against the shapes, written, and the store optimized at the end; index "
                 f"already built) on {trials:,} trials: **{took:.0f} s**, {written:,} suggestions in {statements:,} "
                 f"statements, {bad} shape violations. Running it again first removes the earlier graph: "
                 f"{earlier:,} statements took {removed:.0f} s to remove here (Oxigraph deletes statement by "
                 "statement, in parts of 2,000 trials' suggestions).")  # fmt: skip
    return "\n".join([
        "## Related trials: speed (`benchmarks/related_speed.py`)", "", *([stamp, ""] if stamp else []),
        "Stores cloned from `corpus/` and `seeds/` (shared entities not reshuffled: each neighbour is shared by "
        "N / 12,800 times more trials than in the corpus, so candidate lists are longer than a real registry's). "
        f"Lookup: top 10 with reasons, index in memory, {SAMPLE} random trials.", "",
        "| trials | index build s | index on disk MB | lookup median ms | lookup p95 ms | top 10 as unbounded |",
        "|---:|---:|---:|---:|---:|---:|", *rows, "", write, "",
    ])  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--keep", type=Path, required=True, help="the folder of benchmarks/queries.py's stores")
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--scale", type=int, default=500_000, help="scale the last index up to this many trials")
    p.add_argument("--write", action="store_true", help="replace this section of benchmarks/RESULTS.md")
    args = p.parse_args()
    from run import stamp, write_section

    section = evaluate(args.keep, args.sizes, args.scale, stamp() if args.write else "")
    print(section)
    if args.write:
        write_section("## Related trials: speed", section, before="## Trial pages")


if __name__ == "__main__":
    main()
