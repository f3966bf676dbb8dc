"""The ``trialkg`` command line: each command parses its options and calls the library."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .build import build
from .card import trial_iris, write_cards
from .extract import FORMATS
from .fetch import API, FetchError
from .queries import QueryError
from .remote import RemoteError
from .serve import ServeError
from .shacl import ShapesError
from .store import Store, StoreError, default_path

__all__ = ["main"]


class UserError(Exception):
    """A mistake of the user's: one line on stderr, no traceback."""


def _rows_args(p: argparse.ArgumentParser) -> None:
    _store_arg(p)
    p.add_argument("--endpoint", help="a SPARQL 1.1 endpoint URL to query instead of the store")
    p.add_argument("--format", choices=("table", "csv", "tsv", "json"), default="table",
                   help="table (default), or the SPARQL 1.1 CSV, TSV or JSON results format")  # fmt: skip


def _store_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", type=Path, default=None,
                   help="store folder (default: $TRIALKG_STORE or ./trialkg-store)")  # fmt: skip


def _cmd_build(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    store = Store(args.store or default_path())
    report = build(store, args.paths, progress=lambda items: tqdm(items, unit=" records", desc="build",
                   disable=args.quiet or None), contacts=args.with_contacts, validate=not args.no_validate,
                   strict=args.strict, prune=args.prune, jobs=args.jobs)  # fmt: skip
    from .report import print_build

    print_build(report, store.path, args.warnings, args.report)
    return 1 if report.written + report.unchanged == 0 and report.skipped else 0


def _cmd_fetch(args: argparse.Namespace) -> int:
    from .fetch import Client
    from .project import FILE, load, refresh

    project = load(args.project or Path(FILE))
    given = {api: getattr(args, opt) for opt, api in _SEARCH_OPTIONS.items() if getattr(args, opt)}
    searches, saved = project.choose({**given, **_params(args.param)}, args.nct_ids, args.save, args.search)
    client = Client(args.api, args.rate, args.timeout, args.retries,
                    on_retry=lambda m: print(f"trialkg fetch: {m}", file=sys.stderr))  # fmt: skip
    ok = refresh(args.cache or project.cache, client, searches, since=args.since, page_size=args.page_size,
                 update=args.update or (saved and not args.since), quiet=args.quiet)  # fmt: skip
    return 0 if ok else 1


_SEARCH_OPTIONS = {"query": "query.term", "condition": "query.cond", "intervention": "query.intr",
                   "sponsor": "query.spons", "location": "query.locn", "title": "query.titles",
                   "status": "filter.overallStatus", "advanced": "filter.advanced"}  # fmt: skip


def _cmd_related(args: argparse.Namespace) -> int:
    from .related import RelatedError, suggest, titles

    if args.all or args.write:
        if not (args.all and args.write) or args.trial:
            raise UserError("--all and --write go together, without a trial: they write every trial's top k")
        from tqdm import tqdm

        from .suggestions import write_all

        store = Store(args.store or default_path())
        with tqdm(unit=" trials", desc="related", disable=None) as bar:
            trials, written, results = write_all(store, args.k, args.text_weight, bar.update, args.jobs)
        bad = sum(r.severity == "Violation" for r in results)
        print(f"{store.path}: {written} suggestions written for {trials} trials"
              + (f"; {bad} shape violations" if bad else ""))  # fmt: skip
        return 1 if bad else 0
    if not args.trial:
        raise UserError("give an NCT id or a record file, or --all --write")
    store = Store(args.store or default_path(), read_only=True)
    try:
        trial, found = suggest(store, args.trial, args.k, args.text_weight)
    except RelatedError as exc:
        raise UserError(str(exc)) from None
    names = titles(store, [s.trial for s in found])
    if args.json:
        rows = [{"nct_id": s.trial.rsplit("/", 1)[1], "iri": s.trial, "score": round(s.score, 4),
                 "title": names.get(s.trial), "reasons": s.reasons} for s in found]  # fmt: skip
        print(json.dumps({"trial": trial, "related": rows}, indent=2, ensure_ascii=False))
    for rank, s in enumerate(found if not args.json else [], 1):
        print(f"{rank:>2}. {s.trial.rsplit('/', 1)[1]:<24} {s.score:.3f}  {names.get(s.trial, '')[:70]}")
        if args.explain:
            print("    " + ("; ".join(s.reasons) or "similar by the sum of small overlaps"))
    return 0 if found else 1


def _cmd_card(args: argparse.Namespace) -> int:
    store = Store(args.store or default_path(), read_only=True)
    if not args.nct_ids and not args.all:
        raise UserError("give NCT ids or --all")
    ids = trial_iris(store) if args.all else args.nct_ids
    try:
        missing = write_cards(store, ids, sys.stdout, array=args.all or len(args.nct_ids) > 1)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    for nct in missing:
        print(f"trialkg card: {nct} is not in the store {store.path}", file=sys.stderr)
    return 1 if missing else 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .report import render
    from .validate import validate_files, validate_store

    folder = str(args.shapes) if args.shapes else None
    limit = args.limit if args.limit is not None else (100 if args.format == "text" else None)
    bar = tqdm(unit=" graphs", desc="validate", disable=args.quiet or None, file=sys.stderr)
    common = {"jobs": args.jobs or None, "limit": limit, "folder": folder, "progress": bar.update}
    if args.files:
        if args.store:
            raise UserError("give data files or --store, not both")
        report, skipped = validate_files(args.files, **common)
    else:
        report, skipped = validate_store(args.store or default_path(), full=args.full, **common), []
    bar.close()
    for source, position, reason in skipped:
        print(f"trialkg validate: {source}{' ' + position if position else ''}: skipped: {reason}", file=sys.stderr)
    if report.graphs == 0 and skipped:
        return 2
    print(render(report, args.format, args.fail_on.capitalize(), folder))
    return 0 if report.conforms(args.fail_on.capitalize()) else 1


def _params(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserError(f"parameter {pair!r} is not key=value")
        out[key] = value
    return out


def _rows_out(sparql: str, args: argparse.Namespace) -> int:
    from .queries import render, run_sparql

    store = None if args.endpoint else Store(args.store or default_path(), read_only=True)
    rows = run_sparql(sparql, store=store, endpoint=args.endpoint)
    print(render(rows, args.format))
    return 0


def _cmd_query(args: argparse.Namespace) -> int:
    from .queries import bind, load_all, saved

    if args.action == "list":
        for q in load_all().values():
            params = " ".join(f"{p.name}={p.default}" for p in q.params)
            print(f"{q.name:28} {q.title}" + (f"  [{params}]" if params else ""))
        return 0
    if not args.name:
        raise UserError(f"query {args.action} needs a query name (trialkg query list shows them)")
    query = saved(args.name)
    if args.action == "show":
        print(bind(query, _params(args.param)) if args.param else query.text, end="")
        return 0
    return _rows_out(bind(query, _params(args.param)), args)


def _cmd_export(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .export import ExportError, choose, export

    store = Store(args.store or default_path(), read_only=True)
    try:
        selection, title = choose(store, args.trial, args.query, _params(args.param), args.hops, args.vocabularies)
        with tqdm(unit=" statements", unit_scale=True, desc="export", disable=None, leave=False) as bar:
            selection.progress = bar.update
            done = export(store, args.format, Path(args.output), selection, title)
        print(f"{args.output}: {done}", file=sys.stderr)
    except ExportError as exc:
        raise UserError(str(exc)) from None
    return 0


def _cmd_sparql(args: argparse.Namespace) -> int:
    text = args.query
    if not text.lstrip().upper().startswith(("SELECT", "PREFIX", "BASE", "#")) and Path(text).is_file():
        text = Path(text).read_text(encoding="utf-8")
    return _rows_out(text, args)


def _cmd_serve(args: argparse.Namespace) -> int:
    from .serve import Server

    server = Server(args.store or default_path(), args.host, args.port, writable=args.writable, timeout=args.timeout)
    server.start()
    writes = ", updates at /update" if args.writable else " (read-only)"
    print(f"serving {server.store} at http://{server.host}:{server.port}/ : SPARQL endpoint /query{writes}; "
          "Ctrl-C stops", flush=True)  # fmt: skip
    server.serve_forever()
    return 0


def _cmd_push(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .remote import push

    store = Store(args.store or default_path(), read_only=True)
    state = args.state or store.path.with_name(store.path.name + ".push.json")
    bar = tqdm(unit=" graphs", desc="push", disable=args.quiet or None, total=store.named_graph_count())
    sent, kept = push(store, args.endpoint, state=state, batch=args.batch, progress=bar.update)
    bar.close()
    print(f"{args.endpoint}: {sent} graphs sent, {kept} already there (state in {state})")
    return 0


def _cmd_formats(args: argparse.Namespace) -> int:
    for f in FORMATS.values():
        print(f"{f.name:10} {f.title}")
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    from .stats import as_json, render_table, stats

    trials, rows = stats(Store(args.store or default_path(), read_only=True))
    doc = as_json(trials, rows)
    print(json.dumps(doc, indent=2) if args.format == "json" else render_table(trials, rows))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="trialkg", description="A knowledge graph of clinical trials.")
    p.add_argument("--version", action="version", version=f"trialkg {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="ingest files, folders and archives into the store")
    b.add_argument("paths", nargs="+", help="files, folders, .zip or .tar.gz archives")
    _store_arg(b)
    b.add_argument("--report", type=Path,
                   help="write every skipped record and warning (and the first 1,000 validation results) as JSON here")
    b.add_argument("--warnings", type=int, default=10, help="warning kinds to list (default 10)")
    b.add_argument("--with-contacts", action="store_true",
                   help="also write contact persons with phone and e-mail (personal data)")  # fmt: skip
    b.add_argument("--strict", action="store_true", help="leave out records whose graph breaks a shape")
    b.add_argument("--no-validate", action="store_true", help="skip validation against the shapes (faster)")
    b.add_argument("--prune", action="store_true",
                   help="remove the records of files under these paths that no longer hold them")
    b.add_argument("-j", "--jobs", type=int, default=0, help="extracting processes (default: one per core)")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    b.set_defaults(func=_cmd_build)

    fe = sub.add_parser("fetch", help="fetch trials from the ClinicalTrials.gov API v2 into a cache folder to build",
                        description="Search the ClinicalTrials.gov API v2 (or ask for NCT ids) and keep each "
                        "response page as received, gzip, in the cache folder; 'trialkg build CACHE' then loads the "
                        "latest version of each trial, with its earlier versions in provenance. With no search, "
                        "refreshes the searches saved in the project file (trialkg.toml), asking only for records "
                        "updated since.")
    fe.add_argument("nct_ids", nargs="*", metavar="NCT_ID", help="trials to fetch by id")
    for opt, api in _SEARCH_OPTIONS.items():
        fe.add_argument(f"--{opt}", metavar="TEXT" if opt != "status" else "S[,S]", help=f"the API's {api}")
    fe.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                    help="any other search parameter as the API names it (query.*, filter.*, postFilter.*, sort)")
    when = fe.add_mutually_exclusive_group()
    when.add_argument("--since", metavar="YYYY-MM-DD", help="only records last updated on or after this day")
    when.add_argument("--update", action="store_true",
                      help="only records updated since the newest one the last complete fetch of this search received")
    fe.add_argument("--save", metavar="NAME", help="save this search in the project file under NAME")
    fe.add_argument("--search", metavar="NAME", help="refresh only this saved search")
    fe.add_argument("--project", type=Path, help="the project file (default: ./trialkg.toml)")
    fe.add_argument("--cache", type=Path, help="the cache folder (default: the project's, ./trialkg-cache)")
    fe.add_argument("--page-size", type=int, default=200, help="studies per request (default 200, at most 1000)")
    fe.add_argument("--rate", type=float, default=50.0, help="requests per minute at most (default 50)")
    fe.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for a response (default 60)")
    fe.add_argument("--retries", type=int, default=6, help="retries of a failed request (default 6)")
    fe.add_argument("--api", default=os.environ.get("TRIALKG_API", API),
                    help="the API's base URL (default: $TRIALKG_API or " + API + ")")
    fe.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    fe.set_defaults(func=_cmd_fetch)

    v = sub.add_parser("validate", help="check the graph against the SHACL shapes (exit 0 conforms, 1 not, 2 error)",
                       description="Validate each source record's graph against the SHACL shapes: the store's "
                       "(default), or RDF data files (.ttl .nt .nq .trig .rdf), or trial records as build reads them.")
    v.add_argument("files", nargs="*", metavar="FILE", help="data files or trial records instead of the store")
    _store_arg(v)
    v.add_argument("--format", choices=("text", "json", "turtle"), default="text", help="default: text")
    v.add_argument("--limit", type=int, help="results to show in full (default: 100 in text, all otherwise)")
    v.add_argument("--full", action="store_true", help="re-read every graph, even those their build found clean")
    v.add_argument("--fail-on", choices=("violation", "warning"), default="violation",
                   help="lowest severity that makes the exit code 1 (default: violation)")
    v.add_argument("--shapes", type=Path, help="folder of SHACL shapes files (default: trialkg's)")
    v.add_argument("-j", "--jobs", type=int, default=0, help="processes (default: one per core)")
    v.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    v.set_defaults(func=_cmd_validate)

    c = sub.add_parser("card", help="print trial cards (JSON) read back from the graph")
    c.add_argument("nct_ids", nargs="*", metavar="NCT_ID")
    c.add_argument("--all", action="store_true", help="every trial in the store")
    _store_arg(c)
    c.set_defaults(func=_cmd_card)

    r = sub.add_parser("related", help="the trials most like one trial, with reasons (networkx neighbours + text)")
    r.add_argument("trial", nargs="?", help="an NCT id in the store, or a record file (in the store or not)")
    r.add_argument("--all", action="store_true", help="every trial (with --write)")
    r.add_argument("--write", action="store_true", help="write the top k of every trial into the graph")
    r.add_argument("-k", type=int, default=10, help="how many trials (default 10)")
    r.add_argument("--explain", action="store_true", help="say why each trial is related")
    r.add_argument("--json", action="store_true", help="print JSON: score, title and reasons per trial")
    r.add_argument("--text-weight", type=float, default=0.3, help="share of text similarity in the score (0-1)")
    r.add_argument("--jobs", type=int, help="processes ranking trials with --all (default: one per CPU)")
    _store_arg(r)
    r.set_defaults(func=_cmd_related)

    q = sub.add_parser("query", help="list, show and run the saved SPARQL queries",
                       description="Saved queries live in queries/*.rq; parameters are bound as RDF terms.")
    q.add_argument("action", choices=("list", "show", "run"))
    q.add_argument("name", nargs="?", help="a saved query's name (see 'trialkg query list')")
    q.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE", help="a parameter value")
    _rows_args(q)
    q.set_defaults(func=_cmd_query)

    from .export import FORMATS as EXPORTS

    ex = sub.add_parser("export", help="write the graph, or the neighbourhood of some trials, for graph tools",
                        description="Formats: " + "; ".join(f"{k}: {f.description}" for k, f in EXPORTS.items()))
    ex.add_argument("--format", "-f", required=True, choices=list(EXPORTS), help="the format to write")
    ex.add_argument("-o", "--output", required=True, help="the file to write ('-': standard output; neo4j: a folder)")
    ex.add_argument("--trial", action="append", metavar="NCT_ID", help="the neighbourhood of this trial (repeatable)")
    ex.add_argument("--query", metavar="NAME", help="the neighbourhood of the trials a saved query returns")
    ex.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE", help="a --query parameter")
    ex.add_argument("--hops", type=int, default=1, help="links to follow from the trials (default 1)")
    ex.add_argument("--vocabularies", action="store_true", help="include the ontology and drug vocabulary graphs")
    _store_arg(ex)
    ex.set_defaults(func=_cmd_export)

    sp = sub.add_parser("sparql", help="run a SPARQL SELECT given as text or as a .rq file")
    sp.add_argument("query", help="the query text, or a file that holds it")
    _rows_args(sp)
    sp.set_defaults(func=_cmd_sparql)

    sv = sub.add_parser("serve", help="a SPARQL 1.1 endpoint and a query page over the store (Oxigraph's server)")
    _store_arg(sv)
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    sv.add_argument("--port", type=int, default=7878, help="port (default 7878)")
    sv.add_argument("--writable", action="store_true", help="also accept SPARQL updates and Graph Store writes")
    sv.add_argument("--timeout", type=int, default=30, help="seconds a query may run (default 30)")
    sv.set_defaults(func=_cmd_serve)

    pu = sub.add_parser("push", help="copy the graph, named graphs kept, into a SPARQL 1.1 store (resumable)")
    _store_arg(pu)
    pu.add_argument("--endpoint", required=True, help="the store's SPARQL 1.1 Update endpoint URL")
    pu.add_argument("--batch", type=int, default=200, help="graphs per update request (default 200)")
    pu.add_argument("--state", type=Path, help="where to record what was pushed (default: STORE.push.json)")
    pu.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    pu.set_defaults(func=_cmd_push)

    f = sub.add_parser("formats", help="list the input formats trialkg reads")
    f.set_defaults(func=_cmd_formats)

    st = sub.add_parser("stats", help="count entities per type, their trial links and grounding")
    _store_arg(st)
    st.add_argument("--format", choices=("table", "json"), default="table", help="default: table")
    st.set_defaults(func=_cmd_stats)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (UserError, StoreError, ShapesError, QueryError, RemoteError, ServeError, FetchError) as exc:
        print(f"trialkg {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"trialkg {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
