"""The tkg:SourceRecord shape (shapes/provenance.ttl) on real provenance, whole and broken one way at a time."""

from __future__ import annotations

import pytest
from shapecheck import Case, property_shapes, results
from test_versions import CASES as FETCHED

PROV = "provenance.ttl"
REC = "graph/NCT02369484-db9b201d3cb56d85"
R = f"<{REC}>"
HASH = "730595e9ccb40da3dbe3ff1ebb87769e5c34a5a464f9bf11167505d7a6811020"
FILE = "/work/shared/corpus/vrinda2019__NSCLCBench/ctg-studies.json"
WHEN = '"2026-11-21T11:43:15Z"^^xsd:dateTime'
SHAPES = "469287dc6d719426797cc4feebfc850ce2d1e74089a0517b24f29b4613f654fd"

CASES = [
    Case("not-a-prov-entity", PROV, {("SourceRecord", REC, "-", "Class")}, remove=f"{R} a prov:Entity ."),
    Case("without-label", PROV, {("SourceRecord-label", REC, "rdfs:label", "MinCount")},
         remove=f'{R} rdfs:label "source record {FILE} [8]" .'),
    Case("two-labels", PROV, {("SourceRecord-label-count", REC, "rdfs:label", "MaxCount")},
         add=f'{R} rdfs:label "source record {FILE}" .'),
    Case("label-of-another-form", PROV, {("SourceRecord-label", REC, "rdfs:label", "Pattern")},
         remove=f'{R} rdfs:label "source record {FILE} [8]" .', add=f'{R} rdfs:label "{FILE} [8]" .'),
    Case("describes-nothing", PROV, {("SourceRecord-describes", REC, "tkg:describes", "MinCount")},
         remove=f"{R} tkg:describes <trial/NCT02369484> ."),
    Case("describes-an-untyped-trial", PROV, {("SourceRecord-describes", REC, "tkg:describes", "Class")},
         remove=f"{R} tkg:describes <trial/NCT02369484> .", add=f"{R} tkg:describes <trial/NCT02369485> ."),
    Case("describes-two-trials", PROV, {("SourceRecord-describes", REC, "tkg:describes", "MaxCount")},
         add=f"{R} tkg:describes <trial/NCT04547309> ."),
    Case("without-source-file", PROV, {("SourceRecord-sourceFile", REC, "tkg:sourceFile", "MinCount")},
         remove=f'{R} tkg:sourceFile "{FILE}" .'),
    Case("two-positions", PROV, {("SourceRecord-recordPosition", REC, "tkg:recordPosition", "MaxCount")},
         add=f'{R} tkg:recordPosition "[9]" .'),
    Case("empty-position", PROV, {("SourceRecord-recordPosition", REC, "tkg:recordPosition", "MinLength")},
         remove=f'{R} tkg:recordPosition "[8]" .', add=f'{R} tkg:recordPosition "" .'),
    Case("without-format", PROV, {("SourceRecord-sourceFormat-count", REC, "tkg:sourceFormat", "MinCount")},
         remove=f'{R} tkg:sourceFormat "ctgov-v2" .'),
    Case("unknown-format", PROV, {("SourceRecord-sourceFormat-value", REC, "tkg:sourceFormat", "In")},
         remove=f'{R} tkg:sourceFormat "ctgov-v2" .', add=f'{R} tkg:sourceFormat "json" .'),
    Case("without-hash", PROV, {("SourceRecord-contentHash", REC, "tkg:contentHash", "MinCount")},
         remove=f'{R} tkg:contentHash "{HASH}" .'),
    Case("hash-upper-case", PROV, {("SourceRecord-contentHash", REC, "tkg:contentHash", "Pattern")},
         remove=f'{R} tkg:contentHash "{HASH}" .', add=f'{R} tkg:contentHash "{HASH.upper()}" .'),
    Case("version-with-v", PROV, {("SourceRecord-trialkgVersion", REC, "tkg:trialkgVersion", "Pattern")},
         remove=f'{R} tkg:trialkgVersion "0.1.0" .', add=f'{R} tkg:trialkgVersion "v0.1" .'),
    Case("without-load-time", PROV, {("SourceRecord-generatedAtTime", REC, "prov:generatedAtTime", "MinCount")},
         remove=f"{R} prov:generatedAtTime {WHEN} ."),
    Case("load-time-as-string", PROV, {("SourceRecord-generatedAtTime", REC, "prov:generatedAtTime", "Datatype")},
         remove=f"{R} prov:generatedAtTime {WHEN} .", add=f'{R} prov:generatedAtTime "2026-11-21T11:43:15Z" .'),
    Case("validated-against-two-shapes", PROV,
         {("SourceRecord-validatedAgainst", REC, "tkg:validatedAgainst", "MaxCount")},
         add=f'{R} tkg:validatedAgainst "{SHAPES[::-1]}" .'),
    Case("shapes-digest-truncated", PROV,
         {("SourceRecord-validatedAgainst", REC, "tkg:validatedAgainst", "Pattern")},
         remove=f'{R} tkg:validatedAgainst "{SHAPES}" .', add=f'{R} tkg:validatedAgainst "{SHAPES[:12]}" .'),
    Case("negative-violation-count", PROV,
         {("SourceRecord-violationCount", REC, "tkg:violationCount", "MinInclusive")},
         remove=f"{R} tkg:violationCount 0 .", add=f"{R} tkg:violationCount -1 ."),
    Case("violation-count-twice", PROV, {("SourceRecord-violationCount", REC, "tkg:violationCount", "MaxCount")},
         add=f"{R} tkg:violationCount 3 ."),
    # A string is not comparable with 0 either, so sh:minInclusive reports it too.
    Case("warning-count-as-string", PROV,
         {("SourceRecord-warningCount", REC, "tkg:warningCount", "Datatype"),
          ("SourceRecord-warningCount", REC, "tkg:warningCount", "MinInclusive")},
         remove=f"{R} tkg:warningCount 0 .", add=f'{R} tkg:warningCount "0" .'),
]  # fmt: skip


def test_real_source_records_conform() -> None:
    # One with a position inside its file (a JSON array member), one without (a whole text page).
    assert results(Case("whole", PROV, set()).graph()) == set()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_broken_source_record_is_reported(case: Case) -> None:
    assert results(case.graph()) == case.expect


def test_every_source_record_shape_has_a_violating_case() -> None:
    # The shapes of a record fetched from the API have theirs in test_versions.py.
    hit = {name for case in CASES + FETCHED for name, *_ in case.expect}
    assert property_shapes("SourceRecord") <= hit
