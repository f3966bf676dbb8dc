"""GraphML and GEXF, streamed: nodes with type, label and literal attributes, typed edges, suggestion weights."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from .graph import EDGE_ATTRIBUTES, Edge, PNode, attributes

__all__ = ["write_gexf", "write_graphml"]

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot hold


def _text(value: object) -> str:
    return escape(_NOT_XML.sub("\ufffd", str(value)))


def _attr(value: object) -> str:
    return quoteattr(_NOT_XML.sub("\ufffd", str(value)), {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def write_graphml(elements: Iterable[PNode | Edge], out: IO[str]) -> None:
    """GraphML (yEd, Cytoscape, Gephi, networkx.read_graphml): one key per attribute, declared first."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n')
    for a in attributes():
        out.write(f'<key id="n_{a}" for="node" attr.name="{a}" attr.type="string"/>\n')
    out.write('<key id="e_type" for="edge" attr.name="type" attr.type="string"/>\n')
    for a, kind in EDGE_ATTRIBUTES.items():
        out.write(f'<key id="e_{a}" for="edge" attr.name="{a}" attr.type="{kind}"/>\n')
    out.write('<graph id="trialkg" edgedefault="directed">\n')
    known = set(attributes())
    for n, e in enumerate(elements):
        if isinstance(e, PNode):
            data = {"type": e.type, "label": e.label, **{k: v for k, v in e.attrs.items() if k in known}}
            body = "".join(f'<data key="n_{k}">{_text(v)}</data>' for k, v in data.items())
            out.write(f"<node id={_attr(e.id)}>{body}</node>\n")
        else:
            body = f'<data key="e_type">{_text(e.type)}</data>' + "".join(
                f'<data key="e_{k}">{_text(v)}</data>' for k, v in e.attrs.items())  # fmt: skip
            out.write(f'<edge id="e{n}" source={_attr(e.source)} target={_attr(e.target)}>{body}</edge>\n')
    out.write("</graph>\n</graphml>\n")


def write_gexf(elements: Iterable[PNode | Edge], out: IO[str]) -> None:
    """GEXF 1.2 (Gephi, networkx.read_gexf): node and edge attributes declared first, then nodes, then edges."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n'
              '<meta><creator>trialkg</creator></meta>\n<graph mode="static" defaultedgetype="directed">\n'
              '<attributes class="node">\n')  # fmt: skip
    names = [a for a in attributes() if a != "label"]
    for a in names:
        out.write(f'<attribute id="{a}" title="{a}" type="string"/>\n')
    out.write('</attributes>\n<attributes class="edge">\n<attribute id="type" title="type" type="string"/>\n')
    for a, kind in EDGE_ATTRIBUTES.items():
        if a != "weight":  # GEXF's own edge weight
            out.write(f'<attribute id="{a}" title="{a}" type="{"integer" if kind == "int" else kind}"/>\n')
    out.write("</attributes>\n<nodes>\n")
    known, in_edges = set(names), False
    for n, e in enumerate(elements):
        if isinstance(e, PNode):
            node = {"type": e.type, **{k: v for k, v in e.attrs.items() if k in known}}
            values = "".join(f"<attvalue for={_attr(k)} value={_attr(v)}/>" for k, v in node.items())
            out.write(f"<node id={_attr(e.id)} label={_attr(e.label)}><attvalues>{values}</attvalues></node>\n")
            continue
        if not in_edges:
            out.write("</nodes>\n<edges>\n")
            in_edges = True
        weight = f' weight="{e.attrs["weight"]}"' if "weight" in e.attrs else ""
        data: dict[str, object] = {"type": e.type, **{k: v for k, v in e.attrs.items() if k != "weight"}}
        values = "".join(f"<attvalue for={_attr(k)} value={_attr(v)}/>" for k, v in data.items())
        out.write(f'<edge id="e{n}" source={_attr(e.source)} target={_attr(e.target)} label={_attr(e.type)}'
                  f"{weight}><attvalues>{values}</attvalues></edge>\n")  # fmt: skip
    out.write(("</edges>\n" if in_edges else "</nodes>\n<edges>\n</edges>\n") + "</graph>\n</gexf>\n")
