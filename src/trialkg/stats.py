"""Counts of the shared entities per type: how many, how often trials link them, how grounded."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .store import Store
from .terms import DATA, NS

__all__ = ["LEGEND", "LOCAL_CLASSES", "TypeStats", "as_json", "render_table", "stats"]

# Classes that are not entities a trial links: parts of one trial, provenance, and derived shortcuts.
LOCAL_CLASSES = (
    "Trial", "Arm", "Intervention", "Outcome", "Identifier", "SiteRecruitment", "SourceRecord",
    "RelatedListing", "Collaboration",
)  # fmt: skip

LEGEND = {
    "entities": "distinct nodes of the type",
    "mentions": "distinct (trial, entity) links that a record states: the trial points at the "
    "entity directly, or through one other node (a site's city, a tracer's radionuclide, an "
    "investigator's organization)",
    "grounded": "entities tied to an external identifier: a skos:exactMatch to an IRI outside "
    "trialkg, a tkg:meshTerm, a tkg:pmid or tkg:doi (publications), or an IRI that is itself "
    "external (MeSH descriptors)",
}

_LOCAL = ", ".join(f"tkg:{c}" for c in LOCAL_CLASSES)
# Every tkg class except the trial-local ones, so classes added later are counted too.
_TYPES = f"""
    ?e a ?class .
    FILTER(STRSTARTS(STR(?class), "{NS}") && ?class NOT IN ({_LOCAL}))
"""

_ENTITIES = f"""
SELECT ?class (COUNT(DISTINCT ?e) AS ?n) WHERE {{ {_TYPES} }} GROUP BY ?class
"""

# A trial's links are read inside its record's graph, one or two steps out (a tracer's radionuclide,
# a site's city); each entity's type is stated once, in the entities graph (or, for a trial's own arms
# and outcomes, in the record's graph), so the join does not multiply rows.
_MENTIONS = f"""
SELECT ?class (COUNT(*) AS ?n) WHERE {{
  SELECT DISTINCT ?class ?t ?e WHERE {{
    {{ GRAPH ?g {{ ?t a tkg:Trial ; ?p ?e . FILTER(isIRI(?e)) }} }}
    UNION
    {{ GRAPH ?g {{ ?t a tkg:Trial ; ?p ?x . FILTER(isIRI(?x) && ?x != ?t) }} ?x ?q ?e . FILTER(isIRI(?e)) }}
    ?e a ?class .
    FILTER(STRSTARTS(STR(?class), "{NS}") && ?class NOT IN ({_LOCAL}))
  }}
}} GROUP BY ?class
"""

# Grounded nodes first, each once, then their types: far fewer rows than testing every node.
_GROUNDED = f"""
SELECT ?class (COUNT(DISTINCT ?e) AS ?n) WHERE {{
  {{ SELECT DISTINCT ?e WHERE {{
    {{ ?e skos:exactMatch ?ext . FILTER(isIRI(?ext) && !STRSTARTS(STR(?ext), "{DATA}")) }}
    UNION {{ ?e tkg:meshTerm ?mesh }} UNION {{ ?e tkg:pmid ?pmid }} UNION {{ ?e tkg:doi ?doi }}
    UNION {{ ?e a ?any . FILTER(!STRSTARTS(STR(?e), "{DATA}")) }}
  }} }}
  {_TYPES}
}} GROUP BY ?class
"""

_TRIALS = "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a tkg:Trial }"


@dataclass(frozen=True)
class TypeStats:
    """The counts of one entity type."""

    type: str
    entities: int
    mentions: int
    grounded: int

    @property
    def grounded_share(self) -> float:
        return self.grounded / self.entities if self.entities else 0.0


def _by_class(store: Store, query: str) -> dict[str, int]:
    return {row["class"][len(NS) :]: int(row["n"]) for row in store.select(query)}


def stats(store: Store) -> tuple[int, list[TypeStats]]:
    """The number of trials, and the counts of every entity type with instances, largest first."""
    entities = _by_class(store, _ENTITIES)
    mentions = _by_class(store, _MENTIONS)
    grounded = _by_class(store, _GROUNDED)
    trials = int(next(store.select(_TRIALS))["n"])
    rows = [TypeStats(k, n, mentions.get(k, 0), grounded.get(k, 0)) for k, n in entities.items()]
    return trials, sorted(rows, key=lambda r: (-r.entities, r.type))


def as_json(trials: int, rows: list[TypeStats]) -> dict[str, object]:
    """The statistics as a JSON-ready document, with the legend."""
    return {
        "trials": trials,
        "types": [asdict(r) | {"grounded_share": round(r.grounded_share, 4)} for r in rows],
        "legend": LEGEND,
    }


def render_table(trials: int, rows: list[TypeStats]) -> str:
    """The statistics as a text table with its legend."""
    width = max([len("type")] + [len(r.type) for r in rows])
    head = ("type", "entities", "mentions", "grounded", "share")
    lines = [f"{trials} trials", "", f"{head[0]:<{width}}" + "".join(f"  {h:>9}" for h in head[1:])]
    for r in rows:
        cells = (r.entities, r.mentions, r.grounded, f"{r.grounded_share:.1%}")
        lines.append(f"{r.type:<{width}}" + "".join(f"  {c:>9}" for c in cells))
    lines.append("")
    lines += [f"{key}: {text}" for key, text in LEGEND.items()]
    return "\n".join(lines)
