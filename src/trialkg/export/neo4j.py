"""Neo4j bulk import: node and relationship CSV files in neo4j-admin import's header format."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path

from .graph import EDGE_ATTRIBUTES, Edge, PNode, attributes

__all__ = ["NODES", "RELATIONSHIPS", "command", "relationship_type", "write_neo4j"]

NODES, RELATIONSHIPS = "nodes.csv", "relationships.csv"
_NEO4J_TYPES = {"double": "double", "int": "long", "string": "string"}


def relationship_type(edge_type: str) -> str:
    """Neo4j's convention for relationship types: leadSponsor -> LEAD_SPONSOR."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", edge_type).upper()


def command(folder: Path) -> str:
    """The neo4j-admin (5.x) command that imports the files into a database named neo4j (the name first, as
    5.19 and later require)."""
    return (f"neo4j-admin database import full neo4j --nodes={folder / NODES} "
            f"--relationships={folder / RELATIONSHIPS} --multiline-fields=true --overwrite-destination")  # fmt: skip


def write_neo4j(elements: Iterable[PNode | Edge], folder: Path) -> tuple[int, int]:
    """nodes.csv (:ID, :LABEL and one column per attribute) and relationships.csv (:START_ID, :END_ID,
    :TYPE, and a suggestion's weight, rank and reason); returns the nodes and relationships written."""
    folder.mkdir(parents=True, exist_ok=True)
    columns = [a for a in attributes() if a != "type"]
    counts = [0, 0]
    with (folder / NODES).open("w", newline="", encoding="utf-8") as n_file, \
            (folder / RELATIONSHIPS).open("w", newline="", encoding="utf-8") as r_file:  # fmt: skip
        nodes, rels = csv.writer(n_file), csv.writer(r_file)
        nodes.writerow(["iri:ID", ":LABEL", *columns])
        rels.writerow(
            [":START_ID", ":END_ID", ":TYPE", *(f"{a}:{_NEO4J_TYPES[k]}" for a, k in EDGE_ATTRIBUTES.items())]
        )
        for e in elements:
            if isinstance(e, PNode):
                values = {"label": e.label, **e.attrs}
                nodes.writerow([e.id, e.type, *(values.get(c, "") for c in columns)])
                counts[0] += 1
            else:
                rels.writerow(
                    [e.source, e.target, relationship_type(e.type), *(e.attrs.get(a, "") for a in EDGE_ATTRIBUTES)]
                )
                counts[1] += 1
    return counts[0], counts[1]
