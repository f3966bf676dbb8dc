"""trialkg's compiled checker gives pySHACL's results: on every broken case, every golden graph, and
on SHACL Core features trialkg's own shapes do not use yet, run over a real trial graph."""

from __future__ import annotations

import pytest
import rdflib
import test_derived
import test_entities
import test_parts
import test_provenance
import test_trial
from pyshacl import validate
from rdflib.namespace import SH
from shapecheck import Case, data, pyshacl_results, results, turtle

from conftest import GOLDEN
from trialkg.shacl import ShapesError, from_rdflib, load_graph

CASES = [*test_trial.CASES, *test_parts.CASES, *test_entities.CASES, *test_provenance.CASES, *test_derived.CASES]
# Where the two differ, and why trialkg's answer is the right one.
DIFFERENT = {
    # rdflib parses '2026-13' as a valid xsd:gYearMonth; XSD allows months 01-12 only, so trialkg finds
    # the literal ill-typed and reports that none of sh:or's datatypes holds.
    "completion-month-13": {("Trial-completionDate-value", "trial/NCT03529110", "tkg:completionDate", "Or")},
}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_same_results_as_pyshacl_on_every_case(case: Case) -> None:
    graph = case.graph()
    assert results(graph) - pyshacl_results(graph) == DIFFERENT.get(case.id, set())
    assert pyshacl_results(graph) <= results(graph)


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.ttl")), ids=lambda p: p.name)
def test_same_results_as_pyshacl_on_golden_graphs(path) -> None:  # type: ignore[no-untyped-def]
    graph = rdflib.Graph().parse(path, format="turtle")
    assert results(graph) == pyshacl_results(graph)


# Shapes over the real v2 graph of NCT03529110 that exercise the rest of SHACL Core: each is checked
# against pySHACL, and must give at least one result (so that the comparison says something).
EXTRA = {
    "has-value": "sh:targetClass tkg:Trial ; sh:property [ sh:path tkg:phase ; sh:hasValue \"PHASE2\" ]",
    "language-in": "sh:targetClass tkg:Trial ; sh:property [ sh:path tkg:briefTitle ; sh:languageIn ( \"en\" ) ]",
    "unique-lang": "sh:targetNode <trial/NCT03529110> ; sh:property [ sh:path rdfs:label ; sh:uniqueLang true ]",
    "disjoint": "sh:targetClass tkg:Trial ; sh:property [ sh:path tkg:briefTitle ; sh:disjoint rdfs:label ]",
    "less-than": "sh:targetClass tkg:Trial ; sh:property [ sh:path tkg:completionDate ; sh:lessThan tkg:startDate ]",
    "less-than-or-equals": "sh:targetClass tkg:Trial ; sh:property [ sh:path tkg:primaryCompletionDate ; "
                           "sh:lessThanOrEquals tkg:completionDate ; sh:lessThan tkg:startDate ]",
    "not": "sh:targetClass tkg:Arm ; sh:not [ sh:path tkg:armType ; sh:minCount 1 ]",
    "and": "sh:targetClass tkg:Arm ; sh:and ( [ sh:path rdfs:label ; sh:minCount 1 ] "
           "[ sh:path tkg:armType ; sh:hasValue \"PLACEBO_COMPARATOR\" ] )",
    "node": "sh:targetClass tkg:Trial ; sh:property [ sh:path tkg:arm ; sh:node [ sh:property [ "
            "sh:path tkg:armType ; sh:in ( \"EXPERIMENTAL\" ) ] ] ]",
    "sequence-path": "sh:targetClass tkg:Trial ; sh:property [ sh:path ( tkg:site tkg:city ) ; sh:maxCount 0 ]",
    "one-or-more": "sh:targetClass tkg:Site ; sh:property [ sh:path [ sh:oneOrMorePath tkg:city ] ; "
                   "sh:class tkg:Country ]",
    "zero-or-more": "sh:targetClass tkg:City ; sh:property [ sh:path [ sh:zeroOrMorePath tkg:country ] ; "
                    "sh:class tkg:City ]",
    "zero-or-one": "sh:targetClass tkg:Site ; sh:property [ sh:path [ sh:zeroOrOnePath tkg:country ] ; "
                   "sh:nodeKind sh:Literal ]",
    "subjects-of": "sh:targetSubjectsOf tkg:postalCode ; sh:property [ sh:path tkg:postalCode ; "
                   "sh:maxLength 4 ; sh:pattern \"^[0-9]+$\" ]",
    "objects-of": "sh:targetObjectsOf tkg:site ; sh:property [ sh:path rdfs:label ; sh:minLength 30 ; "
                  "sh:pattern \"^university\" ; sh:flags \"i\" ]",
    "exclusive-bounds": "sh:targetClass tkg:Trial ; sh:property [ sh:path tkg:enrollment ; sh:minExclusive 524 ; "
                        "sh:maxExclusive 600 ]",
    "date-bounds": "sh:targetClass tkg:Trial ; sh:property [ sh:path tkg:startDate ; "
                   "sh:maxInclusive \"2018-01-01\"^^xsd:date ]",
    "warning-severity": "sh:targetClass tkg:Trial ; sh:severity sh:Info ; sh:property [ sh:path tkg:keyword ; "
                        "sh:minCount 9 ]",
}  # fmt: skip


