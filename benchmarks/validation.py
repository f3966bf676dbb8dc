"""Validation at 10,000 and 100,000 trials: in build, `trialkg validate --store` (and --full), pySHACL.

Stores of N trials are made by cloning the record graphs of a build of corpus/ and seeds/ (the first
round under their own NCT ids, then under new ones, NCT9…), each clone validated in memory before it
is written, as build does; that time is the 'in build' column. Then `trialkg validate` runs on the
store in a fresh process (two workers on this machine), with its peak RSS summed over the process and
its workers. pySHACL's figure is its time per record graph on a sample, times the number of graphs.
Run: python benchmarks/validation.py [--shared ../shared] [--sizes 10000 100000] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from trialkg import iris
from trialkg.build import BuildReport, _vocabularies, record_graphs
from trialkg.derive import derive
from trialkg.store import Store
from trialkg.terms import T
from trialkg.validate import shapes, shapes_digest, verdict

Graphs = list[tuple[str, ox.NamedNode, list[tuple[ox.NamedNode, ox.NamedNode, object]]]]


def _corpus_graphs(shared: Path) -> Graphs:
    """Every record graph of corpus/ and seeds/ as a build makes it, before writing: (NCT id, graph,
    statements), its statements about shared entities included (a build splits them off when writing)."""
    out: Graphs = []
    for g, triples in record_graphs([str(shared / "corpus"), str(shared / "seeds")], BuildReport()):
        nct = next((t.object.value for t in triples if t.predicate == T.nctId), None)  # type: ignore[union-attr]
        if nct:  # a record without NCT id cannot be cloned under a new one
            out.append((nct, g, [(t.subject, t.predicate, t.object) for t in triples]))
    return out


def _rename(term: object, old: str, new: str) -> object:
    if isinstance(term, ox.NamedNode) and old in term.value:
        return ox.NamedNode(term.value.replace(old, new))
    if isinstance(term, ox.Literal) and term.value == old:
        return ox.Literal(new)
    return term


def _clones(base: Graphs, trials: int) -> Iterator[tuple[ox.NamedNode, list[ox.Triple]]]:
    """Record graphs of ``trials`` trials: rounds over the corpus, each under new NCT ids."""
    ids: dict[tuple[int, str], str] = {}
    for rnd in range(10**6):
        for nct, g, quads in base:
            key = (rnd, nct)
            if key not in ids:
                if len(ids) == trials:
                    return
                # The first round keeps the real ids, so that queries about real trials find them.
                ids[key] = nct if rnd == 0 else f"NCT9{len(ids):07d}"
            new = ids[key]
            graph = ox.NamedNode(g.value.replace(nct, new))
            yield graph, [ox.Triple(_rename(s, nct, new), p, _rename(o, nct, new)) for s, p, o in quads]  # type: ignore[arg-type]


def write(store: Store, graphs: Iterable[tuple[ox.NamedNode, list[ox.Triple]]]) -> None:
    """Each clone's own statements to its graph, what it says about shared entities to the entities graph."""
    batch: dict[ox.NamedNode, list[ox.Triple]] = {}
    entities: set[ox.Triple] = set()
    for graph, triples in graphs:
        batch[graph] = [t for t in triples if not iris.shared(t.subject)]
        entities.update(t for t in triples if iris.shared(t.subject))
    store.replace(batch)
    store.add(iris.ENTITIES, entities)


def _make_store(base: Graphs, trials: int, path: Path) -> dict[str, float]:
    """Write the clones of ``trials`` trials, validating each in memory first (timed apart)."""
    store, checker, digest = Store(path), shapes(), shapes_digest()
    checked = graphs = 0.0
    batch: list[tuple[ox.NamedNode, list[ox.Triple]]] = []
    for graph, triples in _clones(base, trials):
        start = time.perf_counter()
        results = checker.validate(triples)
        checked += time.perf_counter() - start
        batch.append((graph, triples + verdict(graph, digest, results)))
        graphs += 1
        if len(batch) == 500:
            write(store, batch)
            batch = []
    write(store, batch)
    _vocabularies(store)  # the drug vocabulary and ontology graphs a build adds
    derive(store)  # and the shortcuts it derives
    store.optimize()
    store.flush()
    return {"graphs": graphs, "in_build_s": checked}


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in kB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def _validate(store: Path, *extra: str) -> dict[str, float]:
    """`trialkg validate --store` in a fresh process: seconds, peak RSS of its process tree, counts."""
    cmd = [sys.executable, "-m", "trialkg", "validate", "--store", str(store), "-q", "--format", "json", *extra]
    start, peak = time.perf_counter(), 0
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, text=True)
        while proc.poll() is None:
            peak = max(peak, _tree_rss_kb(proc.pid))
            time.sleep(0.1)
        seconds = time.perf_counter() - start
        out.seek(0)
        doc = json.load(out)
    return {"seconds": seconds, "peak_mb": peak / 1024, "violations": doc["violations"],
            "warnings": doc["warnings"], "graphs": doc["graphs"], "trusted": doc["trusted"]}  # fmt: skip


