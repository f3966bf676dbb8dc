"""Legacy ClinicalTrials.gov XML records map to the right Study fields; unsafe XML is refused."""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES
from trialkg.extract import ctgov_v2, ctgov_xml
from trialkg.model import Arm, Investigator, Location, SecondaryId, Sponsor, Study

XML_FIXTURES = sorted(FIXTURES.glob("NCT*.xml"))


def _data(nct: str) -> bytes:
    return (FIXTURES / f"{nct}.xml").read_bytes()


def _study(nct: str) -> Study:
    return ctgov_xml.parse(_data(nct))


@pytest.mark.parametrize("path", XML_FIXTURES, ids=lambda p: p.stem)
def test_real_records_parse_without_warnings(path) -> None:
    data = path.read_bytes()
    assert ctgov_xml.is_study(data)
    s = ctgov_xml.parse(data)
    assert s.nct_id == path.stem
    assert s.warnings == []
    # Legacy XML gives MeSH terms without descriptor ids, and ids are never invented.
    assert s.condition_mesh == [] and s.intervention_mesh == []


def test_is_study() -> None:
    assert ctgov_xml.is_study("clinical_study")
    assert not ctgov_xml.is_study("study")
    assert ctgov_xml.is_study(b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- c -->\n<clinical_study>')
    assert not ctgov_xml.is_study(b"<FullStudiesResponse/>")
    assert not ctgov_xml.is_study((FIXTURES / "NCT03377387.json").read_bytes())
    assert not ctgov_xml.is_study({"protocolSection": {}})


def test_aby025_pet_study() -> None:
    s = _study("NCT01858116")
    assert s.nct_id == "NCT01858116" and s.org_study_id == "ABY-025-MI105"
    assert s.secondary_ids == [SecondaryId("2012-005228-14")]
    assert s.brief_title == "PET Study of Breast Cancer Patients Using [68Ga]ABY-025"
    assert s.official_title and s.official_title.startswith("An Exploratory Study to Evaluate [68Ga]ABY-025")
    assert s.status == "COMPLETED"
    assert s.phases == ["PHASE1", "PHASE2"]
    assert s.study_type == "INTERVENTIONAL"
    assert (s.allocation, s.intervention_model, s.primary_purpose, s.masking) == (
        "NA",
        "SINGLE_GROUP",
        "DIAGNOSTIC",
        "NONE",
    )
    assert s.enrollment == 16 and s.enrollment_type == "ACTUAL"
    assert (s.start_date, s.primary_completion_date, s.completion_date) == ("2013-04", "2014-06", "2014-06")
    assert (s.first_posted, s.last_update_posted) == ("2013-05-21", "2015-01-13")
    assert s.brief_summary == (
        "The study will evaluate [68Ga]ABY-025 for PET imaging of HER2 expression in subjects with "
        "HER2-positive or HER2-negative breast cancer."
    )
    # Hard-wrapped lines rejoin; blank lines still part the paragraphs.
    paragraphs = (s.detailed_description or "").split("\n\n")
    assert paragraphs[0] == "Open-labeled, exploratory, single center study."
    assert paragraphs[1].startswith(
        "1. Group 1 (dose-finding) Six subjects with HER2-positive primary tumor status and four subjects"
    )
    assert paragraphs[2].endswith("at signs of progressive disease or else latest after 9 months.")
    assert len(paragraphs) == 3
    assert s.conditions == ["Breast Cancer"] and s.keywords == []
    assert s.arms == [Arm("[68Ga]ABY-025", "EXPERIMENTAL", None, ["[68Ga]ABY-025"])]
    [drug] = s.interventions
    assert (drug.name, drug.type, drug.description) == (
        "[68Ga]ABY-025",
        "DRUG",
        "Intravenous injection followed by PET imaging",
    )
    assert drug.arm_labels == ["[68Ga]ABY-025"]
    assert [o.kind for o in s.outcomes] == ["primary"] + ["secondary"] * 8
    assert s.outcomes[3].time_frame == "Day 0 & 1-3 weeks"
    criteria = (s.eligibility_criteria or "").split("\n\n")
    assert criteria[:3] == [
        "Inclusion Criteria:",
        "1. Subject is > 18 years of age",
        "2. Diagnosis of invasive breast cancer with metastases",
    ]
    assert "Exclusion Criteria:" in criteria and criteria[-1] == "6. Pregnant or breast-feeding"
    assert (s.sex, s.minimum_age, s.maximum_age, s.healthy_volunteers) == ("ALL", "18 Years", None, False)
    assert s.sponsors == [
        Sponsor("Biomedical Radiation Sciences", "lead", "OTHER"),
        Sponsor("Swedish Cancer Society", "collaborator", "OTHER"),
        Sponsor("Affibody", "collaborator", "INDUSTRY"),
    ]
    assert s.responsible_party_type == "PRINCIPAL_INVESTIGATOR"
    assert s.responsible_party == Investigator(
        "Dr. Henrik Lindman, Oncology", "Chief Physician", "Uppsala University Hospital"
    )
    assert s.investigators == [
        Investigator(
            "Henrik Lindman, MD, PhD",
            "PRINCIPAL_INVESTIGATOR",
            "Uppsala University Hospital, Department of Oncology",
        )
    ]
    assert s.locations == [Location("Uppsala University Hospital", "Uppsala", None, "SE-751 85", "Sweden")]
    assert s.references == [] and s.has_results is False


def test_old_record_unknown_status_anticipated_dates_and_arm_links() -> None:
    s = _study("NCT00495248")
    # 'Unknown status' is the status; last_known_status ('Active, not recruiting') is not.
    assert s.status == "UNKNOWN"
    assert s.phases == ["PHASE1", "PHASE2"]
    assert s.completion_date == "2011-09" and s.primary_completion_date == "2009-09"
    assert s.enrollment == 140 and s.enrollment_type == "ESTIMATED"  # type="Anticipated"
    assert s.masking == "SINGLE" and s.intervention_model == "PARALLEL" and s.allocation == "RANDOMIZED"
    # Arm links live on the intervention side of the XML.
    assert [(a.label, a.type, a.intervention_names) for a in s.arms] == [
        (
            "1",
            "EXPERIMENTAL",
            [
                "Group intervention inspired by Lifestyle Redesign",
                "Group intervention inspired by Lifestyle redesign",
            ],
        ),
        ("2", "ACTIVE_COMPARATOR", ["Group intervention inspired by Lifestyle Redesign"]),
    ]
    assert s.interventions[0].other_names == ["Lifestyle councelling"]
    assert s.interventions[0].arm_labels == ["1", "2"]
    # Pre-2012 responsible party (name_title/organization) has no type and no investigator name.
    assert s.responsible_party_type is None and s.responsible_party is None
    assert s.investigators == [
        Investigator(
            "Unni Sveen, PhD",
            "STUDY_DIRECTOR",
            "Ullevaal University Hospital ,Medical division, research Unit 0407 Oslo Norway",
        )
    ]
    # The &#xD; carriage returns of the dump leave no trace in the text.
    assert s.eligibility_criteria and "\r" not in s.eligibility_criteria
    assert s.eligibility_criteria.startswith(
        "Inclusion Criteria:\n\n- oral and written consent\n\n- age 65+\n\n"
    )
    assert s.keywords == ["group intervention", "stroke", "senior centres", "health promotion"]
    assert (s.minimum_age, s.maximum_age) == ("65 Years", None)


def test_references_and_results_references() -> None:
    s = _study("NCT00006182")
    assert [r.type for r in s.references] == ["BACKGROUND"] * 3 + ["RESULT"]
    assert [r.pmid for r in s.references] == ["11552063", "15131136", "16126058", "16382063"]
    result = s.references[-1]
    assert result.citation and result.citation.startswith("Adams RJ, Brambilla D; Optimizing Primary Stroke")
    assert result.doi == "10.1056/nejmoa050460"
    assert s.references[0].doi == "10.1046/j.1537-2995.2001.41091086.x"
    assert s.conditions == ["Blood Disease", "Cerebrovascular Accident", "Anemia, Sickle Cell"]
    assert [(i.name, i.role) for i in s.investigators] == [("Robert Adams", None), ("Donald Brambilla", None)]
    assert s.locations == []
    assert s.eligibility_criteria == "No eligibility criteria"
    assert (s.minimum_age, s.maximum_age) == ("2 Years", "20 Years")


def test_observational_record() -> None:
    s = _study("NCT03991260")
    assert s.study_type == "OBSERVATIONAL"
    assert (s.observational_model, s.time_perspective) == ("COHORT", "PROSPECTIVE")
    assert s.phases == [] and s.allocation is None and s.masking is None
    assert s.status == "ENROLLING_BY_INVITATION"
    assert s.acronym == "99mTc-ADAPT6"
    assert (s.start_date, s.primary_completion_date, s.completion_date) == (
        "2019-06-05",
        "2020-06-05",
        "2020-09-05",
    )
    assert [i.type for i in s.interventions] == ["DIAGNOSTIC_TEST"]
    assert [a.type for a in s.arms] == [None, None]  # observational groups have no arm type
    assert all(a.intervention_names == ["SPECT"] for a in s.arms)
    assert s.locations[0].city == "Tomsk" and s.locations[0].country == "Russian Federation"


def test_terminated_record_with_results() -> None:
    s = _study("NCT00461812")
    assert s.has_results is True
    assert s.status == "TERMINATED"
    assert s.why_stopped == (
        "by sponsor due to failure to recruit patients who had mild persistent asthma who were not "
        "already on Advair 250/50 or 500/50."
    )
    assert s.completion_date == "2010-01-19" and s.start_date == "2007-04"
    assert s.masking == "SINGLE" and s.phases == ["PHASE4"]
    assert [a.intervention_names for a in s.arms] == [["Mometasone"], ["Advair"]]


def test_nct_alias_is_a_secondary_id() -> None:
    s = _study("NCT00000246")
    assert s.secondary_ids == [
        SecondaryId("R01DA008265"),
        SecondaryId("R01-08265-1"),
        SecondaryId("NCT00000247", "NCT_ALIAS"),
    ]
    assert s.eligibility_criteria == "Please contact site for information."
    assert (s.minimum_age, s.maximum_age) == (None, None)


def test_withheld_record_has_no_study_type() -> None:
    s = _study("NCT03182660")
    assert s.status == "WITHHELD"
    assert s.study_type is None  # '<study_type>N/A' is a placeholder, not an unknown value
    assert s.sponsors == [Sponsor("[Redacted]", "lead", None)]
    assert s.first_posted == "2017-06-09"


def test_xml_and_v2_json_of_one_trial_agree() -> None:
    x = _study("NCT03377387")
    v = ctgov_v2.parse(json.loads((FIXTURES / "NCT03377387.json").read_text()))
    assert (
        x.brief_title
        == v.brief_title
        == (
            "Capecitabine 7/7 Schedule With Neratinib in Patients With Metastatic HER2-Positive Breast Cancer"
        )
    )
    assert x.official_title == v.official_title
    assert x.study_type == v.study_type == "INTERVENTIONAL"
    assert x.phases == v.phases == ["PHASE1", "PHASE2"]
    assert x.conditions == v.conditions == ["Breast Cancer"]
    assert x.start_date == v.start_date == "2017-12-13"
    assert (
        x.sponsors
        == v.sponsors
        == [
            Sponsor("Memorial Sloan Kettering Cancer Center", "lead", "OTHER"),
            Sponsor("Puma Biotechnology, Inc.", "collaborator", "INDUSTRY"),
        ]
    )
    assert x.keywords == v.keywords and x.brief_summary == v.brief_summary
    assert x.interventions == v.interventions
    assert x.investigators == v.investigators and x.first_posted == v.first_posted
    # The same ten sites (one facility was renamed between the versions).
    assert [(loc.city, loc.state, loc.zip, loc.country) for loc in x.locations] == [
        (loc.city, loc.state, loc.zip, loc.country) for loc in v.locations
    ]
    # v2 writes arm links as 'Type: Name'; the XML gives the intervention name.
    assert [f"Drug: {n}" for n in x.arms[0].intervention_names[:2]] == v.arms[0].intervention_names[:2]
    # The files are different versions (XML 2020, JSON 2023): the status moved on.
    assert (x.status, v.status) == ("RECRUITING", "ACTIVE_NOT_RECRUITING")


def _edit(nct: str, old: str, new: str) -> bytes:
    data = _data(nct)
    assert old.encode() in data
    return data.replace(old.encode(), new.encode(), 1)


def test_unknown_elements_and_values_are_reported() -> None:
    s = ctgov_xml.parse(
        _edit("NCT01858116", "</clinical_study>", "<new_thing>x</new_thing></clinical_study>")
    )
    assert s.warnings == ["unknown element 'new_thing'"]
    s = ctgov_xml.parse(
        _edit("NCT01858116", "<gender>All</gender>", "<gender>All</gender><new_age>1</new_age>")
    )
    assert s.warnings == ["unknown element 'eligibility/new_age'"]
    s = ctgov_xml.parse(_edit("NCT01858116", "<overall_status>Completed", "<overall_status>Paused"))
    assert s.status == "PAUSED" and s.warnings == ["unknown status value 'Paused'"]


def test_old_date_names_are_fallbacks() -> None:
    data = _edit("NCT01858116", '<study_first_posted type="Estimate">May 21, 2013</study_first_posted>', "")
    assert ctgov_xml.parse(data).first_posted == "2013-04-12"  # study_first_submitted


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not well-formed"),
        (b"<clinical_study><id_info></clinical_study>", "not well-formed"),
        (b'{"protocolSection": {}}', "not well-formed"),
        (b"<study><nct_id>NCT00000000</nct_id></study>", "root element is 'study'"),
    ],
)
def test_bad_xml_raises_value_error(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ctgov_xml.parse(data)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE clinical_study [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<clinical_study><brief_title>&lol9;</brief_title></clinical_study>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE clinical_study [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<clinical_study><brief_title>&secret;</brief_title></clinical_study>
"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_entity_tricks_are_refused(data: bytes) -> None:
    with pytest.raises(ValueError, match="refused XML"):
        ctgov_xml.parse(data)


def test_contacts_are_parsed_with_their_site() -> None:
    from trialkg.extract import ctgov_xml

    study = ctgov_xml.parse((FIXTURES / "NCT03377387.xml").read_bytes())
    assert study.contacts and all(c.name for c in study.contacts)
    assert any(c.facility for c in study.contacts) or any(c.role == "CONTACT" for c in study.contacts)
