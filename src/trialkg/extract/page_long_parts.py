"""Block parsers of the long trial page: groups, interventions, outcomes, people, sites, ids."""

from __future__ import annotations

import re

from .. import enums
from ..enums import NCT
from ..model import (
    Arm,
    Contact,
    Intervention,
    Investigator,
    Location,
    Outcome,
    Reference,
    RelatedListing,
    SecondaryId,
    Sponsor,
    Study,
)  # fmt: skip

__all__ = [
    "MARKERS", "arms", "contacts", "identifiers", "investigators", "locations", "outcomes",
    "references", "related", "sponsors",
]  # fmt: skip

_GROUP_TYPE = re.compile(r"group type\b:?\s*(.*)", re.I)
_INT_TYPE = re.compile(r"intervention type\b:?\s*(.*)", re.I)
_OTHER_NAMES = re.compile(r"other names?:\s*(.*)", re.I)
_SPONSOR_ROLE = re.compile(r"sponsor role\b:?\s*(.*)", re.I)
_PARTY_ROLE = re.compile(r"responsibility role\b:?\s*(.*)", re.I)
_ROLE = re.compile(r"role:\s*(.*)", re.I)
_SITE_STATUS = re.compile(r"site status\b:?\s*(.*)", re.I)
_REF_TYPE = re.compile(r"reference type\b:?\s*(.*)", re.I)
_PMID = re.compile(r"pmid:?\s*([0-9]+)\b.*", re.I)
_DOI_LINE = re.compile(r"doi:\s*(\S+)", re.I)
_ID_FIELD = re.compile(r"identifier (type|source|domain):\s*(.*)", re.I)
_RELATED = re.compile(rf"({NCT.pattern})\b\s*(.*)")
_TIME_FRAME = re.compile(r"time ?frame:\s*(.*)", re.I)
# Written so that a long line that fails fails fast: the digits' class holds the spaces before 'ext'
# (no '\s*' of its own to backtrack into), and the domain is checked whole before its dot is looked for.
_PHONE = re.compile(r"\+?[\d\s().\-/]+(?:(?:ext\.?|x)\s*\d+)?", re.I)
_EMAIL = re.compile(r"[^\s@]+@(?=[^\s@]+\Z)[^\s@]+\.[^\s@]+")
# Lines that only this layout writes ('Sponsor Role lead'): evidence for score().
MARKERS = (_GROUP_TYPE, _INT_TYPE, _SPONSOR_ROLE, _PARTY_ROLE, _SITE_STATUS, _REF_TYPE, _ID_FIELD)


def _value(pattern: re.Pattern[str], line: str) -> str:
    """The first group of a marker line that matched ``pattern``."""
    m = pattern.fullmatch(line)
    return m[1].strip() if m else ""


def _key(text: str) -> str:
    """Comparison form of a name or a description."""
    return " ".join(text.split()).casefold()


def _takes_description(run: list[str], after: str | None, known: Intervention | None) -> int:
    """1 when the first line after an intervention's type line is its description, else 0.

    What follows may be the description, the next group's label and description, or both;
    the Interventions section tells when it lists the intervention, else the layout decides.
    """
    if not run:
        return 0
    if known is not None:
        if known.description is None:
            return 0
        if _key(known.description) == _key(run[0]):
            return 1
    if len(run) == 1:
        return 0 if after == "g" else 1  # a lone line before 'Group Type' is a group label
    if len(run) == 2:
        return 1 if len(run[0]) > len(run[1]) else 0  # labels are shorter than descriptions
    return 1


def _new_arms(run: list[str]) -> list[Arm]:
    """Groups from lines without markers: label and description lines alternate when their
    count is even; else each line longer than the group label before it is its description."""
    if len(run) < 3:
        return [Arm(run[0], description=run[1] if len(run) > 1 else None)] if run else []
    if len(run) % 2 == 0:
        return [Arm(run[k], description=run[k + 1]) for k in range(0, len(run), 2)]
    out: list[Arm] = []
    for x in run:
        if out and out[-1].description is None and len(x) > len(out[-1].label):
            out[-1].description = x
        else:
            out.append(Arm(x))
    return out


