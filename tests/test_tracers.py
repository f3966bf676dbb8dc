"""Tracer recognition: every radionuclide notation, vectors, targets, and what is not a tracer."""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from trialkg.extract import FORMATS
from trialkg.model import Arm, Intervention, Study
from trialkg.readers import Record, read_paths
from trialkg.tracers import find_tracers


def _study(name: str, description: str | None = None, **kw: object) -> Study:
    return Study(nct_id=None, interventions=[Intervention(name, "DRUG", description)], **kw)  # type: ignore[arg-type]


def _keys(study: Study) -> set[tuple[str, str | None, str | None, str | None]]:
    return {(t.nuclide.label, t.vector, t.target, t.modality) for t in find_tracers(study)}


def _fixture(name: str) -> Study:
    (record,) = [r for r in read_paths([FIXTURES / name]) if isinstance(r, Record)]
    return FORMATS[record.format].parse(record.payload)


@pytest.mark.parametrize(
    "name",
    ["89Zr-trastuzumab", "Zr-89-trastuzumab", "Zr89-trastuzumab", "89-Zr-trastuzumab", "[89Zr]trastuzumab",
     "⁸⁹Zr-trastuzumab", "zirconium-89 trastuzumab", "Zirconium Zr 89 trastuzumab", "[89Zr]Zr-DFO-trastuzumab",
     "89Zr-Df-Trastuzumab", "[89Zr]-Df-Trastuzumab", "89Zr-DFO-Herceptin"],
)  # fmt: skip
def test_zirconium_notations(name: str) -> None:
    assert _keys(_study(name)) == {("Zr-89", "trastuzumab", "ERBB2", "PET")}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("[68Ga]Ga-ABY-025", ("Ga-68", "aby-025", "ERBB2", "PET")),
        ("68Ga-ABY-025", ("Ga-68", "aby-025", "ERBB2", "PET")),
        ("Ga-68 ABY-025", ("Ga-68", "aby-025", "ERBB2", "PET")),
        ("gallium Ga 68 ABY-025", ("Ga-68", "aby-025", "ERBB2", "PET")),
        ("68GaNOTA-Anti-HER2 VHH1", ("Ga-68", "anti-her2 vhh1", "ERBB2", "PET")),
        ("[18F]GE-226", ("F-18", "ge-226", "ERBB2", "PET")),
        ("[18F]AlF-NOTA-HER2 Affibody", ("F-18", "her2 affibody", "ERBB2", "PET")),
        ("18F-FDG PET-CT", ("F-18", "fluorodeoxyglucose", None, "PET")),
        ("Fludeoxyglucose F-18", ("F-18", "fluorodeoxyglucose", None, "PET")),
        ("copper Cu 64-DOTA-trastuzumab", ("Cu-64", "trastuzumab", "ERBB2", "PET")),
        ("64Cu-DOTA-trastuzumab", ("Cu-64", "trastuzumab", "ERBB2", "PET")),
        ("99mTc- ADAPT6", ("Tc-99m", "adapt6", "ERBB2", "SPECT")),
        ("111-In-ABY-025", ("In-111", "aby-025", "ERBB2", "SPECT")),
        ("124I-trastuzumab", ("I-124", "trastuzumab", "ERBB2", "PET")),
        ("Florbetapir F18", ("F-18", "florbetapir", None, "PET")),
    ],
)
def test_notations_vectors_targets_modalities(name: str, expected: tuple[str, str, str | None, str]) -> None:
    assert _keys(_study(name)) == {expected}


def test_one_vector_with_two_nuclides_is_two_tracers() -> None:
    assert _keys(_study("68Ga/18F-HER2 Affibody PET/CT scan")) == {
        ("Ga-68", "her2 affibody", "ERBB2", "PET"), ("F-18", "her2 affibody", "ERBB2", "PET")
    }  # fmt: skip


@pytest.mark.parametrize("name", ["177Lu-PSMA-617", "131I-SGMIB-anti-HER2 VHH1", "Lutetium Lu 177 dotatate"])
def test_therapeutic_radioligand_is_not_a_tracer(name: str) -> None:
    assert _keys(_study(name)) == set()


@pytest.mark.parametrize("name", ["PET/CT", "HER2-PET", "PET scan with contrast", "Phase I-131 study", "PD-1 blockade"])
def test_no_named_agent_no_tracer(name: str) -> None:
    assert _keys(_study(name)) == set()


def test_background_mention_in_description_is_not_administered() -> None:
    study = Study(
        nct_id=None,
        detailed_description="Because of the long half-life of 89Zr, 89Zr-trastuzumab is estimated to produce a "
        "dosimetry exposure of 0.5 mSv/MBq. In this study, 68Ga-HER2 Affibody PET/CT imaging will be performed.",
    )
    assert _keys(study) == {("Ga-68", "her2 affibody", "ERBB2", "PET")}


def test_outcomes_and_eligibility_name_no_tracer() -> None:
    study = Study(nct_id=None, eligibility_criteria="Prior 18F-FDG PET within 4 weeks", arms=[Arm("Cohort 1")])
    assert _keys(study) == set()


def test_real_records() -> None:
    assert _keys(_fixture("NCT01858116.xml")) == {("Ga-68", "aby-025", "ERBB2", "PET")}
    assert _keys(_fixture("NCT06830382.page.txt")) == {("Ga-68", "aby-025", "ERBB2", "PET")}
    two = {("Ga-68", "her2 affibody"), ("F-18", "her2 affibody")}
    assert {k[:2] for k in _keys(_fixture("NCT04547309.page.txt"))} == two
    assert _keys(_fixture("NCT07130344.page.txt")) == {("F-18", "fluorodeoxyglucose", None, "PET")}
    assert _keys(_fixture("NCT03529110.json")) == set()
    assert _keys(_fixture("NCT01832051.rowdump.txt")) == {("Zr-89", "trastuzumab", "ERBB2", "PET")}
    assert _keys(_fixture("NCT01832051.terse.txt")) == set()  # 'HER2-PET' names no agent
