"""Shapes of shared entities (shapes/entities.ttl) on real graphs, whole and broken one way at a time."""

from __future__ import annotations

import pytest
from rdflib.namespace import SH
from shapecheck import Case, property_shapes, results

from conftest import FIXTURES, to_rdflib
from trialkg.extract import extract
from trialkg.readers import Record, read_paths

V2 = "NCT03529110.json.ttl"
PAGE = "NCT04547309.page.ttl"
COND = "condition/breast-cancer"
MESH = "http://id.nlm.nih.gov/mesh/D001943"
DRUG = "drug/trastuzumab-deruxtecan"
TRACER = "tracer/18f-her2-affibody"
NUCLIDE = "radionuclide/f-18"
TARGET = "target/erbb2"
ORG = "org/astrazeneca"
PERSON = "person/global-team-leader"
SITE = "site/innovative-clinical-research-institute-aa8a9abaf1"
CITY = "city/united-states/california/whittier"
COUNTRY = "country/united-states"
PUB = "publication/pmid/35320644"
NEJM = "10.1056/nejmoa2115022"

CASES = [
    # conditions and MeSH
    Case("condition-label-empty", V2, {("Condition-label", COND, "rdfs:label", "MinLength")},
         remove=f'<{COND}> rdfs:label "Breast Cancer" .', add=f'<{COND}> rdfs:label "" .'),
    Case("condition-two-labels", V2, {("Condition-label-count", COND, "rdfs:label", "MaxCount")},
         add=f'<{COND}> rdfs:label "breast cancer" .'),
    Case("condition-mesh-term-to-drug", V2, {("Condition-meshTerm", COND, "tkg:meshTerm", "Class")},
         add=f"<{COND}> tkg:meshTerm <{DRUG}> ."),
    Case("mesh-descriptor-under-another-iri", V2,
         {("MeshDescriptor", "https://meshb.nlm.nih.gov/record/ui?ui=D001943", "-", "Pattern")},
         add='<https://meshb.nlm.nih.gov/record/ui?ui=D001943> a tkg:MeshDescriptor ; rdfs:label "Breast Neoplasms" .'),
    Case("mesh-descriptor-without-label", V2, {("MeshDescriptor-label", MESH, "rdfs:label", "MinCount")},
         remove=f'<{MESH}> rdfs:label "Breast Neoplasms" .'),
    # drugs and tracers
    Case("mesh-descriptor-two-headings", V2, {("MeshDescriptor-label-count", MESH, "rdfs:label", "MaxCount")},
         add=f'<{MESH}> rdfs:label "Breast Neoplasm" .'),
    # The drug names trialkg normalized for NCT00497536: 'insulin aspart' and 'insulin aspart .'.
    Case("drug-two-names", V2, {("Drug-label-count", DRUG, "rdfs:label", "MaxCount")},
         add=f'<{DRUG}> rdfs:label "trastuzumab deruxtecan ." .'),
    Case("drug-label-capitalized", V2, {("Drug-label", DRUG, "rdfs:label", "Pattern")},
         remove=f'<{DRUG}> rdfs:label "trastuzumab deruxtecan" .',
         add=f'<{DRUG}> rdfs:label "Trastuzumab Deruxtecan" .'),
    Case("drug-in-vocabulary-string", V2, {("Drug-inVocabulary", DRUG, "tkg:inVocabulary", "Datatype")},
         remove=f"<{DRUG}> tkg:inVocabulary true .", add=f'<{DRUG}> tkg:inVocabulary "yes" .'),
    Case("drug-exact-match-curie-literal", V2, {("Drug-exactMatch", DRUG, "skos:exactMatch", "NodeKind"),
                                                ("Drug-exactMatch", DRUG, "skos:exactMatch", "Pattern")},
         add=f'<{DRUG}> skos:exactMatch "MESH:C000614160" .'),
    Case("drug-exact-match-browser-url", V2, {("Drug-exactMatch", DRUG, "skos:exactMatch", "Pattern")},
         add=f"<{DRUG}> skos:exactMatch <https://meshb.nlm.nih.gov/record/ui?ui=C000614160> ."),
    Case("tracer-without-label", PAGE, {("Tracer-label", TRACER, "rdfs:label", "MinCount")},
         remove=f'<{TRACER}> rdfs:label "[18F]her2 affibody" .'),
    Case("tracer-two-labels", PAGE, {("Tracer-label-count", TRACER, "rdfs:label", "MaxCount")},
         add=f'<{TRACER}> rdfs:label "[18F]HER2 affibody" .'),
    Case("tracer-without-radionuclide", PAGE, {("Tracer-radionuclide", TRACER, "tkg:radionuclide", "MinCount")},
         remove=f"<{TRACER}> tkg:radionuclide <{NUCLIDE}> ."),
    Case("tracer-two-radionuclides", PAGE, {("Tracer-radionuclide", TRACER, "tkg:radionuclide", "MaxCount")},
         add=f"<{TRACER}> tkg:radionuclide <radionuclide/ga-68> ."),
    Case("tracer-vector-is-a-target", PAGE, {("Tracer-vector", TRACER, "tkg:vector", "Class")},
         remove=f"<{TRACER}> tkg:vector <drug/her2-affibody> .", add=f"<{TRACER}> tkg:vector <{TARGET}> ."),
    Case("tracer-two-targets", PAGE, {("Tracer-molecularTarget", TRACER, "tkg:molecularTarget", "MaxCount")},
         add=f'<{TRACER}> tkg:molecularTarget <target/egfr> . '
             '<target/egfr> a tkg:MolecularTarget ; rdfs:label "EGFR" .'),
    Case("tracer-without-modality", PAGE, {("Tracer-modality-count", TRACER, "tkg:modality", "MinCount")},
         remove=f'<{TRACER}> tkg:modality "PET" .'),
    Case("tracer-hybrid-modality", PAGE, {("Tracer-modality-value", TRACER, "tkg:modality", "In")},
         remove=f'<{TRACER}> tkg:modality "PET" .', add=f'<{TRACER}> tkg:modality "PET/CT" .'),
    Case("radionuclide-as-isotope-notation", PAGE, {("Radionuclide-label", NUCLIDE, "rdfs:label", "Pattern")},
         remove=f'<{NUCLIDE}> rdfs:label "F-18" .', add=f'<{NUCLIDE}> rdfs:label "18F" .'),
    Case("radionuclide-two-labels", PAGE, {("Radionuclide-label-count", NUCLIDE, "rdfs:label", "MaxCount")},
         add=f'<{NUCLIDE}> rdfs:label "F-018" .'),
    Case("target-two-symbols", PAGE, {("MolecularTarget-label-count", TARGET, "rdfs:label", "MaxCount")},
         add=f'<{TARGET}> rdfs:label "HER2" .'),
    Case("target-protein-name", PAGE, {("MolecularTarget-label", TARGET, "rdfs:label", "Pattern")},
         remove=f'<{TARGET}> rdfs:label "ERBB2" .', add=f'<{TARGET}> rdfs:label "HER2 receptor" .'),
    # organizations and people
    Case("organization-without-label", V2, {("Organization-label", ORG, "rdfs:label", "MinCount")},
         remove=f'<{ORG}> rdfs:label "AstraZeneca" .'),
    Case("organization-two-labels", V2, {("Organization-label-count", ORG, "rdfs:label", "MaxCount")},
         add=f'<{ORG}> rdfs:label "Astrazeneca" .'),
    Case("organization-two-classes", V2, {("Organization-agencyClass-count", ORG, "tkg:agencyClass", "MaxCount")},
         add=f'<{ORG}> tkg:agencyClass "OTHER" .'),
    Case("organization-class-legacy", V2, {("Organization-agencyClass-value", ORG, "tkg:agencyClass", "In")},
         remove=f'<{ORG}> tkg:agencyClass "INDUSTRY" .', add=f'<{ORG}> tkg:agencyClass "Industry" .'),
    Case("person-without-label", V2, {("Person-label", PERSON, "rdfs:label", "MinCount")},
         remove=f'<{PERSON}> rdfs:label "Global Team Leader" .'),
    Case("person-two-labels", V2, {("Person-label-count", PERSON, "rdfs:label", "MaxCount")},
         add=f'<{PERSON}> rdfs:label "Global Team Leader, MD" .'),
    Case("person-affiliation-to-site", V2, {("Person-affiliation", PERSON, "tkg:affiliation", "Class")},
         add=f"<{PERSON}> tkg:affiliation <{SITE}> ."),
    Case("person-phone-empty", V2, {("Person-phone", PERSON, "tkg:phone", "MinLength")},
         add=f'<{PERSON}> tkg:phone "" .'),
    Case("person-email-as-iri", V2, {("Person-email", PERSON, "tkg:email", "Datatype")},
         add=f"<{PERSON}> tkg:email <mailto:ClinicalTrials@daiichisankyo.com> ."),
    # places
    Case("site-label-empty", V2, {("Site-label", SITE, "rdfs:label", "MinLength")},
         remove=f'<{SITE}> rdfs:label "Innovative Clinical Research Institute" .', add=f'<{SITE}> rdfs:label "" .'),
    Case("site-two-labels", V2, {("Site-label-count", SITE, "rdfs:label", "MaxCount")},
         add=f'<{SITE}> rdfs:label "Innovative Clinical Research Institute (ICRI)" .'),
    Case("site-in-two-cities", V2, {("Site-city", SITE, "tkg:city", "MaxCount")},
         add=f"<{SITE}> tkg:city <city/united-states/florida/fort-myers> ."),
    Case("site-without-city", V2, {("Site-city-missing", SITE, "tkg:city", "MinCount")},
         remove=f"<{SITE}> tkg:city <{CITY}> ."),
    Case("site-country-is-a-city", V2, {("Site-country", SITE, "tkg:country", "Class")},
         remove=f"<{SITE}> tkg:country <{COUNTRY}> .", add=f"<{SITE}> tkg:country <{CITY}> ."),
    Case("site-without-country", V2, {("Site-country-missing", SITE, "tkg:country", "MinCount")},
         remove=f"<{SITE}> tkg:country <{COUNTRY}> ."),
    Case("site-two-states", V2, {("Site-state-count", SITE, "tkg:state", "MaxCount")},
         add=f'<{SITE}> tkg:state "CA" .'),
    Case("site-state-tagged", V2, {("Site-state", SITE, "tkg:state", "Datatype")},
         remove=f'<{SITE}> tkg:state "California" .', add=f'<{SITE}> tkg:state "California"@en .'),
    Case("site-postal-code-number", V2, {("Site-postalCode", SITE, "tkg:postalCode", "Datatype")},
         remove=f'<{SITE}> tkg:postalCode "90603" .', add=f"<{SITE}> tkg:postalCode 90603 ."),
    Case("site-two-postal-codes", V2, {("Site-postalCode-count", SITE, "tkg:postalCode", "MaxCount")},
         add=f'<{SITE}> tkg:postalCode "90602" .'),
    Case("site-latitude-out-of-range", V2, {("Site-latitude", SITE, "tkg:latitude", "MaxInclusive")},
         remove=f"<{SITE}> tkg:latitude 33.97918 .", add=f"<{SITE}> tkg:latitude 133.97918 ."),
    Case("site-latitude-double", V2, {("Site-latitude", SITE, "tkg:latitude", "Datatype")},
         remove=f"<{SITE}> tkg:latitude 33.97918 .", add=f"<{SITE}> tkg:latitude 3.397918e1 ."),
    Case("site-longitude-out-of-range", V2, {("Site-longitude", SITE, "tkg:longitude", "MinInclusive")},
         remove=f"<{SITE}> tkg:longitude -118.03284 .", add=f"<{SITE}> tkg:longitude -218.03284 ."),
    Case("city-without-label", V2, {("City-label", CITY, "rdfs:label", "MinCount")},
         remove=f'<{CITY}> rdfs:label "Whittier" .'),
    Case("city-two-labels", V2, {("City-label-count", CITY, "rdfs:label", "MaxCount")},
         add=f'<{CITY}> rdfs:label "WHITTIER" .'),
    Case("city-in-two-countries", V2, {("City-country", CITY, "tkg:country", "MaxCount")},
         add=f'<{CITY}> tkg:country <country/mexico> . <country/mexico> a tkg:Country ; rdfs:label "Mexico" .'),
    Case("city-without-country", V2, {("City-country-missing", CITY, "tkg:country", "MinCount")},
         remove=f"<{CITY}> tkg:country <{COUNTRY}> ."),
    Case("city-two-states", V2, {("City-state-count", CITY, "tkg:state", "MaxCount")},
         add=f'<{CITY}> tkg:state "CA" .'),
    Case("city-state-tagged", V2, {("City-state", CITY, "tkg:state", "Datatype")},
         remove=f'<{CITY}> tkg:state "California" .', add=f'<{CITY}> tkg:state "California"@en .'),
    Case("country-label-tagged", V2, {("Country-label", COUNTRY, "rdfs:label", "Datatype")},
         remove=f'<{COUNTRY}> rdfs:label "United States" .', add=f'<{COUNTRY}> rdfs:label "United States"@en .'),
    Case("country-two-labels", V2, {("Country-label-count", COUNTRY, "rdfs:label", "MaxCount")},
         add=f'<{COUNTRY}> rdfs:label "USA" .'),
    # publications
    Case("publication-without-label", V2, {("Publication-label", PUB, "rdfs:label", "MinCount")},
         remove=f'<{PUB}> rdfs:label "Cortes J, Kim SB, Chung WP, Im SA, Park YH, Hegg R, Kim MH, Tseng LM, Petry V, '
                'Chung CF, Iwata H, Hamilton E, Curigliano G, Xu B, Huang CS, Kim JH, Chiu JWY, …" .'),
    Case("publication-two-citation-texts", V2, {("Publication-label-count", PUB, "rdfs:label", "MaxCount")},
         add=f'<{PUB}> rdfs:label "Cortes J, et al. Trastuzumab Deruxtecan versus Trastuzumab Emtansine for '
             'Breast Cancer. N Engl J Med 2022" .'),
    Case("pmid-with-prefix", V2, {("Publication-pmid", PUB, "tkg:pmid", "Pattern")},
         remove=f'<{PUB}> tkg:pmid "35320644" .', add=f'<{PUB}> tkg:pmid "PMID: 35320644" .'),
    Case("two-pmids", V2, {("Publication-pmid", PUB, "tkg:pmid", "MaxCount")}, add=f'<{PUB}> tkg:pmid "35320645" .'),
    Case("doi-upper-case", V2, {("Publication-doi", PUB, "tkg:doi", "Pattern")},
         remove=f'<{PUB}> tkg:doi "{NEJM}" .', add=f'<{PUB}> tkg:doi "10.1056/NEJMoa2115022" .'),
    Case("doi-with-resolver", V2, {("Publication-doi", PUB, "tkg:doi", "Pattern")},
         remove=f'<{PUB}> tkg:doi "{NEJM}" .', add=f'<{PUB}> tkg:doi "https://doi.org/{NEJM}" .'),
    Case("citation-empty", V2, {("Publication-citation", PUB, "tkg:citation", "MinLength")},
         add=f'<{PUB}> tkg:citation "" .'),
]  # fmt: skip

