"""The shapes as a whole: a shape for every class, a message on every constraint, SHACL Core only,
value sets in step with trialkg.enums and trialkg.extract, and every ontology term they use declared."""

from __future__ import annotations

import pytest
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH
from shapecheck import DATA, ROOT, SHAPES, TKGSH, data, results, shapes

from trialkg.enums import KNOWN
from trialkg.extract import FORMATS
from trialkg.terms import CLASSES, NS, PROPERTIES

# The SHACL Core vocabulary pySHACL implements, less sh:closed (slow, and it would forbid extensions).
CORE = {
    "NodeShape", "PropertyShape", "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf",
    "property", "path", "inversePath", "alternativePath", "class", "datatype", "nodeKind", "IRI",
    "minCount", "maxCount", "minInclusive", "maxInclusive", "minExclusive", "maxExclusive",
    "minLength", "maxLength", "pattern", "flags", "languageIn", "uniqueLang", "equals", "disjoint",
    "lessThan", "lessThanOrEquals", "not", "and", "or", "xone", "node", "in", "hasValue",
    "message", "severity", "Warning", "Violation", "Info", "name", "description", "order", "group",
    "deactivated",
}  # fmt: skip
# Shapes whose sh:in list is one of trialkg.enums.KNOWN's value sets.
ENUM_SHAPES = {
    "Trial-status-value": "status", "Trial-phase-value": "phase", "Trial-studyType-value": "study_type",
    "Trial-allocation-value": "allocation", "Trial-interventionModel-value": "intervention_model",
    "Trial-observationalModel-value": "observational_model",
    "Trial-timePerspective-value": "time_perspective", "Trial-primaryPurpose-value": "primary_purpose",
    "Trial-masking-value": "masking", "Trial-enrollmentType-value": "enrollment_type",
    "Trial-sex-value": "sex", "Trial-responsiblePartyType-value": "responsible_party",
    "Arm-armType-value": "arm_type", "Intervention-interventionType-value": "intervention_type",
    "Organization-agencyClass-value": "agency_class", "SiteRecruitment-siteStatus-value": "site_status",
    "RelatedListing-listedStatus-value": "status", "RelatedListing-listedPhase-value": "phase",
}  # fmt: skip
# Value sets that only the ontology documents (no enums.KNOWN entry).
DOCUMENTED_SETS = {
    "Identifier-idType-value": "NCT ORG_STUDY_ID NIH FDA VA CDC AHRQ SAMHSA OTHER_GRANT EUDRACT_NUMBER CTIS "
    "REGISTRY OTHER NCT_ALIAS",
    "Tracer-modality-value": "PET SPECT",
    "SourceRecord-sourceFormat-value": " ".join(FORMATS),
}
# Shapes reported as warnings: an address the source lacks, and several values on a node that
# trialkg's keys merge (same-named facilities in one city, spellings that differ only in case,
# accents or punctuation, a number registered twice). Everything else is a violation.
WARNING_SHAPES = {
    "Site-city-missing", "Site-country-missing", "City-country-missing",
    "Site-state-count", "Site-postalCode-count", "City-state-count", "SiteRecruitment-siteStatus-count",
    "Arm-armType-count", "Arm-description-count", "Intervention-description-count",
    "Identifier-idValue-count", "Identifier-idType-count",
    *(f"{c}-label-count" for c in ("Arm", "Intervention", "Identifier", "SiteRecruitment", "Condition",
                                   "Organization", "Person", "Site", "City", "Country", "Publication")),
}  # fmt: skip
# Ontology properties no shape needs to check: tkg:sponsor is only the super-property of
# tkg:leadSponsor and tkg:collaborator, which the data states instead.
UNCHECKED = {"sponsor"}


def _local(node: rdflib.term.Node) -> str:
    return str(node)[len(TKGSH) :]


def _node_shapes() -> set[rdflib.term.Node]:
    return set(shapes().subjects(RDF.type, SH.NodeShape))


def _property_shapes() -> set[rdflib.term.Node]:
    return set(shapes().subjects(RDF.type, SH.PropertyShape))


def _in(shape: str) -> set[str]:
    g = shapes()
    values = g.value(rdflib.URIRef(TKGSH + shape), SH["in"])
    assert values is not None, shape
    return {str(x) for x in Collection(g, values)}


def _paths(g: rdflib.Graph, node: rdflib.term.Node | None) -> set[rdflib.term.Node]:
    assert node is not None
    if isinstance(node, rdflib.URIRef):
        return {node}
    inner = g.value(node, SH.inversePath) or g.value(node, SH.alternativePath)
    if inner is None:
        return {x for member in Collection(g, node) for x in _paths(g, member)}
    return _paths(g, inner)


