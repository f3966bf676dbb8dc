"""Property-based tests: records derived from real ones by damage never crash an extractor or break its invariants."""

from __future__ import annotations

import copy
import csv
import functools
import io
import json
import math
import os
import re
import signal
import types
import typing
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import fields, is_dataclass
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from trialkg import iris
from trialkg.extract import FORMATS, ctgov_csv, ctgov_xml
from trialkg.model import Study
from trialkg.pipeline import Extractor, Options
from trialkg.readers import Record, Skipped, records_from_bytes
from trialkg.terms import XSD
from trialkg.triples import study_statements

# Each test runs a modest number of examples (the whole file well under a minute); a longer hunt sets
# TRIALKG_PROPERTY_EXAMPLES. No example database: a failure prints its falsifying example instead.
settings.register_profile(
    "trialkg-properties",
    max_examples=int(os.environ.get("TRIALKG_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile("trialkg-properties")

# What an extractor may raise on a bad record (the build skips the record with its reason); anything else is a bug.
ALLOWED = (ValueError, KeyError, TypeError, AttributeError)
_EXTRACTOR = Extractor(Options(validate=False))
_NCT = re.compile(r"NCT[0-9]{8}")
_SURROGATE = re.compile("[\ud800-\udfff]")

# ---------------------------------------------------------------------------------------------------------------
# Invariants every parsed record keeps, whatever its format.


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _fits(value: Any, hint: Any) -> bool:
    """Whether ``value`` has the type the model declares (bool is no int, NaN no float, a surrogate no text)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, a) for a in args)
    if origin is list:
        return isinstance(value, list) and all(_fits(v, args[0]) for v in value)
    if origin is tuple:
        return isinstance(value, tuple) and len(value) == len(args) and all(map(_fits, value, args))
    if hint is type(None):
        return value is None
    if hint is str:
        return isinstance(value, str) and not _SURROGATE.search(value)
    if hint is bool:
        return type(value) is bool
    if hint is int:
        return type(value) is int
    if hint is float:
        return type(value) in (int, float) and math.isfinite(value)
    if is_dataclass(hint):
        return isinstance(value, hint) and not _type_errors(value)
    raise AssertionError(f"no check for {hint!r}")


def _type_errors(obj: Any, where: str = "study") -> list[str]:
    """Fields of a parsed record (and of the records inside it) whose value is not of the declared type."""
    hints = _hints(type(obj))
    out = []
    for f in fields(obj):
        value = getattr(obj, f.name)
        if not _fits(value, hints[f.name]):
            out.append(f"{where}.{f.name} = {value!r:.80} is no {hints[f.name]}")
    return out


# Lexical forms of the typed literals the build writes (XML Schema, ASCII digits only).
_LEXICAL = {
    XSD + "integer": r"[+-]?[0-9]+",
    XSD + "decimal": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)",
    XSD + "boolean": r"true|false|1|0",
    XSD + "date": r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])",
    XSD + "gYearMonth": r"[0-9]{4}-(0[1-9]|1[0-2])",
    XSD + "gYear": r"[0-9]{4}",
}


def check_study(study: Study, source_key: str = "test") -> list[tuple[Any, Any, Any]]:
    """The invariants of a parsed record: declared types, statements whose literals have valid lexical forms
    and that come back the same through N-Triples. Returns the statements (none for a record whose NCT id is
    malformed: the build refuses it, see check_build)."""
    assert _type_errors(study) == []
    try:
        trial = iris.record_trial(study.nct_id, source_key)
    except ValueError:
        return []
    statements = study_statements(study, trial, contacts=True)
    for _, _, o in statements:
        if isinstance(o, ox.Literal) and (pattern := _LEXICAL.get(o.datatype.value)):
            assert re.fullmatch(pattern, o.value), f"{o} is invalid"
    text = "".join(f"{s} {p} {o} .\n" for s, p, o in statements)
    back = {q.triple for q in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)}
    assert back == {ox.Triple(*t) for t in statements}
    return statements


def check_build(record: Record) -> None:
    """The build's own handling of a record: written or skipped with its reason, never for a crash."""
    out = _EXTRACTOR(record, None)
    if out.status == "pending":  # conditions to split once the build knows every label
        assert out.study is not None
        out = _EXTRACTOR.finish(record, out.study)
    assert out.status in ("written", "skipped"), out
    crashed = ": cannot parse: " in out.reason or out.reason.startswith("cannot extract")
    assert not crashed, f"the build skipped the record for a crash: {out.reason}"


def parse_or_refuse(fmt: str, payload: Any) -> Study | None:
    """The Study of a payload, or None when the parser refuses it with one of the allowed errors."""
    before = copy.deepcopy(payload)
    try:
        study = FORMATS[fmt].parse(payload)
    except ALLOWED:
        return None
    assert payload == before, "the parser changed its input"
    again = FORMATS[fmt].parse(copy.deepcopy(before))
    assert repr(again) == repr(study), "the same record parses differently twice"  # repr: NaN == NaN
    return study


# ---------------------------------------------------------------------------------------------------------------
# JSON (API v2 and the retired v1): the real records, damaged.

# Text that trips parsers: controls, NUL, bidi marks, the BOM, astral characters, line separators that are no
# JSON line end, a lone surrogate ('\ud800' escapes are valid JSON), markup, digits of other scripts, an NCT id.
_SPECIAL = [
    "\x00", "\x01", "\x1c", "\x7f", "\x85", "\u2028", "\u2029", "\u200f", "\u202e", "\u061c", "\ufeff", "\ufffd",
    "\U0001f600", "\U00010348", "\ud800", "\r\n", "\r", "\n", "\t", " ", "  ", "<", "&amp;", '"', "\\", "|", ", ",
    "NCT01234567", "nct01234567", "\u0663\u0660", "\uff11", "2020-01", "N/A", "PHASE1", "\u00df", "\u0130",
]  # fmt: skip
TEXTS = st.text(max_size=12) | st.lists(st.sampled_from(_SPECIAL) | st.text(max_size=3), max_size=5).map("".join)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats() | TEXTS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXTS, inner, max_size=3),
    max_leaves=6,
)
# A damage: drop a value, replace it with any JSON value, or insert text into a string (at a path picked
# among those of the document as damaged so far).
DAMAGE = st.tuples(st.sampled_from(["drop", "set", "insert"]), st.integers(0, 1 << 30), JSON_VALUES, TEXTS)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield from _paths(value, (*prefix, key))


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def damaged(doc: Any, damages: list[tuple[str, int, Any, str]]) -> Any:
    doc = copy.deepcopy(doc)
    for op, pick, value, text in damages:
        paths = [p for p in _paths(doc) if p]
        if op == "insert":
            paths = [p for p in paths if isinstance(_at(doc, p), str)]
        if not paths:
            continue
        path = paths[pick % len(paths)]
        parent, key = _at(doc, path[:-1]), path[-1]
        if op == "drop":
            del parent[key]
        elif op == "set":
            parent[key] = value
        else:
            old = parent[key]
            cut = pick % (len(old) + 1)
            parent[key] = old[:cut] + text + old[cut:]
    return doc


JSON_FIXTURES = {
    "ctgov-v2": json.loads((FIXTURES / "NCT03529110.json").read_text(encoding="utf-8")),
    "ctgov-v1": json.loads((FIXTURES / "NCT04656691.v1.json").read_text(encoding="utf-8")),
}


def _nct_in(doc: Any, fmt: str) -> str | None:
    """The NCT id a damaged document still states, when it is a well-formed one."""
    try:
        if fmt == "ctgov-v2":
            value = doc["protocolSection"]["identificationModule"]["nctId"]
        else:
            study = doc["FullStudiesResponse"]["FullStudies"][0]["Study"]
            value = study["ProtocolSection"]["IdentificationModule"]["NCTId"]
    except (KeyError, IndexError, TypeError):
        return None
    return value.strip() if isinstance(value, str) and _NCT.fullmatch(value.strip()) else None


def _iri_segment(value: object) -> bool:
    return isinstance(value, str) and _valid_iri("http://example.org/" + value.strip())


def _valid_iri(text: str) -> bool:
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def dumps(doc: Any, ascii_only: bool, **how: Any) -> str:
    """JSON text of a document; unescaped but for lone surrogates, which only an escape can write."""
    text = json.dumps(doc, ensure_ascii=ascii_only, **how)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def _read(data: bytes) -> list[Record | Skipped]:
    items = list(records_from_bytes(data, "/data/doc.json", ""))
    assert all(isinstance(i, (Record, Skipped)) for i in items)
    return items  # type: ignore[return-value]


@pytest.mark.parametrize("fmt", sorted(JSON_FIXTURES))
@settings(PROFILE)
@given(damages=st.lists(DAMAGE, min_size=1, max_size=6), ascii_only=st.booleans())
def test_damaged_json_records_parse_or_are_refused(fmt: str, damages: list[Any], ascii_only: bool) -> None:
    doc = damaged(JSON_FIXTURES[fmt], damages)
    items = _read(dumps(doc, ascii_only).encode("utf-8"))
    for item in items:
        if isinstance(item, Skipped):
            continue
        check_build(item)
        study = parse_or_refuse(item.format, item.payload)
        if study is None:
            continue
        check_study(study)
        if item.format == fmt and (nct := _nct_in(doc, fmt)):
            assert study.nct_id == nct


@settings(PROFILE)
@given(damages=st.lists(DAMAGE, max_size=4), indent=st.sampled_from([None, 0, 1, 4, "\t"]), ascii_only=st.booleans())
def test_a_v2_record_says_the_same_however_written(damages: list[Any], indent: Any, ascii_only: bool) -> None:
    """One study alone, in an array, in an API page or as a JSON line, indented or not, escaped or not:
    the same statements (a JSON line holding U+2028 or U+0085 is still one line)."""
    doc = damaged(JSON_FIXTURES["ctgov-v2"], damages)
    if not (isinstance(doc, dict) and isinstance(doc.get("protocolSection"), dict)):
        return
    single = dumps(doc, ascii_only, indent=indent)
    line = dumps(doc, ascii_only)
    forms = {
        "single": single,
        "array": dumps([doc], ascii_only, indent=indent),
        "page": dumps({"studies": [doc], "nextPageToken": "x"}, ascii_only, indent=indent),
        "lines": line + "\n" + line + "\n",
        "spaced": "\n  \t" + dumps(doc, ascii_only, separators=(" ,\r\n\t", " :  ")) + "\r\n\n",
    }
    said = {}
    for name, text in forms.items():
        records = [i for i in _read(text.encode("utf-8")) if isinstance(i, Record)]
        assert [r.format for r in records] == ["ctgov-v2"] * (2 if name == "lines" else 1), name
        try:
            studies = [FORMATS["ctgov-v2"].parse(r.payload) for r in records]
        except ALLOWED as exc:
            said[name] = type(exc).__name__
            continue
        assert all(repr(s) == repr(studies[0]) for s in studies)
        try:
            said[name] = study_statements(studies[0], iris.record_trial(studies[0].nct_id, "doc"))
        except ValueError as exc:  # a malformed NCT id: the build refuses the record
            said[name] = str(exc)
    assert all(v == said["single"] for v in said.values()), {k: str(v)[:200] for k, v in said.items()}


def _v2(edit: Callable[[Any], Any]) -> Callable[[], Any]:
    def make() -> Any:
        doc = copy.deepcopy(JSON_FIXTURES["ctgov-v2"])
        edit(doc)
        return doc

    return make


def _module(doc: Any, name: str) -> Any:
    return doc["protocolSection"][name]


def _mesh(doc: Any) -> Any:
    return doc["derivedSection"]["conditionBrowseModule"]["meshes"][0]


# Bugs the properties found in ctgov_v2, enums and iris, kept as reproducers: each damaged record is read,
# with a warning for what it leaves out, and gives valid statements.
REPORTED = {
    "mesh-id-no-iri-segment": _v2(lambda d: _mesh(d).update(id="D0 01")),
    "mesh-term-no-text": _v2(lambda d: _mesh(d).update(term=["x"])),
    "flag-no-bool": _v2(lambda d: _module(d, "eligibilityModule").update(healthyVolunteers="No")),
    "geo-point-no-decimal": _v2(lambda d: _module(d, "contactsLocationsModule")["locations"][0].update(
        geoPoint={"lat": 1e-05, "lon": "east"})),
    "enrollment-infinite": _v2(lambda d: _module(d, "designModule")["enrollmentInfo"].update(count=math.inf)),
    "secondary-id-no-text": _v2(lambda d: _module(d, "identificationModule").update(secondaryIdInfos=[{"id": 5}])),
    "pmid-no-iri-segment": _v2(lambda d: d["protocolSection"].update(
        referencesModule={"references": [{"pmid": "1 2"}]})),
    "date-year-in-other-digits": _v2(lambda d: _module(d, "statusModule")["startDateStruct"].update(
        date="\u0662\u0660\u0662\u0660")),
}  # fmt: skip


@pytest.mark.parametrize("bug", sorted(REPORTED))
def test_once_reported_bugs_stay_fixed(bug: str) -> None:
    (record,) = _read(dumps(REPORTED[bug](), ascii_only=True).encode())
    assert isinstance(record, Record)
    check_build(record)
    study = parse_or_refuse(record.format, record.payload)
    assert study is not None  # read, not refused: only the bad value is left out
    check_study(study)
    if bug != "secondary-id-no-text":  # a number as an id is read as its text
        assert any("left out" in w or "not a number" in w or "unparsed" in w for w in study.warnings), study.warnings


@pytest.mark.parametrize("nct", ["NCT" + "\u0660\u0663\u0665\u0662\u0669\u0661\u0661\u0660",  # Arabic-Indic
                                 "NCT" + "\uff10\uff13\uff15\uff12\uff19\uff11\uff11\uff10"])  # fullwidth
def test_reported_nct_ids_in_other_digits(nct: str) -> None:
    with pytest.raises(ValueError):
        iris.trial(nct)


# ---------------------------------------------------------------------------------------------------------------
# Legacy XML: the real records, damaged in their tree and in their text.

XML_FIXTURES = {p.stem: p.read_bytes() for p in sorted(FIXTURES.glob("NCT*.xml"))}
# Characters XML 1.0 can hold (others make the document not well-formed: refused, which is allowed too).
TEXTS_NO_SURROGATE = TEXTS.filter(lambda t: not _SURROGATE.search(t))  # what UTF-8 files can hold
XML_TEXTS = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12) | (
    TEXTS_NO_SURROGATE
)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot hold
XML_DAMAGE = st.tuples(st.sampled_from(["drop", "shuffle", "copy", "text", "rename", "cdata"]), st.integers(0, 1 << 30),
                       XML_TEXTS)  # fmt: skip


