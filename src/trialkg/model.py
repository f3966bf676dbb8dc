"""The format-neutral study record every extractor parses into."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Arm",
    "Contact",
    "Intervention",
    "Investigator",
    "Location",
    "Outcome",
    "Reference",
    "RelatedListing",
    "SecondaryId",
    "Sponsor",
    "Study",
]


@dataclass
class SecondaryId:
    """A secondary identifier with its type and issuing domain, as registered."""

    id: str
    type: str | None = None
    domain: str | None = None


@dataclass
class Sponsor:
    """An organization sponsoring a trial; role is 'lead' or 'collaborator'."""

    name: str
    role: str
    agency_class: str | None = None


@dataclass
class Arm:
    """An arm or group of the trial."""

    label: str
    type: str | None = None
    description: str | None = None
    intervention_names: list[str] = field(default_factory=list)


@dataclass
class Intervention:
    """An intervention: v2 type enum (DRUG, DEVICE, ...), name, other names and arm links."""

    name: str
    type: str | None = None
    description: str | None = None
    other_names: list[str] = field(default_factory=list)
    arm_labels: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """An outcome measure; kind is 'primary', 'secondary', 'other' or 'unspecified'."""

    kind: str
    measure: str
    description: str | None = None
    time_frame: str | None = None


@dataclass
class Investigator:
    """An overall official or the responsible party's investigator."""

    name: str
    role: str | None = None
    affiliation: str | None = None


@dataclass
class Contact:
    """A central or site contact: personal data, kept out of the graph unless asked for."""

    name: str
    role: str | None = None
    phone: str | None = None
    email: str | None = None
    facility: str | None = None


@dataclass
class RelatedListing:
    """A trial the source lists as related, with the status and phases it states for it."""

    nct_id: str
    title: str | None = None
    status: str | None = None
    phases: list[str] = field(default_factory=list)


@dataclass
class Location:
    """A site: facility and address, the trial's recruitment status there, and a geo point."""

    facility: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    status: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass
class Reference:
    """A publication the record cites; type is BACKGROUND, RESULT or DERIVED."""

    citation: str | None = None
    pmid: str | None = None
    doi: str | None = None
    type: str | None = None


@dataclass
class Study:
    """One trial record, with values already in ClinicalTrials.gov API v2 enum form.

    Dates are ISO strings: YYYY-MM-DD, or YYYY-MM when the source gives a month only.
    """

    nct_id: str | None
    org_study_id: str | None = None
    secondary_ids: list[SecondaryId] = field(default_factory=list)
    acronym: str | None = None
    brief_title: str | None = None
    official_title: str | None = None
    status: str | None = None
    why_stopped: str | None = None
    phases: list[str] = field(default_factory=list)
    study_type: str | None = None
    allocation: str | None = None
    intervention_model: str | None = None
    observational_model: str | None = None
    time_perspective: str | None = None
    primary_purpose: str | None = None
    masking: str | None = None
    enrollment: int | None = None
    enrollment_type: str | None = None
    start_date: str | None = None
    primary_completion_date: str | None = None
    completion_date: str | None = None
    first_posted: str | None = None
    last_update_posted: str | None = None
    brief_summary: str | None = None
    detailed_description: str | None = None
    conditions: list[str] = field(default_factory=list)
    # True when the source joined several conditions into one line (trial pages as text):
    # the build splits it against the condition labels it knows.
    conditions_joined: bool = False
    # (MeSH descriptor id, term) pairs from the source's derived section.
    condition_mesh: list[tuple[str, str]] = field(default_factory=list)
    intervention_mesh: list[tuple[str, str]] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    arms: list[Arm] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    eligibility_criteria: str | None = None
    minimum_age: str | None = None
    maximum_age: str | None = None
    sex: str | None = None
    healthy_volunteers: bool | None = None
    sponsors: list[Sponsor] = field(default_factory=list)
    responsible_party_type: str | None = None
    responsible_party: Investigator | None = None
    investigators: list[Investigator] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    related_listed: list[RelatedListing] = field(default_factory=list)
    has_results: bool | None = None
    # Source values this mapping does not know (new fields, unknown enum values): reported, never dropped silently.
    warnings: list[str] = field(default_factory=list)
