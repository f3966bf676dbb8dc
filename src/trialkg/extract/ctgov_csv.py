"""ClinicalTrials.gov website CSV downloads (current and classic site): one row to a Study."""

from __future__ import annotations

import re

from .. import enums
from ..enums import NCT
from ..model import Intervention, Location, Outcome, SecondaryId, Sponsor, Study

__all__ = [
    "COUNTRY_TAIL", "TIMEY", "ages", "commas", "design", "interventions", "is_csv_header", "location",
    "outcome", "parse",
]  # fmt: skip



def _names(text: str) -> frozenset[str]:
    return frozenset(text.split("|"))


# Columns of the current site's export and of the retired classic site's search CSV; both
# dialects share 'NCT Number', 'Acronym', 'Study Results', 'Conditions', 'Interventions', ...
_KNOWN = _names(
    "NCT Number|Study Title|Study URL|Acronym|Study Status|Study Results|Conditions|Interventions"
    "|Primary Outcome Measures|Secondary Outcome Measures|Other Outcome Measures|Sponsor"
    "|Collaborators|Sex|Age|Phases|Enrollment|Funder Type|Study Type|Study Design|Other IDs"
    "|Start Date|Primary Completion Date|Completion Date|First Posted|Results First Posted"
    "|Last Update Posted|Locations|Study Documents"
    "|Rank|Title|Status|Outcome Measures|Sponsor/Collaborators|Gender|Funded Bys|Study Designs|URL"
)
# 'Study URL'/'URL'/'Rank' are derivable or positional; 'Results First Posted' and 'Study
# Documents' have no Study field yet (see the report to the lead).

_DESIGN = {
    "Allocation": "allocation",
    "Intervention Model": "intervention_model",
    "Observational Model": "observational_model",
    "Time Perspective": "time_perspective",
    "Primary Purpose": "primary_purpose",
    "Masking": "masking",
}
_OUTCOMES = {
    "Primary Outcome Measures": "primary",
    "Secondary Outcome Measures": "secondary",
    "Other Outcome Measures": "other",
}
_RESULTS = {"YES": True, "HAS RESULTS": True, "NO": False, "NO RESULTS AVAILABLE": False}
_AGE = r"\d+ (?:Year|Month|Week|Day|Hour|Minute)s?"


def is_csv_header(fieldnames: list[str] | None) -> bool:
    """True for the header of a ClinicalTrials.gov website CSV download (either dialect)."""
    return "NCT Number" in {_key(f) for f in fieldnames or []}


def _key(name: str | None) -> str:
    # A file opened without utf-8-sig keeps the BOM on the first column name.
    return (name or "").replace("\ufeff", "").strip()