def _elements(root: ET.Element) -> list[tuple[ET.Element, ET.Element]]:
    """Every (parent, child) pair of the tree."""
    return [(parent, child) for parent in root.iter() for child in parent]


def damaged_xml(data: bytes, damages: list[tuple[str, int, str]]) -> bytes:
    root = ET.fromstring(data)
    cdata: list[tuple[str, str]] = []  # (marker, text): text written as a CDATA section instead of escaped
    for op, pick, text in damages:
        pairs = _elements(root)
        if not pairs:
            break
        parent, child = pairs[pick % len(pairs)]
        if op == "drop":
            parent.remove(child)
        elif op == "shuffle":
            kids = list(parent)
            kids = kids[pick % len(kids) :] + kids[: pick % len(kids)]
            parent[:] = kids
        elif op == "copy":
            parent.insert(pick % (len(parent) + 1), copy.deepcopy(child))
        elif op == "text":
            child.text = text
        elif op == "rename":
            child.tag = re.sub(r"\W", "_", text) or "x" if text[:1].isalpha() else "unknown_element"
        elif op == "cdata" and child.text and "]]>" not in child.text:
            marker = f"CDATA{len(cdata)}MARK"
            cdata.append((marker, child.text))
            child.text = marker
    out = ET.tostring(root, encoding="unicode")
    for marker, text in cdata:
        out = out.replace(marker, f"<![CDATA[{text}]]>", 1)
    return out.encode("utf-8")