# Language-tagged labels, which trialkg's extractors never write, for the language constraints.
EXTRA_DATA = {
    "unique-lang": '<trial/NCT03529110> rdfs:label "DESTINY-Breast03"@en, "DB-03"@EN, "Destiny"@de .',
    "language-in": '<trial/NCT03529110> tkg:briefTitle "DESTINY-Breast03"@en-GB, "DESTINY-Breast03"@de .',
}


def _shapes(body: str) -> rdflib.Graph:
    return turtle(f"@prefix sh: <http://www.w3.org/ns/shacl#> .\n<urn:shape> a sh:NodeShape ; {body} .")


def _ours(data_graph: rdflib.Graph, shapes_graph: rdflib.Graph) -> set[tuple[str, str, str]]:
    found = load_graph(shapes_graph).validate(from_rdflib(data_graph))
    return {(r.focus.strip("<>"), r.component, r.severity) for r in found}


def _pyshacl(data_graph: rdflib.Graph, shapes_graph: rdflib.Graph) -> set[tuple[str, str, str]]:
    _, report, _ = validate(data_graph, shacl_graph=shapes_graph, inference="none")
    return {
        (str(report.value(r, SH.focusNode)), str(report.value(r, SH.sourceConstraintComponent)).removeprefix(str(SH))
         .removesuffix("ConstraintComponent"), str(report.value(r, SH.resultSeverity)).removeprefix(str(SH)))
        for r in report.subjects(rdflib.RDF.type, SH.ValidationResult)
        if (None, SH.detail, r) not in report  # pySHACL nests sh:node's inner results as sh:detail
    }  # fmt: skip


@pytest.mark.parametrize("name", EXTRA)
def test_rest_of_shacl_core_matches_pyshacl(name: str) -> None:
    graph, shapes_graph = data("NCT03529110.json.ttl"), _shapes(EXTRA[name])
    for triple in turtle(EXTRA_DATA.get(name, "")):
        graph.add(triple)
    ours = _ours(graph, shapes_graph)
    assert ours, f"{name}: the shape should find something on the real graph"
    assert ours == _pyshacl(graph, shapes_graph)


def test_subclasses_in_the_data_graph_count_for_class_targets() -> None:
    graph = data("NCT03529110.json.ttl")
    graph.add((rdflib.URIRef("https://w3id.org/trialkg/ontology#Trial"), rdflib.RDFS.subClassOf,
               rdflib.URIRef("urn:Study")))  # fmt: skip
    shapes_graph = _shapes("sh:targetClass <urn:Study> ; sh:property [ sh:path tkg:arm ; sh:maxCount 1 ]")
    expected = {("https://w3id.org/trialkg/trial/NCT03529110", "MaxCount", "Violation")}
    assert _ours(graph, shapes_graph) == _pyshacl(graph, shapes_graph) == expected


UNSUPPORTED = ["sh:closed true", "sh:qualifiedValueShape [ sh:datatype xsd:string ] ; sh:qualifiedMinCount 1"]


@pytest.mark.parametrize("feature", UNSUPPORTED)
def test_unsupported_features_are_refused_not_ignored(feature: str) -> None:
    with pytest.raises(ShapesError, match="not supported"):
        load_graph(_shapes(f"sh:targetClass tkg:Trial ; {feature}"))