def _groups(items: list[str], known: dict[str, Intervention], w: list[str]) -> list[
    tuple[Arm, list[Intervention]]
]:
    """Study groups: label, description, 'Group Type X' (optional), then each listed
    intervention as name, 'Intervention Type X', description."""
    kinds = ["g" if _GROUP_TYPE.fullmatch(x) else "t" if _INT_TYPE.fullmatch(x) else "" for x in items]
    for i in range(len(items) - 1):
        if kinds[i + 1] == "t" and not kinds[i]:
            kinds[i] = "n"
    out: list[tuple[Arm, list[Intervention]]] = []
    last: Intervention | None = None
    i = 0
    while i < len(items):
        if kinds[i] == "":
            j = next((k for k in range(i, len(items)) if kinds[k]), len(items))
            run = items[i:j]
            if last is not None:
                take = _takes_description(run, kinds[j] if j < len(items) else None,
                                          known.get(_key(last.name)))  # fmt: skip
                last.description = run[0] if take else last.description
                run = run[take:]
            out += [(arm, []) for arm in _new_arms(run)]
            last, i = None, j
        elif kinds[i] == "g":
            if out:
                out[-1][0].type = enums.enum("arm_type", _value(_GROUP_TYPE, items[i]), w)
            else:
                w.append(f"group type without a group: {items[i]!r}")
            last, i = None, i + 1
        elif kinds[i] == "n":
            kind = enums.enum("intervention_type", _value(_INT_TYPE, items[i + 1]), w)
            last = Intervention(items[i], kind)
            if out:
                out[-1][0].intervention_names.append(items[i])
                out[-1][1].append(last)
            else:
                w.append(f"intervention listed before any study group: {items[i]!r}")
            i += 2
        else:
            w.append(f"intervention type without a name: {items[i]!r}")
            i += 1
    return out


def _interventions(items: list[str], w: list[str]) -> list[Intervention]:
    """Interventions: name, description, 'Intervention Type X'; or with the type line second."""
    types: list[str] = []
    runs: list[list[str]] = [[]]
    others: list[list[str]] = [[]]
    for x in items:
        if m := _INT_TYPE.fullmatch(x):
            types.append(m[1])
            runs.append([])
            others.append([])
        elif m := _OTHER_NAMES.fullmatch(x):
            others[-1] += [n.strip() for n in re.split(r"[;,]", m[1]) if n.strip()]
        else:
            runs[-1].append(x)
    if types and len(runs[0]) == 1 and runs[-1] and all(runs[1:-1]):  # type line second
        names = [r[-1] for r in runs[:-1]]
        descs = [r[:-1] for r in runs[1:-1]] + [runs[-1]]
        others = others[1:]
    else:
        if runs[-1]:
            w.append(f"intervention lines without a type: {runs[-1]!r}")
        names = [r[0] if r else "" for r in runs[:-1]]
        descs = [r[1:] for r in runs[:-1]]
    out = []
    for name, desc, other, kind in zip(names, descs, others, types, strict=False):
        if not name:
            w.append(f"intervention type without a name: {kind!r}")
            continue
        out.append(Intervention(name, enums.enum("intervention_type", kind, w),
                                "\n\n".join(desc) or None, other))  # fmt: skip
    return out


def arms(study: Study, groups: list[str], section: list[str], w: list[str]) -> None:
    """Arms from the Study Groups, interventions from their section, linked by name."""
    study.interventions = _interventions(section, w)
    by_name = {_key(i.name): i for i in study.interventions}
    linked: dict[int, set[str]] = {}  # the arm labels of each intervention, as a set (a drug may be in every arm)
    for arm, listed in _groups(groups, by_name, w):
        study.arms.append(arm)
        for item in listed:
            inv = by_name.setdefault(_key(item.name), item)
            if inv is item:  # listed under a group only: keep it as an intervention too
                study.interventions.append(item)
            inv.type = inv.type or item.type
            inv.description = inv.description or item.description
            labels = linked.setdefault(id(inv), set(inv.arm_labels))
            if arm.label not in labels:
                labels.add(arm.label)
                inv.arm_labels.append(arm.label)


def outcomes(kind: str, items: list[str], w: list[str]) -> list[Outcome]:
    """Outcomes of one kind: measure, description lines, 'Time frame: X'."""
    out: list[Outcome] = []
    run: list[str] = []
    for x in [*items, None]:
        frame = _TIME_FRAME.fullmatch(x) if x is not None else None
        if frame is None and x is not None:
            run.append(x)
        elif run:
            out.append(Outcome(kind, run[0], "\n\n".join(run[1:]) or None,
                               (frame[1].strip() or None) if frame else None))  # fmt: skip
            run = []
        elif frame is not None:
            w.append(f"time frame without an outcome: {x!r}")
    return out


