"""The ontology declares exactly terms.py's terms, documents each, and fits the graphs builds write."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from conftest import FIXTURES, to_rdflib
from trialkg.build import build
from trialkg.ontology_docs import render
from trialkg.store import Store
from trialkg.terms import CLASSES, NS, PROPERTIES

ROOT = Path(__file__).resolve().parents[1]
TTL = ROOT / "ontology" / "trialkg.ttl"
DOCS = ROOT / "docs" / "ontology.md"
TKG = rdflib.Namespace(NS)
SCHEMA = rdflib.Namespace("http://schema.org/")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
OBO = rdflib.Namespace("http://purl.obolibrary.org/obo/")
BIBO = rdflib.Namespace("http://purl.org/ontology/bibo/")
# A plain Namespace: pytest probes module globals, and rdflib's closed XSD namespace warns on that.
XSD = rdflib.Namespace("http://www.w3.org/2001/XMLSchema#")
# Literal datatypes a datatype property with this range may hold (None: a plain string).
ACCEPTS = {
    XSD.string: {None, XSD.string},
    XSD.integer: {XSD.integer},
    XSD.boolean: {XSD.boolean},
    XSD.decimal: {XSD.decimal},
    XSD.dateTime: {XSD.dateTime},
    XSD.date: {XSD.date},
    XSD.anyURI: {XSD.anyURI},
    RDFS.Literal: {XSD.date, XSD.gYearMonth, XSD.gYear},  # the date properties
}


@pytest.fixture(scope="module")
def onto() -> rdflib.Graph:
    return rdflib.Graph().parse(TTL, format="turtle")


def _tkg(graph: rdflib.Graph, kind: URIRef) -> set[str]:
    return {str(s)[len(NS) :] for s in graph.subjects(RDF.type, kind) if str(s).startswith(NS)}


def _members(graph: rdflib.Graph, node: rdflib.term.Node) -> list[rdflib.term.Node]:
    union = graph.value(node, OWL.unionOf) if isinstance(node, BNode) else None
    return list(Collection(graph, union)) if union is not None else [node]


def _one(graph: rdflib.Graph, name: str, pred: URIRef) -> list[rdflib.term.Node]:
    values = list(graph.objects(TKG[name], pred))
    assert len(values) == 1, f"tkg:{name} has {len(values)} {pred.n3(graph.namespace_manager)}"
    return _members(graph, values[0])


def test_header(onto: rdflib.Graph) -> None:
    header = URIRef("https://w3id.org/trialkg/ontology")
    assert (header, RDF.type, OWL.Ontology) in onto
    assert str(onto.value(header, OWL.versionInfo)) == "0.1.0"
    assert onto.value(header, URIRef("http://purl.org/dc/terms/license")) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert onto.value(header, RDFS.label) and onto.value(header, RDFS.comment)


def test_declares_exactly_the_terms_of_terms_py(onto: rdflib.Graph) -> None:
    assert _tkg(onto, OWL.Class) == set(CLASSES)
    objects, datatypes = _tkg(onto, OWL.ObjectProperty), _tkg(onto, OWL.DatatypeProperty)
    assert not objects & datatypes
    assert objects | datatypes == set(PROPERTIES)
    # No tkg: IRI is used anywhere (a typo in a domain, say) without being declared.
    used = {str(t)[len(NS) :] for triple in onto for t in triple if str(t).startswith(NS)}
    assert used <= set(CLASSES) | set(PROPERTIES)


def test_every_term_has_one_english_label_and_comment(onto: rdflib.Graph) -> None:
    for name in CLASSES + PROPERTIES:
        for pred in (RDFS.label, RDFS.comment):
            values = list(onto.objects(TKG[name], pred))
            assert len(values) == 1, f"tkg:{name} needs one {pred}"
            assert isinstance(values[0], Literal) and values[0].language == "en" and str(values[0]).strip()


def test_domains_and_ranges_are_declared_classes_datatypes_or_external_classes(onto: rdflib.Graph) -> None:
    classes, datatypes = _tkg(onto, OWL.Class), _tkg(onto, OWL.DatatypeProperty)
    for name in PROPERTIES:
        for node in _one(onto, name, RDFS.domain):
            assert isinstance(node, URIRef) and node[len(NS) :] in classes, f"domain of tkg:{name}"
        for node in _one(onto, name, RDFS.range):
            assert isinstance(node, URIRef), f"range of tkg:{name}"
            if name in datatypes:
                assert node in ACCEPTS, f"tkg:{name} is a datatype property with range {node}"
            elif str(node).startswith(NS):
                assert node[len(NS) :] in classes, f"range of tkg:{name}"
            else:  # an external class, never a datatype
                assert not str(node).startswith((str(XSD), str(RDFS))), f"range of tkg:{name}"


def test_sub_properties(onto: rdflib.Graph) -> None:
    expected = {
        "sponsor": {"leadSponsor", "collaborator"},
        "official": {"principalInvestigator", "studyDirector", "studyChair"},
        "reference": {"backgroundReference", "resultReference", "derivedReference"},
        "outcome": {"primaryOutcome", "secondaryOutcome", "otherOutcome"},
    }
    found: dict[str, set[str]] = defaultdict(set)
    for sub, sup in onto.subject_objects(RDFS.subPropertyOf):
        found[str(sup)[len(NS) :]].add(str(sub)[len(NS) :])
    assert found == expected
    for sup, subs in expected.items():  # a sub-property links the same kinds of things
        for sub in subs:
            assert _one(onto, sub, RDFS.domain) == _one(onto, sup, RDFS.domain)
            assert _one(onto, sub, RDFS.range) == _one(onto, sup, RDFS.range)


def test_alignments(onto: rdflib.Graph) -> None:
    for cls, sup in [
        ("Trial", SCHEMA.MedicalTrial), ("Drug", SCHEMA.Drug), ("Organization", SCHEMA.Organization),
        ("Site", SCHEMA.Place), ("City", SCHEMA.Place), ("Country", SCHEMA.Place),
        ("Person", SCHEMA.Person), ("SourceRecord", PROV.Entity),
    ]:  # fmt: skip
        assert (TKG[cls], RDFS.subClassOf, sup) in onto
    for term, match in [
        ("Condition", SCHEMA.MedicalCondition), ("City", SCHEMA.City), ("Country", SCHEMA.Country),
        ("Publication", SCHEMA.ScholarlyArticle), ("Identifier", SCHEMA.PropertyValue),
        ("Trial", OBO.OBI_0003697), ("Outcome", OBO.OBI_0000751),
        ("briefTitle", SCHEMA.name), ("sponsor", SCHEMA.sponsor), ("status", SCHEMA.status),
        ("phase", SCHEMA.phase), ("latitude", SCHEMA.latitude), ("longitude", SCHEMA.longitude),
        ("startDate", SCHEMA.startDate), ("pmid", BIBO.pmid), ("doi", BIBO.doi),
    ]:  # fmt: skip
        assert (TKG[term], SKOS.closeMatch, match) in onto
    # briefTitle is the display name, but deliberately not a sub-property of rdfs:label.
    assert not list(onto.objects(TKG.briefTitle, RDFS.subPropertyOf))


def test_docs_are_up_to_date_and_name_every_term() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert render(TTL) == text, "docs/ontology.md is stale: run python -m trialkg.ontology_docs"
    for name in CLASSES + PROPERTIES:
        assert f"\n### tkg:{name}\n" in text, name


def _examples() -> dict[str, str]:
    """Each property's example query in the docs, by property name."""
    sections = re.findall(
        r'<a id="p-[a-z]+"></a>\n\n### tkg:(\w+)\n.*?```sparql\n(.*?)\n```', DOCS.read_text(), re.S
    )
    return dict(sections)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, rdflib.Graph]:
    """Every fixture record (XML, v2 JSON, arrays, a bulk zip) built into one store."""
    store = Store(tmp_path_factory.mktemp("ontology") / "store")
    report = build(store, [str(FIXTURES)])
    assert report.written > 5
    result = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    return store, to_rdflib(result)


