"""Trial pages as text rendered from real Study records, for round-trip tests and benchmarks.

``render_long`` writes the long page layout of the user's seeds 002-004. ``facts`` turns a Study
into comparable per-field facts and ``real_studies`` loads real records from the shared corpus.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trialkg import enums
from trialkg.extract import ctgov_v2, ctgov_xml
from trialkg.model import Arm, Contact, Intervention, Study

__all__ = ["FIELDS", "LONG_BLURBS", "LONG_FIELDS", "facts", "linked", "real_studies", "render_long"]

# The section blurbs of the long layout, as the seeds word them (the outcome ones are made up:
# the seeds have no outcome sections).
LONG_BLURBS = {
    "Basic Information": "Get a concise snapshot of the trial, including recruitment status, study "
    "phase, enrollment targets, and key timeline milestones.",
    "Brief Summary": "Review the sponsor-provided synopsis that highlights what the study is about "
    "and why it is being conducted.",
    "Detailed Description": "Dive into the extended narrative that explains the scientific "
    "background, objectives, and procedures in greater depth.",
    "Conditions": "See the medical conditions and disease areas that this research is targeting or "
    "investigating.",
    "Keywords": "Browse the terms the sponsor chose to describe the study.",
    "Study Design": "Understand how the trial is structured, including allocation methods, masking "
    "strategies, primary purpose, and other design elements.",
    "Study Groups": "Review each arm or cohort in the study, along with the interventions and "
    "objectives associated with them.",
    "Interventions": "Learn about the drugs, procedures, or behavioral strategies being tested and "
    "how they are applied within this trial.",
    "Primary Outcome": "See the main measurements the investigators use to judge the study.",
    "Secondary Outcome": "See the further measurements the investigators collect in the study.",
    "Other Outcome": "See the other measurements the investigators plan to collect.",
    "Eligibility Criteria": "Check the participation requirements, including inclusion and "
    "exclusion rules, age limits, and whether healthy volunteers are accepted.",
    "Sponsors": "Meet the organizations funding or collaborating on the study and learn about "
    "their roles.",
    "Responsible Party": "Identify the individual or organization who holds primary responsibility "
    "for the study information submitted to regulators.",
    "Principal Investigators": "Learn about the lead researchers overseeing the trial and their "
    "institutional affiliations.",
    "Locations": "Explore where the study is taking place and check the recruitment status at each "
    "participating site.",
    "Countries": "Review the countries where the study has at least one active or historical site.",
    "Central Contacts": "Reach out to these primary contacts for questions about participation or "
    "study logistics.",
    "Facility Contacts": "Find local site contact details for specific facilities participating in "
    "the trial.",
    "References": "Explore related publications, articles, or registry entries linked to this study.",
    "Other Identifiers": "Review additional registry numbers or institutional identifiers "
    "associated with this trial.",
    "More Related Trials": "Additional clinical trials that may be relevant based on similarity "
    "analysis.",
}
_PENDING = (
    "Results pending",
    "The study team has not published outcome measurements, participant flow, or safety data for "
    "this trial yet. Check back later for updates.",
)
_POSTED = (
    "Results available",
    "The study team has published outcome measurements, participant flow, or safety data for this "
    "trial.",
)


def _line(text: str | None) -> str:
    """A one-line field: the layout has no line breaks inside names and descriptions."""
    return " ".join((text or "").split())


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def linked(study: Study, arm: Arm) -> list[Intervention]:
    """The interventions of an arm: its names (v2 writes 'Drug: name') and the interventions'
    own arm labels; a name no intervention carries becomes a bare Intervention."""
    by_name = {_key(i.name): i for i in study.interventions}
    out: dict[str, Intervention] = {}
    for name in arm.intervention_names:
        prefix, _, rest = name.partition(":")
        kind = enums.enum("intervention_type", prefix) if rest else None
        inv = by_name.get(_key(name)) or (by_name.get(_key(rest)) if rest else None)
        if inv is None and kind in enums.KNOWN["intervention_type"]:
            inv = Intervention(rest.strip(), kind)
        inv = inv or Intervention(name.strip())
        out.setdefault(_key(inv.name), inv)
    for inv in study.interventions:
        if any(_key(label) == _key(arm.label) for label in inv.arm_labels):
            out.setdefault(_key(inv.name), inv)
    return list(out.values())


def _criteria(text: str) -> str:
    # The seeds show 'Inclusion Criteria' headings without the registry's trailing colon.
    return "\n".join(re.sub(r"^(\s*\w[\w ]{0,40}):\s*$", r"\1", x) for x in text.strip().splitlines())


def render_long(study: Study, *, extras: bool = False) -> str:
    """The long page of ``study``, formatted as the seeds; ``extras`` adds what the seeds do not
    show (primary completion date, keywords, outcomes, contact e-mails) in the same style."""
    s = study
    blocks: list[str] = [_line(s.brief_title), f"NCT ID: {s.nct_id or ''}"]
    if s.last_update_posted:
        blocks.append(f"Last Updated: {s.last_update_posted}")

    def section(header: str, lines: list[str], always: bool = False) -> None:
        if lines or always:
            blocks.extend([header, LONG_BLURBS[header], *lines])

    def pairs(*items: tuple[str, object]) -> list[str]:
        return [x for label, value in items if value not in (None, "") for x in (label, str(value))]

    if s.has_results is not None:
        blocks.extend(["Study Results", *(_POSTED if s.has_results else _PENDING)])
    section("Basic Information", pairs(
        ("Recruitment Status", s.status), ("Clinical Phase", "/".join(s.phases)),
        ("Total Enrollment", f"{s.enrollment} participants" if s.enrollment is not None else None),
        ("Study Classification", s.study_type), ("Study Start Date", s.start_date),
        ("Primary Completion Date", s.primary_completion_date if extras else None),
        ("Study Completion Date", s.completion_date),
    ))  # fmt: skip
    section("Brief Summary", [s.brief_summary.strip()] if s.brief_summary else [])
    section("Detailed Description", [s.detailed_description.strip()] if s.detailed_description else [])
    section("Conditions", [" ".join(_line(c) for c in s.conditions)] if s.conditions else [])
    if extras:
        section("Keywords", ["\n".join(_line(k) for k in s.keywords)] if s.keywords else [])
    section("Study Design", pairs(
        ("Allocation Method", s.allocation), ("Intervention Model", s.intervention_model),
        ("Observational Model Type", s.observational_model),
        ("Study Time Perspective", s.time_perspective), ("Primary Study Purpose", s.primary_purpose),
        ("Blinding Strategy", s.masking),
    ))  # fmt: skip
    groups: list[str] = []
    for arm in s.arms:
        groups += [_line(arm.label), _line(arm.description)]
        groups += [f"Group Type {arm.type}"] if arm.type else []
        for inv in linked(s, arm):
            groups += [_line(inv.name), f"Intervention Type {inv.type or ''}".strip()]
            groups += [_line(inv.description)]
    section("Study Groups", [g for g in groups if g])
    interventions: list[str] = []
    for inv in s.interventions:
        interventions += [_line(inv.name), _line(inv.description)]
        interventions += [f"Intervention Type {inv.type or ''}".strip()]
    section("Interventions", [x for x in interventions if x])
    for kind in ("primary", "secondary", "other") if extras else ():
        outcomes = [o for o in s.outcomes if o.kind == kind]
        lines = [x for o in outcomes for x in (_line(o.measure), _line(o.description),
                                                f"Time frame: {_line(o.time_frame)}")]  # fmt: skip
        section(f"{kind.capitalize()} Outcome", [x for x in lines if x])
    limits = pairs(
        ("Minimum Eligible Age", s.minimum_age), ("Maximum Eligible Age", s.maximum_age),
        ("Eligible Sex", s.sex),
        ("Accepts Healthy Volunteers", None if s.healthy_volunteers is None
         else "Yes" if s.healthy_volunteers else "No"),
    )  # fmt: skip
    if s.eligibility_criteria and limits:  # the seeds put the first label right under the text
        limits[0] = _criteria(s.eligibility_criteria) + "\n" + limits[0]
    elif s.eligibility_criteria:
        limits = [_criteria(s.eligibility_criteria)]
    section("Eligibility Criteria", limits)
    sponsors = sorted(s.sponsors, key=lambda sp: sp.role == "lead")  # the seeds list the lead last
    section("Sponsors", [x for sp in sponsors for x in (
        _line(sp.name), sp.agency_class, f"Sponsor Role {sp.role}") if x])  # fmt: skip
    party = s.responsible_party
    person = [_line(party.name), _line(party.role)] if party else []
    role = [f"Responsibility Role {s.responsible_party_type}"] if s.responsible_party_type else []
    section("Responsible Party", [x for x in person if x] + role)
    section("Principal Investigators", [x for i in s.investigators for x in (
        _line(i.name), f"Role: {i.role or ''}".strip(), _line(i.affiliation)) if x])  # fmt: skip
    sites: list[str] = []
    for loc in s.locations:
        address = f"{_line(loc.city)}, {_line(loc.state)}, {_line(loc.country)}"
        sites += [_line(loc.facility), address if address != ", , " else ""]
        sites += [f"Site Status {loc.status or ''}".strip()]
    section("Locations", [x for x in sites if x])
    section("Countries", list(dict.fromkeys(_line(loc.country) for loc in s.locations if loc.country)))
    section("Central Contacts", _contacts([c for c in s.contacts if not c.facility], extras))
    section("Facility Contacts", _contacts([c for c in s.contacts if c.facility], extras))
    refs: list[str] = []
    for r in s.references:
        tail = ([f"Reference Type {r.type}"] if r.type else []) + (
            [f"PMID: {r.pmid} (View on PubMed)"] if r.pmid else [])  # fmt: skip
        refs += [_line(r.citation), "\n".join(tail)]
    section("References", [x for x in refs if x])
    ids = [x for i in s.secondary_ids for x in (
        _line(i.id), f"Identifier Type: {_line(i.type) or '-'}", "Identifier Source: secondary_id"
    )]  # fmt: skip
    if s.org_study_id:
        ids += [_line(s.org_study_id), "Identifier Type: -", "Identifier Source: org_study_id"]
    section("Other Identifiers", ids)
    related = [x for r in s.related_listed for x in (
        _line(r.title), " ".join(filter(None, [r.nct_id, r.status, "/".join(r.phases)])))]  # fmt: skip
    section("More Related Trials", ["\n".join(x for x in related if x)] if related else [], always=True)
    return "\n\n".join(b for b in blocks if b)


def _contacts(contacts: list[Contact], emails: bool) -> list[str]:
    lines = [x for c in contacts for x in (
        _line(c.name), f"Role: {c.role or ''}".strip(), _line(c.phone), _line(c.email) if emails else ""
    )]  # fmt: skip
    return [x for x in lines if x]


# Comparable facts per field; the benchmark scores each field on its own.
FIELDS = (
    "brief_title", "nct_id", "last_update_posted", "has_results", "status", "phases",
    "enrollment", "study_type", "start_date", "primary_completion_date", "completion_date",
    "brief_summary", "detailed_description", "conditions", "keywords", "allocation",
    "intervention_model", "observational_model", "time_perspective", "primary_purpose",
    "masking", "arms", "arm_descriptions", "arm_interventions", "interventions",
    "intervention_descriptions", "outcomes", "eligibility_criteria", "minimum_age",
    "maximum_age", "sex", "healthy_volunteers", "sponsors", "responsible_party_type",
    "responsible_party", "investigators", "locations", "references", "reference_dois",
    "org_study_id", "secondary_ids", "contacts", "contact_emails", "related_listed",
)  # fmt: skip
# What render_long shows without extras.
LONG_FIELDS = frozenset(FIELDS) - {"primary_completion_date", "keywords", "outcomes", "contact_emails"}

_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~])")


def _n(text: str | None) -> str | None:
    """Comparison form of text: markdown escapes undone, whitespace collapsed."""
    return " ".join(_ESCAPE.sub(r"\1", text).split()) or None if text else None


def facts(s: Study) -> dict[str, set[Any]]:
    """Each field of ``s`` as a set of comparable facts (no facts when the field is empty)."""
    criteria = _n(_criteria(s.eligibility_criteria)) if s.eligibility_criteria else None
    out: dict[str, set[Any]] = {
        "brief_title": {_n(s.brief_title)}, "nct_id": {s.nct_id},
        "last_update_posted": {s.last_update_posted}, "has_results": {s.has_results},
        "status": {s.status}, "phases": {tuple(sorted(s.phases)) or None},
        "enrollment": {s.enrollment}, "study_type": {s.study_type}, "start_date": {s.start_date},
        "primary_completion_date": {s.primary_completion_date}, "completion_date": {s.completion_date},
        "brief_summary": {_n(s.brief_summary)}, "detailed_description": {_n(s.detailed_description)},
        "conditions": {_n(" ".join(s.conditions))}, "keywords": {_n(k) for k in s.keywords},
        "arms": {(_n(a.label), a.type) for a in s.arms},
        "arm_descriptions": {(_n(a.label), _n(a.description)) for a in s.arms if a.description},
        "arm_interventions": {(_n(a.label), _n(i.name)) for a in s.arms for i in linked(s, a)},
        "interventions": {(_n(i.name), i.type) for i in s.interventions},
        "intervention_descriptions": {(_n(i.name), _n(i.description))
                                      for i in s.interventions if i.description},  # fmt: skip
        "outcomes": {(o.kind, _n(o.measure), _n(o.time_frame)) for o in s.outcomes},
        "eligibility_criteria": {criteria}, "minimum_age": {s.minimum_age},
        "maximum_age": {s.maximum_age}, "sex": {s.sex}, "healthy_volunteers": {s.healthy_volunteers},
        "sponsors": {(_n(p.name), p.role, p.agency_class) for p in s.sponsors},
        "responsible_party_type": {s.responsible_party_type},
        "responsible_party": {(_n(p.name), _n(p.role)) for p in [s.responsible_party] if p},
        "investigators": {(_n(i.name), i.role, _n(i.affiliation)) for i in s.investigators},
        "locations": {(_n(x.facility), _n(x.city), _n(x.state), _n(x.country), x.status)
                      for x in s.locations},  # fmt: skip
        "references": {(_n(r.citation), r.pmid, r.type) for r in s.references},
        "reference_dois": {r.doi for r in s.references},
        "org_study_id": {_n(s.org_study_id)},
        "secondary_ids": {(_n(i.id), _n(i.type)) for i in s.secondary_ids},
        "contacts": {(_n(c.name), _n(c.role), _n(c.phone)) for c in s.contacts},
        "contact_emails": {(_n(c.name), c.email) for c in s.contacts if c.email},
        "related_listed": {(r.nct_id, _n(r.title), r.status, tuple(r.phases)) for r in s.related_listed},
    }  # fmt: skip
    for design in ("allocation", "intervention_model", "observational_model", "time_perspective",
                   "primary_purpose", "masking"):  # fmt: skip
        out[design] = {getattr(s, design)}
    return {k: {v for v in out[k] if v is not None} for k in FIELDS}


def _v2_contacts(record: dict[str, Any]) -> list[Contact]:
    """Central and site contacts of a v2 record (ctgov_v2.parse leaves them out)."""
    module = record["protocolSection"].get("contactsLocationsModule", {})

    def contact(c: dict[str, Any], facility: str | None) -> Contact:
        phone = " ext. ".join(filter(None, [c.get("phone"), c.get("phoneExt")])) or None
        return Contact(c["name"], c.get("role"), phone, c.get("email"), facility)

    out = [contact(c, None) for c in module.get("centralContacts", []) if c.get("name")]
    for loc in module.get("locations", []):
        if loc.get("facility"):
            out += [contact(c, loc["facility"]) for c in loc.get("contacts", []) if c.get("name")]
    return out


def _v2(records: list[Any]) -> Iterator[Study]:
    for record in records:
        if ctgov_v2.is_study(record):
            study = ctgov_v2.parse(record)
            study.contacts = _v2_contacts(record)
            yield study


def real_studies(corpus: Path, per_source: int | None = None) -> list[tuple[str, Study]]:
    """Real records of the shared corpus: v2 arrays, single v2 files and legacy XML, each
    labelled 'source:NCT id'; at most ``per_source`` from each file or folder."""
    out: list[tuple[str, Study]] = []

    def add(source: str, studies: Iterator[Study]) -> None:
        for i, study in enumerate(studies):
            if per_source is not None and i >= per_source:
                break
            out.append((f"{source}:{study.nct_id}", study))

    for path in sorted(corpus.glob("*/ctg-studies*.json")):
        add(path.parent.name, _v2(json.loads(path.read_text())))
    singles = sorted(corpus.glob("*/*.json")) + sorted(corpus.glob("*/json_data/NCT*.json"))
    add("v2-files", (s for p in singles if "ctg-studies" not in p.name
                     for s in _v2([json.loads(p.read_text())])))  # fmt: skip
    for folder in ("domain_xml", "ctti-clinicaltrials__aact/xml_data", "lizcconrad__clinical-trials"):
        add(folder.split("/")[0], (ctgov_xml.parse(p.read_bytes())
                                   for p in sorted((corpus / folder).glob("NCT*.xml"))))  # fmt: skip
    zipped = corpus / "Marc-Morcos__ClinicalTrials-Urology-Database-Word-Counter/ctg-studies.json.zip"
    if zipped.exists():
        with zipfile.ZipFile(zipped) as z:
            names = sorted(n for n in z.namelist() if n.endswith(".json"))
            add("urology-zip", _v2([json.loads(z.read(n)) for n in names[: per_source or None]]))
    return out


# --- Terse page (seed 001) and row dump (seed 000) ---------------------------------------------

# Seed 001's closing line, as the page writes it (the parser drops any such line, not this one).
_DISCLAIMER = (
    "This platform is for informational purposes only and does not constitute medical advice. "
    "Always consult a qualified healthcare professional."
)


def _flat(text: str | None) -> str:
    return " ".join((text or "").split())


def render_terse(study: Study, *, extras: bool = False) -> str:
    """The terse page of ``study`` as seed 001 formats it: the summary on one line, design items as
    label and value lines, each site as its facility then 'City, State, Country', each outcome as
    measure, description and 'Time frame: ...' lines, then the disclaimer. ``extras`` adds other
    v2 items as label/value lines (NCT ID, status, phases, models, dates, eligibility limits)."""
    s = study
    items: list[tuple[str, object]] = [
        ("Study Type", s.study_type), ("Allocation", s.allocation), ("Purpose", s.primary_purpose),
        ("Masking", s.masking), ("Enrollment", s.enrollment),
    ]  # fmt: skip
    if extras:
        volunteers = None if s.healthy_volunteers is None else "Yes" if s.healthy_volunteers else "No"
        items += [
            ("NCT ID", s.nct_id), ("Status", s.status), ("Phase", "|".join(s.phases)),
            ("Intervention Model", s.intervention_model),
            ("Observational Model", s.observational_model), ("Time Perspective", s.time_perspective),
            ("Start Date", s.start_date), ("Primary Completion Date", s.primary_completion_date),
            ("Completion Date", s.completion_date), ("Sex", s.sex), ("Minimum Age", s.minimum_age),
            ("Maximum Age", s.maximum_age), ("Healthy Volunteers", volunteers),
        ]  # fmt: skip
    lines = [_flat(s.brief_summary)]
    lines += [x for label, value in items if value not in (None, "") for x in (label, str(value))]
    for loc in s.locations:
        lines += [_flat(loc.facility), ", ".join(_flat(p) for p in (loc.city, loc.state, loc.country) if p)]
    for o in s.outcomes:
        lines += [_flat(o.measure), _flat(o.description)]
        lines += [f"Time frame: {_flat(o.time_frame)}"] if o.time_frame else []
    lines.append(_DISCLAIMER)
    return "\n".join(x for x in lines if x)


def _age_groups(study: Study) -> str:
    """The current CSV export's Age cell: the age groups the limits span."""

    def years(age: str | None, default: int) -> int:
        m = re.match(r"(\d+)\s*(\w+)", age or "")
        return default if not m else int(m[1]) if m[2].lower().startswith("year") else 0

    low, high = years(study.minimum_age, 0), years(study.maximum_age, 200)
    groups = (("CHILD", 0, 17), ("ADULT", 18, 64), ("OLDER_ADULT", 65, 200))
    return ", ".join(g for g, lo, hi in groups if low <= hi and high >= lo)


