"""Turn a Study into RDF triples under the trialkg ontology: the one place statements are made."""

from __future__ import annotations

from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Triple

from . import iris
from .drugs import find_drugs
from .model import Investigator, Study
from .terms import CURIES, RDF_TYPE, RDFS_LABEL, SKOS_EXACT, XSD, XSD_DATE, XSD_DECIMAL, XSD_INTEGER, T
from .tracers import find_tracers

__all__ = ["Statement", "date_literal", "study_statements", "study_triples"]

# A statement as a plain tuple: a build makes hundreds per record, and a tuple costs a fraction of a Triple.
Statement = tuple[NamedNode, NamedNode, NamedNode | Literal]

_BOOL = NamedNode(XSD + "boolean")
_DATE_TYPES = {10: XSD_DATE, 7: NamedNode(XSD + "gYearMonth"), 4: NamedNode(XSD + "gYear")}
_OFFICIAL = {
    "PRINCIPAL_INVESTIGATOR": T.principalInvestigator,
    "STUDY_DIRECTOR": T.studyDirector,
    "STUDY_CHAIR": T.studyChair,
}
_REFERENCE = {
    "BACKGROUND": T.backgroundReference,
    "RESULT": T.resultReference,
    "DERIVED": T.derivedReference,
}


def _decimal(value: float) -> str:
    """An xsd:decimal lexical form: no exponent ('1e-05' is a double's, not a decimal's)."""
    text = repr(float(value))
    return format(Decimal(text), "f") if "e" in text or "E" in text else text


def date_literal(iso: str) -> Literal:
    """xsd:date, xsd:gYearMonth or xsd:gYear, by how much of the date the source gave."""
    return Literal(iso, datatype=_DATE_TYPES[len(iso)])


class _Out:
    """Collects triples; skips None values so callers need no guards."""

    def __init__(self) -> None:
        self.items: list[Statement] = []

    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal | str | None) -> None:
        if o is None:
            return
        self.items.append((s, p, Literal(o) if isinstance(o, str) else o))

    def entity(self, node: NamedNode, cls: NamedNode, label: str) -> NamedNode:
        self.add(node, RDF_TYPE, cls)
        self.add(node, RDFS_LABEL, label)
        return node


def study_triples(study: Study, trial: NamedNode, *, contacts: bool = False) -> list[Triple]:
    """All statements one record makes about its trial and the entities it links to, as Triples."""
    return [Triple(*t) for t in study_statements(study, trial, contacts=contacts)]


def study_statements(study: Study, trial: NamedNode, *, contacts: bool = False) -> list[Statement]:
    """All statements one record makes about its trial and the entities it links to, each once.

    Contact persons with phone numbers and e-mail addresses are personal data: only with ``contacts``.
    """
    out = _Out()
    key = iris.trial_key(trial)
    out.entity(trial, T.Trial, study.brief_title or study.official_title or study.nct_id or key)
    _identity(out, study, trial, key)
    _design(out, study, trial)
    _conditions(out, study, trial)
    _arms(out, study, trial, key)
    _outcomes(out, study, trial, key)
    _people(out, study, trial)
    _sites(out, study, trial, key)
    _references(out, study, trial)
    _related(out, study, trial, key)
    _agents(out, study, trial)
    if contacts:
        _contacts(out, study, trial)
    return list(dict.fromkeys(out.items))


def _curie_iri(curie: str) -> NamedNode | None:
    prefix, _, local = curie.partition(":")
    return NamedNode(CURIES[prefix] + local) if prefix in CURIES and local else None


def _agents(out: _Out, s: Study, trial: NamedNode) -> None:
    """Tracers and drugs: the agents a trial administers (tracers.py, drugs.py)."""
    tracers = find_tracers(s)
    for t in tracers:
        node = out.entity(iris.tracer(t.label), T.Tracer, t.label)
        out.add(trial, T.tracer, node)
        out.add(node, T.radionuclide, out.entity(iris.radionuclide(t.nuclide.label), T.Radionuclide, t.nuclide.label))
        if t.vector:
            out.add(node, T.vector, out.entity(iris.drug(t.vector), T.Drug, t.vector))
        if t.target:
            out.add(node, T.molecularTarget, out.entity(iris.target(t.target), T.MolecularTarget, t.target))
        out.add(node, T.modality, t.modality)
    # The record's own MeSH terms ground a drug of the same name (v2 interventionBrowseModule).
    mesh = {iris.normalize(term): mid for mid, term in s.intervention_mesh}
    for d in find_drugs(s, tracers):
        node = out.entity(iris.drug(d.label), T.Drug, d.label)
        out.add(trial, T.drug, node)
        out.add(node, T.inVocabulary, Literal("true" if d.concept else "false", datatype=_BOOL))
        names = {d.label} | (set(d.concept.synonyms) if d.concept else set())
        ids = {iri for c in (d.concept.ids if d.concept else ()) if (iri := _curie_iri(c))}
        ids |= {iris.mesh(mid) for n in names if (mid := mesh.get(iris.normalize(n)))}
        for iri in sorted(ids, key=lambda x: x.value):
            out.add(node, SKOS_EXACT, iri)


