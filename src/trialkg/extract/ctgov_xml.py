"""Legacy ClinicalTrials.gov XML (AllPublicXML ``<clinical_study>``): one document to a Study."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as DET

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

__all__ = ["ROOT", "is_study", "parse"]

ROOT = "clinical_study"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_MAPPED = _words(
    "id_info brief_title acronym official_title sponsors brief_summary detailed_description "
    "overall_status why_stopped start_date completion_date primary_completion_date phase "
    "study_type study_design_info primary_outcome secondary_outcome other_outcome enrollment "
    "condition keyword arm_group intervention eligibility overall_official location reference "
    "results_reference study_first_posted study_first_submitted firstreceived_date "
    "last_update_posted lastchanged_date responsible_party clinical_results"
)
# Known elements the Study model has no field for (MeSH browse lists carry terms without
# descriptor ids, and trialkg never invents ids); read past without a warning.
_UNMAPPED = _words(
    "required_header source oversight_info has_expanded_access expanded_access_info "
    "number_of_arms number_of_groups last_known_status verification_date "
    "study_first_submitted_qc last_update_submitted last_update_submitted_qc "
    "results_first_submitted results_first_submitted_qc results_first_posted "
    "firstreceived_results_date firstreceived_results_disposition_date "
    "disposition_first_submitted disposition_first_submitted_qc disposition_first_posted "
    "location_countries removed_countries link overall_contact overall_contact_backup "
    "patient_data biospec_retention biospec_descr study_docs pending_results "
    "provided_document_section target_duration condition_browse intervention_browse"
)
# Children of the mapped containers (mapped or deliberately skipped), so new ones are reported.
_CHILDREN: dict[str, frozenset[str]] = {
    tag: _words(names)
    for tag, names in {
        "id_info": "org_study_id secondary_id nct_alias nct_id",
        "sponsors": "lead_sponsor collaborator",
        "study_design_info": "allocation intervention_model intervention_model_description "
        "primary_purpose observational_model time_perspective masking masking_description "
        "endpoint_classification",
        "arm_group": "arm_group_label arm_group_type description",
        "intervention": "intervention_type intervention_name description arm_group_label other_name",
        "eligibility": "criteria gender gender_based gender_description minimum_age maximum_age "
        "healthy_volunteers sampling_method study_pop",
        "responsible_party": "responsible_party_type investigator_affiliation "
        "investigator_full_name investigator_title name_title organization",
        "overall_official": "first_name middle_name last_name degrees role affiliation",
        "location": "facility status contact contact_backup investigator",
        "reference": "citation PMID",
        "results_reference": "citation PMID",
    }.items()
}

_HEALTHY = {"accepts healthy volunteers": True, "yes": True, "no": False}
# The first element tag, past an XML declaration, comments, processing instructions and DOCTYPE.
_FIRST_TAG = re.compile(rb"\A(?:\s|<\?.*?\?>|<!--.*?-->|<![^>]*>)*<([A-Za-z_][\w.-]*)", re.DOTALL)


def is_study(obj: object) -> bool:
    """True for the root tag 'clinical_study', or bytes whose first element is one (no parse)."""
    if isinstance(obj, str):
        return obj == ROOT
    if isinstance(obj, (bytes, bytearray)):
        match = _FIRST_TAG.match(bytes(obj[:65536]).lstrip(b"\xef\xbb\xbf"))
        return match is not None and match.group(1) == ROOT.encode()
    return False


def _root(data: bytes) -> Element:
    try:
        root = DET.fromstring(data)
    except defusedxml.DefusedXmlException as exc:
        # Entity declarations (billion laughs) and external references are refused outright.
        raise ValueError(f"refused XML: {exc}") from None
    except ParseError as exc:
        raise ValueError(f"not well-formed XML: {exc}") from None
    if root.tag != ROOT:
        raise ValueError(f"root element is {root.tag!r}, not {ROOT!r}")
    return root


def _text(el: Element | None) -> str | None:
    """Element text with whitespace runs collapsed; None when absent or empty."""
    if el is None or el.text is None:
        return None
    return " ".join(el.text.split()) or None


def _block(el: Element | None) -> str | None:
    """A textblock: hard-wrapped and indented, so wrapped lines rejoin; blank lines part paragraphs."""
    el = el.find("textblock") if el is not None else None
    if el is None or el.text is None:
        return None
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*el.text.splitlines(), ""]:
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(" ".join(" ".join(current).split()))
            current = []
    return "\n\n".join(paragraphs) or None


def _lines(el: Element | None) -> str | None:
    """A plain description: never wrapped, so each line break is the author's; lines become
    paragraphs, as in API v2."""
    if el is None or el.text is None:
        return None
    return "\n\n".join(" ".join(line.split()) for line in el.text.splitlines() if line.strip()) or None


def _texts(root: Element, path: str) -> list[str]:
    return [t for t in (_text(e) for e in root.findall(path)) if t]


def _date(root: Element, w: list[str], *tags: str) -> str | None:
    """The first present tag's date: old files name the same date differently."""
    for tag in tags:
        raw = _text(root.find(tag))
        if raw:
            return enums.date(raw, w)
    return None


