"""The trialkg ontology's terms and the external vocabularies it uses, as pyoxigraph nodes."""

from __future__ import annotations

from pyoxigraph import NamedNode

__all__ = ["CLASSES", "CURIES", "DATA", "NS", "PREFIXES", "PROPERTIES", "SPARQL_PREFIXES", "T"]

NS = "https://w3id.org/trialkg/ontology#"
DATA = "https://w3id.org/trialkg/"

PREFIXES: dict[str, str] = {
    "tkg": NS,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "http://schema.org/",
    "mesh": "http://id.nlm.nih.gov/mesh/",
}

# The same prefixes as a SPARQL prologue, declared before every query trialkg runs.
SPARQL_PREFIXES = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())

CLASSES: tuple[str, ...] = (
    "Trial", "Arm", "Intervention", "Outcome", "Condition", "MeshDescriptor", "Drug", "Tracer",
    "Radionuclide", "MolecularTarget", "Organization", "Site", "SiteRecruitment", "City",
    "Country", "Publication", "Person", "Identifier", "SourceRecord", "RelatedListing", "Collaboration",
    "Suggestion", "DerivedGraph", "RecordVersion",
)  # fmt: skip

PROPERTIES: tuple[str, ...] = (
    # identification
    "nctId", "identifier", "idValue", "idType", "idDomain", "orgStudyId", "acronym",
    "briefTitle", "officialTitle",
    # status and design
    "status", "whyStopped", "phase", "studyType", "allocation", "interventionModel",
    "observationalModel", "timePerspective", "primaryPurpose", "masking", "enrollment",
    "enrollmentType", "hasResults",
    # dates
    "startDate", "primaryCompletionDate", "completionDate", "firstPosted", "lastUpdatePosted",
    # description
    "briefSummary", "detailedDescription", "keyword", "description",
    # conditions
    "condition", "meshTerm", "conditionMeshTerm", "interventionMeshTerm",
    # arms, interventions, outcomes
    "arm", "armType", "armIntervention", "intervention", "interventionType", "otherName",
    "primaryOutcome", "secondaryOutcome", "otherOutcome", "outcome", "measure", "timeFrame",
    # tracers and drugs
    "drug", "tracer", "radionuclide", "vector", "molecularTarget", "modality", "inVocabulary",
    # eligibility
    "eligibilityCriteria", "minimumAge", "maximumAge", "sex", "healthyVolunteers",
    # people and organizations
    "sponsor", "leadSponsor", "collaborator", "agencyClass", "responsiblePartyType",
    "responsibleParty", "official", "principalInvestigator", "studyDirector", "studyChair",
    "affiliation", "partner", "sharedTrials",
    # places
    "site", "country", "city", "state", "postalCode", "latitude", "longitude",
    "siteRecruitment", "recruitmentSite", "siteStatus",
    # publications
    "reference", "backgroundReference", "resultReference", "derivedReference", "pmid", "doi",
    "citation",
    # links between trials
    "relatedListed", "relatedListing", "listedTrial", "listedStatus", "listedPhase",
    # derived graphs: related-trial suggestions, and how each graph was computed
    "suggestedFor", "suggestedTrial", "rank", "score", "reason", "method", "parameters",
    # contacts (personal data: only with build --with-contacts)
    "contact", "phone", "email",
    # provenance of a source record (a named graph)
    "describes", "sourceFile", "recordPosition", "sourceFormat", "contentHash",
    "trialkgVersion", "validatedAgainst", "violationCount", "warningCount",
    # versions of a record fetched from the API
    "versionOf", "versionPosted", "retrievedAt", "changedField", "cachedResponse", "requestUrl",
)  # fmt: skip


class _Terms:
    """Attribute access to every ontology term: ``T.Trial``, ``T.leadSponsor``."""

    def __init__(self, names: tuple[str, ...]) -> None:
        for name in names:
            setattr(self, name, NamedNode(NS + name))

    def __getattr__(self, name: str) -> NamedNode:  # only reached for unknown names
        raise AttributeError(f"{name!r} is not a term of the trialkg ontology")


T = _Terms(CLASSES + PROPERTIES)

RDF_TYPE = NamedNode(PREFIXES["rdf"] + "type")
RDFS_LABEL = NamedNode(PREFIXES["rdfs"] + "label")
PROV_GENERATED_AT = NamedNode(PREFIXES["prov"] + "generatedAtTime")
PROV_ENTITY = NamedNode(PREFIXES["prov"] + "Entity")
PROV_REVISION_OF = NamedNode(PREFIXES["prov"] + "wasRevisionOf")
SKOS_EXACT = NamedNode(PREFIXES["skos"] + "exactMatch")
# External vocabularies as CURIE prefix -> IRI namespace, for grounding links (skos:exactMatch).
CURIES: dict[str, str] = {
    "MESH": "http://id.nlm.nih.gov/mesh/",
    "NCIT": "http://purl.obolibrary.org/obo/NCIT_",
    "CHEBI": "http://purl.obolibrary.org/obo/CHEBI_",
}
XSD = PREFIXES["xsd"]
# Datatypes of the literals trialkg writes.
XSD_INTEGER = NamedNode(XSD + "integer")
XSD_DECIMAL = NamedNode(XSD + "decimal")
XSD_DATETIME = NamedNode(XSD + "dateTime")
XSD_DATE = NamedNode(XSD + "date")
XSD_ANYURI = NamedNode(XSD + "anyURI")
