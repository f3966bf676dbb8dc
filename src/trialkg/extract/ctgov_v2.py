"""ClinicalTrials.gov API v2 JSON: one study object to a Study."""

from __future__ import annotations

from typing import Any

from .. import enums
from ..model import (
    Arm,
    Contact,
    Intervention,
    Investigator,
    Location,
    Outcome,
    Reference,
    SecondaryId,
    Sponsor,
    Study,
)  # fmt: skip
from . import drift

__all__ = ["is_study", "parse"]

Json = dict[str, Any]


def is_study(obj: object) -> bool:
    """True for an API v2 study object."""
    return isinstance(obj, dict) and isinstance(obj.get("protocolSection"), dict)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, dict)):  # the API changed a field's type: say so rather than write its repr
        raise TypeError(f"text expected, found a {type(value).__name__}: {str(value)[:80]}")
    text = str(value).strip()
    return text or None


def _strings(value: object) -> list[str]:
    """A list of texts, each stripped, empty ones left out."""
    if value is None:
        return []
    if not isinstance(value, list):  # a bare string would otherwise be read one character at a time
        raise TypeError(f"a list expected, found a {type(value).__name__}: {str(value)[:80]}")
    return [t for t in (_text(v) for v in value) if t]


def _date(struct: Json | None, w: list[str]) -> str | None:
    return enums.date((struct or {}).get("date"), w)


_NUMBER = (int, float)


def _mesh(module: Json | None, w: list[str]) -> list[tuple[str, str]]:
    out = []
    for m in (module or {}).get("meshes", []):
        term, mesh_id = m.get("term"), m.get("id")
        if not mesh_id:
            continue
        if not enums.mesh_id(mesh_id) or not isinstance(term, str):
            w.append(f"MeSH term is not an id and a name, left out: {mesh_id!r} {term!r}"[:200])
            continue
        out.append((mesh_id, term))
    return out


def _flag(value: object, name: str, w: list[str]) -> bool | None:
    """A true/false field: a JSON boolean, nothing else ('No' is a true string in Python)."""
    if value is None or isinstance(value, bool):
        return value
    w.append(f"{name} is not true or false, left out: {value!r}"[:200])
    return None


def _degrees(geo: Json, key: str, limit: float, w: list[str]) -> float | None:
    value = geo.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, _NUMBER) or not -limit <= value <= limit:
        w.append(f"geoPoint {key} is not a coordinate, left out: {value!r}"[:200])
        return None
    return float(value)


def parse(obj: Json) -> Study:
    """Map one v2 study to a Study; fields no real v2 record has had and unknown enum values land in ``warnings``."""
    w: list[str] = []
    ps: Json = obj["protocolSection"]
    # New sections, modules and fields alike: one warning naming them all, so none is skipped unseen.
    if drifted := drift.warning(obj):
        w.append(drifted)
    ident = ps.get("identificationModule", {})
    status = ps.get("statusModule", {})
    design = ps.get("designModule", {})
    info = design.get("designInfo", {})
    spons = ps.get("sponsorCollaboratorsModule", {})
    desc = ps.get("descriptionModule", {})
    cond = ps.get("conditionsModule", {})
    elig = ps.get("eligibilityModule", {})
    derived = obj.get("derivedSection", {})
    enrollment = design.get("enrollmentInfo", {})

    study = Study(
        nct_id=_text(ident.get("nctId")),
        org_study_id=_text(ident.get("orgStudyIdInfo", {}).get("id")),
        secondary_ids=[
            SecondaryId(sid, _text(s.get("type")), _text(s.get("domain")))
            for s in ident.get("secondaryIdInfos", [])
            if (sid := _text(s.get("id")))
        ],
        acronym=_text(ident.get("acronym")),
        brief_title=_text(ident.get("briefTitle")),
        official_title=_text(ident.get("officialTitle")),
        status=enums.enum("status", status.get("overallStatus"), w),
        why_stopped=_text(status.get("whyStopped")),
        phases=enums.phases(design.get("phases"), w),
        study_type=enums.enum("study_type", design.get("studyType"), w),
        allocation=enums.enum("allocation", info.get("allocation"), w),
        intervention_model=enums.enum("intervention_model", info.get("interventionModel"), w),
        observational_model=enums.enum("observational_model", info.get("observationalModel"), w),
        time_perspective=enums.enum("time_perspective", info.get("timePerspective"), w),
        primary_purpose=enums.enum("primary_purpose", info.get("primaryPurpose"), w),
        masking=enums.enum("masking", info.get("maskingInfo", {}).get("masking"), w),
        enrollment=_count(enrollment.get("count"), w),
        enrollment_type=enums.enum("enrollment_type", enrollment.get("type"), w),
        start_date=_date(status.get("startDateStruct"), w),
        primary_completion_date=_date(status.get("primaryCompletionDateStruct"), w),
        completion_date=_date(status.get("completionDateStruct"), w),
        first_posted=_date(status.get("studyFirstPostDateStruct"), w),
        last_update_posted=_date(status.get("lastUpdatePostDateStruct"), w),
        brief_summary=_text(desc.get("briefSummary")),
        detailed_description=_text(desc.get("detailedDescription")),
        conditions=_strings(cond.get("conditions")),
        condition_mesh=_mesh(derived.get("conditionBrowseModule"), w),
        intervention_mesh=_mesh(derived.get("interventionBrowseModule"), w),
        keywords=_strings(cond.get("keywords")),
        eligibility_criteria=_text(elig.get("eligibilityCriteria")),
        minimum_age=_text(elig.get("minimumAge")),
        maximum_age=_text(elig.get("maximumAge")),
        sex=enums.enum("sex", elig.get("sex"), w),
        healthy_volunteers=_flag(elig.get("healthyVolunteers"), "healthyVolunteers", w),
        has_results=_flag(obj.get("hasResults"), "hasResults", w),
        warnings=w,
    )
    _arms(study, ps.get("armsInterventionsModule", {}), w)
    _outcomes(study, ps.get("outcomesModule", {}))
    _people(study, spons, ps.get("contactsLocationsModule", {}), w)
    _locations(study, ps.get("contactsLocationsModule", {}), w)
    _references(study, ps.get("referencesModule", {}), w)
    return study