def sponsors(study: Study, items: list[str], party: list[str], w: list[str]) -> None:
    """Sponsors: name, agency class, 'Sponsor Role X'; the responsible party: person lines, role."""
    run: list[str] = []
    for x in items:
        if m := _SPONSOR_ROLE.fullmatch(x):
            role = m[1].strip().lower()
            if role not in ("lead", "collaborator"):
                w.append(f"unknown sponsor role {m[1]!r}")
            if run:
                klass = enums.enum("agency_class", run[-1], w) if len(run) > 1 else None
                study.sponsors.append(Sponsor(run[0], role, klass))
                if len(run) > 2:
                    w.append(f"unplaced sponsor lines: {run[1:-1]!r}")
            else:
                w.append(f"sponsor role without a sponsor: {x!r}")
            run = []
        else:
            run.append(x)
    if run:
        w.append(f"sponsor lines without a role: {run!r}")
    study.sponsors.sort(key=lambda s: s.role != "lead")
    person = [x for x in party if not _PARTY_ROLE.fullmatch(x)]
    kinds = [m[1] for x in party if (m := _PARTY_ROLE.fullmatch(x))]
    study.responsible_party_type = enums.enum("responsible_party", kinds[0] if kinds else None, w)
    if person:
        study.responsible_party = Investigator(*person[:3])
        if len(person) > 3:
            w.append(f"unplaced responsible party lines: {person[3:]!r}")


def investigators(items: list[str], w: list[str]) -> list[Investigator]:
    """Name, 'Role: X', affiliation; a line followed by a role line starts the next person."""
    out: list[Investigator] = []
    for i, x in enumerate(items):
        if m := _ROLE.fullmatch(x):
            if out:
                out[-1].role = enums.enum("official_role", m[1], w)
            else:
                w.append(f"role without an investigator: {x!r}")
        elif not out or out[-1].affiliation or (i + 1 < len(items) and _ROLE.fullmatch(items[i + 1])):
            out.append(Investigator(x))
        else:
            out[-1].affiliation = x
    return out


class _Listed:
    """The Countries section's names, looked up by the part of an address line after a comma."""

    def __init__(self, countries: list[str]) -> None:
        self.names = frozenset(countries)
        self.lengths = frozenset(len(c) for c in self.names)

    def ending(self, line: str) -> str | None:
        """The longest listed country that is the whole line or follows one of its commas (and spaces)."""
        if line in self.names:
            return line
        comma = line.find(",")
        while comma >= 0:  # the first match is the longest
            start = comma + 1
            while start < len(line) and line[start].isspace():  # as '\s*' does
                start += 1
            if len(line) - start in self.lengths and line[start:] in self.names:
                return line[start:]
            comma = line.find(",", comma + 1)
        return None


def _address(line: str, countries: _Listed) -> tuple[str | None, str | None, str | None]:
    """'City, State, Country' (state may be empty); a listed country may itself hold a comma."""
    country = countries.ending(line)
    if country:
        rest = re.sub(r",\s*$", "", line[: len(line) - len(country)])  # one separator only
        parts = rest.split(",") if rest.strip() else []
    else:
        parts = line.split(",")
        if len(parts) > 3 and re.search(r"\bof( the)?$", parts[-1].strip()):  # 'Korea, Republic of'
            parts[-2:] = [",".join(parts[-2:])]
        country = parts.pop() if len(parts) > 1 else None
    parts = [p.strip() for p in parts]
    # Commas inside cities ('México, D.F.') outnumber those inside states: the state is last.
    city = ", ".join(parts[:-1]).strip() if len(parts) > 1 else (parts[0] if parts else None)
    state = parts[-1] if len(parts) > 1 else None
    return city or None, state or None, (country or "").strip() or None


def locations(items: list[str], countries: list[str], w: list[str]) -> list[Location]:
    """Facility, address line, 'Site Status X' (value may be empty); lines may be missing."""
    out: list[Location] = []
    state = "closed"  # of the last site: 'open' (facility only), 'addressed' or 'closed'
    listed = _Listed(countries)
    for i, x in enumerate(items):
        if m := _SITE_STATUS.fullmatch(x):
            if state == "closed":
                out.append(Location())
            out[-1].status = enums.enum("site_status", m[1], w)
            state = "closed"
        elif state == "open":
            out[-1].city, out[-1].state, out[-1].country = _address(x, listed)
            state = "addressed"
        else:
            nxt = items[i + 1] if i + 1 < len(items) else ""
            if "," in x and (not nxt or _SITE_STATUS.fullmatch(nxt)):  # a site without facility
                city, region, country = _address(x, listed)
                out.append(Location(city=city, state=region, country=country))
                state = "addressed"
            else:
                out.append(Location(facility=x))
                state = "open"
    for loc in out:
        if loc.country is None and len(countries) == 1:
            loc.country = countries[0]
    missing = set(countries) - {loc.country for loc in out}
    if missing:
        w.append(f"countries without a listed site: {sorted(missing)!r}")
    return out


