"""Validation reports for people (text), programs (JSON) and SHACL tools (a sh:ValidationReport in Turtle)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH

from .shacl import to_rdflib
from .validate import Finding, Report, shapes

if TYPE_CHECKING:
    from .build import BuildReport

__all__ = ["print_build", "render", "render_json", "render_text", "render_turtle"]

SHAPES_NS = "https://w3id.org/trialkg/shapes#"
DATA_NS = "https://w3id.org/trialkg/"


def _short(iri: str) -> str:
    if iri.startswith(SHAPES_NS):
        return iri[len(SHAPES_NS) :]
    return iri


def _node(text: str) -> str:
    """A focus node or value as printed: IRIs under trialkg's namespace relative to it."""
    if text.startswith("<" + DATA_NS):
        return text[len(DATA_NS) + 1 : -1]
    return text.strip("<>") if text.startswith("<") else text


def _headline(report: Report, fail_on: str) -> str:
    v, w = report.severities["Violation"], report.severities["Warning"] + report.severities["Info"]
    verdict = "conforms" if report.conforms(fail_on) else "does not conform"
    trusted = f" ({report.trusted} found clean by their build, not re-read)" if report.trusted else ""
    return (f"{report.graphs} record graphs{trusted}: {v} violations in {len(report.failing_graphs)} graphs, "
            f"{w} warnings: {verdict}")  # fmt: skip


def render_text(report: Report, fail_on: str = "Violation") -> str:
    """Counts by shape first, then the results shown, grouped by trial."""
    lines = [_headline(report, fail_on)]
    if report.counts:
        lines += ["", "results by shape:", f"  {'severity':9} {'count':>7}  {'shape':40} {'component':12} path"]
        # Violations first, then by count.
        order = sorted(report.counts.items(), key=lambda kv: (kv[0][0] != "Violation", -kv[1], kv[0][1]))
        for (severity, shape, component, path), n in order:
            lines.append(f"  {severity:9} {n:7}  {_short(shape):40} {component:12} {path or '-'}")
    if report.findings:
        shown, total = len(report.findings), report.total
        more = ", --limit N shows more" if shown < total else ""
        lines += ["", f"results ({shown} of {total}{more}), by trial:"]
        by_trial: dict[str, list[Finding]] = defaultdict(list)
        for f in report.findings:
            by_trial[f.trial].append(f)
        for trial in sorted(by_trial):
            lines.append(_node(f"<{trial}>") if trial else "(no trial)")
            for f in by_trial[trial]:
                r = f.result
                value = f" value {_node(r.value)}" if r.value else ""
                lines.append(f"  {r.severity}: {_short(r.shape)} on {_node(r.focus)} {r.path or ''}{value}")
                lines.append(f"    {r.message}")
                lines.append(f"    record: {f.source or f.graph}")
    return "\n".join(lines)


def render_json(report: Report, fail_on: str = "Violation") -> str:
    doc = {
        "conforms": report.conforms(fail_on),
        "graphs": report.graphs,
        "trusted": report.trusted,
        "violations": report.severities["Violation"],
        "warnings": report.severities["Warning"],
        "infos": report.severities["Info"],
        "failing_graphs": len(report.failing_graphs),
        "by_shape": [
            {"severity": s, "shape": shape, "component": c, "path": p, "count": n}
            for (s, shape, c, p), n in report.counts.most_common()
        ],
        "shown": len(report.findings),
        "results": [
            {"trial": f.trial, "graph": f.graph, "source": f.source, "focus": f.result.focus.strip("<>"),
             "path": f.result.path, "value": f.result.value, "component": f.result.component,
             "shape": f.result.shape, "severity": f.result.severity, "message": f.result.message}
            for f in report.findings
        ],
    }  # fmt: skip
    return json.dumps(doc, indent=1, ensure_ascii=False)


def _term(text: str) -> rdflib.term.Node:
    """An N-Triples term (as results carry them) back as an rdflib term."""
    if text.startswith("_:"):
        return rdflib.BNode(text[2:])
    triple = next(iter(ox.parse(f"<urn:s> <urn:p> {text} .".encode(), ox.RdfFormat.N_TRIPLES)))
    return to_rdflib(triple.object)  # type: ignore[arg-type, unused-ignore]


