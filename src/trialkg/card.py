"""Trial cards (contracts/card.schema.json), read back from the graph with SPARQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyoxigraph import NamedNode

from . import iris
from .store import Store

__all__ = ["card", "trial_iris"]

# pyoxigraph binds substitutions only to projected variables, hence ?trial ?g in every SELECT.
# The record whose trial was updated last speaks for the trial; the others are listed as sources.
_GRAPHS = """
SELECT ?trial ?g ?file ?pos ?updated ?at WHERE {
  GRAPH ?g { ?g tkg:describes ?trial ; tkg:sourceFile ?file ; prov:generatedAtTime ?at .
             OPTIONAL { ?g tkg:recordPosition ?pos }
             OPTIONAL { ?trial tkg:lastUpdatePosted ?updated } }
}"""
_SCALARS = "SELECT ?trial ?g ?p ?o WHERE { GRAPH ?g { ?trial ?p ?o } FILTER(isLITERAL(?o)) }"
_CONDITIONS = "SELECT ?trial ?g ?label WHERE { GRAPH ?g { ?trial tkg:condition ?c . ?c rdfs:label ?label } }"
_RELATED = "SELECT ?trial ?g ?other WHERE { GRAPH ?g { ?trial tkg:relatedListed ?other } }"
_IDS = "SELECT ?trial ?g ?value ?type WHERE { GRAPH ?g { ?trial tkg:identifier ?i . ?i tkg:idValue ?value OPTIONAL { ?i tkg:idType ?type } } }"
_SPONSORS = """
SELECT ?trial ?g ?role ?name ?class WHERE { GRAPH ?g {
  ?trial ?role ?org . VALUES ?role { tkg:leadSponsor tkg:collaborator }
  ?org rdfs:label ?name . OPTIONAL { ?org tkg:agencyClass ?class } } }"""
_SITES = """
SELECT ?trial ?g ?facility ?city ?state ?country ?status WHERE { GRAPH ?g {
  ?trial tkg:site ?s . ?s rdfs:label ?facility .
  OPTIONAL { ?s tkg:city ?c . ?c rdfs:label ?city }
  OPTIONAL { ?s tkg:state ?state }
  OPTIONAL { ?s tkg:country ?k . ?k rdfs:label ?country }
  OPTIONAL { ?trial tkg:siteRecruitment ?r . ?r tkg:recruitmentSite ?s ; tkg:siteStatus ?status } } }"""
_PUBLICATIONS = """
SELECT ?trial ?g ?p ?pmid ?doi WHERE { GRAPH ?g {
  ?trial ?p ?pub . ?pub a tkg:Publication .
  OPTIONAL { ?pub tkg:pmid ?pmid } OPTIONAL { ?pub tkg:doi ?doi } } }"""
_TRACERS = """
SELECT ?trial ?g ?label ?nuclide ?vector ?target ?modality WHERE { GRAPH ?g {
  ?trial tkg:tracer ?t . ?t rdfs:label ?label .
  OPTIONAL { ?t tkg:radionuclide ?n . ?n rdfs:label ?nuclide }
  OPTIONAL { ?t tkg:vector ?v . ?v rdfs:label ?vector }
  OPTIONAL { ?t tkg:molecularTarget ?m . ?m rdfs:label ?target }
  OPTIONAL { ?t tkg:modality ?modality } } }"""
_DRUGS = "SELECT ?trial ?g ?label WHERE { GRAPH ?g { ?trial tkg:drug ?d . ?d rdfs:label ?label } }"
_ALL = "SELECT DISTINCT ?trial WHERE { GRAPH ?g { ?g tkg:describes ?trial } } ORDER BY ?trial"

_NS = "https://w3id.org/trialkg/ontology#"
_REF_TYPES = {"backgroundReference": "BACKGROUND", "resultReference": "RESULT", "derivedReference": "DERIVED"}
_SINGLE = {
    "nctId": "nct_id", "briefTitle": "title", "status": "status", "studyType": "study_type",
    "enrollment": "enrollment", "startDate": "start_date", "completionDate": "completion_date",
}  # fmt: skip


def trial_iris(store: Store) -> Iterator[str]:
    """Every trial in the store, in IRI order."""
    for row in store.select(_ALL):
        yield row["trial"]


def card(store: Store, trial: str) -> dict[str, Any] | None:
    """The card of one trial (an NCT id or a trial IRI), or None when the store lacks it."""
    iri = NamedNode(trial if trial.startswith("http") else iris.trial(trial).value)
    graphs = list(store.select(_GRAPHS, {"trial": iri}))
    if not graphs:
        return None
    main = max(graphs, key=lambda r: (r.get("updated", ""), r["at"], r["g"]))
    b = {"trial": iri, "g": NamedNode(main["g"])}
    out: dict[str, Any] = {"iri": iri.value, **dict.fromkeys(_SINGLE.values())}
    phases: list[str] = []
    acronyms: list[str] = []
    for row in store.select(_SCALARS, b):
        name = row["p"].removeprefix(_NS)
        if name in _SINGLE:
            out[_SINGLE[name]] = row["o"]
        elif name == "phase":
            phases.append(row["o"])
        elif name == "acronym":
            acronyms.append(row["o"])
    if out["enrollment"] is not None:
        out["enrollment"] = int(out["enrollment"])
    out["phases"] = sorted(phases)
    out["other_ids"] = sorted({r["value"] for r in store.select(_IDS, b) if r.get("type") != "NCT"} | set(acronyms))
    out["conditions"] = sorted({r["label"] for r in store.select(_CONDITIONS, b)})
    out["tracers"] = sorted(
        ({"label": r["label"], "radionuclide": r.get("nuclide"), "vector": r.get("vector"),
          "target": r.get("target"), "modality": r.get("modality")} for r in store.select(_TRACERS, b)),
        key=lambda t: t["label"],
    )  # fmt: skip
    out["drugs"] = [{"label": x} for x in sorted({r["label"] for r in store.select(_DRUGS, b)})]
    out["sponsors"] = sorted(
        ({"name": r["name"], "role": "lead" if r["role"].endswith("leadSponsor") else "collaborator",
          "class": r.get("class")} for r in store.select(_SPONSORS, b)),
        key=lambda s: (s["role"] != "lead", s["name"]),
    )  # fmt: skip
    out["sites"] = _sorted_unique(
        {k: r.get(k) for k in ("facility", "city", "state", "country", "status")}
        for r in store.select(_SITES, b)
    )
    out["publications"] = _sorted_unique(
        {"pmid": r.get("pmid"), "doi": r.get("doi"), "type": _REF_TYPES.get(r["p"].removeprefix(_NS))}
        for r in store.select(_PUBLICATIONS, b)
    )
    out["related_listed"] = sorted(
        {r["other"].rsplit("/", 1)[1] for r in store.select(_RELATED, b)}
    )
    out["sources"] = sorted(r["file"] + (f" {r['pos']}" if r.get("pos") else "") for r in graphs)
    return out


def _sorted_unique(rows: Iterator[dict[str, Any]]) -> list[dict[str, Any]]:
    unique = {tuple(r.items()): r for r in rows}
    return [unique[k] for k in sorted(unique, key=lambda k: [str(v) for _, v in k])]