def _pyshacl_ms(base: Graphs, sample: int = 150) -> float:
    """pySHACL's time per record graph (plain rdflib copies, inference off) on a random sample."""
    import rdflib
    from pyshacl import validate

    from trialkg.resources import path

    shapes_graph = rdflib.Graph()
    for ttl in sorted(path("shapes").glob("*.ttl")):
        shapes_graph.parse(ttl, format="turtle")
    picked = random.Random(5).sample(base, min(sample, len(base)))
    total = 0.0
    for _, _, quads in picked:
        data = rdflib.Graph()
        text = "\n".join(f"{s} {p} {o} ." for s, p, o in quads)
        data.parse(data=text, format="nt")
        start = time.perf_counter()
        validate(data, shacl_graph=shapes_graph, inference="none")
        total += time.perf_counter() - start
    return total / len(picked) * 1000


def evaluate(shared: Path, sizes: list[int], work: Path | None = None, stamp: str = "") -> str:
    """The markdown section for RESULTS.md (``stamp``: when and where, if measured apart from the rest)."""
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        base = _corpus_graphs(shared)
        pyshacl_ms = _pyshacl_ms(base)
        rows = []
        for n in sizes:
            store = Path(tmp) / f"s{n}"
            made = _make_store(base, n, store)
            default, full = _validate(store), _validate(store, "--full")
            print(f"{n} trials: {made} default {default} full {full}", file=sys.stderr)
            g = int(full["graphs"])
            rows.append(
                f"| {n:,} | {g:,} | {made['in_build_s']:.1f} ({made['in_build_s'] / g * 1000:.2f} ms/graph) | "
                f"{default['seconds']:.1f} | {default['peak_mb']:,.0f} | {default['trusted']:,} | "
                f"{full['seconds']:.1f} | {full['peak_mb']:,.0f} | {full['violations']:,} | {full['warnings']:,} | "
                f"{pyshacl_ms * g / 1000:,.0f} |"
            )
            subprocess.run(["rm", "-rf", str(store)], check=True)
    return "\n".join([
        "## Validation (`benchmarks/validation.py`)", "", *([stamp, ""] if stamp else []),
        "Stores of N trials cloned from the record graphs of `corpus/` and `seeds/` under new NCT ids. "
        "*in build*: trialkg's compiled SHACL checker on each record graph in memory, as `trialkg build` "
        "runs it before writing (one process). *validate*: `trialkg validate --store` in a fresh process "
        "with 2 workers; by default it trusts graphs their build found clean against the same shapes "
        "(*trusted*) and re-reads the others; *--full* re-reads every graph (Oxigraph decodes about "
        "10 µs per statement, the larger part of that time). Both also check the shared entities once each, "
        "as the entities graph describes them (several values on one are records that disagree: warnings). "
        "Peak RSS is the sum over the process and "
        f"its workers. *pySHACL*: {pyshacl_ms:.0f} ms per record graph on a sample of 150 (plain rdflib "
        "copies, inference off), times the number of graphs.", "",
        "| trials | record graphs | in build s | validate s | peak RSS MB | trusted | validate --full s "
        "| peak RSS MB | violations | warnings | pySHACL per graph s (est.) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows, "",
    ])  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--work", type=Path, help="folder for the temporary stores (default: the system's)")
    p.add_argument("--write", action="store_true", help="replace this section of benchmarks/RESULTS.md")
    args = p.parse_args()
    from run import stamp, write_section  # benchmarks/ is on sys.path when this file runs

    section = evaluate(args.shared, args.sizes, args.work, stamp() if args.write else "")
    print(section)
    if args.write:
        write_section("## Validation", section, before="## Trial pages")


if __name__ == "__main__":
    main()
