"""Website CSV rows (current export, its 9-column subset, classic search CSV) map to Study fields."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from conftest import FIXTURES
from trialkg.extract import ctgov_csv, ctgov_v2, extract
from trialkg.model import Location, Outcome, Study

MARC = "corpus/Marc-Morcos__ClinicalTrials-Urology-Database-Word-Counter"
CSV_FILES = (
    f"{MARC}/ctg-studies.csv",
    "corpus/sammijiyoung2__AZ-clinical-trial-drug-and-device-trend/ctg-studies.csv",
    "corpus/reesewang25__enrollment_and_studylength/SearchResults.csv",
)


def _rows(path: Path) -> list[dict[str, str]]:
    # Plain utf-8 (not utf-8-sig) as the CLI reader does: a BOM must not hide 'NCT Number'.
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _row(name: str) -> dict[str, str]:
    (row,) = _rows(FIXTURES / name)
    return row


def _address(loc: Location) -> tuple[str | None, ...]:
    return (loc.facility, loc.city, loc.state, loc.zip, loc.country)


def test_header_recognition() -> None:
    for name in ("NCT06600893.csv", "NCT04295889.csv", "NCT05699161.csv"):
        with (FIXTURES / name).open(encoding="utf-8", newline="") as f:
            assert ctgov_csv.is_csv_header(next(csv.reader(f)))
    assert ctgov_csv.is_csv_header(["\ufeffNCT Number", "Study Title"])
    assert not ctgov_csv.is_csv_header(["nct_id", "brief_title"])
    assert not ctgov_csv.is_csv_header([])


def test_current_export_row() -> None:
    s = ctgov_csv.parse(_row("NCT06600893.csv"))
    assert s.nct_id == "NCT06600893"
    assert s.brief_title and s.brief_title.startswith("Sham-Controlled Prospective Study")
    assert (s.status, s.study_type, s.phases) == ("COMPLETED", "INTERVENTIONAL", ["NA"])
    assert (s.allocation, s.intervention_model, s.masking, s.primary_purpose) == (
        "RANDOMIZED", "CROSSOVER", "DOUBLE", "TREATMENT"
    )  # fmt: skip
    assert s.enrollment == 35 and s.enrollment_type is None
    assert (s.start_date, s.primary_completion_date, s.completion_date) == (
        "2019-08-05", "2022-06-22", "2023-04-07"
    )  # fmt: skip
    assert s.first_posted == s.last_update_posted == "2024-09-19"
    assert s.conditions == ["Erectile Dysfunctions"]
    assert [(i.type, i.name) for i in s.interventions] == [
        ("DEVICE", "Low intensity shockwave therapy (LiSWT)"), ("DEVICE", "Sham")
    ]  # fmt: skip
    assert [(sp.name, sp.role, sp.agency_class) for sp in s.sponsors] == [
        ("San Diego Sexual Medicine", "lead", "OTHER")
    ]
    assert s.sex == "MALE" and s.has_results is False
    # The current export's Age column holds only the age groups, no limits.
    assert s.minimum_age is None and s.maximum_age is None
    assert s.org_study_id == "SDSM-2019-02.1" and s.secondary_ids == []
    assert [_address(loc) for loc in s.locations] == [
        ("San Diego Sexual Medicine", "San Diego", "California", "92120", "United States")
    ]
    assert [o.kind for o in s.outcomes] == ["primary"] * 2 + ["secondary"] * 3 + ["other"]
    assert s.outcomes[0] == Outcome(
        "primary",
        "Grayscale ultrasound (GUS)",
        "Changes from low intensity shockwave treatment using Grayscale ultrasound to assess erectile "
        "tissue homogeneity of the corpora cavernosa comparing sham and active treatment groups",
        "Baseline to follow up visit 1 at week 20, and follow up visit 2 at week 32 for those assigned "
        "initially to the active arm and week 40 to those initially assigned to sham",
    )
    assert s.warnings == []


def test_observational_row_drops_the_cut_off_design_and_splits_addresses() -> None:
    s = ctgov_csv.parse(_row("NCT02005731.csv"))
    assert s.study_type == "OBSERVATIONAL" and s.phases == []
    # The export writes 'Observational Model: |Time Perspective: p' for every observational trial.
    assert s.observational_model is None and s.time_perspective is None
    assert s.warnings == ["truncated study design item 'Time Perspective: p' dropped"]
    assert [_address(loc) for loc in s.locations] == [
        ("Urologickaambulance", "Brno", None, None, "Czech Republic"),
        ("Amber Clinic", "Klaipėda", None, None, "Lithuania"),
        ("Men's Health Clinic, Amstelland Hospital", "Amsterdam", None, None, "Netherlands"),
        (
            "Urology and Andrology Center, Red Crescent Hospital (RCH)", "Ramallah", None, None,
            "Palestinian Territories, Occupied",
        ),
    ]  # fmt: skip
    assert [(sp.name, sp.agency_class) for sp in s.sponsors] == [("Initia", "INDUSTRY")]


def test_nine_column_subset_leaves_missing_fields_empty() -> None:
    s = ctgov_csv.parse(_row("NCT04295889.csv"))
    assert (s.status, s.study_type, s.conditions) == ("UNKNOWN", "INTERVENTIONAL", ["Albuminuria"])
    # A '|' inside an intervention name is not a separator: the next part has no 'TYPE: '.
    assert [(i.type, i.name) for i in s.interventions] == [
        ("DIAGNOSTIC_TEST", "Approach A (PeeSpot urine collection device)."),
        ("DIAGNOSTIC_TEST", "Approach B (ACR | EU Test kit)."),
    ]
    assert s.sponsors[0].name == "University Medical Center Groningen"
    assert s.sponsors[0].agency_class is None  # no 'Funder Type' column
    assert [sp.name for sp in s.sponsors[1:]] == [
        "Dutch Kidney Foundation", "E-Zorg B.V. / KPN Health", "Healthy.io Ltd.", "Hessels+Grob",
        "Copernicus Interchange Technology B.V.", "Amphia Hospital",
    ]  # fmt: skip
    assert {sp.role for sp in s.sponsors[1:]} == {"collaborator"}
    assert s.phases == [] and s.enrollment is None and s.start_date is None
    assert s.outcomes == [] and s.locations == [] and s.has_results is None
    assert s.warnings == []


def test_classic_search_csv_row_maps_through_enums() -> None:
    s = ctgov_csv.parse(_row("NCT05699161.csv"))
    assert s.nct_id == "NCT05699161" and s.acronym == "SVFP1"
    assert s.brief_title == "Adipose-derived Stromal Vascular Fraction Cells to Treat Parkinson"
    assert (s.status, s.study_type, s.phases) == ("COMPLETED", "INTERVENTIONAL", ["PHASE1", "PHASE2"])
    assert (s.allocation, s.intervention_model, s.masking, s.primary_purpose) == (
        "NA", "SINGLE_GROUP", "NONE", "TREATMENT"
    )  # fmt: skip
    assert [(i.type, i.name) for i in s.interventions] == [
        ("GENETIC", "Adipose-derived stromal vascular fraction cells")
    ]
    assert (s.minimum_age, s.maximum_age, s.sex) == ("18 Years", "80 Years", "ALL")
    assert (s.start_date, s.completion_date, s.first_posted) == ("2021-10-14", "2022-10-31", "2023-01-26")
    assert s.enrollment == 10 and s.has_results is False and s.org_study_id == "Nica-Parkinson-2021"
    assert [(sp.name, sp.role) for sp in s.sponsors[:2]] == [
        ("Samuel Vilchez, PhD", "lead"), ("Wake Forest University", "collaborator")
    ]  # fmt: skip
    # 'Funded Bys: Other|Industry' covers all five sponsors: no single class is assignable.
    assert len(s.sponsors) == 5 and {sp.agency_class for sp in s.sponsors} == {None}
    assert [_address(loc) for loc in s.locations] == [
        ("Hospital Escuela Oscar Danilo Rosales Arguello", "León", "Leon", None, "Nicaragua")
    ]
    # Classic 'Outcome Measures' mixes primary and secondary titles: kept, kind not guessed.
    assert len(s.outcomes) == 4 and {o.kind for o in s.outcomes} == {"unspecified"}
    assert all(o.measure and o.time_frame is None for o in s.outcomes)
    assert s.warnings == []


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "Memorial Sloan Kettering Cancer Center, New York, New York, 10065, United States",
            ("Memorial Sloan Kettering Cancer Center", "New York", "New York", "10065", "United States"),
        ),
        (
            "Department of Urology, Pusan National University Hospital, Busan, 602-739, Korea, Republic of",
            ("Department of Urology, Pusan National University Hospital", "Busan", None, "602-739",
             "Korea, Republic of"),
        ),
        (
            "For additional information regarding investigative sites for this trial, contact "
            "1-877-CTLILLY (1-877-285-4559, 1-317-615-4559) Mon - Fri from 9 AM to 5 PM Eastern Time "
            "(UTC/GMT - 5 hours, EST), or speak with your personal physician., Huntsville, Alabama, "
            "35801, United States",
            ("For additional information regarding investigative sites for this trial, contact "
             "1-877-CTLILLY (1-877-285-4559, 1-317-615-4559) Mon - Fri from 9 AM to 5 PM Eastern Time "
             "(UTC/GMT - 5 hours, EST), or speak with your personal physician.", "Huntsville",
             "Alabama", "35801", "United States"),
        ),
        ("Jakarta, 10430, Indonesia", (None, "Jakarta", None, "10430", "Indonesia")),
        ("Hong Kong, Hong Kong", (None, "Hong Kong", None, None, "Hong Kong")),
        (
            "The Third Affiliated Hospital of Guangzhou Medical University, Guangzhou, Guangdong, China",
            ("The Third Affiliated Hospital of Guangzhou Medical University", "Guangzhou", "Guangdong",
             None, "China"),
        ),
        (
            "Kasr El Aini Faculty of Medicine, Cairo University, Cairo, 12311, Egypt",
            ("Kasr El Aini Faculty of Medicine, Cairo University", "Cairo", None, "12311", "Egypt"),
        ),
        ("Calgary, Alberta, T2V 4R6, Canada", (None, "Calgary", "Alberta", "T2V 4R6", "Canada")),
        # Known limit: 'A, B' with a state outside the listed countries reads as facility + city
        # (v2 has city 'Kuching', state 'Sarawak'); 'Possover, Zürich' is facility + city.
        ("Kuching, Sarawak, Malaysia", ("Kuching", "Sarawak", None, None, "Malaysia")),
        ("Possover, Zürich, 8008, Switzerland", ("Possover", "Zürich", None, "8008", "Switzerland")),
    ],
)  # fmt: skip
def test_location_parts_are_assigned_from_the_right(text: str, address: tuple[str | None, ...]) -> None:
    row = {"NCT Number": "NCT00000000", "Locations": text}
    (loc,) = ctgov_csv.parse(row).locations
    assert _address(loc) == address


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "Patient satisfaction rate, The number of patients with an EDITS score ≥ 50 compared to the "
            "total number of patients, at week 12, year 1, 2, 4, 6, 8 and 10 after surgery",
            ("Patient satisfaction rate",
             "The number of patients with an EDITS score ≥ 50 compared to the total number of patients",
             "at week 12, year 1, 2, 4, 6, 8 and 10 after surgery"),
        ),
        (
            "EHS, The change in Erection Hardness Score (EHS) at 0 months, 2 months, 4 months, and 6 "
            "months., 0 months, 2 months, 4 months, 6 months",
            ("EHS",
             "The change in Erection Hardness Score (EHS) at 0 months, 2 months, 4 months, and 6 months.",
             "0 months, 2 months, 4 months, 6 months"),
        ),
        (
            "International Index of Erectile Function (IIEF)-5 score, 1, 3, 6, and 12 months",
            ("International Index of Erectile Function (IIEF)-5 score", None, "1, 3, 6, and 12 months"),
        ),
        ("Patient satisfaction", ("Patient satisfaction", None, None)),
    ],
)  # fmt: skip
def test_outcome_pieces(text: str, parts: tuple[str | None, ...]) -> None:
    (o,) = ctgov_csv.parse({"NCT Number": "NCT00000000", "Secondary Outcome Measures": text}).outcomes
    assert (o.kind, o.measure, o.description, o.time_frame) == ("secondary", *parts)


def test_bad_rows() -> None:
    with pytest.raises(ValueError, match="row has no NCT Number"):
        ctgov_csv.parse({"NCT Number": "", "Study Title": "x"})
    with pytest.raises(ValueError, match="row has no NCT Number"):
        ctgov_csv.parse({"Study Title": "x"})
    s = ctgov_csv.parse(
        {"\ufeffNCT Number": " NCT06600893 ", "Brand New Column": "1", "Study Status": "PAUSED"}
    )
    assert s.nct_id == "NCT06600893" and s.status == "PAUSED"
    assert "unknown column 'Brand New Column'" in s.warnings
    assert any("PAUSED" in w for w in s.warnings)


def test_csv_row_agrees_with_its_v2_record() -> None:
    # The same trial from the same download session, in both formats (Marc-Morcos corpus).
    c = ctgov_csv.parse(_row("NCT06600893.csv"))
    v = ctgov_v2.parse(json.loads((FIXTURES / "NCT06600893.v2.json").read_text()))
    _assert_agree(c, v)
    assert [_address(loc) for loc in c.locations] == [_address(loc) for loc in v.locations]
    assert c.outcomes == v.outcomes


def test_csv_row_goes_through_the_format_registry() -> None:
    study, trial, triples = extract("ctgov-csv", _row("NCT06600893.csv"), "x")
    assert trial.value.endswith("/trial/NCT06600893") and triples


# Every Study field both formats carry, compared whole.
AGREE = (
    "nct_id", "brief_title", "status", "phases", "study_type", "enrollment", "start_date", "conditions",
    "org_study_id", "acronym", "allocation", "intervention_model", "primary_purpose", "masking",
    "primary_completion_date", "completion_date", "first_posted", "last_update_posted", "sex",
    "has_results",
)  # fmt: skip


def _assert_agree(c: Study, v: Study) -> None:
    for name in AGREE:
        assert getattr(c, name) == getattr(v, name), (c.nct_id, name)
    assert [i.id for i in c.secondary_ids] == [i.id for i in v.secondary_ids], c.nct_id
    assert [(i.type, i.name) for i in c.interventions] == [(i.type, i.name) for i in v.interventions]
    # All sponsor names and roles; the CSV has the lead's class only.
    assert [(s.name, s.role) for s in c.sponsors] == [(s.name, s.role) for s in v.sponsors], c.nct_id
    assert c.sponsors[0].agency_class == v.sponsors[0].agency_class, c.nct_id


def test_corpus_csv_and_zip_hold_the_same_trials(shared: Path) -> None:
    rows = _rows(shared / MARC / "ctg-studies.csv")
    with zipfile.ZipFile(shared / MARC / "ctg-studies.json.zip") as z:
        v2 = {s.nct_id: s for s in (ctgov_v2.parse(json.loads(z.read(n))) for n in z.namelist())}
    assert len(rows) == len(v2) == 635
    sites = same_sites = outcomes = same_outcomes = 0
    for row in rows:
        c = ctgov_csv.parse(row)
        v = v2[c.nct_id]
        _assert_agree(c, v)
        assert len(c.locations) == len(v.locations), c.nct_id
        sites += len(c.locations)
        same_sites += sum(_address(a) == _address(b) for a, b in zip(c.locations, v.locations, strict=True))
        assert [o.kind for o in c.outcomes] == [o.kind for o in v.outcomes], c.nct_id
        outcomes += len(c.outcomes)
        same_outcomes += sum(a == b for a, b in zip(c.outcomes, v.outcomes, strict=True))
        # Observational design values are cut off by the export (see the parser).
        assert c.warnings in ([], ["truncated study design item 'Time Perspective: p' dropped"])
    # Addresses and outcomes are comma-joined in the CSV: a best split, measured here as 3201 of
    # 3281 sites and 3132 of 3569 outcomes exactly as in v2.
    assert (sites, outcomes) == (3281, 3569)
    assert same_sites / sites > 0.97 and same_outcomes / outcomes > 0.85, (same_sites, same_outcomes)


def test_every_corpus_csv_row_parses(shared: Path) -> None:
    counts = []
    for name in CSV_FILES:
        path = shared / name
        with path.open(encoding="utf-8", newline="") as f:
            text = f.read()
        reader = csv.DictReader(io.StringIO(text, newline=""))
        assert ctgov_csv.is_csv_header(reader.fieldnames)
        studies = [ctgov_csv.parse(row) for row in reader]
        assert all(s.nct_id for s in studies)
        for s in studies:
            assert all("unknown" not in w and "unparsed" not in w for w in s.warnings), s.nct_id
        counts.append(len(studies))
    assert counts == [635, 4145, 100]
