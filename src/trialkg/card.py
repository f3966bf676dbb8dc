"""Trial cards (contracts/card.schema.json), read back from the graph with SPARQL."""

from __future__ import annotations

import json
import textwrap
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from pyoxigraph import NamedNode

from . import iris
from .store import Store
from .terms import CURIES, DATA

__all__ = ["card", "trial_iris", "write_cards"]

# pyoxigraph binds substitutions only to projected variables, hence ?trial in every SELECT.
# Every query returns ?g, the source record a row came from: each field is taken from the
# best-ranked record that has it (the one updated last), so a trial merged from several
# records (a page and its registry record) shows one card with the gaps of one filled by another.
_GRAPHS = """
SELECT ?trial ?g ?file ?pos ?updated ?at WHERE {
  GRAPH ?g { ?g tkg:describes ?trial ; tkg:sourceFile ?file ; prov:generatedAtTime ?at .
             OPTIONAL { ?g tkg:recordPosition ?pos }
             OPTIONAL { ?trial tkg:lastUpdatePosted ?updated } }
}"""
# Shared entities (sponsors, sites, drugs…) are described once, in the entities graph, from every record
# that names them: a name spelt two ways there gives two rows, and the card keeps one (see _one).
_QUERIES = {
    "scalars": "SELECT ?trial ?g ?p ?o WHERE { GRAPH ?g { ?trial ?p ?o } FILTER(isLITERAL(?o)) }",
    "conditions": "SELECT ?trial ?g ?e ?label WHERE { GRAPH ?g { ?trial tkg:condition ?e } ?e rdfs:label ?label }",
    "related": "SELECT ?trial ?g ?other WHERE { GRAPH ?g { ?trial tkg:relatedListed ?other } }",
    "ids": """SELECT ?trial ?g ?value ?type WHERE { GRAPH ?g {
        ?trial tkg:identifier ?i . ?i tkg:idValue ?value OPTIONAL { ?i tkg:idType ?type } } }""",
    "sponsors": """SELECT ?trial ?g ?e ?role ?name ?class WHERE {
        GRAPH ?g { ?trial ?role ?e . VALUES ?role { tkg:leadSponsor tkg:collaborator } }
        ?e rdfs:label ?name . OPTIONAL { ?e tkg:agencyClass ?class } }""",
    "sites": """SELECT ?trial ?g ?e ?facility ?city ?state ?country ?status WHERE {
        GRAPH ?g { ?trial tkg:site ?e
                   OPTIONAL { ?trial tkg:siteRecruitment ?r . ?r tkg:recruitmentSite ?e ; tkg:siteStatus ?status } }
        ?e rdfs:label ?facility .
        OPTIONAL { ?e tkg:city ?c . ?c rdfs:label ?city }
        OPTIONAL { ?e tkg:state ?state }
        OPTIONAL { ?e tkg:country ?k . ?k rdfs:label ?country } }""",
    "publications": """SELECT ?trial ?g ?e ?p ?pmid ?doi WHERE { GRAPH ?g { ?trial ?p ?e }
        ?e a tkg:Publication . OPTIONAL { ?e tkg:pmid ?pmid } OPTIONAL { ?e tkg:doi ?doi } }""",
    "tracers": """SELECT ?trial ?g ?e ?label ?nuclide ?vector ?target ?modality WHERE {
        GRAPH ?g { ?trial tkg:tracer ?e } ?e rdfs:label ?label .
        OPTIONAL { ?e tkg:radionuclide ?n . ?n rdfs:label ?nuclide }
        OPTIONAL { ?e tkg:vector ?v . ?v rdfs:label ?vector }
        OPTIONAL { ?e tkg:molecularTarget ?m . ?m rdfs:label ?target }
        OPTIONAL { ?e tkg:modality ?modality } }""",
    # A drug's external ids may come from any record that names it: grounded once, grounded everywhere.
    "drugs": """SELECT ?trial ?g ?e ?label WHERE { GRAPH ?g { ?trial tkg:drug ?e } ?e rdfs:label ?label }""",
    "drug_ids": """SELECT ?trial ?e ?id WHERE { GRAPH ?g { ?trial tkg:drug ?e } ?e skos:exactMatch ?id }""",
}  # fmt: skip
_ALL = "SELECT DISTINCT ?trial WHERE { GRAPH ?g { ?g tkg:describes ?trial } } ORDER BY ?trial"

_NS = "https://w3id.org/trialkg/ontology#"
_REF_TYPES = {"backgroundReference": "BACKGROUND", "resultReference": "RESULT", "derivedReference": "DERIVED"}
_SINGLE = {
    "nctId": "nct_id", "briefTitle": "title", "status": "status", "studyType": "study_type",
    "enrollment": "enrollment", "startDate": "start_date", "completionDate": "completion_date",
}  # fmt: skip

Rows = list[dict[str, str]]


def trial_iris(store: Store) -> Iterator[str]:
    """Every trial in the store, in IRI order."""
    for row in store.select(_ALL):
        yield row["trial"]


def _best(rows_by_graph: dict[str, Rows], rank: list[str]) -> Rows:
    """The rows of the best-ranked graph that has any."""
    return next((rows_by_graph[g] for g in rank if rows_by_graph.get(g)), [])