def _related(out: _Out, s: Study, trial: NamedNode, key: str) -> None:
    for listing in s.related_listed:
        other = iris.trial(listing.nct_id)
        out.add(trial, T.relatedListed, other)
        node = out.entity(
            iris.related_listing(key, listing.nct_id), T.RelatedListing, listing.title or listing.nct_id
        )
        out.add(trial, T.relatedListing, node)
        out.add(node, T.listedTrial, other)
        out.add(node, T.listedStatus, listing.status)
        for phase in listing.phases:
            out.add(node, T.listedPhase, phase)


def _contacts(out: _Out, s: Study, trial: NamedNode) -> None:
    for c in s.contacts:
        node = out.entity(iris.person(c.name), T.Person, c.name.split(",")[0].strip())
        out.add(trial, T.contact, node)
        out.add(node, T.phone, c.phone)
        out.add(node, T.email, c.email)


def _identity(out: _Out, s: Study, trial: NamedNode, key: str) -> None:
    out.add(trial, T.nctId, s.nct_id)
    out.add(trial, T.orgStudyId, s.org_study_id)
    out.add(trial, T.acronym, s.acronym)
    out.add(trial, T.briefTitle, s.brief_title)
    out.add(trial, T.officialTitle, s.official_title)
    ids: list[tuple[str | None, str | None, str | None]] = [
        (s.nct_id, "NCT", "ClinicalTrials.gov"), (s.org_study_id, "ORG_STUDY_ID", None)
    ]
    ids += [(x.id, x.type, x.domain) for x in s.secondary_ids]
    for value, type_, domain in ids:
        if value:
            node = out.entity(iris.identifier(key, value), T.Identifier, value)
            out.add(trial, T.identifier, node)
            out.add(node, T.idValue, value)
            out.add(node, T.idType, type_)
            out.add(node, T.idDomain, domain)


def _design(out: _Out, s: Study, trial: NamedNode) -> None:
    for prop, value in (
        (T.status, s.status), (T.whyStopped, s.why_stopped), (T.studyType, s.study_type),
        (T.allocation, s.allocation), (T.interventionModel, s.intervention_model),
        (T.observationalModel, s.observational_model), (T.timePerspective, s.time_perspective),
        (T.primaryPurpose, s.primary_purpose), (T.masking, s.masking),
        (T.enrollmentType, s.enrollment_type), (T.briefSummary, s.brief_summary),
        (T.detailedDescription, s.detailed_description),
        (T.eligibilityCriteria, s.eligibility_criteria), (T.minimumAge, s.minimum_age),
        (T.maximumAge, s.maximum_age), (T.sex, s.sex),
    ):  # fmt: skip
        out.add(trial, prop, value)
    for phase in s.phases:
        out.add(trial, T.phase, phase)
    if s.enrollment is not None:
        out.add(trial, T.enrollment, Literal(str(s.enrollment), datatype=XSD_INTEGER))
    for prop, flag in ((T.healthyVolunteers, s.healthy_volunteers), (T.hasResults, s.has_results)):
        if flag is not None:
            out.add(trial, prop, Literal("true" if flag else "false", datatype=_BOOL))
    for prop, iso in (
        (T.startDate, s.start_date), (T.primaryCompletionDate, s.primary_completion_date),
        (T.completionDate, s.completion_date), (T.firstPosted, s.first_posted),
        (T.lastUpdatePosted, s.last_update_posted),
    ):  # fmt: skip
        if iso:
            out.add(trial, prop, date_literal(iso))
    for keyword in s.keywords:
        out.add(trial, T.keyword, keyword)


def _conditions(out: _Out, s: Study, trial: NamedNode) -> None:
    mesh_by_term = {iris.normalize(term): mid for mid, term in s.condition_mesh}
    for label in s.conditions:
        node = out.entity(iris.condition(label), T.Condition, label)
        out.add(trial, T.condition, node)
        # A condition registered under its exact MeSH heading is that descriptor.
        if (mid := mesh_by_term.get(iris.normalize(label))) is not None:
            out.add(node, T.meshTerm, iris.mesh(mid))
    for prop, pairs in ((T.conditionMeshTerm, s.condition_mesh), (T.interventionMeshTerm, s.intervention_mesh)):
        for mid, term in pairs:
            out.add(trial, prop, out.entity(iris.mesh(mid), T.MeshDescriptor, term))