@settings(PROFILE)
@given(nct=st.sampled_from(sorted(XML_FIXTURES)), damages=st.lists(XML_DAMAGE, min_size=1, max_size=6))
def test_damaged_xml_records_parse_or_are_refused(nct: str, damages: list[Any]) -> None:
    data = damaged_xml(XML_FIXTURES[nct], damages)
    study = parse_or_refuse("ctgov-xml", data)
    check_build(Record("/data/x.xml", "", "ctgov-xml", data))
    if study is None:
        return
    check_study(study)
    # Short texts are one line with single spaces: '_text' collapses every whitespace run.
    for text in [study.brief_title, study.official_title, study.acronym, study.nct_id, *study.conditions]:
        assert text is None or text == " ".join(text.split())


@settings(PROFILE)
@given(nct=st.sampled_from(sorted(XML_FIXTURES)), pick=st.integers(0, 1 << 30), text=XML_TEXTS)
def test_xml_text_reads_the_same_escaped_or_as_cdata(nct: str, pick: int, text: str) -> None:
    """A text with '<' and '&' in it, written escaped or inside a CDATA section: the same record."""
    text = "a < b & c " + _NOT_XML.sub("", text)
    escaped = damaged_xml(XML_FIXTURES[nct], [("text", pick, text)])
    as_cdata = damaged_xml(escaped, [("cdata", pick, "")])
    assert parse_or_refuse("ctgov-xml", escaped) == parse_or_refuse("ctgov-xml", as_cdata)


