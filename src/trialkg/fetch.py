"""A polite client of the ClinicalTrials.gov API v2: searches, pages, retries, a rate limit."""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import http.client
import json
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from . import __version__
from .enums import NCT

__all__ = [
    "API", "Client", "FetchError", "Page", "STATUSES", "Search", "search_params", "since_filter", "utc_now",
]  # fmt: skip

API = "https://clinicaltrials.gov/api/v2"
USER_AGENT = f"trialkg/{__version__} (+https://pypi.org/project/trialkg/; a knowledge graph of clinical trials)"
# The API's own names: search areas (query.*), filters (filter.*, postFilter.*) and a few more.
_PARAM = re.compile(r"(query|filter|postFilter)\.[A-Za-z]+|aggFilters|geoDecay|sort")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # date.fromisoformat takes any digits
STATUSES = (
    "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING", "RECRUITING",
    "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE", "TEMPORARILY_NOT_AVAILABLE",
    "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN",
)  # fmt: skip
_RETRY_STATUS = {429, 500, 502, 503, 504}
_IDS_PER_REQUEST = 200  # NCT ids asked for in one request (a URL of ~2,600 characters)


def utc_now() -> str:
    """Now, as an xsd:dateTime in UTC to the second: '2026-11-22T02:06:30Z'."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class FetchError(Exception):
    """The API could not be asked, or refused: one line for the user."""


@dataclass(frozen=True)
class Search:
    """A search as the API names its parameters ('query.term', 'filter.overallStatus'...), or NCT ids."""

    params: tuple[tuple[str, str], ...] = ()
    ids: tuple[str, ...] = ()

    @classmethod
    def of(cls, params: dict[str, str], ids: list[str] | tuple[str, ...] = ()) -> Search:
        for name, value in params.items():
            if not _PARAM.fullmatch(name):
                raise FetchError(f"'{name}' is not a search parameter of the API (query.*, filter.*, "
                                 "postFilter.*, aggFilters, geoDecay or sort)")  # fmt: skip
            if not isinstance(value, str) or not value.strip():
                raise FetchError(f"search parameter '{name}' needs a value")
        for nct in ids:
            if not NCT.fullmatch(nct):
                raise FetchError(f"'{nct}' is not an NCT id (NCT and eight digits)")
        if "filter.overallStatus" in params:
            statuses = [s.strip().upper() for s in re.split(r"[,|]", params["filter.overallStatus"]) if s.strip()]
            for s in statuses:
                if s not in STATUSES:
                    raise FetchError(f"unknown status '{s}': one of {', '.join(STATUSES)}")
            params = {**params, "filter.overallStatus": ",".join(statuses)}
        if not params and not ids:
            raise FetchError("nothing to fetch: give a search (--query, --condition...) or NCT ids")
        return cls(tuple(sorted(params.items())), tuple(sorted(set(ids))))

    @property
    def key(self) -> str:
        """A short fingerprint: the same search, however it was written down, has the same key."""
        text = json.dumps([self.params, self.ids], separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def describe(self) -> str:
        parts = [f"{k}={v!r}" for k, v in self.params]
        if self.ids:
            parts.append(f"{len(self.ids)} NCT id(s)")
        return ", ".join(parts)


def since_filter(day: str) -> str:
    """The filter.advanced clause for records last updated on or after a day (YYYY-MM-DD)."""
    if not _DATE.fullmatch(day):
        raise FetchError(f"'{day}' is not a date (YYYY-MM-DD)")
    try:
        date.fromisoformat(day)
    except ValueError:
        raise FetchError(f"'{day}' is not a date (YYYY-MM-DD)") from None
    return f"AREA[LastUpdatePostDate]RANGE[{day},MAX]"


def search_params(search: Search, since: str | None) -> Iterator[dict[str, str]]:
    """The request parameters of a search, one dict per request series (NCT ids go in batches)."""
    base = dict(search.params)
    if since:
        clause = since_filter(since)
        given = base.get("filter.advanced")
        base["filter.advanced"] = f"({given}) AND {clause}" if given else clause
    if not search.ids:
        yield base
        return
    for i in range(0, len(search.ids), _IDS_PER_REQUEST):
        yield {**base, "filter.ids": ",".join(search.ids[i : i + _IDS_PER_REQUEST])}


@dataclass
class Page:
    """One page of studies as the API returned it: the body's bytes (gzip) and what it holds."""

    url: str
    raw: bytes  # gzip-compressed response body, as received when the server sent it compressed
    studies: list[Any]
    next_token: str | None
    total: int | None
    received: str