def _check(root: Element, w: list[str]) -> None:
    for el in root:
        if not isinstance(el.tag, str):  # comments and processing instructions
            continue
        if el.tag not in _MAPPED and el.tag not in _UNMAPPED:
            w.append(f"unknown element {el.tag!r}")
        for child in el if el.tag in _CHILDREN else ():
            if isinstance(child.tag, str) and child.tag not in _CHILDREN[el.tag]:
                w.append(f"unknown element '{el.tag}/{child.tag}'")


def parse(data: bytes) -> Study:
    """Map one clinical_study document to a Study; unknown elements and values land in warnings.

    Raises ValueError for XML that is not well-formed, declares entities or has another root.
    """
    root = _root(data)
    w: list[str] = []
    _check(root, w)
    design = root.find("study_design_info")
    elig = root.find("eligibility")
    enrollment = root.find("enrollment")
    study_type = _text(root.find("study_type"))

    def design_enum(kind: str) -> str | None:
        return enums.enum(kind, _text(design.find(kind)) if design is not None else None, w)

    def elig_text(tag: str) -> str | None:
        value = _text(elig.find(tag)) if elig is not None else None
        return None if value == "N/A" else value  # 'N/A' means no age limit

    study = Study(
        nct_id=_text(root.find("id_info/nct_id")),
        org_study_id=_text(root.find("id_info/org_study_id")),
        secondary_ids=[SecondaryId(s) for s in _texts(root, "id_info/secondary_id")]
        + [SecondaryId(a, "NCT_ALIAS") for a in _texts(root, "id_info/nct_alias")],
        acronym=_text(root.find("acronym")),
        brief_title=_text(root.find("brief_title")),
        official_title=_text(root.find("official_title")),
        # overall_status 'Unknown status' stays UNKNOWN: last_known_status is not the status.
        status=enums.enum("status", _text(root.find("overall_status")), w),
        why_stopped=_text(root.find("why_stopped")),
        phases=enums.phases(_text(root.find("phase")), w),
        # Withheld records say 'N/A': no study type, not an unknown one.
        study_type=None if study_type == "N/A" else enums.enum("study_type", study_type, w),
        allocation=design_enum("allocation"),
        intervention_model=design_enum("intervention_model"),
        observational_model=design_enum("observational_model"),
        time_perspective=design_enum("time_perspective"),
        primary_purpose=design_enum("primary_purpose"),
        masking=design_enum("masking"),
        enrollment=_count(_text(enrollment), w),
        enrollment_type=enums.enum(
            "enrollment_type", enrollment.get("type") if enrollment is not None else None, w
        ),
        start_date=_date(root, w, "start_date"),
        primary_completion_date=_date(root, w, "primary_completion_date"),
        completion_date=_date(root, w, "completion_date"),
        first_posted=_date(root, w, "study_first_posted", "study_first_submitted", "firstreceived_date"),
        last_update_posted=_date(root, w, "last_update_posted", "lastchanged_date"),
        brief_summary=_block(root.find("brief_summary")),
        detailed_description=_block(root.find("detailed_description")),
        conditions=_texts(root, "condition"),
        keywords=_texts(root, "keyword"),
        eligibility_criteria=_block(elig.find("criteria")) if elig is not None else None,
        minimum_age=elig_text("minimum_age"),
        maximum_age=elig_text("maximum_age"),
        sex=enums.enum("sex", elig_text("gender"), w),
        healthy_volunteers=_healthy(elig_text("healthy_volunteers"), w),
        has_results=root.find("clinical_results") is not None,
        warnings=w,
    )
    _arms(study, root, w)
    _outcomes(study, root)
    _people(study, root, w)
    _locations(study, root, w)
    _references(study, root, w)
    return study


def _count(value: str | None, w: list[str]) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        w.append(f"enrollment is not a number: {value!r}")
        return None