def render_turtle(report: Report, fail_on: str = "Violation", folder: str | None = None) -> str:
    """A SHACL validation report; result paths are copied from the shapes, blank-node paths included."""
    out = rdflib.Graph()
    out.bind("sh", SH)
    out.bind("tkgsh", SHAPES_NS)
    out.bind("tkg", "https://w3id.org/trialkg/ontology#")
    root = rdflib.BNode()
    out.add((root, RDF.type, SH.ValidationReport))
    out.add((root, SH.conforms, rdflib.Literal(report.conforms(fail_on))))
    compiled = shapes(folder)
    for f in report.findings:
        r, node = f.result, rdflib.BNode()
        out.add((root, SH.result, node))
        out.add((node, RDF.type, SH.ValidationResult))
        out.add((node, SH.focusNode, _term(r.focus)))
        out.add((node, SH.resultSeverity, SH[r.severity]))
        out.add((node, SH.sourceConstraintComponent, SH[r.component + "ConstraintComponent"]))
        shape = rdflib.BNode(r.shape[2:]) if r.shape.startswith("_:") else rdflib.URIRef(r.shape)
        out.add((node, SH.sourceShape, shape))
        out.add((node, SH.resultMessage, rdflib.Literal(r.message, lang="en")))
        if r.value:
            out.add((node, SH.value, _term(r.value)))
        if (path := compiled.paths.get(r.shape)) is not None:
            out.add((node, SH.resultPath, _copy(compiled.graph, path, out)))
    return out.serialize(format="turtle")


def _copy(source: rdflib.Graph, node: rdflib.term.Node, into: rdflib.Graph) -> rdflib.term.Node:
    """A path node with everything under it (for blank-node paths), copied into ``into``."""
    if not isinstance(node, rdflib.BNode):
        return node
    fresh = rdflib.BNode()
    for p, o in source.predicate_objects(node):
        into.add((fresh, p, _copy(source, o, into)))
    return fresh


def render(report: Report, fmt: str, fail_on: str = "Violation", folder: str | None = None) -> str:
    if fmt == "json":
        return render_json(report, fail_on)
    if fmt == "turtle":
        return render_turtle(report, fail_on, folder)
    return render_text(report, fail_on)


def print_build(report: BuildReport, path: Path, warnings: int, json_path: Path | None) -> None:
    """What a build did, for people: counts, skip reasons, links, pruning, warning kinds, validation."""
    if report.resumed:
        print(f"{path}: the previous build of this store did not finish; this one completed its work")
    print(f"{path}: {report.records} records read, {len(report.trials)} trials, "
          f"{report.written} records written ({report.triples} triples), "
          f"{report.unchanged} unchanged, {len(report.skipped)} skipped")  # fmt: skip
    if report.formats:
        print("formats: " + ", ".join(f"{k} {v}" for k, v in sorted(report.formats.items())))
    reasons = Counter(s.reason for s in report.skipped)
    for reason, count in reasons.most_common():
        first = next(s for s in report.skipped if s.reason == reason)
        where = f"{first.source}" + (f" {first.position}" if first.position else "")
        print(f"skipped {count}: {reason} (e.g. {where})")
    for old, new, reason in sorted({(x.old, x.new, x.reason) for x in report.links}):
        print(f"linked {old.rsplit('/', 1)[1]} to {new.rsplit('/', 1)[1]} ({reason})")
    if report.pruned:
        print(f"pruned {report.pruned} records no longer in these sources (e.g. {report.gone[0]}), and "
              f"{report.orphans} statements about entities no other record names")  # fmt: skip
    elif report.gone:
        print(f"{len(report.gone)} records in the store are no longer in these sources (--prune removes them; "
              f"e.g. {report.gone[0]})")  # fmt: skip
    for kind, count in report.warning_kinds().most_common(warnings):
        print(f"warning {count}: {kind}")
    v = report.validation
    if v.graphs:
        kept = f", {report.rejected} left out (--strict)" if report.rejected else ""
        print(f"validation: {v.severities['Violation']} violations in {len(v.failing_graphs)} records{kept}, "
              f"{v.severities['Warning'] + v.severities['Info']} warnings (trialkg validate shows them)")
        for (severity, shape, _, on), n in v.counts.most_common(warnings):
            print(f"  {severity.lower()} {n}: {shape.rsplit('#', 1)[-1]} {on or ''}".rstrip())
    if json_path:
        json_path.write_text(json.dumps({
            "skipped": [vars(s) for s in report.skipped],
            "warnings": [{"source": s, "position": p, "warning": w} for s, p, w in report.warnings],
            "warnings_total": report.warning_count,
            "gone": report.gone,
            "pruned": report.pruned,
            "validation": [{"trial": f.trial, "graph": f.graph, "source": f.source, **vars(f.result)}
                           for f in report.validation.findings],
        }, indent=1))  # fmt: skip
