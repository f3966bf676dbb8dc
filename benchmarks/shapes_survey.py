"""Validate every trial of a store against shapes/ with pySHACL and tally the results.

Each trial is checked on its own: the statements of all its source records' named graphs, copied
into a plain rdflib graph (pySHACL on an Oxigraph-backed graph gave wrong results). Results are
counted by severity, origin (one record, or several records of the trial that disagree), shape,
path and constraint component, with a few examples of each.
Run: python benchmarks/shapes_survey.py STORE [--limit N] [--examples K] [--trial NCT…]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import rdflib
from pyshacl import validate
from rdflib.namespace import SH

from trialkg.resources import path as resource_path
from trialkg.shacl import to_rdflib
from trialkg.store import Store
from trialkg.terms import NS

_TRIALS = "SELECT ?trial ?g WHERE { GRAPH ?g { ?g tkg:describes ?trial } } ORDER BY ?trial ?g"
_FORMAT = rdflib.URIRef(NS + "sourceFormat")


def shapes_graph(folder: Path | None = None) -> rdflib.Graph:
    """All shapes files of ``folder`` (default: trialkg's shapes) in one graph, parsed once."""
    graph = rdflib.Graph()
    for ttl in sorted((folder or resource_path("shapes")).glob("*.ttl")):
        graph.parse(ttl, format="turtle")
    return graph


def _graph(store: Store, graphs: list[str]) -> rdflib.Graph:
    """The statements of some named graphs, copied into one plain rdflib graph."""
    data = rdflib.Graph()
    for g in graphs:
        for q in store.quads(ox.NamedNode(g)):
            data.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return data


def trial_graphs(store: Store) -> Iterator[tuple[str, list[str], rdflib.Graph]]:
    """Each trial with its source graphs' IRIs and the union of their statements."""
    by_trial: dict[str, list[str]] = defaultdict(list)
    for row in store.select(_TRIALS):
        by_trial[row["trial"]].append(row["g"])
    for trial, graphs in by_trial.items():
        yield trial, graphs, _graph(store, graphs)


def results(report: rdflib.Graph) -> list[dict[str, rdflib.term.Node | None]]:
    """The validation results of a pySHACL report graph as plain dicts."""
    keys = {
        "focus": SH.focusNode, "path": SH.resultPath, "component": SH.sourceConstraintComponent,
        "shape": SH.sourceShape, "severity": SH.resultSeverity, "value": SH.value,
        "message": SH.resultMessage,
    }  # fmt: skip
    return [
        {k: report.value(r, p) for k, p in keys.items()} for r in report.subjects(rdflib.RDF.type, SH.ValidationResult)
    ]


def _short(node: rdflib.term.Node | None, g: rdflib.Graph) -> str:
    if node is None:
        return "-"
    if isinstance(node, rdflib.BNode):  # a complex path: show its structure
        parts = [f"{p.n3(g.namespace_manager)} {_short(o, g)}" for p, o in g.predicate_objects(node)]
        return "[" + "; ".join(sorted(parts)) + "]"
    return node.n3(g.namespace_manager)


def _key(r: dict[str, rdflib.term.Node | None], shapes: rdflib.Graph) -> tuple[str, ...]:
    # Paths of inverse or alternative shape paths are blank nodes of the shapes graph.
    return tuple(_short(r[k], shapes) for k in ("severity", "shape", "path", "component")) + (str(r["focus"]),)


def _check(data: rdflib.Graph, shapes: rdflib.Graph) -> list[dict[str, rdflib.term.Node | None]]:
    return results(validate(data, shacl_graph=shapes, inference="none", advanced=False)[1])


def _per_record(store: Store, graphs: list[str], shapes: rdflib.Graph) -> set[tuple[str, ...]]:
    """What the trial's records give when each is validated alone."""
    return {_key(r, shapes) for g in graphs for r in _check(_graph(store, [g]), shapes)}


def survey(store: Store, shapes: rdflib.Graph, limit: int | None, only: str | None, examples: int) -> str:
    """Validate each trial; tally results by severity, origin, shape, path and component.

    A result's origin is 'one record' when a single source record of the trial gives it on its own,
    'records disagree' when it only arises from several records of the trial together (dumps of
    different dates or notations that state different values for a single-valued field).
    """
    tally: Counter[tuple[str, ...]] = Counter()
    samples: dict[tuple[str, ...], list[str]] = defaultdict(list)
    times: list[float] = []
    trials = failing = 0
    for trial, graphs, data in trial_graphs(store):
        if only and not trial.endswith("/" + only):
            continue
        if limit is not None and trials >= limit:
            break
        trials += 1
        start = time.perf_counter()
        found = _check(data, shapes)
        times.append(time.perf_counter() - start)
        failing += bool(found)
        alone = _per_record(store, graphs, shapes) if found and len(graphs) > 1 else None
        formats = sorted(str(data.value(rdflib.URIRef(g), _FORMAT)) for g in graphs)
        for r in found:
            key = _key(r, shapes)
            origin = "one record" if alone is None or key in alone else "records disagree"
            line = (key[0], origin) + key[1:4]
            tally[line] += 1
            if len(samples[line]) < examples:
                value = _short(r["value"], data)[:100]
                samples[line].append(f"{trial.rsplit('/', 1)[1]} {r['focus']} {value} ({', '.join(formats)})")
    lines = [f"{trials} trials validated, {failing} with results; pySHACL time per trial: "
             + (f"mean {statistics.mean(times) * 1000:.1f} ms, median {statistics.median(times) * 1000:.1f} ms, "
                f"max {max(times) * 1000:.0f} ms" if times else "-")]  # fmt: skip
    for line, n in sorted(tally.items(), key=lambda x: (x[0][0] != "sh:Violation", x[0][1], -x[1])):
        lines.append(f"{n:6d}  {' '.join(line)}")
        lines += [f"          e.g. {s}" for s in samples[line]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", help="a store built by 'trialkg build'")
    parser.add_argument("--limit", type=int, help="validate only the first N trials")
    parser.add_argument("--trial", help="validate only this trial (NCT id or local-… key)")
    parser.add_argument("--examples", type=int, default=3, help="examples shown per tally line")
    parser.add_argument("--shapes", type=Path, help="folder of shapes (default: trialkg's shapes)")
    args = parser.parse_args(argv)
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)  # ill-typed literals are reported as results
    store = Store(args.store, read_only=True)
    print(survey(store, shapes_graph(args.shapes), args.limit, args.trial, args.examples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
