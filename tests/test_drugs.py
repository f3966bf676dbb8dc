"""Drugs: synonyms collapse, and tracers, placebo, classes, prior therapy and cold doses are not drugs."""

from __future__ import annotations

from conftest import FIXTURES
from trialkg.drugs import find_drugs, normalize_name
from trialkg.extract import FORMATS
from trialkg.model import Arm, Intervention, Study
from trialkg.readers import Record, read_paths
from trialkg.tracers import find_tracers


def _labels(study: Study) -> set[str]:
    return {d.label for d in find_drugs(study, find_tracers(study))}


def _fixture(name: str) -> Study:
    (record,) = [r for r in read_paths([FIXTURES / name]) if isinstance(r, Record)]
    return FORMATS[record.format].parse(record.payload)


def test_synonyms_collapse_to_one_drug() -> None:
    names = ["T-DXd", "DS-8201a", "Enhertu", "fam-trastuzumab deruxtecan-nxki", "Trastuzumab deruxtecan (DS-8201a)"]
    study = Study(nct_id=None, interventions=[Intervention(n, "DRUG") for n in names])
    assert _labels(study) == {"trastuzumab deruxtecan"}


def test_t_dm1_is_another_drug() -> None:
    study = Study(nct_id=None, interventions=[Intervention("Ado-trastuzumab emtansine (T-DM1)", "DRUG"),
                                              Intervention("Herceptin", "BIOLOGICAL")])  # fmt: skip
    assert _labels(study) == {"trastuzumab emtansine", "trastuzumab"}


def test_not_drugs() -> None:
    study = Study(nct_id=None, interventions=[
        Intervention("Placebo", "DRUG"), Intervention("Hormonal Therapy", "DRUG"), Intervention("Chemotherapy", "DRUG"),
        Intervention("Biopsy", "PROCEDURE"), Intervention("89Zr-trastuzumab", "DRUG"), Intervention("PET/CT", "DEVICE"),
    ])  # fmt: skip
    assert _labels(study) == set()


def test_prior_therapy_in_arms_is_not_a_drug() -> None:
    study = Study(nct_id=None, interventions=[Intervention("DS-8201a", "DRUG")], arms=[
        Arm("Part 2", "Subjects with trastuzumab emtansine (T-DM1)-treated HER2-positive breast cancer"),
        Arm("Part 3", "Participants with prior ado-trastuzumab emtansine (T-DM1) with disease progression"),
    ])  # fmt: skip
    assert _labels(study) == {"trastuzumab deruxtecan"}


def test_cold_antibody_for_imaging_is_not_a_drug() -> None:
    study = Study(nct_id=None, interventions=[Intervention("89Zr-DFO-trastuzumab", "RADIATION")], arms=[
        Arm("PET", "Injection of cold trastuzumab will be mixed with 89Zr-DFO-trastuzumab so that total mass is 50 mg"),
    ])  # fmt: skip
    assert _labels(study) == set()


def test_vector_given_as_therapy_is_a_drug() -> None:
    study = Study(nct_id=None, interventions=[
        Intervention("Copper Cu 64-DOTA-Trastuzumab", "RADIATION"),
        Intervention("Trastuzumab", "BIOLOGICAL", "Given IV"),
        Intervention("Pertuzumab", "BIOLOGICAL", "Given IV"),
    ])  # fmt: skip
    assert _labels(study) == {"trastuzumab", "pertuzumab"}


def test_drug_outside_the_vocabulary_is_kept_ungrounded() -> None:
    # Sargramostim (NCT02667496 of the dementia CSV) is outside the HER2 vocabulary.
    (drug,) = find_drugs(Study(nct_id=None, interventions=[Intervention("Sargramostim 250 mcg/m2", "DRUG")]), [])
    assert (drug.label, drug.grounded) == ("sargramostim", False)
    assert normalize_name("XYZ-123 200 mg tablets (oral)") == "xyz-123"


def test_real_records() -> None:
    assert _labels(_fixture("NCT03529110.json")) == {"trastuzumab deruxtecan", "trastuzumab emtansine"}
    assert _labels(_fixture("NCT06830382.page.txt")) == {"trastuzumab deruxtecan"}
    assert _labels(_fixture("NCT07130344.page.txt")) == {"trastuzumab deruxtecan"}
    assert _labels(_fixture("NCT04547309.page.txt")) == set()
    assert _labels(_fixture("NCT01858116.xml")) == set()
