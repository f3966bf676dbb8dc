"""Retired ClinicalTrials.gov API v1 JSON: one FullStudies[i].Study object to a Study."""

from __future__ import annotations

from typing import Any

from .. import enums
from ..model import Arm, Intervention, Investigator, Location, Outcome, Reference, SecondaryId, Sponsor, Study

__all__ = ["is_study", "parse"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_MODULES = _words(
    "IdentificationModule StatusModule SponsorCollaboratorsModule OversightModule "
    "DescriptionModule ConditionsModule DesignModule ArmsInterventionsModule OutcomesModule "
    "EligibilityModule ContactsLocationsModule ReferencesModule IPDSharingStatementModule"
)
_SECTIONS = _words("ProtocolSection DerivedSection ResultsSection AnnotationSection DocumentSection")
_HEALTHY = {"ACCEPTS HEALTHY VOLUNTEERS": True, "YES": True, "NO": False}

Json = dict[str, Any]


def is_study(obj: object) -> bool:
    """True for an API v1 study object (the 'Study' of one FullStudies element)."""
    return isinstance(obj, dict) and isinstance(obj.get("ProtocolSection"), dict)


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _list(module: Json, wrapper: str, item: str) -> list[Any]:
    """v1 wraps every list: {'ConditionList': {'Condition': [...]}}."""
    items = (module.get(wrapper) or {}).get(item) or []
    return items if isinstance(items, list) else [items]


def _strings(module: Json, wrapper: str, item: str) -> list[str]:
    return [t for t in (_text(v) for v in _list(module, wrapper, item)) if t]


def _date(struct: Json | None, key: str, w: list[str]) -> str | None:
    return enums.date((struct or {}).get(key), w)


def _mesh(module: Json | None, kind: str, w: list[str]) -> list[tuple[str, str]]:
    meshes = _list(module or {}, f"{kind}MeshList", f"{kind}Mesh")
    pairs = [(_text(m.get(f"{kind}MeshId")), _text(m.get(f"{kind}MeshTerm"))) for m in meshes]
    if bad := [i for i, t in pairs if i and t and not enums.mesh_id(i)]:
        w.append(f"{kind.lower()} MeSH ids that are none, left out: {bad!r}")
    return [(i, t) for i, t in pairs if i and t and enums.mesh_id(i)]


def _one(values: list[str], kind: str, w: list[str]) -> str | None:
    # v1 keeps observational model and time perspective as lists; the model holds one value.
    if len(values) > 1:
        w.append(f"{len(values)} {kind} values, kept the first: {values!r}")
    return enums.enum(kind, values[0], w) if values else None


def parse(obj: Json) -> Study:
    """Map one v1 study to a Study; unknown modules and enum values land in ``warnings``."""
    w: list[str] = []
    ps: Json = obj["ProtocolSection"]
    w += [f"unknown section {k!r}" for k in obj if k not in _SECTIONS]
    w += [f"unknown module {k!r}" for k in ps if k not in _MODULES]
    ident = ps.get("IdentificationModule", {})
    status = ps.get("StatusModule", {})
    design = ps.get("DesignModule", {})
    info = design.get("DesignInfo", {})
    desc = ps.get("DescriptionModule", {})
    cond = ps.get("ConditionsModule", {})
    elig = ps.get("EligibilityModule", {})
    derived = obj.get("DerivedSection", {})
    enrollment = design.get("EnrollmentInfo", {})

    study = Study(
        nct_id=_text(ident.get("NCTId")),
        org_study_id=_text(ident.get("OrgStudyIdInfo", {}).get("OrgStudyId")),
        secondary_ids=[
            SecondaryId(
                s["SecondaryId"].strip(), enums.enum("id_type", s.get("SecondaryIdType"), w),
                _text(s.get("SecondaryIdDomain")),
            )
            for s in _list(ident, "SecondaryIdInfoList", "SecondaryIdInfo")
            if _text(s.get("SecondaryId"))
        ],  # fmt: skip
        acronym=_text(ident.get("Acronym")),
        brief_title=_text(ident.get("BriefTitle")),
        official_title=_text(ident.get("OfficialTitle")),
        status=enums.enum("status", status.get("OverallStatus"), w),
        why_stopped=_text(status.get("WhyStopped")),
        phases=enums.phases(_strings(design, "PhaseList", "Phase"), w),
        study_type=enums.enum("study_type", design.get("StudyType"), w),
        allocation=enums.enum("allocation", info.get("DesignAllocation"), w),
        intervention_model=enums.enum("intervention_model", info.get("DesignInterventionModel"), w),
        observational_model=_one(
            _strings(info, "DesignObservationalModelList", "DesignObservationalModel"),
            "observational_model",
            w,
        ),
        time_perspective=_one(
            _strings(info, "DesignTimePerspectiveList", "DesignTimePerspective"),
            "time_perspective",
            w,
        ),
        primary_purpose=enums.enum("primary_purpose", info.get("DesignPrimaryPurpose"), w),
        masking=enums.enum("masking", info.get("DesignMaskingInfo", {}).get("DesignMasking"), w),
        enrollment=_count(enrollment.get("EnrollmentCount"), w),
        enrollment_type=enums.enum("enrollment_type", enrollment.get("EnrollmentType"), w),
        start_date=_date(status.get("StartDateStruct"), "StartDate", w),
        primary_completion_date=_date(status.get("PrimaryCompletionDateStruct"), "PrimaryCompletionDate", w),
        completion_date=_date(status.get("CompletionDateStruct"), "CompletionDate", w),
        first_posted=_date(status.get("StudyFirstPostDateStruct"), "StudyFirstPostDate", w),
        last_update_posted=_date(status.get("LastUpdatePostDateStruct"), "LastUpdatePostDate", w),
        brief_summary=_text(desc.get("BriefSummary")),
        detailed_description=_text(desc.get("DetailedDescription")),
        conditions=_strings(cond, "ConditionList", "Condition"),
        condition_mesh=_mesh(derived.get("ConditionBrowseModule"), "Condition", w),
        intervention_mesh=_mesh(derived.get("InterventionBrowseModule"), "Intervention", w),
        keywords=_strings(cond, "KeywordList", "Keyword"),
        eligibility_criteria=_text(elig.get("EligibilityCriteria")),
        minimum_age=_text(elig.get("MinimumAge")),
        maximum_age=_text(elig.get("MaximumAge")),
        sex=enums.enum("sex", elig.get("Gender"), w),
        healthy_volunteers=_healthy(elig.get("HealthyVolunteers"), w),
        # v1 has no results flag: a results section is present exactly when results are posted.
        has_results="ResultsSection" in obj,
        warnings=w,
    )
    _arms(study, ps.get("ArmsInterventionsModule", {}), w)
    _outcomes(study, ps.get("OutcomesModule", {}))
    _people(study, ps.get("SponsorCollaboratorsModule", {}),
            ps.get("ContactsLocationsModule", {}), w)  # fmt: skip
    _locations(study, ps.get("ContactsLocationsModule", {}), w)
    _references(study, ps.get("ReferencesModule", {}), w)
    return study


def _count(value: object, w: list[str]) -> int | None:
    if value is None:
        return None
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        w.append(f"enrollment is not a number: {value!r}")
        return None


def _healthy(value: object, w: list[str]) -> bool | None:
    text = _text(value)
    if text is None:
        return None
    if text.upper() not in _HEALTHY:
        w.append(f"unknown healthy volunteers value {text!r}")
        return None
    return _HEALTHY[text.upper()]


def _arms(study: Study, module: Json, w: list[str]) -> None:
    for a in _list(module, "ArmGroupList", "ArmGroup"):
        if _text(a.get("ArmGroupLabel")):
            study.arms.append(Arm(
                label=a["ArmGroupLabel"].strip(),
                type=enums.enum("arm_type", a.get("ArmGroupType"), w),
                description=_text(a.get("ArmGroupDescription")),
                intervention_names=_strings(
                    a, "ArmGroupInterventionList", "ArmGroupInterventionName"
                ),
            ))  # fmt: skip
    for i in _list(module, "InterventionList", "Intervention"):
        if _text(i.get("InterventionName")):
            study.interventions.append(Intervention(
                name=i["InterventionName"].strip(),
                type=enums.enum("intervention_type", i.get("InterventionType"), w),
                description=_text(i.get("InterventionDescription")),
                other_names=_strings(i, "InterventionOtherNameList", "InterventionOtherName"),
                arm_labels=_strings(
                    i, "InterventionArmGroupLabelList", "InterventionArmGroupLabel"
                ),
            ))  # fmt: skip


def _outcomes(study: Study, module: Json) -> None:
    for kind in ("primary", "secondary", "other"):
        key = f"{kind.title()}Outcome"
        for o in _list(module, f"{key}List", key):
            if _text(o.get(f"{key}Measure")):
                study.outcomes.append(Outcome(
                    kind, o[f"{key}Measure"].strip(), _text(o.get(f"{key}Description")),
                    _text(o.get(f"{key}TimeFrame")),
                ))  # fmt: skip


def _people(study: Study, spons: Json, contacts: Json, w: list[str]) -> None:
    lead = spons.get("LeadSponsor", {})
    if _text(lead.get("LeadSponsorName")):
        study.sponsors.append(Sponsor(
            lead["LeadSponsorName"].strip(), "lead",
            enums.enum("agency_class", lead.get("LeadSponsorClass"), w),
        ))  # fmt: skip
    for c in _list(spons, "CollaboratorList", "Collaborator"):
        if _text(c.get("CollaboratorName")):
            study.sponsors.append(Sponsor(
                c["CollaboratorName"].strip(), "collaborator",
                enums.enum("agency_class", c.get("CollaboratorClass"), w),
            ))  # fmt: skip
    party = spons.get("ResponsibleParty", {})
    study.responsible_party_type = enums.enum("responsible_party", party.get("ResponsiblePartyType"), w)
    name = _text(party.get("ResponsiblePartyInvestigatorFullName"))
    if name:
        study.responsible_party = Investigator(
            name, _text(party.get("ResponsiblePartyInvestigatorTitle")),
            _text(party.get("ResponsiblePartyInvestigatorAffiliation")),
        )  # fmt: skip
    for o in _list(contacts, "OverallOfficialList", "OverallOfficial"):
        if _text(o.get("OverallOfficialName")):
            study.investigators.append(Investigator(
                o["OverallOfficialName"].strip(),
                enums.enum("official_role", o.get("OverallOfficialRole"), w),
                _text(o.get("OverallOfficialAffiliation")),
            ))  # fmt: skip


def _locations(study: Study, module: Json, w: list[str]) -> None:
    # v1 carries no geo points.
    for loc in _list(module, "LocationList", "Location"):
        study.locations.append(Location(
            facility=_text(loc.get("LocationFacility")),
            city=_text(loc.get("LocationCity")),
            state=_text(loc.get("LocationState")),
            zip=_text(loc.get("LocationZip")),
            country=_text(loc.get("LocationCountry")),
            status=enums.enum("site_status", loc.get("LocationStatus"), w),
        ))  # fmt: skip


def _references(study: Study, module: Json, w: list[str]) -> None:
    for r in _list(module, "ReferenceList", "Reference"):
        study.references.append(Reference(
            citation=_text(r.get("ReferenceCitation")),
            pmid=enums.pmid(_text(r.get("ReferencePMID")), w),
            doi=enums.doi(r.get("ReferenceCitation")),
            type=enums.enum("reference_type", r.get("ReferenceType"), w),
        ))  # fmt: skip