def card(store: Store, trial: str) -> dict[str, Any] | None:
    """The card of one trial (an NCT id, a 'local-…' key or a trial IRI), or None when the store lacks it."""
    if trial.startswith("local-") and trial[6:].isalnum():  # a record without NCT id
        trial = DATA + "trial/" + trial
    iri = NamedNode(trial if trial.startswith("http") else iris.trial(trial).value)
    graphs = list(store.select(_GRAPHS, {"trial": iri}))
    if not graphs:
        return None
    ranked = sorted(graphs, key=lambda r: (r.get("updated", ""), r["at"], r["g"]), reverse=True)
    rank = [r["g"] for r in ranked]
    found: dict[str, dict[str, Rows]] = {}
    for name, sparql in _QUERIES.items():
        by_graph: dict[str, Rows] = defaultdict(list)
        for row in store.select(sparql, {"trial": iri}):
            by_graph[row.get("g", "")].append(row)
        found[name] = {g: _one(rows) for g, rows in by_graph.items()}
    out: dict[str, Any] = {"iri": iri.value}
    scalars: dict[str, Rows] = defaultdict(list)
    for g in reversed(rank):  # later (better) graphs overwrite earlier ones
        for row in found["scalars"].get(g, []):
            scalars[row["p"].removeprefix(_NS)] = [r for r in found["scalars"][g] if r["p"] == row["p"]]
    for prop, key in _SINGLE.items():
        out[key] = scalars[prop][0]["o"] if scalars.get(prop) else None
    if out["enrollment"] is not None:
        out["enrollment"] = int(out["enrollment"])
    out["phases"] = sorted({r["o"] for r in scalars.get("phase", [])})
    ids = {r["value"] for r in _best(found["ids"], rank) if r.get("type") != "NCT"}
    out["other_ids"] = sorted(ids | {r["o"] for r in scalars.get("acronym", [])})
    out["conditions"] = sorted({r["label"] for r in _best(found["conditions"], rank)})
    out["tracers"] = sorted(
        ({"label": r["label"], "radionuclide": r.get("nuclide"), "vector": r.get("vector"),
          "target": r.get("target"), "modality": r.get("modality")} for r in _best(found["tracers"], rank)),
        key=lambda t: t["label"],
    )  # fmt: skip
    grounded: dict[str, set[str]] = defaultdict(set)
    for r in found["drug_ids"].get("", []):
        grounded[r["e"]] |= {c for c in [_curie(r["id"])] if c}
    drug_ids: dict[str, set[str]] = defaultdict(set)
    for r in _best(found["drugs"], rank):
        drug_ids[r["label"]] |= grounded[r["e"]]
    out["drugs"] = [{"label": x, "ids": sorted(drug_ids[x])} for x in sorted(drug_ids)]
    out["sponsors"] = sorted(
        ({"name": r["name"], "role": "lead" if r["role"].endswith("leadSponsor") else "collaborator",
          "class": r.get("class")} for r in _best(found["sponsors"], rank)),
        key=lambda s: (s["role"] != "lead", s["name"]),
    )  # fmt: skip
    out["sites"] = _sorted_unique(
        {k: r.get(k) for k in ("facility", "city", "state", "country", "status")}
        for r in _best(found["sites"], rank)
    )
    out["publications"] = _sorted_unique(
        {"pmid": r.get("pmid"), "doi": r.get("doi"), "type": _REF_TYPES.get(r["p"].removeprefix(_NS))}
        for r in _best(found["publications"], rank)
    )
    out["related_listed"] = sorted({r["other"].rsplit("/", 1)[1] for r in _best(found["related"], rank)})
    out["sources"] = sorted(r["file"] + (f" {r['pos']}" if r.get("pos") else "") for r in graphs)
    return out


def _one(rows: Rows) -> Rows:
    """One row per entity ``e`` (the least, so the choice is stable) where its names vary; other rows as they are."""
    if not rows or "e" not in rows[0] or "id" in rows[0]:
        return rows
    least: dict[str, dict[str, str]] = {}
    for r in rows:
        key = r["e"] + "|" + r.get("status", "") + "|" + r.get("p", "") + "|" + r.get("role", "")
        if key not in least or sorted(r.items()) < sorted(least[key].items()):
            least[key] = r
    return list(least.values())


def _curie(iri: str | None) -> str | None:
    for prefix, ns in CURIES.items():
        if iri and iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return None


def _sorted_unique(rows: Iterator[dict[str, Any]]) -> list[dict[str, Any]]:
    unique = {tuple(r.items()): r for r in rows}
    return [unique[k] for k in sorted(unique, key=lambda k: [str(v) for _, v in k])]


def write_cards(store: Store, ids: Iterable[str], out: TextIO, *, array: bool) -> list[str]:
    """Print the cards of ``ids`` as JSON (an array, written a card at a time: memory stays flat however
    many), and return the ids not in the store."""
    missing, first = [], True
    for nct in ids:
        try:
            found = card(store, nct)
        except ValueError:
            raise ValueError(f"{nct!r} is not an NCT id (NCT followed by 8 digits) or a local-… key") from None
        if found is None:
            missing.append(nct)
            continue
        text = json.dumps(found, indent=2, ensure_ascii=False)
        if array:  # as json.dumps of the whole list would lay it out
            out.write(("[\n" if first else ",\n") + textwrap.indent(text, "  "))
        else:
            out.write(text + "\n")
        first = False
    if array:
        out.write("[]\n" if first else "\n]\n")
    return missing
