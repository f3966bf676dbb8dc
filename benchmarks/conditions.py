"""Condition splitting on real records: join each record's conditions with spaces, split them back.

The lexicon is built from 70% of the corpus's records; the other 30% are the test set, so many of
their labels are unknown to it, as on a real page. Run: python benchmarks/conditions.py [--shared DIR].
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from trialkg.conditions import Lexicon
from trialkg.extract import FORMATS
from trialkg.readers import Record, read_paths


def evaluate(shared: Path) -> str:
    """A markdown table of exact-split rates for multi-condition and single-condition records."""
    by_trial: dict[str, list[str]] = {}
    for item in read_paths([shared / "corpus"]):
        if isinstance(item, Record) and item.format in ("ctgov-v2", "ctgov-xml"):
            study = FORMATS[item.format].parse(item.payload)
            if study.nct_id and study.conditions:
                by_trial[study.nct_id] = study.conditions
    trials = sorted(by_trial)
    random.Random(7).shuffle(trials)
    cut = int(len(trials) * 0.7)
    lexicon = Lexicon(c for t in trials[:cut] for c in by_trial[t])
    rows = []
    tests = [by_trial[t] for t in trials[cut:]]
    for name, test in (("2 or more conditions", [c for c in tests if len(c) > 1]),
                       ("1 condition (must stay whole)", [c for c in tests if len(c) == 1])):  # fmt: skip
        exact = sum(lexicon.split(" ".join(conds)) == conds for conds in test)
        rows.append(f"| {name} | {len(test):,} | {exact / len(test):.1%} |")
    return "\n".join([
        "## Condition splitting (`trialkg.conditions`)", "",
        f"Lexicon from {cut:,} records' labels; tested on the other {len(trials) - cut:,} records'"
        " space-joined conditions.", "",
        "| test records | n | split exactly as registered |", "|---|---:|---:|", *rows, "",
    ])  # fmt: skip


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    print(evaluate(p.parse_args().shared))
