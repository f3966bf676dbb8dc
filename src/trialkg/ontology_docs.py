"""Generate docs/ontology.md, the analyst's reference to the trialkg ontology, from its Turtle file."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from rdflib import BNode, Graph, Literal, Node, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from . import resources
from .terms import CLASSES, NS, PROPERTIES

__all__ = ["main", "render"]

_KINDS = ((OWL.ObjectProperty, "Object properties", "object property"),
          (OWL.DatatypeProperty, "Datatype properties", "datatype property"))  # fmt: skip
# A property path (tkg:a|tkg:b, tkg:a/tkg:b) stays whole as code; a lone tkg: term becomes a link.
_TKG_REF = re.compile(r"(tkg:\w+(?:[|/]tkg:\w+)+)|\btkg:([A-Za-z]\w*)")
_PROPERTY_FACTS = (
    ("Domain", RDFS.domain),
    ("Range", RDFS.range),
    ("Sub-property of", RDFS.subPropertyOf),
    ("Close match", SKOS.closeMatch),
)
# Terms in the order of trialkg.terms, whose grouping reads better than the alphabet.
_ORDER = {name: i for i, name in enumerate(CLASSES + PROPERTIES)}


def _default_ttl() -> Path:
    return resources.path("ontology") / "trialkg.ttl"


def _default_out() -> Path:
    return Path(__file__).resolve().parents[2] / "docs" / "ontology.md"


class _Doc:
    """The parsed ontology, with the lookups the page needs."""

    def __init__(self, ttl_path: Path) -> None:
        self.g = Graph(bind_namespaces="none").parse(ttl_path, format="turtle")
        self.prefixes = sorted((p, str(ns)) for p, ns in self.g.namespaces())
        self.classes = self._local(OWL.Class)
        self.props = {kind: self._local(kind) for kind, _, _ in _KINDS}
        self.names = set(self.classes) | {p for ps in self.props.values() for p in ps}

    def _local(self, kind: URIRef) -> list[str]:
        names = {str(s)[len(NS) :] for s in self.g.subjects(RDF.type, kind) if str(s).startswith(NS)}
        return sorted(names, key=lambda n: (_ORDER.get(n, len(_ORDER)), n.lower()))

    def text(self, name: str, pred: URIRef) -> str:
        value = self.g.value(URIRef(NS + name), pred)
        return str(value).strip() if isinstance(value, Literal) else ""

    def nodes(self, name: str, pred: URIRef) -> list[Node]:
        return sorted(self.g.objects(URIRef(NS + name), pred), key=str)

    def members(self, node: Node) -> list[Node]:
        """The classes a domain or range stands for: itself, or the members of an owl:unionOf."""
        union = self.g.value(node, OWL.unionOf) if isinstance(node, BNode) else None
        return list(Collection(self.g, union)) if union is not None else [node]

    def subs(self, name: str) -> list[str]:
        found = self.g.subjects(RDFS.subPropertyOf, URIRef(NS + name))
        return sorted((str(s)[len(NS) :] for s in found), key=lambda n: (_ORDER.get(n, len(_ORDER)), n))

    def using(self, cls: str, pred: URIRef) -> list[str]:
        """Properties whose domain (or range) is ``cls`` or a union that holds it."""
        target = URIRef(NS + cls)
        return [p for ps in self.props.values() for p in ps
                if any(target in self.members(n) for n in self.nodes(p, pred))]  # fmt: skip

    def curie(self, node: Node) -> str:
        iri = str(node)
        for prefix, ns in self.prefixes:
            if iri.startswith(ns) and iri != ns:
                return f"{prefix}:{iri[len(ns) :]}"
        return f"<{iri}>"

    def link(self, node: Node) -> str:
        """Markdown for a term: an anchor link for tkg terms, the IRI for external ones."""
        iri = str(node)
        if iri.startswith(NS) and iri[len(NS) :] in self.names:
            return _ref(iri[len(NS) :], self.classes)
        if iri.startswith(("http://www.w3.org/2001/XMLSchema#", str(RDFS))):
            return f"`{self.curie(node)}`"
        return f"[{self.curie(node)}]({iri})"

    def links(self, nodes: list[Node]) -> str:
        return ", ".join(" or ".join(self.link(m) for m in self.members(n)) for n in nodes)

    def prose(self, text: str) -> str:
        """A comment with its tkg: references turned into links."""

        def sub(m: re.Match[str]) -> str:
            if m.group(1):
                return f"`{m.group(1)}`"
            return _ref(m.group(2), self.classes) if m.group(2) in self.names else m.group(0)

        return _TKG_REF.sub(sub, text)


def _anchor(name: str, classes: list[str]) -> str:
    # Classes and properties differ only in case (Site, site), so they get distinct prefixes.
    return ("c-" if name in classes else "p-") + name.lower()


def _ref(name: str, classes: list[str]) -> str:
    return f"[tkg:{name}](#{_anchor(name, classes)})"


def _var(name: str) -> str:
    return name[0].lower() + name[1:]


def _example(doc: _Doc, name: str, datatype: bool) -> str:
    """A small SELECT that shows the property in use, with variables named after its classes."""

    def single(pred: URIRef) -> str | None:
        nodes = doc.nodes(name, pred)
        if len(nodes) == 1 and str(nodes[0]).startswith(NS):
            return str(nodes[0])[len(NS) :]
        return None

    dom, rng = single(RDFS.domain), single(RDFS.range)
    subject = _var(dom) if dom else "subject"
    value = "value" if datatype or not rng else _var(rng)
    if value == subject:
        value = "other" + (rng or "")
    # Data states sub-properties, not their super-property: the path covers both.
    path = "|".join(f"tkg:{p}" for p in [name, *doc.subs(name)])
    return (f"PREFIX tkg: <{NS}>\n"
            f"SELECT ?{subject} ?{value} WHERE {{ ?{subject} {path} ?{value} }} LIMIT 10")  # fmt: skip


def _sparql(query: str) -> list[str]:
    return ["```sparql", query, "```", ""]


def _header(doc: _Doc, ttl_name: str) -> list[str]:
    onto = next(doc.g.subjects(RDF.type, OWL.Ontology))
    label = str(doc.g.value(onto, RDFS.label) or "trialkg ontology")
    comment = str(doc.g.value(onto, RDFS.comment) or "").strip()
    version = doc.g.value(onto, OWL.versionInfo)
    license_ = doc.g.value(onto, URIRef("http://purl.org/dc/terms/license"))
    counts = [len(doc.classes)] + [len(doc.props[kind]) for kind, _, _ in _KINDS]
    out = [
        f"<!-- Generated from {ttl_name} by `python -m trialkg.ontology_docs`; do not edit by hand. -->",
        "",
        f"# {label}",
        "",
        doc.prose(comment),
        "",
        f"- Ontology IRI: `{onto}`",
        f"- Namespace: `{NS}` (prefix `tkg:`)",
        f"- Version: {version}",
        f"- License: [{license_}]({license_})" if license_ else "- License: none stated",
        "- Terms: {} classes, {} object properties, {} datatype properties".format(*counts),
        "",
        "The example queries run as they are on the trialkg store (`Store.query`), whose default graph "
        "is the union of all named graphs; elsewhere, merge the named graphs into the default graph or "
        "wrap the patterns in `GRAPH ?g { ... }`.",
        "",
        "## Prefixes",
        "",
        "| prefix | namespace |",
        "|---|---|",
    ]
    out += [f"| `{p}:` | `{ns}` |" for p, ns in doc.prefixes]
    out += ["", "## Contents", "", "- [Classes](#classes): "
            + ", ".join(_ref(c, doc.classes) for c in doc.classes)]  # fmt: skip
    for kind, title, _ in _KINDS:
        slug = title.lower().replace(" ", "-")
        out.append(f"- [{title}](#{slug}): " + ", ".join(_ref(p, doc.classes) for p in doc.props[kind]))
    return out + [""]


def _title(doc: _Doc, name: str) -> list[str]:
    label, comment = doc.text(name, RDFS.label), doc.prose(doc.text(name, RDFS.comment))
    return [
        f'<a id="{_anchor(name, doc.classes)}"></a>',
        "",
        f"### tkg:{name}",
        "",
        f"**{label}**: {comment}",
        "",
    ]


def _class(doc: _Doc, name: str) -> list[str]:
    out = _title(doc, name)
    for label, pred in (("Subclass of", RDFS.subClassOf), ("Close match", SKOS.closeMatch)):
        if nodes := doc.nodes(name, pred):
            out.append(f"- {label}: {doc.links(nodes)}")
    for label, pred in (
        ("Properties with this domain", RDFS.domain),
        ("Properties with this range", RDFS.range),
    ):
        if props := doc.using(name, pred):
            out.append(f"- {label}: " + ", ".join(_ref(p, doc.classes) for p in props))
    out.append("")
    query = f"PREFIX tkg: <{NS}>\nSELECT ?{_var(name)} WHERE {{ ?{_var(name)} a tkg:{name} }} LIMIT 10"
    return out + _sparql(query)


def _property(doc: _Doc, name: str, kind: str) -> list[str]:
    functional = (URIRef(NS + name), RDF.type, OWL.FunctionalProperty) in doc.g
    out = _title(doc, name) + [f"- Kind: {kind}" + (" (functional: at most one value)" if functional else "")]
    for label, pred in _PROPERTY_FACTS:
        if nodes := doc.nodes(name, pred):
            out.append(f"- {label}: {doc.links(nodes)}")
    if subs := doc.subs(name):
        out.append("- Sub-properties: " + ", ".join(_ref(p, doc.classes) for p in subs))
    out.append("")
    return out + _sparql(_example(doc, name, kind == "datatype property"))


def render(ttl_path: Path | str) -> str:
    """The Markdown reference of the ontology in ``ttl_path``."""
    path = Path(ttl_path)
    doc = _Doc(path)
    out = _header(doc, path.name)
    out += ["## Classes", ""]
    for name in doc.classes:
        out += _class(doc, name)
    for kind, title, singular in _KINDS:
        out += [f"## {title}", ""]
        for name in doc.props[kind]:
            out += _property(doc, name, singular)
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> None:
    """Write the reference: ``python -m trialkg.ontology_docs [OUT]`` (default docs/ontology.md)."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else _default_out()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(_default_ttl()), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