NODE_SHAPES = ["Condition", "MeshDescriptor", "Drug", "Tracer", "Radionuclide", "MolecularTarget",
               "Organization", "Person", "Site", "City", "Country", "Publication"]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_broken_entity_is_reported(case: Case) -> None:
    assert results(case.graph()) == case.expect


def test_missing_address_is_only_a_warning() -> None:
    # Legacy XML gives some facilities without any address (NCT00462956: 'GSK Investigational Site').
    case = Case("site-without-address", V2, set(), remove=f"<{SITE}> tkg:city <{CITY}> ; tkg:country <{COUNTRY}> .")
    assert results(case.graph(), severity=SH.Violation) == set()
    assert {r[0] for r in results(case.graph(), severity=SH.Warning)} == {"Site-city-missing", "Site-country-missing"}


def test_contacts_conform() -> None:
    # Persons with phone and e-mail exist only in builds with --with-contacts: extract them for real.
    path = FIXTURES / "NCT04547309.page.txt"
    record = next(r for r in read_paths([path]) if isinstance(r, Record))
    graph = to_rdflib(extract(record.format, record.payload, record.position, contacts=True)[2])
    assert any(p.endswith("#phone") for p in map(str, graph.predicates()))
    assert results(graph) == set()


@pytest.mark.parametrize("shape", NODE_SHAPES)
def test_every_entity_shape_has_a_violating_case(shape: str) -> None:
    hit = {name for case in CASES for name, *_ in case.expect}
    assert property_shapes(shape) <= hit