def contacts(items: list[str], facility: str | None, w: list[str]) -> list[Contact]:
    """Name, 'Role: X', phone, e-mail: a line above a role line is a name; without role lines,
    lines that are no phone number or e-mail address are names."""
    roles = any(_ROLE.fullmatch(x) for x in items)
    out: list[Contact] = []
    for i, x in enumerate(items):
        role = _ROLE.fullmatch(x)
        named = i + 1 < len(items) and _ROLE.fullmatch(items[i + 1]) is not None
        email = _EMAIL.fullmatch(x) is not None
        phone = not roles and _PHONE.fullmatch(x) is not None and sum(c.isdigit() for c in x) >= 5
        if role and out and out[-1].role is None:
            out[-1].role = role[1].strip() or None
        elif named or (not roles and not email and not phone):
            out.append(Contact(x, facility=facility))
        elif out and email and out[-1].email is None:
            out[-1].email = x
        elif out and (phone or roles) and not email and out[-1].phone is None:
            out[-1].phone = x
        else:
            w.append(f"unplaced contact line: {x!r}")
    return out


def references(items: list[str], w: list[str]) -> list[Reference]:
    """Citation, 'Reference Type X', 'PMID: N (View on PubMed)'; a repeated field starts anew."""
    out: list[Reference] = []
    for x in items:
        if m := _REF_TYPE.fullmatch(x):
            if not out or out[-1].type:
                out.append(Reference())
            out[-1].type = enums.enum("reference_type", m[1], w)
        elif m := _PMID.fullmatch(x):
            if not out or out[-1].pmid:
                out.append(Reference())
            out[-1].pmid = m[1]
        elif (m := _DOI_LINE.fullmatch(x)) and out:
            out[-1].doi = enums.doi(m[1])
        else:
            out.append(Reference(citation=x, doi=enums.doi(x)))
    return out


def identifiers(study: Study, items: list[str], w: list[str]) -> None:
    """Value, 'Identifier Type: X' ('-' for none), 'Identifier Source: org_study_id|secondary_id'."""
    entries: list[dict[str, str]] = []
    for x in items:
        if m := _ID_FIELD.fullmatch(x):
            if entries:
                entries[-1][m[1].lower()] = m[2].strip()
            else:
                w.append(f"identifier field without a value: {x!r}")
        else:
            entries.append({"id": x})
    for e in entries:
        source = re.sub(r"\W+", "_", e.get("source", "").lower())
        kind = None if e.get("type", "-") in ("", "-") else e["type"]
        if source == "org_study_id" and study.org_study_id is None:
            study.org_study_id = e["id"]
            continue
        if source != "secondary_id":
            w.append(f"identifier {e['id']!r} with source {e.get('source')!r} kept as secondary id")
        study.secondary_ids.append(SecondaryId(e["id"], kind, e.get("domain") or None))


# A status is a few words ('Active, not recruiting'): no longer lead of words can name one.
_STATUS_WORDS = max(len(s.split("_")) for s in enums.KNOWN["status"])
_TOKEN = re.compile(r"[A-Z0-9]+")  # the parts of a value enums.enum keeps


def _status_lead(words: list[str]) -> int:
    """How many leading words name a known status, the longest lead ('RECRUITING', 'Not yet recruiting')."""
    best = tokens = 0
    for k, word in enumerate(words, 1):
        tokens += len(_TOKEN.findall(word.upper()))
        if tokens > _STATUS_WORDS:
            break
        if enums.enum("status", " ".join(words[:k])) in enums.KNOWN["status"]:
            best = k
    return best


def related(items: list[str], w: list[str]) -> list[RelatedListing]:
    """Title line, then 'NCTxxxxxxxx STATUS PHASES' ('PHASE1/PHASE2', 'NA')."""
    out: list[RelatedListing] = []
    title: str | None = None
    for x in items:
        if m := _RELATED.fullmatch(x):
            words = m[2].split()
            k = _status_lead(words)
            status = enums.enum("status", " ".join(words[:k]))
            out.append(RelatedListing(m[1], title, status, enums.phases(" ".join(words[k:]), w)))
            title = None
        else:
            if title is not None:
                w.append(f"related trial title without an NCT id: {title!r}")
            title = x
    if title is not None:
        w.append(f"related trial title without an NCT id: {title!r}")
    return out
