"""Score tracer and drug cards against the hand labels in ../shared/gold/dev_labels.json.

Builds a store from the labelled records (corpus/domain_xml and the seeds), reads each trial's card
and matches tracers on (radionuclide, vector) and drugs on the normalized label, as the gold
README says. Prints precision, recall and F1 with every false positive and miss.
Run: python benchmarks/gold.py [--shared DIR]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from trialkg.build import build
from trialkg.card import card
from trialkg.store import Store


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(shared: Path) -> str:
    """A markdown section: scores per field, then every error."""
    gold = json.loads((shared / "gold" / "dev_labels.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "store")
        build(store, [str(shared / "corpus" / "domain_xml"), str(shared / "seeds"),
                      str(shared / "corpus" / "lizcconrad__clinical-trials" / "NCT01832051.xml")])  # fmt: skip
        cards = {nct: card(store, nct) for nct in gold}
    counts = {"tracers": [0, 0, 0], "drugs": [0, 0, 0]}
    errors: list[str] = []
    for nct, labels in sorted(gold.items()):
        c = cards[nct] or {"tracers": [], "drugs": []}
        for field, key in (("tracers", lambda t: (t["radionuclide"], t["vector"])), ("drugs", lambda d: d["label"])):
            want, got = {key(x) for x in labels[field]}, {key(x) for x in c[field]}
            counts[field][0] += len(want & got)
            counts[field][1] += len(got - want)
            counts[field][2] += len(want - got)
            errors += [f"| {nct} | {field} | false positive | {x} |" for x in sorted(got - want, key=str)]
            errors += [f"| {nct} | {field} | miss | {x} |" for x in sorted(want - got, key=str)]
    rows = []
    for field, (tp, fp, fn) in counts.items():
        p, r, f = _prf(tp, fp, fn)
        rows.append(f"| {field} | {tp} | {fp} | {fn} | {p:.3f} | {r:.3f} | **{f:.3f}** |")
    return "\n".join([
        "## Tracers and drugs against the hand labels (`benchmarks/gold.py`)", "",
        f"{len(gold)} labelled trials of `gold/dev_labels.json` (20 legacy XML records and the seed pages); "
        "tracers matched on (radionuclide, vector), drugs on the normalized label.", "",
        "| field | true pos. | false pos. | misses | precision | recall | F1 |", "|---|---:|---:|---:|---:|---:|---:|",
        *rows, "", "| trial | field | error | value |", "|---|---|---|---|",
        *(errors or ["| — | — | none | — |"]), "",
    ])  # fmt: skip


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    print(evaluate(p.parse_args().shared))
