"""Validation of built graphs: in build (verdicts, --strict), 'trialkg validate' on a store and on files,
its three report formats and exit codes, and the parallel run giving the serial run's results."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import SH

from conftest import FIXTURES
from trialkg.build import build
from trialkg.store import Store
from trialkg.terms import T
from trialkg.validate import validate_store

TRIAL = "https://w3id.org/trialkg/trial/NCT03529110"
ENROLLMENT = "https://w3id.org/trialkg/shapes#Trial-enrollment-value"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trialkg", *args], capture_output=True, text=True)


def _negative_enrollment(tmp_path: Path) -> Path:
    """The real v2 record of NCT03529110 with a broken enrollment count, as a source might send it."""
    study = json.loads((FIXTURES / "NCT03529110.json").read_text())
    study["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = -524
    bad = tmp_path / "NCT03529110.json"
    bad.write_text(json.dumps(study))
    return bad


@pytest.fixture(scope="module")
def fixtures_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("v") / "store"
    build(Store(path), [str(FIXTURES)])
    return path


def test_every_fixture_record_conforms_and_keeps_its_verdict(fixtures_store: Path) -> None:
    store = Store(fixtures_store, read_only=True)
    rows = list(store.select("SELECT ?g ?v ?w WHERE { GRAPH ?g { ?g tkg:violationCount ?v ; tkg:warningCount ?w } }"))
    graphs = list(store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?g a tkg:SourceRecord } }"))
    # Linked page graphs lost their verdict when their trial IRI was rewritten: they are checked afresh.
    unchecked = "SELECT ?g WHERE { GRAPH ?g { ?g tkg:describes ?t FILTER NOT EXISTS { ?g tkg:warningCount ?w } } }"
    linked = list(store.select(unchecked))
    assert len(rows) + len(linked) == len(graphs) and len(linked) == 2
    assert {r["v"] for r in rows} == {"0"}
    report = validate_store(fixtures_store, jobs=1)
    assert report.conforms() and report.severities["Violation"] == 0
    assert report.graphs == len(graphs) and report.trusted == sum(r["w"] == "0" for r in rows)


def test_linked_page_graph_names_the_registered_trial(fixtures_store: Path) -> None:
    # A page without NCT id, merged into NCT01832051, must say so in its own graph (tkgsh:TrialIdentity).
    report = validate_store(fixtures_store, full=True, jobs=1)
    assert not [f for f in report.findings if f.result.shape.endswith("TrialIdentity")]
    store = Store(fixtures_store, read_only=True)
    pages = ("SELECT ?g ?id WHERE { GRAPH ?g { ?g tkg:sourceFormat ?f FILTER(STRSTARTS(?f, 'page')) "
             "?g tkg:describes ?t . ?t tkg:nctId ?id } }")
    ids = {r["id"] for r in store.select(pages)}
    assert ids == {"NCT01832051", "NCT04547309", "NCT06830382", "NCT07130344"}


def test_full_and_parallel_runs_give_the_serial_results(fixtures_store: Path) -> None:
    serial = validate_store(fixtures_store, full=True, jobs=1)
    parallel = validate_store(fixtures_store, full=True, jobs=2)
    assert serial.trusted == 0 and serial.graphs == parallel.graphs
    assert sorted(serial.findings, key=repr) == sorted(parallel.findings, key=repr)
    assert serial.counts == parallel.counts
    # The real warnings of the fixtures: names trialkg merges (see tests/shapes/test_golden_graphs.py).
    # Shared entities are checked once, as the entities graph describes them (no trial: "").
    assert {(f.trial.rsplit("/", 1)[-1], f.result.shape.rsplit("#", 1)[1]) for f in serial.findings} == {
        ("NCT00495248", "Intervention-label-count"), ("NCT00495248", "Intervention-description-count"),
        ("NCT00499330", "Identifier-label-count"), ("NCT00499330", "Identifier-idValue-count"),
        # A person NCT01832051's records spell two ways; a site that NCT00499330 and NCT03377387 both list,
        # spelt differently by each: one node in the entities graph, two labels.
        ("", "Person-label-count"), ("", "Site-label-count"),
    }  # fmt: skip
    site = next(f for f in serial.findings if f.result.shape.endswith("Site-label-count"))
    assert site.graph == "https://w3id.org/trialkg/graph/entities"


def test_build_reports_violations_and_strict_keeps_the_record_out(tmp_path: Path) -> None:
    bad = _negative_enrollment(tmp_path)
    loose = build(Store(tmp_path / "loose"), [str(bad)])
    assert loose.written == 1 and loose.validation.severities["Violation"] == 1
    (finding,) = [f for f in loose.validation.findings if f.result.severity == "Violation"]
    assert (finding.trial, finding.result.shape, finding.result.component) == (TRIAL, ENROLLMENT, "MinInclusive")
    assert finding.result.value == '"-524"^^<http://www.w3.org/2001/XMLSchema#integer>'
    strict = build(Store(tmp_path / "strict"), [str(bad), str(FIXTURES / "NCT03377387.json")], strict=True)
    assert strict.written == 1 and strict.rejected == 1
    assert "fails validation: 1 violation(s)" in strict.skipped[0].reason
    store = Store(tmp_path / "strict", read_only=True)
    assert not list(store.select("SELECT ?t WHERE { ?t tkg:nctId 'NCT03529110' }"))


def test_strict_rebuild_removes_the_earlier_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "s")
    good = tmp_path / "good" / "NCT03529110.json"
    good.parent.mkdir()
    good.write_text((FIXTURES / "NCT03529110.json").read_text())
    build(store, [str(good)])
    bad = _negative_enrollment(tmp_path)
    good.write_text(bad.read_text())  # the same file, now broken
    report = build(store, [str(good)], strict=True)
    assert report.rejected == 1
    assert not list(store.select("SELECT ?t WHERE { ?t tkg:nctId 'NCT03529110' }"))


def test_cli_validate_store_text_json_turtle_and_exit_codes(tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    run("build", "--store", store, "-q", str(_negative_enrollment(tmp_path)), str(FIXTURES / "NCT00495248.xml"))
    text = run("validate", "--store", store, "-q")
    assert text.returncode == 1, text.stderr
    head, *rest = text.stdout.splitlines()
    assert "1 violations in 1 graphs, 2 warnings: does not conform" in head
    by_shape = rest.index("results by shape:")
    assert rest[by_shape + 2].split()[:4] == ["Violation", "1", "Trial-enrollment-value", "MinInclusive"]
    assert "trial/NCT03529110" in rest and "trial/NCT00495248" in rest  # details grouped by trial

    doc = json.loads(run("validate", "--store", store, "-q", "--format", "json").stdout)
    assert (doc["conforms"], doc["violations"], doc["warnings"], doc["graphs"]) == (False, 1, 2, 2)
    assert {r["trial"] for r in doc["results"]} == {TRIAL, "https://w3id.org/trialkg/trial/NCT00495248"}

    limited = json.loads(run("validate", "--store", store, "-q", "--format", "json", "--limit", "1").stdout)
    assert limited["shown"] == 1 and sum(s["count"] for s in limited["by_shape"]) == 3

    ttl = run("validate", "--store", store, "-q", "--format", "turtle")
    report = rdflib.Graph().parse(data=ttl.stdout, format="turtle")
    (root,) = report.subjects(rdflib.RDF.type, SH.ValidationReport)
    assert report.value(root, SH.conforms) == rdflib.Literal(False)
    (bad,) = [r for r in report.objects(root, SH.result) if report.value(r, SH.resultSeverity) == SH.Violation]
    assert report.value(bad, SH.focusNode) == rdflib.URIRef(TRIAL)
    assert report.value(bad, SH.resultPath) == rdflib.URIRef(T.enrollment.value)
    assert report.value(bad, SH.sourceConstraintComponent) == SH.MinInclusiveConstraintComponent
    assert report.value(bad, SH.value) == rdflib.Literal(-524)

    warnings_fail = run("validate", "--store", store, "-q", "--fail-on", "warning")
    assert warnings_fail.returncode == 1


def test_cli_validate_source_records_and_rdf_files(tmp_path: Path) -> None:
    ok = run("validate", "-q", str(FIXTURES / "NCT03377387.json"), str(FIXTURES / "NCT06830382.page.txt"))
    assert ok.returncode == 0 and ok.stdout.startswith("2 record graphs: 0 violations")
    bad = run("validate", "-q", str(_negative_enrollment(tmp_path)))
    assert bad.returncode == 1 and "Trial-enrollment-value" in bad.stdout

    # An RDF file (the build's graph of one record, as TriG): its named graph is validated as it is.
    store = Store(tmp_path / "s")
    build(store, [str(_negative_enrollment(tmp_path))])
    trig = tmp_path / "dump.trig"
    trig.write_bytes(store._store.dump(format=ox.RdfFormat.TRIG))
    from_file = json.loads(run("validate", "-q", "--format", "json", str(trig)).stdout)
    assert (from_file["violations"], from_file["graphs"]) == (1, 1)
    assert from_file["results"][0]["shape"] == ENROLLMENT


def test_cli_validate_errors_are_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("<urn:a> <urn:b> .\n")
    done = run("validate", "-q", str(broken))
    assert done.returncode == 2 and "broken.ttl: not valid Turtle" in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.strip().count("\n") == 0
    none = run("validate", "-q", "--store", str(tmp_path / "nothing"))
    assert none.returncode == 2 and "no trialkg store here" in none.stderr
    junk = tmp_path / "junk.txt"
    junk.write_text("hello")
    skipped = run("validate", "-q", str(junk))
    assert skipped.returncode == 2 and "junk.txt: skipped: not a recognized trial format" in skipped.stderr


def test_other_shapes_are_checked_afresh_not_trusted(tmp_path: Path, fixtures_store: Path) -> None:
    # Verdicts recorded by build hold for trialkg's shapes only: other shapes re-read every graph.
    folder = tmp_path / "shapes"
    folder.mkdir()
    (folder / "acronym.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix tkg: <https://w3id.org/trialkg/ontology#> .\n"
        "<urn:needs-acronym> a sh:NodeShape ; sh:targetClass tkg:Trial ;\n"
        "  sh:property [ sh:path tkg:acronym ; sh:minCount 1 ; sh:message 'A trial needs an acronym here.' ] .\n"
    )
    report = validate_store(fixtures_store, jobs=1, folder=str(folder))
    store = Store(fixtures_store, read_only=True)
    with_acronym = {r["g"] for r in store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?t tkg:acronym ?a } }")}
    assert report.trusted == 0 and not report.conforms()
    full = validate_store(fixtures_store, jobs=1, full=True, folder=str(folder))
    assert {f.graph for f in report.findings} == {f.graph for f in full.findings}
    assert report.failing_graphs.isdisjoint(with_acronym)
    assert len(report.failing_graphs) == report.graphs - len(with_acronym)


def test_bad_shapes_are_one_line_errors(tmp_path: Path, fixtures_store: Path) -> None:
    folder = tmp_path / "shapes"
    folder.mkdir()
    empty = run("validate", "--store", str(fixtures_store), "--shapes", str(folder), "-q")
    assert empty.returncode == 2 and "no SHACL shapes files" in empty.stderr
    (folder / "closed.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ; sh:closed true ."
    )
    closed = run("validate", "--store", str(fixtures_store), "--shapes", str(folder), "-q")
    assert closed.returncode == 2 and "sh:closed is not supported" in closed.stderr
    (folder / "closed.ttl").write_text("<urn:a> <urn:b> .")
    broken = run("validate", "--store", str(fixtures_store), "--shapes", str(folder), "-q")
    assert broken.returncode == 2 and "closed.ttl: not valid Turtle" in broken.stderr
    for done in (empty, closed, broken):
        assert "Traceback" not in done.stderr and done.stderr.strip().count("\n") == 0


def test_records_that_disagree_on_an_entity_give_a_warning_once(tmp_path: Path) -> None:
    # Two dumps of one trial, the later one classing the lead sponsor 'OTHER' instead of 'INDUSTRY'.
    first = tmp_path / "NCT03529110.json"
    shutil.copy(FIXTURES / "NCT03529110.json", first)
    record = json.loads(first.read_text())
    record["protocolSection"]["sponsorCollaboratorsModule"]["leadSponsor"]["class"] = "OTHER"
    later = tmp_path / "later" / "NCT03529110.json"
    later.parent.mkdir()
    later.write_text(json.dumps(record))
    build(Store(tmp_path / "store"), [str(first), str(later)])
    report = validate_store(tmp_path / "store", full=True, jobs=1)
    agency = [f for f in report.findings if f.result.shape.endswith("Organization-agencyClass-count")]
    assert len(agency) == 1 and report.conforms()
    assert agency[0].result.severity == "Warning" and agency[0].result.message.startswith("Records disagree: ")
    assert agency[0].result.focus == "<https://w3id.org/trialkg/org/daiichi-sankyo>"