def render_rowdump(study: Study, *, extras: bool = False) -> str:
    """The row dump of ``study`` as seed 000 formats it: the cells of a website CSV row, one after
    the other without header (title, summary, conditions, interventions, primary, secondary and
    other outcomes, detailed description); '|' joins values, text keeps its line breaks, empty
    cells are left out. ``extras`` adds the export's other columns in its order."""
    s = study
    lead = next((sp for sp in s.sponsors if sp.role == "lead"), None)

    def outcomes(kind: str) -> str:
        return "|".join(", ".join(p.strip() for p in (o.measure, o.description, o.time_frame) if p)
                        for o in s.outcomes if o.kind == kind)  # fmt: skip

    design = [("Allocation", s.allocation), ("Intervention Model", s.intervention_model),
              ("Observational Model", s.observational_model),
              ("Time Perspective", s.time_perspective), ("Masking", s.masking),
              ("Primary Purpose", s.primary_purpose)]  # fmt: skip
    sites = ("|".join(", ".join(p for p in (x.facility, x.city, x.state, x.zip, x.country) if p)
                      for x in s.locations))  # fmt: skip
    cells: list[tuple[str, str | None, bool]] = [
        ("NCT Number", s.nct_id, True), ("Study Title", s.brief_title, False),
        ("Study URL", f"https://clinicaltrials.gov/study/{s.nct_id}" if s.nct_id else None, True),
        ("Acronym", s.acronym, True), ("Study Status", s.status, True),
        ("Brief Summary", s.brief_summary, False),
        ("Study Results", None if s.has_results is None else "YES" if s.has_results else "NO", True),
        ("Conditions", "|".join(s.conditions), False),
        ("Interventions", "|".join(f"{i.type}: {i.name}" if i.type else i.name
                                   for i in s.interventions), False),
        ("Primary Outcome Measures", outcomes("primary"), False),
        ("Secondary Outcome Measures", outcomes("secondary"), False),
        ("Other Outcome Measures", outcomes("other"), False),
        ("Sponsor", lead.name if lead else None, True),
        ("Collaborators", "|".join(sp.name for sp in s.sponsors if sp.role != "lead"), True),
        ("Sex", s.sex, True), ("Age", _age_groups(s), True), ("Phases", "|".join(s.phases), True),
        ("Enrollment", None if s.enrollment is None else str(s.enrollment), True),
        ("Funder Type", lead.agency_class if lead else None, True),
        ("Study Type", s.study_type, True),
        ("Study Design", "|".join(f"{k}: {v}" for k, v in design if v), True),
        ("Other IDs", "|".join(filter(None, [s.org_study_id, *(i.id for i in s.secondary_ids)])), True),
        ("Start Date", s.start_date, True),
        ("Primary Completion Date", s.primary_completion_date, True),
        ("Completion Date", s.completion_date, True), ("First Posted", s.first_posted, True),
        ("Last Update Posted", s.last_update_posted, True), ("Locations", sites, True),
        ("Detailed Description", s.detailed_description, False),
    ]  # fmt: skip
    return "\n".join(v.strip() for _, v, extra in cells if v and v.strip() and (extras or not extra))
