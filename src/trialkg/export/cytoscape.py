"""Cytoscape.js JSON (streamed), and a self-contained HTML page that draws a subgraph offline."""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib.resources import files
from typing import IO, Any

from .graph import Edge, PNode

__all__ = ["HTML_LIMIT", "element", "write_cytoscape", "write_html"]

HTML_LIMIT = 3000  # nodes a page draws smoothly; a larger selection is refused with advice


def element(e: PNode | Edge, number: int) -> dict[str, Any]:
    """One node or edge as a Cytoscape.js element ({"data": {...}})."""
    if isinstance(e, PNode):
        return {"data": {"id": e.id, "label": e.label, "type": e.type, **e.attrs}}
    return {"data": {"id": f"e{number}", "source": e.source, "target": e.target, "type": e.type, **e.attrs}}


def write_cytoscape(elements: Iterable[PNode | Edge], out: IO[str]) -> None:
    """{"elements": {"nodes": [...], "edges": [...]}}, as cytoscape.js and Cytoscape Desktop read it."""
    out.write('{"elements": {"nodes": [')
    first, in_edges = True, False
    for n, e in enumerate(elements):
        if isinstance(e, Edge) and not in_edges:
            out.write('\n], "edges": [')
            first, in_edges = True, True
        out.write(("\n" if first else ",\n") + json.dumps(element(e, n), ensure_ascii=False))
        first = False
    out.write("\n]}}\n" if in_edges else '\n], "edges": []}}\n')


def write_html(elements: Iterable[PNode | Edge], out: IO[str], title: str) -> int:
    """The page: the subgraph as JSON inside a copy of network.html (its script draws it); returns the nodes."""
    items = [element(e, n) for n, e in enumerate(elements)]
    count = sum("source" not in i["data"] for i in items)
    if count > HTML_LIMIT:
        raise ValueError(f"{count} nodes are too many to draw in a page (at most {HTML_LIMIT}): "
                         "export fewer hops or one trial, or use --format gexf for Gephi")  # fmt: skip
    # Inside <script>, '</script' or '<!--' in a label would end the script: every '<' is written as \u003c,
    # which JSON reads back as '<'.
    data = json.dumps(items, ensure_ascii=False).replace("<", "\\u003c")
    template = (files("trialkg") / "export" / "network.html").read_text(encoding="utf-8")
    head, rest = template.split("/*TITLE*/", 1)
    middle, tail = rest.split("/*ELEMENTS*/", 1)
    out.write(head + json.dumps(title).replace("<", "\\u003c") + middle + data + tail)
    return count
