"""trialkg fetch against a stand-in of the API on 127.0.0.1 that pages real v2 studies and misbehaves on cue."""

from __future__ import annotations

import copy
import gzip
import json
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from replay import Registry, nct, posted, serve
from trialkg.build import build
from trialkg.cache import Cache, changed_fields, study_hash
from trialkg.cli import main
from trialkg.fetch import Client, FetchError, Search, _retry_after
from trialkg.queries import run
from trialkg.store import Store

URO = "corpus/Marc-Morcos__ClinicalTrials-Urology-Database-Word-Counter/ctg-studies.json.zip"
CANCER = Search.of({"query.term": "cancer"})
STATUS = "protocolSection.statusModule.overallStatus"


@pytest.fixture
def studies(shared: Path) -> list[dict[str, Any]]:
    """The 635 real v2 studies of a ClinicalTrials.gov bulk download, in its order."""
    with zipfile.ZipFile(shared / URO) as z:
        return [json.loads(z.read(n)) for n in z.namelist() if n.endswith(".json")]


def _fixture_studies() -> list[dict[str, Any]]:
    names = ("NCT03529110.json", "NCT03377387.json", "NCT06600893.v2.json")
    return [json.loads((FIXTURES / n).read_text()) for n in names]


def _client(api: str, sleeps: list[float] | None = None, **kw: Any) -> Client:
    return Client(api, per_minute=0, sleep=(sleeps if sleeps is not None else []).append, **kw)


def _ledger_studies(cache: Path) -> list[dict[str, Any]]:
    return [e for e in Cache(cache).entries() if "study" in e]


def _cancer(registry: Registry) -> list[dict[str, Any]]:
    return [s for s in registry.studies if "cancer" in json.dumps(s).lower()]


def test_every_record_arrives_once_through_429_500_slow_and_cut_responses(studies: list[Any], tmp_path: Path) -> None:
    reg = Registry(studies, faults={2: "429", 4: "500", 6: "slow", 8: "cut", 10: "cut-open"}, slow_seconds=5.0)
    sleeps: list[float] = []
    with serve(reg) as api:
        report = Cache(tmp_path).fetch(_client(api, sleeps, timeout=2.0), CANCER, None, page_size=40)
    want = _cancer(reg)
    assert len(want) > 200
    assert (report.received, report.new, report.total, report.again) == (len(want), len(want), len(want), 0)
    lines = _ledger_studies(tmp_path)
    assert Counter(e["study"] for e in lines) == Counter(nct(s) for s in want)  # each once, none missing
    # The pages, as kept, hold exactly what the server sent, in its order.
    kept = [s for page in sorted((tmp_path / "pages").rglob("*.json.gz"))
            for s in json.loads(gzip.decompress(page.read_bytes()))["studies"]]  # fmt: skip
    assert kept == want
    assert sleeps[0] == 1.0 and len(sleeps) == 5  # Retry-After honoured, then a backoff for each other fault
    assert all(h["User-Agent"].startswith("trialkg/") and "gzip" in h["Accept-Encoding"] for _, _, h in reg.requests)
    assert len(reg.requests) == report.pages + 5