@dataclass
class Client:
    """HTTP GETs with a User-Agent, a minimum interval between requests, a timeout, and retries with
    exponential backoff on 429 and 5xx (honouring Retry-After), dropped connections and cut bodies."""

    base: str = API
    per_minute: float = 50.0  # the API's documented limit is about 50 requests a minute
    timeout: float = 60.0
    retries: int = 6
    backoff: float = 2.0
    max_wait: float = 600.0  # a longer Retry-After gives up rather than hang
    on_retry: Callable[[str], None] = lambda message: None
    sleep: Callable[[float], None] = time.sleep
    _last: float = field(default=-1e9, repr=False)

    def pages(self, params: dict[str, str], page_size: int) -> Iterator[Page]:
        """Every page of one search, following nextPageToken until the last."""
        if not 1 <= page_size <= 1000:
            raise FetchError(f"a page holds 1 to 1,000 studies, not {page_size}")
        token: str | None = None
        first = True
        while True:
            query = {**params, "format": "json", "pageSize": str(page_size)}
            if first:
                query["countTotal"] = "true"
            if token:
                query["pageToken"] = token
            page = self.page(query)
            yield page
            if not page.next_token:
                return
            if page.next_token == token:
                raise FetchError(f"the API returned the same nextPageToken twice ({page.url})")
            token, first = page.next_token, False

    def page(self, query: dict[str, str]) -> Page:
        url = f"{self.base.rstrip('/')}/studies?{urllib.parse.urlencode(query)}"
        for attempt in range(self.retries + 1):
            try:
                return self._get(url)
            except _Retry as exc:
                if attempt == self.retries:
                    raise FetchError(f"{url}: gave up after {self.retries + 1} attempts: {exc}") from None
                wait = exc.wait if exc.wait is not None else self._backoff(attempt)
                if wait > self.max_wait:
                    raise FetchError(f"{url}: the API asks to wait {wait:.0f} s ({exc}); try again later") from None
                self.on_retry(f"{exc}; retrying in {wait:.1f} s")
                self.sleep(wait)
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff * 2**attempt, 120.0) * random.uniform(0.8, 1.2)

    def _pace(self) -> None:
        interval = 60.0 / self.per_minute if self.per_minute > 0 else 0.0
        wait = self._last + interval - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        self._last = time.monotonic()

    def _get(self, url: str) -> Page:
        self._pace()
        request = urllib.request.Request(url, headers={
            "User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Encoding": "gzip"})  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
                encoding = response.headers.get("Content-Encoding", "")
        except urllib.error.HTTPError as exc:
            raise _http_error(url, exc) from None
        except TimeoutError:
            raise _Retry(f"no answer within {self.timeout:g} s") from None
        except http.client.IncompleteRead as exc:
            raise _Retry(f"response cut short ({len(exc.partial)} bytes received)") from None
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise _Retry(f"cannot connect: {reason}") from None
        received = utc_now()
        try:
            text = gzip.decompress(body) if encoding == "gzip" else body
            doc = json.loads(text)
        except (OSError, EOFError, zlib.error, ValueError) as exc:
            # A body cut short without a Content-Length to tell (or a broken gzip stream) lands here.
            raise _Retry(f"response is not complete JSON ({type(exc).__name__})") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("studies"), list):
            raise FetchError(f"{url}: the answer is not a page of studies")
        token = doc.get("nextPageToken")
        total = doc.get("totalCount")
        raw = body if encoding == "gzip" else gzip.compress(body, mtime=0)
        return Page(url, raw, doc["studies"], token if isinstance(token, str) else None,
                    total if isinstance(total, int) else None, received)  # fmt: skip


class _Retry(Exception):
    """A failure worth another try, after ``wait`` seconds when the server said how long."""

    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


def _http_error(url: str, exc: urllib.error.HTTPError) -> Exception:
    if exc.code in _RETRY_STATUS or exc.code >= 500:
        return _Retry(f"HTTP {exc.code}", _retry_after(exc.headers.get("Retry-After")))
    try:
        detail = exc.read(2000).decode("utf-8", "replace").strip().splitlines()[0]
    except (OSError, IndexError, http.client.HTTPException):
        detail = ""
    return FetchError(f"the API refused {url}: HTTP {exc.code}" + (f": {detail[:300]}" if detail else ""))


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