def test_built_graphs_follow_the_ontology(onto: rdflib.Graph, built: tuple[Store, rdflib.Graph]) -> None:
    _, data = built
    classes, datatypes = _tkg(onto, OWL.Class), _tkg(onto, OWL.DatatypeProperty)
    types = defaultdict(set)
    for s, t in data.subject_objects(RDF.type):
        if str(t).startswith(NS):
            assert t[len(NS) :] in classes, f"undeclared class {t}"
            types[s].add(t)
    problems = set()
    for s, p, o in data:
        if not str(p).startswith(NS):
            continue
        name = p[len(NS) :]
        assert name in PROPERTIES, f"undeclared property {p}"
        if types[s] and not types[s] & set(_one(onto, name, RDFS.domain)):
            problems.add(f"tkg:{name} on a {sorted(types[s])}")
        (rng,) = _one(onto, name, RDFS.range)
        if name in datatypes:
            if not isinstance(o, Literal) or o.datatype not in ACCEPTS[rng]:
                problems.add(f"tkg:{name} value {o.n3()} does not fit {rng}")
        elif not isinstance(o, URIRef) or (types[o] and rng not in types[o]):
            problems.add(f"tkg:{name} points to {o.n3()} typed {sorted(types[o])}")
    assert not problems, "\n".join(sorted(problems))


def test_every_example_query_runs_and_finds_what_the_fixtures_hold(
    onto: rdflib.Graph, built: tuple[Store, rdflib.Graph]
) -> None:
    store, data = built
    examples = _examples()
    assert set(examples) == set(PROPERTIES)
    present = {str(p)[len(NS) :] for p in data.predicates() if str(p).startswith(NS)}
    for name, query in examples.items():
        rows = list(store.select(query))
        # A super-property the data never states still finds its sub-properties' links.
        stated = {name} | {str(s)[len(NS) :] for s in onto.subjects(RDFS.subPropertyOf, TKG[name])}
        if stated & present:
            assert rows, f"the example of tkg:{name} finds nothing in the fixtures"