def _text(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def _split(value: str | None) -> list[str]:
    return [t for t in (_text(p) for p in (value or "").split("|")) if t]


def parse(row: dict[str, str]) -> Study:
    """Map one csv.DictReader row to a Study; unknown columns and enum values land in warnings."""
    r = {_key(k): v for k, v in row.items() if k is not None}
    w: list[str] = [f"unknown column {k!r}" for k in r if k not in _KNOWN]
    if None in row:  # csv.DictReader files surplus cells under the key None
        w.append(f"row has {len(row[None])} cells beyond the header")  # type: ignore[index]
    nct = NCT.fullmatch(_text(r.get("NCT Number")) or "")
    if not nct:
        raise ValueError("row has no NCT Number")
    sex = r.get("Sex", r.get("Gender"))
    ids = _split(r.get("Other IDs"))
    study = Study(
        nct_id=nct.group(0),
        # The site writes the organization's study id first, then the secondary ids (checked on
        # 635 trials against their v2 records); types and domains are not exported.
        org_study_id=ids[0] if ids else None,
        secondary_ids=[SecondaryId(i) for i in ids[1:]],
        acronym=_text(r.get("Acronym")),
        brief_title=_text(r.get("Study Title", r.get("Title"))),
        status=enums.enum("status", r.get("Study Status", r.get("Status")), w),
        phases=enums.phases(_split(r.get("Phases")), w),
        study_type=enums.enum("study_type", r.get("Study Type"), w),
        enrollment=_count(r.get("Enrollment"), w),
        start_date=enums.date(r.get("Start Date"), w),
        primary_completion_date=enums.date(r.get("Primary Completion Date"), w),
        completion_date=enums.date(r.get("Completion Date"), w),
        first_posted=enums.date(r.get("First Posted"), w),
        last_update_posted=enums.date(r.get("Last Update Posted"), w),
        conditions=_split(r.get("Conditions")),
        sex=enums.enum("sex", sex, w),
        has_results=_results(r.get("Study Results"), w),
        warnings=w,
    )
    study.minimum_age, study.maximum_age = ages(r.get("Age"), w)
    design(study, r.get("Study Design", r.get("Study Designs")), w)
    interventions(study, r.get("Interventions"), w)
    _outcomes(study, r, w)
    _sponsors(study, r, w)
    study.locations = [location(t) for t in _split(r.get("Locations"))]
    return study


def _count(value: str | None, w: list[str]) -> int | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return int(text.replace(",", ""))
    except ValueError:
        w.append(f"enrollment is not a number: {text!r}")
        return None


def _results(value: str | None, w: list[str]) -> bool | None:
    text = _text(value)
    if text is None:
        return None
    if text.upper() not in _RESULTS:
        w.append(f"unknown study results value {text!r}")
        return None
    return _RESULTS[text.upper()]


def ages(value: str | None, w: list[str]) -> tuple[str | None, str | None]:
    """'18 Years to 65 Years (Adult)', '18 Years and older', 'up to 17 Years'; groups alone say
    nothing about limits (the current export gives only 'ADULT, OLDER_ADULT')."""
    text = _text(value)
    if text is None:
        return None, None
    limits = text.split("(")[0].strip()
    if m := re.fullmatch(rf"({_AGE}) to ({_AGE})", limits, re.I):
        return m.group(1), m.group(2)
    if m := re.fullmatch(rf"({_AGE}) and older", limits, re.I):
        return m.group(1), None
    if m := re.fullmatch(rf"up to ({_AGE})", limits, re.I):
        return None, m.group(1)
    if not re.fullmatch(r"[A-Za-z_]+(, [A-Za-z_ ]+)*", limits):
        w.append(f"unparsed age {text!r}")
    return None, None


def design(study: Study, value: str | None, w: list[str]) -> None:
    for part in _split(value):
        key, _, raw = part.partition(":")
        field = _DESIGN.get(key.strip())
        if field is None:
            w.append(f"unknown study design item {part!r}")
        elif len(raw.strip()) == 1:
            # The current export writes every observational record as
            # 'Observational Model: |Time Perspective: p': a cut-off value, not data.
            w.append(f"truncated study design item {part!r} dropped")
        else:
            setattr(study, field, enums.enum(field, raw, w))


def interventions(study: Study, value: str | None, w: list[str]) -> None:
    for part in (value or "").split("|"):
        kind, sep, name = part.partition(": ")
        if sep and name.strip() and re.fullmatch(r"[A-Za-z][A-Za-z _]{0,40}", kind.strip()):
            study.interventions.append(Intervention(name, enums.enum("intervention_type", kind, w)))
        elif study.interventions and part.strip():
            # A '|' inside a name: 'DIAGNOSTIC_TEST: Approach B (ACR | EU Test kit).'
            study.interventions[-1].name += "|" + part
        elif part.strip():
            w.append(f"intervention without a type {part.strip()!r}")
            study.interventions.append(Intervention(part))
    for i in study.interventions:
        i.name = i.name.strip()


def _outcomes(study: Study, r: dict[str, str], w: list[str]) -> None:
    for column, kind in _OUTCOMES.items():
        study.outcomes += [outcome(kind, part) for part in _split(r.get(column))]
    # The classic CSV lists primary and secondary measure titles in one column: their kind is
    # unknown, so they are kept as outcomes of unspecified kind rather than guessed.
    study.outcomes += [Outcome("unspecified", t) for t in _split(r.get("Outcome Measures"))]


TIMEY = re.compile(
    r"\b(day|week|month|year|hour|min|baseline|visit|wk|mo|follow|screen|pre|post|dose|end"
    r"|completion|approx|average|up to|through|time|period|annual|daily|\d)",
    re.I,
)


def _timey(piece: str) -> bool:
    return bool(TIMEY.search(piece)) and len(piece) <= 60 and not piece.endswith(".")


def outcome(kind: str, text: str) -> Outcome:
    """'measure, description, time frame' with empty parts left out and ', ' inside any of them.

    The measure is the first piece; the description ends at the last piece closing a sentence;
    without one, the time frame takes the short time-like pieces at the end ('Baseline, Week 4,
    Week 8'). On 8,017 v2 outcomes re-joined this way, 89% come back exactly (first/last: 74%).
    """
    pieces = commas(text)
    if len(pieces) == 1:
        return Outcome(kind, text.strip())
    ends = [k for k in range(1, len(pieces) - 1) if pieces[k].rstrip().endswith(".")]
    if ends:
        j = ends[-1] + 1
    else:
        j = len(pieces) - 1
        while j > 1 and _timey(pieces[j - 1]) and (_timey(pieces[j]) or re.match(r"[a-z0-9(]", pieces[j])):
            j -= 1
    return Outcome(kind, pieces[0].strip(), _text(", ".join(pieces[1:j])), _text(", ".join(pieces[j:])))


def _sponsors(study: Study, r: dict[str, str], w: list[str]) -> None:
    if "Sponsor/Collaborators" in r:
        names = _split(r["Sponsor/Collaborators"])
        # 'Funded Bys' is the set of funder types of all sponsors, in classic spelling where
        # 'Other' covers every non-federal, non-industry class; only a single value is assignable.
        classes = _split(r.get("Funded Bys"))
        cls = enums.enum("agency_class", classes[0], w) if len(classes) == 1 else None
        study.sponsors = [Sponsor(n, "collaborator" if i else "lead", cls) for i, n in enumerate(names)]
        return
    lead = _text(r.get("Sponsor"))
    if lead:
        study.sponsors.append(Sponsor(lead, "lead", enums.enum("agency_class", r.get("Funder Type"), w)))
    study.sponsors += [Sponsor(n, "collaborator") for n in _split(r.get("Collaborators"))]


def commas(text: str) -> list[str]:
    """Split on ', ' outside parentheses: 'Levitra (Vardenafil, BAY38-9456)' is one piece."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth <= 0 and text.startswith(", ", i):
            parts.append(text[start:i])
            start = i + 2
    parts.append(text[start:])
    # Unbalanced parentheses ('Hospital ( Site, City, ...') would swallow the rest.
    return parts if depth == 0 else text.split(", ")


# Locations are 'Facility, City, State, Zip, Country' with empty parts left out, so the parts
# are assigned from the right: country, then a postal code, then city and state, where
# 'A, B' is facility+city or city+state. Tested on 8,760 v2 sites re-joined this way: 98% exact.
COUNTRY_TAIL = re.compile(r"(\bof( the)?|^Occupied|^U\.S\.|^British)$")  # 'Korea, Republic of'
# Not 'Praha 2', 'Lima 34'. The length is checked first: the look-aheads take time square in a long part.
_ZIP = re.compile(r"(?=[\w .'+,-]{1,12}\Z)(?=.*\d)(?!.*[^\W\d_]{4,}\s)[\w .'+,-]{1,12}")
_FACILITY = re.compile(
    r"hosp|h[oô]pital|univ|clini|klini|cl[ií]nic|cent(er|re|ro|rum)|institu|intezet|site\b"
    r"|research|medic|health|dep(ar)?t|found|fonda|fundac|ospedal|\binc\b|llc|ltd|gmbh|\bag\b"
    r"|\bead\b|\ba\.s\.|associates|practice|urolog|pharma|spital|sjukhus|ziekenhuis|nemocnice"
    r"|korhaz|egyetem|krankenhaus|praxis|office|group|trial|investigat|laborator|college|school"
    r"|facult|infirmary|hochschule|azienda|\baou?\b|\bchr?[ud]\b|hospices|irccs|umhat|nhs|trust"
    r"|servi[cz]e|zentrum|abt\.|abteilung|sektion|section|dipartimento|campus|\bunit|division"
    r"|\be\.?p\.?e\b|onc?olog|h[aeä]+mato|p[aeä]+diatr|transplant|jugend|sectia|collegium|\d",
    re.I,
)
# Countries whose every state name is listed below: a last part not listed there is a city.
_LISTED = frozenset(["United States", "Canada", "Australia", "Germany", "South Africa"])
_STATES = frozenset(re.sub(r"[^a-z]", "", s.lower()) for s in _names(
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|District of Columbia"
    "|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland"
    "|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire"
    "|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania"
    "|Puerto Rico|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia"
    "|Washington|West Virginia|Wisconsin|Wyoming"
    "|Alberta|British Columbia|Manitoba|New Brunswick|Newfoundland and Labrador|Nova Scotia|Ontario"
    "|Prince Edward Island|Quebec|Saskatchewan|Northwest Territories|Nunavut|Yukon"
    "|New South Wales|Queensland|South Australia|Tasmania|Victoria|Western Australia"
    "|Australian Capital Territory|Northern Territory"
    "|Baden-Württemberg|Bayern|NRW|Bavaria|Berlin|Brandenburg|Bremen|Hamburg|Hessen|Hesse"
    "|Mecklenburg-Vorpommern|Niedersachsen|Lower Saxony|Nordrhein-Westfalen"
    "|North Rhine-Westphalia|Rheinland-Pfalz|Rhineland-Palatinate|Saarland|Sachsen|Saxony"
    "|Sachsen-Anhalt|Saxony-Anhalt|Schleswig-Holstein|Thüringen|Thuringia"
    "|Gauteng|Western Cape|Eastern Cape|Northern Cape|KwaZulu-Natal|Free State|Limpopo|Mpumalanga"
    "|North West|England|Scotland|Wales|Northern Ireland"
))  # fmt: skip


def _is_state(part: str) -> bool:
    # German sites carry a district code: 'Sachsen / 313'; British counties follow a pattern.
    if re.search(r"shire$|^County |^Greater ", part):
        return True
    return re.sub(r"[^a-z]", "", part.split(" / ")[0].lower()) in _STATES


def location(text: str) -> Location:
    parts = commas(text)
    if len(parts) > 1 and COUNTRY_TAIL.search(parts[-1]):
        parts[-2:] = [", ".join(parts[-2:])]
    loc = Location(country=parts.pop())
    if len(parts) > 1 and _ZIP.fullmatch(parts[-1]):
        loc.zip = parts.pop()
    # A part starting in lower case continues a facility name: '..., or speak with your physician.'
    for i in range(len(parts) - 1, 0, -1):
        if parts[i][:1].islower():
            parts[i - 1 : i + 1] = [", ".join(parts[i - 1 : i + 1])]
    if len(parts) == 1:
        loc.city = parts[0]
    elif len(parts) == 2:
        if _is_state(parts[1]) and not _FACILITY.search(parts[0]):
            loc.city, loc.state = parts
        else:
            loc.facility, loc.city = parts
    elif parts:
        *head, x, y = parts
        # 'Hospital, Dept of X, City' vs 'Hospital, City, State': a facility-like part before
        # the last one means the last is the city, unless the last is a known state.
        if _is_state(y) or (loc.country not in _LISTED and not _FACILITY.search(x)):
            loc.facility, loc.city, loc.state = ", ".join(head), x, y
        else:
            loc.facility, loc.city = ", ".join([*head, x]), y
    for name in ("facility", "city", "state", "zip", "country"):
        setattr(loc, name, _text(getattr(loc, name)))
    return loc
