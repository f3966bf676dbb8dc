"""The shapes of a record fetched from the API and its earlier versions (shapes/provenance.ttl), on a real
record fetched twice, whole and broken one way at a time."""

from __future__ import annotations

import pytest
from shapecheck import Case, property_shapes, results

DATA = "fetched.ttl"
REC = "graph/NCT03377387-a67d8cfcb256e7be"
R = f"<{REC}>"
VER = "version/NCT03377387/2020-07-14-ad131c8976b2"
V = f"<{VER}>"
TRIAL = "<trial/NCT03377387>"
URL = "http://127.0.0.1:36539/api/v2/studies?filter.ids=NCT03377387&format=json&pageSize=200&countTotal=true"
WHEN = '"2026-11-22T02:06:30Z"^^xsd:dateTime'
CACHED = "tests/fixtures/NCT03377387.fetched/pages/20261122T020630Z/0001.json.gz [0]"
FIELD = '"protocolSection.statusModule.overallStatus"'

CASES = [
    Case("posted-twice", DATA, {("SourceRecord-versionPosted", REC, "tkg:versionPosted", "MaxCount")},
         add=f'{R} tkg:versionPosted "2023-04-19"^^xsd:date .'),
    Case("posted-as-string", DATA, {("SourceRecord-versionPosted", REC, "tkg:versionPosted", "Datatype")},
         remove=f'{R} tkg:versionPosted "2023-04-18"^^xsd:date .', add=f'{R} tkg:versionPosted "2023-04-18" .'),
    Case("retrieved-as-date", DATA, {("SourceRecord-retrievedAt", REC, "tkg:retrievedAt", "Datatype")},
         remove=f"{R} tkg:retrievedAt {WHEN} .", add=f'{R} tkg:retrievedAt "2026-11-22"^^xsd:date .'),
    Case("request-not-a-url", DATA, {("SourceRecord-requestUrl", REC, "tkg:requestUrl", "Pattern")},
         remove=f'{R} tkg:requestUrl "{URL}"^^xsd:anyURI .', add=f'{R} tkg:requestUrl "studies?x=1"^^xsd:anyURI .'),
    Case("empty-changed-field", DATA, {("SourceRecord-changedField", REC, "tkg:changedField", "MinLength")},
         add=f'{R} tkg:changedField "" .'),
    Case("revises-an-untyped-node", DATA, {("SourceRecord-wasRevisionOf", REC, "prov:wasRevisionOf", "Class")},
         remove=f"{R} prov:wasRevisionOf {V} .", add=f"{R} prov:wasRevisionOf <version/NCT03377387/x> ."),
    Case("version-not-a-prov-entity", DATA, {("RecordVersion", VER, "-", "Class")}, remove=f"{V} a prov:Entity ."),
    Case("version-label-of-another-form", DATA, {("RecordVersion-label", VER, "rdfs:label", "Pattern")},
         remove=f'{V} rdfs:label "NCT03377387 as posted 2020-07-14" .', add=f'{V} rdfs:label "old version" .'),
    Case("version-of-nothing", DATA, {("RecordVersion-versionOf", VER, "tkg:versionOf", "MinCount")},
         remove=f"{V} tkg:versionOf {TRIAL} ."),
    Case("version-posted-as-year", DATA, {("RecordVersion-versionPosted", VER, "tkg:versionPosted", "Datatype")},
         remove=f'{V} tkg:versionPosted "2020-07-14"^^xsd:date .', add=f'{V} tkg:versionPosted "2020"^^xsd:gYear .'),
    Case("version-never-retrieved", DATA, {("RecordVersion-retrievedAt", VER, "tkg:retrievedAt", "MinCount")},
         remove=f"{V} tkg:retrievedAt {WHEN} ."),
    Case("cached-response-without-index", DATA,
         {("RecordVersion-cachedResponse", VER, "tkg:cachedResponse", "Pattern")},
         remove=f'{V} tkg:cachedResponse "{CACHED}" .', add=f'{V} tkg:cachedResponse "{CACHED[:-4]}" .'),
    Case("version-changed-field-typed", DATA, {("RecordVersion-changedField", VER, "tkg:changedField", "Datatype")},
         add=f"{V} tkg:changedField {FIELD}^^xsd:token ."),
    Case("version-revises-itself-twice", DATA,
         {("RecordVersion-wasRevisionOf", VER, "prov:wasRevisionOf", "MaxCount"),
          ("RecordVersion-wasRevisionOf", VER, "prov:wasRevisionOf", "Class")},
         add=f"{V} prov:wasRevisionOf {V}, {R} ."),
]  # fmt: skip


def test_a_real_fetched_record_and_its_earlier_version_conform() -> None:
    assert results(Case("whole", DATA, set()).graph()) == set()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_broken_fetched_record_is_reported(case: Case) -> None:
    assert results(case.graph()) == case.expect


def test_every_version_shape_has_a_violating_case() -> None:
    hit = {name for case in CASES for name, *_ in case.expect}
    new = {"SourceRecord-versionPosted", "SourceRecord-retrievedAt", "SourceRecord-requestUrl",
           "SourceRecord-changedField", "SourceRecord-wasRevisionOf"}  # fmt: skip
    assert (property_shapes("RecordVersion") | new) <= hit and "RecordVersion" in hit