def _healthy(value: str | None, w: list[str]) -> bool | None:
    if value is None:
        return None
    if value.lower() not in _HEALTHY:
        w.append(f"unknown healthy_volunteers value {value!r}")
    return _HEALTHY.get(value.lower())


def _arms(study: Study, root: Element, w: list[str]) -> None:
    for i in root.findall("intervention"):
        name = _text(i.find("intervention_name"))
        if name:
            study.interventions.append(Intervention(
                name=name,
                type=enums.enum("intervention_type", _text(i.find("intervention_type")), w),
                description=_lines(i.find("description")),
                other_names=_texts(i, "other_name"),
                arm_labels=_texts(i, "arm_group_label"),
            ))  # fmt: skip
    for a in root.findall("arm_group"):
        label = _text(a.find("arm_group_label"))
        if label:
            # The XML links arms to interventions on the intervention side only.
            names = [i.name for i in study.interventions if label in i.arm_labels]
            study.arms.append(Arm(
                label=label,
                type=enums.enum("arm_type", _text(a.find("arm_group_type")), w),
                description=_lines(a.find("description")),
                intervention_names=list(dict.fromkeys(names)),
            ))  # fmt: skip


def _outcomes(study: Study, root: Element) -> None:
    for kind in ("primary", "secondary", "other"):
        for o in root.findall(f"{kind}_outcome"):
            measure = _text(o.find("measure"))
            if measure:
                study.outcomes.append(Outcome(
                    kind, measure, _lines(o.find("description")), _text(o.find("time_frame"))
                ))  # fmt: skip


def _people(study: Study, root: Element, w: list[str]) -> None:
    for tag, role in (("lead_sponsor", "lead"), ("collaborator", "collaborator")):
        for s in root.findall(f"sponsors/{tag}"):
            name = _text(s.find("agency"))
            if name:
                klass = enums.enum("agency_class", _text(s.find("agency_class")), w)
                study.sponsors.append(Sponsor(name, role, klass))
    party = root.find("responsible_party")
    if party is not None:
        kind = _text(party.find("responsible_party_type"))
        study.responsible_party_type = enums.enum("responsible_party", kind, w)
        # Pre-2012 records hold name_title/organization instead: free text that is as often a
        # title or an organization as a name, and API v2 keeps it apart too (oldNameTitle).
        name = _text(party.find("investigator_full_name"))
        if name:
            study.responsible_party = Investigator(
                name, _text(party.find("investigator_title")),
                _text(party.find("investigator_affiliation")),
            )  # fmt: skip
    for o in root.findall("overall_official"):
        name = _text(o.find("last_name"))  # legacy XML puts the full name in last_name
        if name:
            study.investigators.append(Investigator(
                name, enums.enum("official_role", _text(o.find("role")), w),
                _text(o.find("affiliation")),
            ))  # fmt: skip


def _contact(el: Element, role: str, facility: str | None) -> Contact | None:
    name = _text(el.find("last_name"))
    if not name:
        return None
    phone = _text(el.find("phone"))
    if phone and (ext := _text(el.find("phone_ext"))):
        phone += f" ext. {ext}"
    return Contact(name, role, phone, _text(el.find("email")), facility)


def _locations(study: Study, root: Element, w: list[str]) -> None:
    # Contacts are parsed always; the build writes them only when asked (personal data).
    for tag, role in (("overall_contact", "CONTACT"), ("overall_contact_backup", "BACKUP")):
        study.contacts += [c for el in root.findall(tag) if (c := _contact(el, role, None))]
    for loc in root.findall("location"):
        address = loc.find("facility/address")
        facility = _text(loc.find("facility/name"))
        for tag, role in (("contact", "CONTACT"), ("contact_backup", "BACKUP")):
            study.contacts += [c for el in loc.findall(tag) if (c := _contact(el, role, facility))]

        def part(tag: str, address: Element | None = address) -> str | None:
            return _text(address.find(tag)) if address is not None else None

        study.locations.append(Location(
            facility=_text(loc.find("facility/name")),
            city=part("city"),
            state=part("state"),
            zip=part("zip"),
            country=part("country"),
            status=enums.enum("site_status", _text(loc.find("status")), w),
        ))  # fmt: skip


def _references(study: Study, root: Element, w: list[str]) -> None:
    for tag, kind in (("reference", "BACKGROUND"), ("results_reference", "RESULT")):
        for r in root.findall(tag):
            citation, pmid = _text(r.find("citation")), enums.pmid(_text(r.find("PMID")), w)
            if citation or pmid:
                study.references.append(Reference(citation, pmid, enums.doi(citation), kind))