def test_a_second_update_fetches_nothing_new_and_a_third_gets_what_changed(studies: list[Any], tmp_path: Path) -> None:
    reg = Registry(studies[:600])
    with serve(reg) as api:
        client = _client(api)
        first = Cache(tmp_path).fetch(client, CANCER, None, page_size=100)
        newest = max(posted(s) for s in _cancer(reg))
        assert Cache(tmp_path).baseline(CANCER) == newest
        before = len(_ledger_studies(tmp_path))
        second = Cache(tmp_path).fetch(client, CANCER, Cache(tmp_path).baseline(CANCER), page_size=100)
        assert reg.requests[-1][1]["filter.advanced"] == [f"AREA[LastUpdatePostDate]RANGE[{newest},MAX]"]
        assert (second.new, second.changed) == (0, 0) and second.unchanged == second.received > 0
        assert len(_ledger_studies(tmp_path)) == before == first.new
        # The registry moves on: three trials are terminated, two new ones match.
        changed = _cancer(reg)[:3]
        old = {nct(s): s["protocolSection"]["statusModule"]["overallStatus"] for s in changed}
        # The range is inclusive: records posted on the newest day come again (unchanged) until a newer one.
        again = {nct(s) for s in _cancer(reg) if posted(s) == newest} - {nct(s) for s in changed}
        for s in changed:
            s["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
            s["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2025-01-10"
            s["derivedSection"]["miscInfoModule"]["versionHolder"] = "2025-01-11"  # changes daily: not a change
        new = [copy.deepcopy(s) for s in studies[600:] if "cancer" in json.dumps(s).lower()][:2]
        for s in new:
            s["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2025-01-11"
        reg.studies += new
        third = Cache(tmp_path).fetch(client, CANCER, Cache(tmp_path).baseline(CANCER), page_size=100)
        assert (third.received, third.new, third.changed, third.unchanged) == (5 + len(again), 2, 3, len(again))
        lines = _ledger_studies(tmp_path)[before:]
        assert {e["study"]: e["changed"] for e in lines} == {
            **{nct(s): [STATUS] for s in changed}, **{nct(s): None for s in new}}
        # What moved, old and new value, in the ledger and in the report the command prints.
        assert {e["study"]: e["values"][STATUS][1] for e in lines if "values" in e} == {
            nct(s): "TERMINATED" for s in changed}
        assert sorted(third.moves) == sorted(f"{nct(s)}: overallStatus {old[nct(s)]} -> TERMINATED" for s in changed)
        fourth = Cache(tmp_path).fetch(client, CANCER, Cache(tmp_path).baseline(CANCER), page_size=100)
        assert (fourth.new, fourth.changed, fourth.unchanged) == (0, 0, 2)  # the two posted on the newest day


def test_build_replaces_only_the_changed_trials_and_keeps_their_history(studies: list[Any], tmp_path: Path) -> None:
    reg, cache, store = Registry(studies[:300]), tmp_path / "cache", Store(tmp_path / "store")
    with serve(reg) as api:
        client = _client(api)
        Cache(cache).fetch(client, CANCER, None, page_size=50)
        first = build(store, [str(cache)], jobs=1)
        n = len(_cancer(reg))
        assert (first.written, first.validation.severities["Violation"], first.skipped) == (n, 0, [])
        target = _cancer(reg)[5]
        old_status, old_posted = target["protocolSection"]["statusModule"]["overallStatus"], posted(target)
        target["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
        target["protocolSection"]["statusModule"]["whyStopped"] = "Sponsor decision"
        target["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2025-02-03"
        Cache(cache).fetch(client, CANCER, Cache(cache).baseline(CANCER), page_size=50)
    second = build(store, [str(cache)], jobs=1)
    assert (second.written, second.unchanged, second.validation.severities["Violation"]) == (1, n - 1, 0)
    assert build(store, [str(cache)], jobs=1).written == 0  # nothing new: nothing written
    trial = f"<https://w3id.org/trialkg/trial/{nct(target)}>"
    graphs = list(store.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?g tkg:describes {trial} }} }}"))
    assert len(graphs) == 1  # the new version replaced the old one: one graph per trial
    (status,) = store.select(f"SELECT ?s WHERE {{ {trial} tkg:status ?s }}")
    assert status["s"] == "TERMINATED"
    rows = run("trial-history", {"nctId": nct(target)}, store=store).dicts()
    assert [(r["state"], r["posted"]) for r in rows] == [("current", "2025-02-03"), ("earlier", old_posted)]
    assert set(rows[0]["changed"].split("; ")) == {STATUS, "protocolSection.statusModule.whyStopped"}
    # The earlier version is readable whole where its provenance says it is.
    path, index = rows[1]["where"].rsplit(" [", 1)
    old = json.loads(gzip.decompress(Path(path).read_bytes()))["studies"][int(index.rstrip("]"))]
    assert nct(old) == nct(target) and old["protocolSection"]["statusModule"]["overallStatus"] == old_status


def test_giving_up_says_where_and_leaves_the_next_update_asking_everything(studies: list[Any], tmp_path: Path) -> None:
    reg = Registry(studies[:300], faults={n: "500" for n in range(3, 20)})
    with serve(reg) as api:
        client = _client(api, retries=2)
        with pytest.raises(FetchError, match=r"/api/v2/studies\?.*pageToken=.*: gave up after 3 attempts: HTTP 500"):
            Cache(tmp_path).fetch(client, CANCER, None, page_size=30)
        assert len(_ledger_studies(tmp_path)) == 60  # the two pages that came are kept
        assert Cache(tmp_path).baseline(CANCER) is None  # an unfinished fetch sets no baseline
        reg.faults.clear()
        again = Cache(tmp_path).fetch(client, CANCER, Cache(tmp_path).baseline(CANCER), page_size=30)
    assert again.since is None and (again.unchanged, again.new) == (60, len(_cancer(reg)) - 60)


def test_a_refused_search_is_not_retried(tmp_path: Path) -> None:
    reg = Registry(_fixture_studies())
    with serve(reg) as api, pytest.raises(FetchError, match=r"refused .*HTTP 400: filter.advanced: only"):
        Cache(tmp_path).fetch(_client(api), Search.of({"filter.advanced": "AREA[Phase]PHASE2"}), None)
    assert len(reg.requests) == 1


def test_nct_ids_not_in_the_registry_are_named(tmp_path: Path) -> None:
    reg = Registry(_fixture_studies())
    with serve(reg) as api:
        report = Cache(tmp_path).fetch(_client(api), Search.of({}, ["NCT03529110", "NCT03377387", "NCT09999999"]), None)
    assert (report.received, report.missing) == (2, ["NCT09999999"])
    assert reg.requests[0][1]["filter.ids"] == ["NCT03377387,NCT03529110,NCT09999999"]


def test_searches_are_checked_and_written_down_one_way() -> None:
    s = Search.of({"filter.overallStatus": "recruiting, completed", "query.cond": "HER2"}, ["NCT03529110"] * 2)
    assert s.params == (("filter.overallStatus", "RECRUITING,COMPLETED"), ("query.cond", "HER2")) and len(s.ids) == 1
    assert s.key == Search.of({"query.cond": "HER2", "filter.overallStatus": "RECRUITING,COMPLETED"},
                              ["NCT03529110"]).key  # fmt: skip
    for params, ids, message in [({"cond": "x"}, [], "not a search parameter"), ({}, ["NCT123"], "not an NCT id"),
                                 ({"filter.overallStatus": "OPEN"}, [], "unknown status"), ({}, [], "nothing")]:
        with pytest.raises(FetchError, match=message):
            Search.of(params, ids)


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert _retry_after("7") == 7.0 and _retry_after(None) is None and _retry_after("soon") is None
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date gone by: no wait


def test_what_changed_between_versions_of_a_real_record() -> None:
    study = json.loads((FIXTURES / "NCT03377387.json").read_text())
    later = copy.deepcopy(study)
    later["derivedSection"]["miscInfoModule"]["versionHolder"] = "2030-01-01"
    assert study_hash(later) == study_hash(study) and changed_fields(study, later) == []
    later["protocolSection"]["contactsLocationsModule"]["locations"].pop()
    later["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = 99
    later["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2030-01-01"
    assert study_hash(later) != study_hash(study)
    assert changed_fields(study, later) == ["protocolSection.contactsLocationsModule.locations",
                                            "protocolSection.designModule.enrollmentInfo.count"]  # fmt: skip


def test_a_ledger_line_cut_by_a_killed_fetch_is_passed_over(tmp_path: Path) -> None:
    reg = Registry(_fixture_studies())
    with serve(reg) as api:
        Cache(tmp_path).fetch(_client(api), Search.of({}, ["NCT03529110"]), None)
        with (tmp_path / "ledger.jsonl").open("a") as fh:
            fh.write('{"study": "NCT0352')
        Cache(tmp_path).fetch(_client(api), Search.of({}, ["NCT03377387"]), None)
    assert sorted(Cache(tmp_path).versions()) == ["NCT03377387", "NCT03529110"]


def test_a_lost_cached_response_is_reported_and_the_others_built(tmp_path: Path) -> None:
    reg = Registry(_fixture_studies())
    with serve(reg) as api:
        Cache(tmp_path / "c").fetch(_client(api), Search.of({}, [nct(s) for s in reg.studies]), None, page_size=1)
    (page,) = [p for p in (tmp_path / "c" / "pages").rglob("0002.json.gz")]
    page.unlink()
    report = build(Store(tmp_path / "s"), [str(tmp_path / "c")], jobs=1)
    assert report.written == 2 and [s.reason.split(":")[0] for s in report.skipped] == ["cached response unreadable"]


def test_cli_fetch_saves_a_search_refreshes_it_and_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    reg = Registry(_fixture_studies())
    with serve(reg) as api:
        flags = ["--api", api, "--rate", "0", "-q"]
        assert main(["fetch", "--query", "HER2", "--status", "active_not_recruiting,completed", "--save", "her2",
                     *flags]) == 0  # fmt: skip
        out = capsys.readouterr().out
        assert "search 'her2' saved" in out and ": 2 studies in 1 page: 2 new, 0 changed" in out
        saved = (tmp_path / "trialkg.toml").read_text()
        assert ('[searches.her2]\n"filter.overallStatus" = "ACTIVE_NOT_RECRUITING,COMPLETED"\n'
                '"query.term" = "HER2"') in saved
        assert main(["fetch", *flags]) == 0  # the saved search, updated since its newest record
        out = capsys.readouterr().out
        assert "her2 (" in out and "updated since 20" in out and "0 new, 0 changed" in out
        status = reg.studies[0]["protocolSection"]["statusModule"]
        was, status["overallStatus"] = status["overallStatus"], "COMPLETED"
        status["lastUpdatePostDateStruct"]["date"] = "2030-01-02"
        assert main(["fetch", *flags]) == 0  # the registry moved: what changed is said
        assert f"  NCT03529110: overallStatus {was} -> COMPLETED\n" in capsys.readouterr().out
    assert main(["build", "trialkg-cache", "--store", "st", "-q"]) == 0
    assert "2 records written" in capsys.readouterr().out
    # Refused: one line each, no traceback.
    assert main(["fetch", "--search", "nope", *flags]) == 2
    assert main(["fetch", "--query", "x", "--api", "http://127.0.0.1:9/api/v2", "--retries", "0", "-q"]) == 1
    assert main(["fetch", "--query", "x", "--page-size", "5000", "--cache", "c2"]) == 2
    assert main(["fetch", "--query", "x", "--since", "2025-13-01", "--cache", "c2"]) == 2
    err = capsys.readouterr().err
    assert "no saved search 'nope'" in err and "cannot connect" in err and "Traceback" not in err
    assert "a page holds 1 to 1,000 studies" in err and "'2025-13-01' is not a date" in err
    assert not (tmp_path / "c2").exists()
    # The run the unreachable API cut short left its ledger lines but no empty page folder.
    assert all(any(run.iterdir()) for run in (tmp_path / "trialkg-cache" / "pages").iterdir())
