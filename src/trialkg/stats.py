"""Counts of the graph's shared entities per type: how many, how often trials link them, how grounded."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .store import Store
from .terms import DATA, NS

__all__ = ["LEGEND", "LOCAL_CLASSES", "TypeStats", "as_json", "render_table", "stats"]

# Classes whose instances belong to one trial: they are parts of a trial, not entities it links.
LOCAL_CLASSES = (
    "Trial", "Arm", "Intervention", "Outcome", "Identifier", "SiteRecruitment", "SourceRecord",
    "RelatedListing",
)  # fmt: skip

LEGEND = {
    "entities": "distinct nodes of the type",
    "mentions": "distinct (trial, entity) links: the trial points at the entity directly, or "
    "through one node that is not a trial (a site's city, a tracer's radionuclide, an "
    "investigator's organization)",
    "grounded": "entities tied to an external identifier: a skos:exactMatch to an IRI outside "
    "trialkg, a tkg:meshTerm, a tkg:pmid or tkg:doi (publications), or an IRI that is itself "
    "external (MeSH descriptors)",
}

# Every tkg class except the trial-local ones, so classes added later are counted too.
_TYPES = f"""
    ?e a ?class .
    FILTER(STRSTARTS(STR(?class), "{NS}"))
    FILTER(?class NOT IN ({", ".join(f"tkg:{c}" for c in LOCAL_CLASSES)}))
"""

_ENTITIES = f"""
SELECT ?class (COUNT(DISTINCT ?e) AS ?n) WHERE {{ {_TYPES} }} GROUP BY ?class
"""

_MENTIONS = f"""
SELECT ?class (COUNT(*) AS ?n) WHERE {{
  SELECT DISTINCT ?class ?t ?e WHERE {{
    ?t a tkg:Trial .
    {{ ?t ?p ?e }}
    UNION
    {{ ?t ?p ?x . FILTER(isIRI(?x)) FILTER NOT EXISTS {{ ?x a tkg:Trial }} ?x ?q ?e }}
    {_TYPES}
  }}
}} GROUP BY ?class
"""

_GROUNDED = f"""
SELECT ?class (COUNT(DISTINCT ?e) AS ?n) WHERE {{
  {_TYPES}
  FILTER(
    !STRSTARTS(STR(?e), "{DATA}")
    || EXISTS {{ ?e skos:exactMatch ?ext . FILTER(isIRI(?ext) && !STRSTARTS(STR(?ext), "{DATA}")) }}
    || EXISTS {{ ?e tkg:meshTerm ?mesh }}
    || EXISTS {{ ?e tkg:pmid ?pmid }}
    || EXISTS {{ ?e tkg:doi ?doi }}
  )
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
    rows = [
        TypeStats(name, n, mentions.get(name, 0), grounded.get(name, 0))
        for name, n in entities.items()
    ]
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
    lines = [f"{trials} trials", "",
             f"{'type':<{width}}  {'entities':>9}  {'mentions':>9}  {'grounded':>9}  {'share':>6}"]  # fmt: skip
    for r in rows:
        lines.append(f"{r.type:<{width}}  {r.entities:>9}  {r.mentions:>9}  {r.grounded:>9}  "
                     f"{r.grounded_share:>6.1%}")  # fmt: skip
    lines.append("")
    lines += [f"{key}: {text}" for key, text in LEGEND.items()]
    return "\n".join(lines)