_ENTITY_TRICKS = {
    "billion laughs": '<!DOCTYPE clinical_study [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
    "external entity": '<!DOCTYPE clinical_study [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    "external http entity": '<!DOCTYPE clinical_study [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>',
    "parameter entity": '<!DOCTYPE clinical_study [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
    "unparsed entity": '<!DOCTYPE clinical_study [<!NOTATION n SYSTEM "x"><!ENTITY u SYSTEM "x" NDATA n>]>',
    "public entity": '<!DOCTYPE clinical_study [<!ENTITY x PUBLIC "-//x//EN" "http://127.0.0.1:9/x.dtd">]>',
}
_UNDECLARED = {
    "undeclared entity": "",
    "external dtd": '<!DOCTYPE clinical_study SYSTEM "http://127.0.0.1:9/x.dtd">',
}


@pytest.mark.parametrize("name", sorted(_ENTITY_TRICKS) + sorted(_UNDECLARED))
def test_xml_entity_tricks_are_refused_and_the_record_is_skipped(name: str) -> None:
    doctype = _ENTITY_TRICKS.get(name, _UNDECLARED.get(name, ""))
    reference = "&b;" if name == "billion laughs" else "&x;" if name in _ENTITY_TRICKS else "&nbsp;"
    data = XML_FIXTURES["NCT01832051"].replace(b"<clinical_study", doctype.encode() + b"<clinical_study", 1)
    if name != "parameter entity" and name != "unparsed entity":
        data = re.sub(rb"<brief_title>[^<]*", b"<brief_title>" + reference.encode(), data)
    with pytest.raises(ValueError, match="refused XML|not well-formed XML"):
        ctgov_xml.parse(data)
    (record,) = _read(data)
    assert isinstance(record, Record) and record.format == "ctgov-xml"
    out = _EXTRACTOR(record, None)
    assert out.status == "skipped" and out.reason.startswith("ctgov-xml: ")
    assert ("refused XML: EntitiesForbidden" if name in _ENTITY_TRICKS else "not well-formed XML") in out.reason


# ---------------------------------------------------------------------------------------------------------------
# Website CSV downloads: rows with any text in their cells, columns missing or unknown, rows too short or long.

CSV_FIXTURES = {p.stem: p.read_text(encoding="utf-8-sig") for p in sorted(FIXTURES.glob("NCT*.csv"))}
CSV_DAMAGE = st.tuples(st.sampled_from(["cell", "drop column", "add column", "short row", "long row", "append"]),
                       st.integers(0, 1 << 30), TEXTS_NO_SURROGATE)  # fmt: skip


def _rows(text: str) -> tuple[list[str], list[list[str]]]:
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    return header, rows


@settings(PROFILE)
@given(name=st.sampled_from(sorted(CSV_FIXTURES)), damages=st.lists(CSV_DAMAGE, min_size=1, max_size=6))
def test_damaged_csv_rows_parse_or_are_refused(name: str, damages: list[Any]) -> None:
    header, rows = _rows(CSV_FIXTURES[name])
    for op, pick, text in damages:
        row = rows[pick % len(rows)]
        column = pick % len(header)
        if op == "cell":
            row[column % len(row)] = row[column % len(row)][: pick % 7] + text if row else text
        elif op == "drop column" and len(header) > 1 and header[column] != "NCT Number":
            del header[column]
            for r in rows:
                del r[column : column + 1]
        elif op == "add column" and text.strip() and text not in header and "NCT Number" not in text:
            header.append(text)
            for r in rows:
                r.append(text)
        elif op == "short row" and len(row) > 1:  # (a row of no cell is a blank line: none)
            del row[-1]
        elif op == "long row":
            row.append(text)
        elif op == "append":
            rows.append(list(row))
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([header, *rows])
    items = _read(buffer.getvalue().encode("utf-8"))
    assert len(items) == len(rows), "each row gives a record or a reason"
    nct_column = header.index("NCT Number")
    for item, row in zip(items, rows, strict=True):
        if len(row) > len(header):
            assert isinstance(item, Skipped) and "more fields than the header" in item.reason
            continue
        assert isinstance(item, Record)
        assert item.payload == dict(zip(header, row + [None] * (len(header) - len(row)), strict=True))
        check_build(item)
        study = parse_or_refuse("ctgov-csv", item.payload)
        nct = (row[nct_column] if nct_column < len(row) else "").strip()
        assert (study is None) == (not _NCT.fullmatch(nct))
        if study is not None:
            assert study.nct_id == nct
            check_study(study)


def test_a_long_location_part_takes_linear_time() -> None:
    """Regression: the postal-code pattern backtracked in square time on a long part ('X, aaa...a1, France')."""
    with time_limit(5):
        loc = ctgov_csv.location("X, " + "a" * 100_000 + "1, France")
    assert loc.country == "France" and loc.zip is None


# ---------------------------------------------------------------------------------------------------------------
# Any bytes: the reader tells a record or a reason, and never raises.

SEEDS = [p.read_bytes() for p in sorted(FIXTURES.iterdir()) if p.suffix in {".json", ".xml", ".csv", ".txt"}]
BYTE_DAMAGE = st.tuples(st.sampled_from(["flip", "cut", "splice", "insert"]), st.integers(0, 1 << 30),
                        st.binary(max_size=8))  # fmt: skip


@settings(PROFILE)
@given(seed=st.integers(0, len(SEEDS) - 1), damages=st.lists(BYTE_DAMAGE, max_size=5))
def test_the_reader_never_raises_on_damaged_documents(seed: int, damages: list[Any]) -> None:
    data = bytearray(SEEDS[seed])
    for op, pick, blob in damages:
        at = pick % (len(data) + 1)
        if op == "flip" and data:
            data[at % len(data)] ^= 1 << (pick % 8)
        elif op == "cut":
            del data[at:]
        elif op == "splice":
            other = SEEDS[pick % len(SEEDS)]
            data[at:at] = other[pick % len(other) :][: 1 + pick % 400]
        else:
            data[at:at] = blob
    for item in _read(bytes(data)):
        if isinstance(item, Record):
            check_build(item)


@settings(PROFILE)
@given(data=st.binary(max_size=300) | TEXTS.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_the_reader_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    for item in _read(data):
        if isinstance(item, Record):
            check_build(item)


# Regressions found by the tests above (the reader raised instead of telling a reason).
@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"x" * 200_000, "not a recognized trial format"),  # a first line longer than a CSV field may be
        (b"[" * 100_000, "nested too deeply"),  # deeper than the JSON parser recurses
        (b'{"a": 1}\n' + b"[" * 100_000 + b"\n", "nested too deeply"),  # the same, on a JSON line
        (b'{"FullStudiesResponse": {"FullStudies": 5}}', "holds no ClinicalTrials.gov study (FullStudiesResponse)"),
    ],
    ids=["long-first-line", "deep-json", "deep-json-line", "v1-studies-not-a-list"],
)
def test_the_reader_tells_why_instead_of_raising(data: bytes, reason: str) -> None:
    assert any(isinstance(i, Skipped) and reason in i.reason for i in _read(data))


