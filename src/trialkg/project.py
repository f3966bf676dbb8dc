"""The project file (trialkg.toml): the searches an analyst follows, as the API names their parameters."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .cache import Cache, FetchReport
from .fetch import Client, FetchError, Search, since_filter

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["FILE", "Project", "load", "refresh", "save_search"]

FILE = "trialkg.toml"
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_LISTED = 20  # changed studies and problems a fetch prints
_HEADER = """\
# trialkg project: the searches `trialkg fetch` refreshes when run with no search of its own.
# Parameters are named as the ClinicalTrials.gov API v2 names them (https://clinicaltrials.gov/data-api/api):
# query.term, query.cond, query.intr, query.spons, query.locn, filter.overallStatus, filter.advanced...
# `ids` lists NCT ids. Edit freely; `trialkg fetch ... --save NAME` adds or replaces a search.
"""


@dataclass
class Project:
    """A project file's contents: where the fetch cache is, and the saved searches by name."""

    path: Path
    cache: Path
    searches: dict[str, Search] = field(default_factory=dict)
    cache_setting: str = "trialkg-cache"  # as written in the file (relative to it, or absolute)

    def choose(self, params: dict[str, str], ids: list[str], save: str | None,
               name: str | None) -> tuple[dict[str, Search], bool]:  # fmt: skip
        """The searches to fetch, by name, and whether they are the saved ones: the search given (saved
        under ``save`` if asked), else the saved search ``name``, else every saved search."""
        if params or ids:
            search = Search.of(params, ids)
            if save:
                save_search(self.path, save, search)
                print(f"{self.path}: search '{save}' saved")
            return {save or "search": search}, False
        if save:
            raise FetchError("--save needs a search to save (--query, --condition... or NCT ids)")
        if name:
            if name not in self.searches:
                raise FetchError(f"{self.path}: no saved search '{name}' (saved: {', '.join(self.searches) or 'none'})")
            return {name: self.searches[name]}, True
        if not self.searches:
            raise FetchError("nothing to fetch: give NCT ids or a search (--query, --condition...), "
                             f"or save one in {self.path} with --save NAME")  # fmt: skip
        return dict(self.searches), True


def load(path: Path) -> Project:
    """The project at ``path``; a file that is not there is an empty project (cache beside it)."""
    default = Project(path, path.parent / "trialkg-cache")
    if not path.exists():
        return default
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise FetchError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise FetchError(f"{path}: not valid TOML: {exc}") from None
    cache = doc.get("cache", "trialkg-cache")
    if not isinstance(cache, str) or not cache:
        raise FetchError(f"{path}: 'cache' must be a folder name")
    searches = doc.get("searches", {})
    if not isinstance(searches, dict):
        raise FetchError(f"{path}: [searches] must be a table of searches")
    project = Project(path, path.parent / cache, cache_setting=cache)
    for name, table in searches.items():
        if not isinstance(table, dict):
            raise FetchError(f"{path}: search '{name}' must be a table of API parameters")
        ids = table.get("ids", [])
        params = {k: v for k, v in table.items() if k != "ids"}
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise FetchError(f"{path}: search '{name}': 'ids' must be a list of NCT ids")
        if not all(isinstance(v, str) for v in params.values()):
            raise FetchError(f"{path}: search '{name}': every parameter's value must be a string")
        try:
            project.searches[name] = Search.of(params, ids)
        except FetchError as exc:
            raise FetchError(f"{path}: search '{name}': {exc}") from None
    return project


def save_search(path: Path, name: str, search: Search) -> Project:
    """Add or replace one saved search, keeping the others (the file is rewritten in trialkg's layout)."""
    if not _NAME.fullmatch(name):
        raise FetchError(f"'{name}' cannot name a search: letters, digits, '-' and '_' only")
    project = load(path)
    project.searches[name] = search
    lines = [_HEADER, f"cache = {_string(project.cache_setting)}\n"]
    for key, s in project.searches.items():
        lines.append(f"\n[searches.{key}]\n")
        lines += [f"{_string(k)} = {_string(v)}\n" for k, v in s.params]
        if s.ids:
            lines.append("ids = [" + ", ".join(_string(i) for i in s.ids) + "]\n")
    path.write_text("".join(lines), encoding="utf-8")
    return project


def _string(text: str) -> str:
    # A JSON string is a TOML basic string: the same escapes (TOML has no \/, which JSON never writes).
    return json.dumps(text, ensure_ascii=False)


def refresh(folder: Path, client: Client, searches: dict[str, Search], *, since: str | None = None,
            update: bool = False, page_size: int = 200, quiet: bool = False) -> bool:  # fmt: skip
    """Fetch each search into the cache folder and say what came; False if one of them failed."""
    from tqdm import tqdm

    if not 1 <= page_size <= 1000:
        raise FetchError(f"--page-size: a page holds 1 to 1,000 studies, not {page_size}")
    if since:
        since_filter(since)  # a malformed day is the command's mistake, refused before anything is asked
    cache, ok = Cache(folder), True
    for name, search in searches.items():
        with tqdm(unit=" studies", desc=name, disable=quiet or None) as bar:

            def progress(n: int, total: int | None) -> None:
                bar.total = total
                bar.update(n)

            try:
                report = cache.fetch(client, search, since, page_size, progress, update=update)
            except FetchError as exc:
                bar.close()
                print(f"trialkg fetch: {name}: {exc}; what came before is kept in {folder}, and the next "
                      "fetch of this search asks again", file=sys.stderr)  # fmt: skip
                ok = False
                continue
        what = f"{name} ({search.describe()})" + (f", updated since {report.since}" if report.since else "")
        print(_summary(what, report, folder))
        for line in [*report.moves[:_LISTED], *report.problems[:_LISTED]]:
            print(f"  {line}"[:300])
        if len(report.moves) > _LISTED:
            print(f"  ... and {len(report.moves) - _LISTED} more changed (the ledger lists them all)")
    return ok


def _summary(what: str, r: FetchReport, folder: Path) -> str:
    line = (f"{what}: {_n(r.received, 'study', 'studies')} in {_n(r.pages, 'page', 'pages')}: {r.new} new, "
            f"{r.changed} changed, {r.unchanged} unchanged -> {folder}")  # fmt: skip
    if r.total is not None and r.total != r.received:
        line += f" (the API counted {r.total})"
    if r.again:
        line += f"; {r.again} received twice (pages shifted while paging)"
    if r.missing:
        line += f"; not in the registry: {', '.join(r.missing[:10])}" + (" ..." if len(r.missing) > 10 else "")
    return line


def _n(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"