def _arms(out: _Out, s: Study, trial: NamedNode, key: str) -> None:
    by_name: dict[str, NamedNode] = {}
    for i in s.interventions:
        node = out.entity(iris.intervention(key, i.type, i.name), T.Intervention, i.name)
        by_name[iris.normalize(i.name)] = node
        out.add(trial, T.intervention, node)
        out.add(node, T.interventionType, i.type)
        out.add(node, T.description, i.description)
        for other in i.other_names:
            out.add(node, T.otherName, other)
    arms = {}
    for a in s.arms:
        node = out.entity(iris.arm(key, a.label), T.Arm, a.label)
        arms[iris.normalize(a.label)] = node
        out.add(trial, T.arm, node)
        out.add(node, T.armType, a.type)
        out.add(node, T.description, a.description)
        for name in a.intervention_names:
            # v2 writes arm links as 'Drug: name'; match on the name with or without its type.
            target = by_name.get(iris.normalize(name)) or by_name.get(
                iris.normalize(name.split(":", 1)[-1])
            )
            out.add(node, T.armIntervention, target)
    for i in s.interventions:
        for label in i.arm_labels:
            if (arm := arms.get(iris.normalize(label))) is not None:
                out.add(arm, T.armIntervention, by_name[iris.normalize(i.name)])


def _outcomes(out: _Out, s: Study, trial: NamedNode, key: str) -> None:
    props = {
        "primary": T.primaryOutcome, "secondary": T.secondaryOutcome, "other": T.otherOutcome,
        "unspecified": T.outcome,  # the classic CSV does not say which kind an outcome is
    }  # fmt: skip
    counts = dict.fromkeys(props, 0)
    for o in s.outcomes:
        counts[o.kind] += 1
        node = out.entity(iris.outcome(key, o.kind, counts[o.kind]), T.Outcome, o.measure)
        out.add(trial, props[o.kind], node)
        out.add(node, T.measure, o.measure)
        out.add(node, T.description, o.description)
        out.add(node, T.timeFrame, o.time_frame)


def _person(out: _Out, p: Investigator) -> NamedNode:
    node = out.entity(iris.person(p.name), T.Person, p.name.split(",")[0].strip())
    if p.affiliation:
        org = out.entity(iris.organization(p.affiliation), T.Organization, p.affiliation)
        out.add(node, T.affiliation, org)
    return node


def _people(out: _Out, s: Study, trial: NamedNode) -> None:
    for sp in s.sponsors:
        org = out.entity(iris.organization(sp.name), T.Organization, sp.name)
        out.add(trial, T.leadSponsor if sp.role == "lead" else T.collaborator, org)
        out.add(org, T.agencyClass, sp.agency_class)
    out.add(trial, T.responsiblePartyType, s.responsible_party_type)
    if s.responsible_party:
        out.add(trial, T.responsibleParty, _person(out, s.responsible_party))
    for inv in s.investigators:
        out.add(trial, _OFFICIAL.get(inv.role or "", T.official), _person(out, inv))


def _sites(out: _Out, s: Study, trial: NamedNode, key: str) -> None:
    for loc in s.locations:
        country = None
        if loc.country:
            country = out.entity(iris.country(loc.country), T.Country, loc.country)
            out.add(trial, T.country, country)
        city = None
        if loc.city:
            city = out.entity(iris.city(loc.city, loc.state, loc.country), T.City, loc.city)
            out.add(city, T.country, country)
            out.add(city, T.state, loc.state)
        if not loc.facility:
            continue
        site = out.entity(iris.site(loc.facility, loc.city, loc.state, loc.country), T.Site, loc.facility)
        out.add(trial, T.site, site)
        out.add(site, T.city, city)
        out.add(site, T.country, country)
        out.add(site, T.state, loc.state)
        out.add(site, T.postalCode, loc.zip)
        if loc.lat is not None and loc.lon is not None:
            out.add(site, T.latitude, Literal(_decimal(loc.lat), datatype=XSD_DECIMAL))
            out.add(site, T.longitude, Literal(_decimal(loc.lon), datatype=XSD_DECIMAL))
        if loc.status:
            rec = iris.site_recruitment(key, site)
            out.entity(rec, T.SiteRecruitment, f"{key} at {loc.facility}")
            out.add(trial, T.siteRecruitment, rec)
            out.add(rec, T.recruitmentSite, site)
            out.add(rec, T.siteStatus, loc.status)


def _references(out: _Out, s: Study, trial: NamedNode) -> None:
    for r in s.references:
        if not (r.pmid or r.doi or r.citation):
            continue
        label = r.citation or (f"PMID {r.pmid}" if r.pmid else f"doi:{r.doi}")
        node = out.entity(iris.publication(r.pmid, r.doi, r.citation), T.Publication, label)
        out.add(trial, _REFERENCE.get(r.type or "", T.reference), node)
        out.add(node, T.pmid, r.pmid)
        out.add(node, T.doi, r.doi)
        out.add(node, T.citation, r.citation)