def _count(value: object, w: list[str]) -> int | None:
    if value is None:
        return None
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        w.append(f"enrollment is not a number: {value!r}")
        return None


def _arms(study: Study, module: Json, w: list[str]) -> None:
    for a in module.get("armGroups", []):
        if _text(a.get("label")):
            study.arms.append(Arm(
                label=a["label"].strip(),
                type=enums.enum("arm_type", a.get("type"), w),
                description=_text(a.get("description")),
                intervention_names=_strings(a.get("interventionNames")),
            ))  # fmt: skip
    for i in module.get("interventions", []):
        if _text(i.get("name")):
            study.interventions.append(Intervention(
                name=i["name"].strip(),
                type=enums.enum("intervention_type", i.get("type"), w),
                description=_text(i.get("description")),
                other_names=_strings(i.get("otherNames")),
                arm_labels=_strings(i.get("armGroupLabels")),
            ))  # fmt: skip


def _outcomes(study: Study, module: Json) -> None:
    for kind in ("primary", "secondary", "other"):
        for o in module.get(f"{kind}Outcomes", []):
            if _text(o.get("measure")):
                study.outcomes.append(Outcome(
                    kind, o["measure"].strip(), _text(o.get("description")), _text(o.get("timeFrame"))
                ))  # fmt: skip


def _people(study: Study, spons: Json, contacts: Json, w: list[str]) -> None:
    lead = spons.get("leadSponsor", {})
    if _text(lead.get("name")):
        study.sponsors.append(
            Sponsor(lead["name"].strip(), "lead", enums.enum("agency_class", lead.get("class"), w))
        )
    for c in spons.get("collaborators", []):
        if _text(c.get("name")):
            study.sponsors.append(Sponsor(
                c["name"].strip(), "collaborator", enums.enum("agency_class", c.get("class"), w)
            ))  # fmt: skip
    party = spons.get("responsibleParty", {})
    study.responsible_party_type = enums.enum("responsible_party", party.get("type"), w)
    name = _text(party.get("investigatorFullName"))
    if name:
        study.responsible_party = Investigator(
            name, _text(party.get("investigatorTitle")), _text(party.get("investigatorAffiliation"))
        )
    for o in contacts.get("overallOfficials", []):
        if _text(o.get("name")):
            study.investigators.append(Investigator(
                o["name"].strip(), enums.enum("official_role", o.get("role"), w),
                _text(o.get("affiliation")),
            ))  # fmt: skip


def _contact(c: Json, facility: str | None) -> Contact | None:
    name = _text(c.get("name"))
    if not name:
        return None
    phone = _text(c.get("phone"))
    if phone and _text(c.get("phoneExt")):
        phone += f" ext. {c['phoneExt']}"
    return Contact(name, _text(c.get("role")), phone, _text(c.get("email")), facility)


def _locations(study: Study, module: Json, w: list[str]) -> None:
    # Contacts are parsed always; the build writes them only when asked (personal data).
    study.contacts += [c for c in (_contact(x, None) for x in module.get("centralContacts", [])) if c]
    for loc in module.get("locations", []):
        facility = _text(loc.get("facility"))
        study.contacts += [c for c in (_contact(x, facility) for x in loc.get("contacts", [])) if c]
        geo = loc.get("geoPoint") or {}
        study.locations.append(Location(
            facility=_text(loc.get("facility")),
            city=_text(loc.get("city")),
            state=_text(loc.get("state")),
            zip=_text(loc.get("zip")),
            country=_text(loc.get("country")),
            status=enums.enum("site_status", loc.get("status"), w),
            lat=_degrees(geo, "lat", 90, w),
            lon=_degrees(geo, "lon", 180, w),
        ))  # fmt: skip


def _references(study: Study, module: Json, w: list[str]) -> None:
    for r in module.get("references", []):
        study.references.append(Reference(
            citation=_text(r.get("citation")),
            pmid=enums.pmid(_text(r.get("pmid")), w),
            doi=enums.doi(r.get("citation")),
            type=enums.enum("reference_type", r.get("type"), w),
        ))  # fmt: skip
