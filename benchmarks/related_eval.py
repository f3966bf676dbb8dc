"""How good `trialkg related` is: HER2 imaging trials, seed pages' own related lists, and TrialSim judgements.

On a store of ../shared/corpus and ../shared/seeds:
1. for the HER2 imaging trials among the hand-labelled domain_xml records (gold/dev_labels.json), P@5 of
   suggestions that share a tracer target or vector with the trial's labelled tracers, beside a text-only
   ranking (TF-IDF) and random trials;
2. the rank, among the suggestions, of each trial a seed page lists as related that the graph holds;
3. on TrialSim (gold/trialsim_dev.tsv: ten candidates per query judged by people), each query's
   candidates re-ranked by `related`, by TF-IDF alone and in random order: P@1, P@5, nDCG@5, MAP.
Run: python benchmarks/related_eval.py [--shared ../shared] [--store DIR] [--write]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from trialkg.build import build
from trialkg.related import Index, build_index
from trialkg.store import Store

TRIAL = "https://w3id.org/trialkg/trial/"
_TRACERS = """SELECT ?trial ?target ?vector WHERE { GRAPH ?g { ?trial tkg:tracer ?t }
  OPTIONAL { ?t tkg:molecularTarget/rdfs:label ?target } OPTIONAL { ?t tkg:vector/rdfs:label ?vector } }"""
_LISTED = """SELECT DISTINCT ?trial ?listed WHERE { GRAPH ?g { ?g tkg:sourceFormat ?f FILTER(STRSTARTS(?f, "page"))
  ?trial tkg:relatedListed ?listed } }"""
RANDOM_DRAWS = 1000


def _imaging(shared: Path, store: Store, index: Index) -> tuple[list[str], dict[str, float]]:
    """P@5 of sharing a target or vector, per method, over the labelled HER2 imaging trials of domain_xml."""
    labels = json.loads((shared / "gold" / "dev_labels.json").read_text())
    domain = {p.stem for p in (shared / "corpus" / "domain_xml").glob("*.xml")}
    queries = {nct: label for nct, label in labels.items() if nct in domain
               and any(t.get("target") == "ERBB2" for t in label["tracers"])}  # fmt: skip
    has: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in store.select(_TRACERS):
        for kind in ("target", "vector"):
            if row.get(kind):
                has[row["trial"]].add((kind, row[kind].lower()))
    rng = random.Random(7)
    precision: dict[str, list[float]] = defaultdict(list)
    for nct, label in sorted(queries.items()):
        iri = TRIAL + nct
        if iri not in index.row:
            continue
        want = {("target", t["target"].lower()) for t in label["tracers"] if t.get("target")}
        want |= {("vector", t["vector"].lower()) for t in label["tracers"] if t.get("vector")}
        row = index.row[iri]
        for method, weight in (("related", None), ("text only (TF-IDF)", 1.0)):
            kwargs = {} if weight is None else {"text_weight": weight}
            top = [s.trial for s in index.related(index.links[row], index.text[row], 5, exclude=iri, **kwargs)]
            precision[method].append(sum(bool(has[t] & want) for t in top) / 5)
        others = [t for t in index.trials if t != iri]
        draws = [sum(bool(has[t] & want) for t in rng.sample(others, 5)) / 5 for _ in range(RANDOM_DRAWS)]
        precision["random"].append(statistics.mean(draws))
    return sorted(queries), {m: statistics.mean(v) for m, v in precision.items()}


def _listed_ranks(store: Store, index: Index) -> list[tuple[str, str, str]]:
    """(page trial, listed trial, its rank among the suggestions) for listed trials the graph holds."""
    out = []
    for row in sorted(store.select(_LISTED), key=lambda r: (r["trial"], r["listed"])):
        trial, listed = row["trial"], row["listed"]
        if listed not in index.row or trial not in index.row:
            continue
        r = index.row[trial]
        ranked = [s.trial for s in index.related(index.links[r], index.text[r], len(index.trials), exclude=trial)]
        rank = str(ranked.index(listed) + 1) if listed in ranked else "not proposed"
        out.append((trial.rsplit("/", 1)[1], listed.rsplit("/", 1)[1], f"{rank} of {len(ranked)}"))
    return out


def _metrics(order: list[int]) -> dict[str, float]:
    """P@1, P@5, nDCG@5 and average precision of one ranked list of 0/1 judgements."""
    dcg = sum(rel / math.log2(i + 2) for i, rel in enumerate(order[:5]))
    ideal = sum(rel / math.log2(i + 2) for i, rel in enumerate(sorted(order, reverse=True)[:5]))
    hits, ap = 0, 0.0
    for i, rel in enumerate(order):
        if rel:
            hits += 1
            ap += hits / (i + 1)
    return {"P@1": float(order[0]), "P@5": sum(order[:5]) / 5, "nDCG@5": dcg / ideal if ideal else 0.0,
            "MAP": ap / hits if hits else 0.0}  # fmt: skip


def _trialsim(shared: Path, index: Index) -> tuple[int, dict[str, dict[str, float]]]:
    rows = list(csv.DictReader((shared / "gold" / "trialsim_dev.tsv").open(), delimiter="\t"))
    by_query: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for r in rows:
        by_query[r["query_nct"]].append((TRIAL + r["candidate_nct"], int(r["label"])))
    results: dict[str, list[dict[str, float]]] = defaultdict(list)
    rng = random.Random(11)
    used = 0
    for nct, judged in sorted(by_query.items()):
        iri = TRIAL + nct
        if iri not in index.row or not any(rel for _, rel in judged):
            continue
        used += 1
        row = index.row[iri]
        trials = [t for t, _ in judged]
        for method, weight in (("related", 0.3), ("TF-IDF only", 1.0)):
            score = index.scores(index.links[row], index.text[row], trials, text_weight=weight)
            # Ties broken by NCT id, never by the sheet's own order.
            ranked = sorted(zip(score, trials, (rel for _, rel in judged), strict=True), key=lambda x: (-x[0], x[1]))
            results[method].append(_metrics([rel for _, _, rel in ranked]))
        draws = []
        for _ in range(RANDOM_DRAWS):
            order = [rel for _, rel in judged]
            rng.shuffle(order)
            draws.append(_metrics(order))
        results["random order"].append({k: statistics.mean(d[k] for d in draws) for k in draws[0]})
    return used, {m: {k: statistics.mean(q[k] for q in qs) for k in qs[0]} for m, qs in results.items()}


def evaluate(shared: Path, store_dir: Path | None, stamp: str = "") -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = store_dir or Path(tmp) / "store"
        if not (path / "CURRENT").exists():
            build(Store(path), [str(shared / "corpus"), str(shared / "seeds")], validate=False)
        store = Store(path, read_only=True)
        index = build_index(store)
        queries, p5 = _imaging(shared, store, index)
        listed = _listed_ranks(store, index)
        used, sim = _trialsim(shared, index)
    lines = ["## Related trials: quality (`benchmarks/related_eval.py`)", "", *([stamp, ""] if stamp else []),
             f"A store of `corpus/` and `seeds/` ({len(index.trials):,} trials). `related` with its defaults "
             "(typed neighbours weighted by kind and rarity, text weight 0.3); text only is the same TF-IDF "
             f"alone; random figures are means over {RANDOM_DRAWS} draws.", "",
             f"HER2 imaging trials of `domain_xml` labelled in `gold/dev_labels.json` ({len(queries)}): "
             "precision@5 of suggestions whose tracers share a target or a vector with the trial's labelled "
             "tracers.", "", "| method | P@5 |", "|---|---:|",
             *(f"| {m} | {v:.3f} |" for m, v in p5.items()), "",
             "Trials that seed pages list as related ('More Related Trials') and that the graph holds: their "
             "rank among the suggestions for the page's trial.", "",
             "| trial | listed related trial | rank |", "|---|---|---:|",
             *(f"| {a} | {b} | {r} |" for a, b, r in listed), "",
             f"TrialSim (`gold/trialsim_dev.tsv`, {used} queries with ten judged candidates each): each "
             "query's candidates re-ranked. For orientation only (another protocol, the whole set): "
             "Trial2Vec P@1 0.42, nDCG@5 0.55.", "",
             "| ranking | P@1 | P@5 | nDCG@5 | MAP |", "|---|---:|---:|---:|---:|",
             *(f"| {m} | {v['P@1']:.3f} | {v['P@5']:.3f} | {v['nDCG@5']:.3f} | {v['MAP']:.3f} |"
               for m, v in sim.items()), ""]  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    p.add_argument("--store", type=Path, help="a store of corpus/ and seeds/ to reuse (built there if empty)")
    p.add_argument("--write", action="store_true", help="replace this section of benchmarks/RESULTS.md")
    args = p.parse_args()
    from run import stamp, write_section

    section = evaluate(args.shared, args.store, stamp() if args.write else "")
    print(section)
    if args.write:
        write_section("## Related trials: quality", section, before="## Trial pages")
    print("done", file=sys.stderr)


if __name__ == "__main__":
    main()