def test_json_lines_end_at_newlines_only() -> None:
    """Regression: U+2028 and U+0085 are JSON text, not line ends: a record holding them is still one line."""
    doc = copy.deepcopy(JSON_FIXTURES["ctgov-v2"])
    doc["protocolSection"]["identificationModule"]["briefTitle"] = "a\u2028b\x85c\x1cd"
    line = json.dumps(doc, ensure_ascii=False)
    records = _read((line + "\n" + line + "\n").encode("utf-8"))
    assert [(r.format, r.position) for r in records] == [("ctgov-v2", "line 1"), ("ctgov-v2", "line 2")]  # type: ignore[union-attr]


@pytest.mark.parametrize("form", ["single", "array", "lines"])
def test_lone_surrogates_in_json_become_replacement_characters(form: str) -> None:
    """Regression: '\\ud800' is valid JSON but no Unicode text; the record failed as 'cannot extract', and in an
    array made an incremental build crash hashing it. It is read with U+FFFD in its place, as a bad byte is."""
    doc = copy.deepcopy(JSON_FIXTURES["ctgov-v2"])
    doc["protocolSection"]["identificationModule"]["briefTitle"] = "PET \ud800 scan \udfff"
    doc["protocolSection"]["conditionsModule"]["keywords"].append("\udc00")
    text = json.dumps(doc)  # escaped: '\ud800'
    text = {"single": text, "array": f"[{text}]", "lines": text + "\n" + text}[form]
    records = [r for r in _read(text.encode()) if isinstance(r, Record)]
    assert records
    for record in records:
        study = FORMATS["ctgov-v2"].parse(record.payload)
        assert study.brief_title == "PET \ufffd scan \ufffd" and "\ufffd" in study.keywords
        out = _EXTRACTOR(record, "a hash the store holds for it")
        assert out.status == "written", out.reason


@pytest.mark.parametrize("data", [b"5", b'"\\ud800"', b'["\\ud800", 1, {"\\udc00": ["\\ud800", null]}]'])
def test_lone_surrogates_anywhere_in_json_are_replaced(data: bytes) -> None:
    for item in _read(data):
        assert isinstance(item, Skipped) and not _SURROGATE.search(item.reason)


# ---------------------------------------------------------------------------------------------------------------


class _TimeUp(Exception):
    pass


class time_limit:  # noqa: N801  a context manager, named as one reads it
    """Fail (rather than hang) when the block runs longer than ``seconds`` (SIGALRM: the main thread on Unix)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __enter__(self) -> None:
        if not hasattr(signal, "setitimer"):
            pytest.skip("no interval timer on this platform")

        def alarm(*_: object) -> None:
            raise _TimeUp

        self.previous: Callable[..., Any] | int | None = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)
        if kind is _TimeUp:
            pytest.fail(f"took longer than {self.seconds} s")