def test_every_ontology_class_has_a_node_shape() -> None:
    onto = rdflib.Graph().parse(ROOT / "ontology" / "trialkg.ttl", format="turtle")
    classes = {c for c in onto.subjects(RDF.type, OWL.Class) if str(c).startswith(NS)}
    targeted = {c for s in _node_shapes() for c in shapes().objects(s, SH.targetClass)}
    # An untyped class's shape targets the subjects of the properties whose domain it is.
    targeted |= {c for s in _node_shapes() for p in shapes().objects(s, SH.targetSubjectsOf)
                 for c in onto.objects(p, RDFS.domain)}  # fmt: skip
    assert len(classes) == len(CLASSES) == 24
    assert classes - targeted == set()


def test_every_node_shape_has_a_conforming_real_example() -> None:
    # tests/shapes/data holds trimmed real graphs; each conforms (asserted again here) and
    # together they hold a node of every class, so every node shape has a conforming example.
    found = set()
    for path in sorted(DATA.glob("*.ttl")):
        graph = data(path.name)
        assert results(graph) == set(), path.name
        found |= set(graph.objects(None, RDF.type))
    targeted = {c for s in _node_shapes() for c in shapes().objects(s, SH.targetClass)}
    assert targeted - found == set()


def test_every_property_shape_has_a_message_a_path_and_a_node_shape() -> None:
    g = shapes()
    used = {p for s in _node_shapes() for p in g.objects(s, SH.property)}
    for shape in _property_shapes():
        name = _local(shape)
        assert g.value(shape, SH.path) is not None, name
        assert len(str(g.value(shape, SH.message) or "")) > 30, f"{name} has no sh:message for a person"
        assert g.value(shape, SH.name) is not None, name
        assert shape in used, f"{name} belongs to no node shape"
    assert used <= _property_shapes(), "a node shape names an undeclared property shape"


def test_every_node_shape_has_a_comment_and_messages_its_own_constraints() -> None:
    g = shapes()
    for shape in _node_shapes():
        assert g.value(shape, RDFS.comment) is not None, _local(shape)
        own = {SH["xone"], SH["or"], SH.pattern, SH["class"], SH.nodeKind} & set(g.predicates(shape, None))
        if own:
            assert g.value(shape, SH.message) is not None, _local(shape)


def test_only_shacl_core_is_used() -> None:
    g = shapes()
    terms = {str(t) for triple in g for t in triple if str(t).startswith(str(SH))}
    assert {t[len(str(SH)) :] for t in terms} <= CORE
    for ttl in SHAPES.glob("*.ttl"):
        text = ttl.read_text()
        assert "sh:sparql" not in text and "sh:closed" not in text, ttl.name
        assert "@prefix tkgsh: <https://w3id.org/trialkg/shapes#> ." in text, ttl.name


@pytest.mark.parametrize("shape", sorted(ENUM_SHAPES))
def test_value_set_is_the_one_trialkg_maps_to(shape: str) -> None:
    assert _in(shape) == set(KNOWN[ENUM_SHAPES[shape]])


@pytest.mark.parametrize("shape", sorted(DOCUMENTED_SETS))
def test_documented_value_set(shape: str) -> None:
    assert _in(shape) == set(DOCUMENTED_SETS[shape].split())


def test_every_value_set_is_checked_here() -> None:
    with_in = {_local(s) for s in _property_shapes() if shapes().value(s, SH["in"]) is not None}
    assert with_in == set(ENUM_SHAPES) | set(DOCUMENTED_SETS)


def test_shapes_use_only_declared_terms_and_check_every_property() -> None:
    g = shapes()
    declared = {NS + name for name in CLASSES + PROPERTIES}
    paths = {p for s in _property_shapes() for p in _paths(g, g.value(s, SH.path))}
    classes = set(g.objects(None, SH["class"])) | set(g.objects(None, SH.targetClass))
    used = {str(t) for t in paths | classes if str(t).startswith(NS)}
    assert used - declared == set()
    assert {NS + p for p in PROPERTIES} - used == {NS + p for p in UNCHECKED}


def test_warnings_are_the_intended_ones() -> None:
    g = shapes()
    warnings = {_local(s) for s in g.subjects(SH.severity, SH.Warning)}
    assert warnings == WARNING_SHAPES
    assert set(g.objects(None, SH.severity)) <= {SH.Warning}, "sh:Violation is the default; only warnings are marked"
    for name in warnings:  # a warning only counts values, so it never hides a wrong value
        keys = set(g.predicates(rdflib.URIRef(TKGSH + name), None))
        assert keys & {SH.minCount, SH.maxCount} and not keys & {SH["in"], SH.datatype, SH.pattern, SH["class"]}, name
