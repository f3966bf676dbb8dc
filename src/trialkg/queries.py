"""Saved SPARQL queries: their headers, parameters bound as RDF terms, and runs on the store or an endpoint."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .resources import path as resource_path
from .store import Store, StoreError

__all__ = [
    "Param", "QueryError", "Rows", "SavedQuery", "bind", "load", "load_all", "render", "run", "run_sparql", "saved",
]  # fmt: skip

_XSD = "http://www.w3.org/2001/XMLSchema#"
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_HEADER = re.compile(r"#\s*(title|description|param|example):\s?(.*)")
_PARAM = re.compile(r"(\w+)\s*\((string|integer|iri|date)\)\s*=\s*(.+?)\s*(?:--\s*(.*))?$")
TYPES = ("string", "integer", "iri", "date")


class QueryError(Exception):
    """A saved query or parameter that cannot be used, or a query an endpoint refused, for a person."""


@dataclass(frozen=True)
class Param:
    """A query parameter: a variable bound to one RDF term, with its type and default."""

    name: str
    type: str
    default: str
    description: str = ""

    def term(self, value: str) -> ox.NamedNode | ox.Literal:
        """``value`` as the RDF term this parameter binds; a value of the wrong form is refused."""
        try:
            if self.type == "iri":
                return ox.NamedNode(value)
            if self.type == "integer":
                return ox.Literal(str(int(value)), datatype=ox.NamedNode(_XSD + "integer"))
            if self.type == "date":
                return ox.Literal(date.fromisoformat(value).isoformat(), datatype=ox.NamedNode(_XSD + "date"))
        except ValueError:
            raise QueryError(f"parameter {self.name}: {value!r} is not a valid {self.type}") from None
        return ox.Literal(value)


@dataclass(frozen=True)
class SavedQuery:
    """One ``queries/NAME.rq``: its header and its SPARQL, which runs as it is with the defaults."""

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    example: str
    text: str
    path: Path = field(compare=False)


def _values_clause(name: str) -> re.Pattern[str]:
    # The one VALUES clause that holds a parameter's default: 'VALUES ?name { default }'.
    return re.compile(r"VALUES\s+\?" + re.escape(name) + r"\s*\{[^{}]*\}")


def load(path: Path) -> SavedQuery:
    """Parse one .rq file; a header that does not follow the conventions is a QueryError naming the file."""
    fields: dict[str, list[str]] = {"title": [], "description": [], "param": [], "example": []}
    last, text = None, path.read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if m := _HEADER.match(line):
            last = m.group(1)
            fields[last].append(m.group(2).strip())
        elif last in ("description", "example") and line.strip("# "):
            fields[last][-1] += " " + line.lstrip("#").strip()
    if not fields["title"]:
        raise QueryError(f"{path}: no '# title:' line in the header")
    params = []
    for spec in fields["param"]:
        m = _PARAM.match(spec)
        if not m:
            raise QueryError(f"{path}: parameter line {spec!r} is not 'name (type) = default -- description'")
        name, type_, default, about = m.groups()
        if len(_values_clause(name).findall(text)) != 1:
            raise QueryError(f"{path}: parameter {name} needs exactly one 'VALUES ?{name} {{ default }}'")
        params.append(Param(name, type_, default.strip('"<>'), about or ""))
    return SavedQuery(path.stem, fields["title"][0], " ".join(fields["description"]), tuple(params),
                      " ".join(fields["example"]), text, path)  # fmt: skip


@cache
def load_all(folder: str | None = None) -> dict[str, SavedQuery]:
    """Every saved query of ``folder`` (default: trialkg's queries/), by name."""
    where = Path(folder or resource_path("queries"))
    return {q.name: q for q in (load(p) for p in sorted(where.glob("*.rq")))}


def saved(name: str, folder: str | None = None) -> SavedQuery:
    """A saved query by name; names are looked up, never used as paths."""
    queries = load_all(folder)
    if not _NAME.fullmatch(name) or name not in queries:
        known = ", ".join(queries) or "none"
        raise QueryError(f"no saved query {name!r} (known: {known})")
    return queries[name]


def bind(query: SavedQuery, values: Mapping[str, str]) -> str:
    """The query's SPARQL with each parameter's VALUES clause holding the given (or default) value as
    one RDF term, serialized by pyoxigraph: a value is never spliced in as SPARQL text."""
    unknown = set(values) - {p.name for p in query.params}
    if unknown:
        raise QueryError(f"{query.name} has no parameter {', '.join(sorted(unknown))}")
    text = query.text
    for p in query.params:
        clause = f"VALUES ?{p.name} {{ {p.term(values.get(p.name, p.default))} }}"
        text = _values_clause(p.name).sub(lambda _m, c=clause: c, text, count=1)  # type: ignore[misc]
    return text


@dataclass
class Rows:
    """A SELECT's result: variable names and rows of RDF terms (None where unbound)."""

    variables: list[str]
    rows: list[list[ox.NamedNode | ox.BlankNode | ox.Literal | None]]

    def dicts(self) -> list[dict[str, str]]:
        """Rows as plain dicts of variable to lexical value, unbound ones left out."""
        return [{v: t.value for v, t in zip(self.variables, row, strict=True) if t is not None} for row in self.rows]

    def to_dataframe(self) -> Any:
        """The rows as a pandas DataFrame (integers, decimals and booleans converted); needs pandas."""
        try:
            import pandas as pd
        except ImportError:
            raise QueryError("to_dataframe needs pandas: pip install 'trialkg[pandas]'") from None
        return pd.DataFrame([[_python(t) for t in row] for row in self.rows], columns=self.variables)


def _python(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> object:
    if isinstance(term, ox.Literal):
        kind = term.datatype.value[len(_XSD) :] if term.datatype.value.startswith(_XSD) else ""
        try:
            if kind in ("integer", "int", "long", "nonNegativeInteger"):
                return int(term.value)
            if kind in ("decimal", "double", "float"):
                return float(term.value)
            if kind == "boolean":
                return term.value in ("true", "1")
        except ValueError:
            return term.value
    return None if term is None else term.value


def run_sparql(sparql: str, *, store: Store | None = None, endpoint: str | None = None, timeout: int = 60) -> Rows:
    """Run a SELECT on the embedded store (default graph: the union of all) or a SPARQL 1.1 endpoint."""
    if endpoint:
        from .remote import select

        variables, rows = select(endpoint, sparql, timeout=timeout)
        return Rows(variables, rows)
    assert store is not None
    try:
        result = store.query(sparql)
    except StoreError as exc:
        raise QueryError(str(exc)) from None
    if not isinstance(result, ox.QuerySolutions):
        raise QueryError("only SELECT queries give rows")
    variables = [v.value for v in result.variables]
    return Rows(variables, [list(row) for row in result])  # a solution iterates in the order of its variables


def run(
    name: str,
    params: Mapping[str, str] | None = None,
    *,
    store: Store | str | Path | None = None,
    endpoint: str | None = None,
) -> Rows:
    """Run a saved query by name with ``params`` on a store (a Store or its folder) or an endpoint.

    >>> rows = run("trials-by-drug", {"drug": "Enhertu"}, store="trialkg-store")  # doctest: +SKIP
    >>> rows.to_dataframe()  # doctest: +SKIP
    """
    sparql = bind(saved(name), params or {})
    if endpoint:
        return run_sparql(sparql, endpoint=endpoint)
    opened = store if isinstance(store, Store) else Store(store or "trialkg-store", read_only=True)
    return run_sparql(sparql, store=opened)


def render(rows: Rows, fmt: str) -> str:
    """Rows as an aligned table, or in the SPARQL 1.1 CSV, TSV or JSON results formats."""
    if fmt == "json":
        bindings = [
            {v: _json_term(t) for v, t in zip(rows.variables, row, strict=True) if t is not None} for row in rows.rows
        ]
        return json.dumps({"head": {"vars": rows.variables}, "results": {"bindings": bindings}}, indent=1,
                          ensure_ascii=False)  # fmt: skip
    if fmt == "tsv":
        lines = ["\t".join("?" + v for v in rows.variables)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows.rows]
        return "\n".join(lines)
    values = [["" if t is None else str(t.value) for t in row] for row in rows.rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(rows.variables)
        writer.writerows(values)
        return out.getvalue()
    return _table(rows.variables, values)


def _json_term(t: ox.NamedNode | ox.BlankNode | ox.Literal) -> dict[str, str]:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    out = {"type": "literal", "value": t.value}
    if t.language:
        out["xml:lang"] = t.language
    elif t.datatype.value != _XSD + "string":
        out["datatype"] = t.datatype.value
    return out


def _table(variables: Sequence[str], values: list[list[str]], width: int = 60) -> str:
    cut = [[v if len(v) <= width else v[: width - 1] + "…" for v in row] for row in values]
    sizes = [max([len(h)] + [len(r[i]) for r in cut]) for i, h in enumerate(variables)]
    line = "  ".join(h.ljust(s) for h, s in zip(variables, sizes, strict=True))
    out = [line, "  ".join("-" * s for s in sizes)]
    out += ["  ".join(v.ljust(s) for v, s in zip(row, sizes, strict=True)).rstrip() for row in cut]
    out.append(f"({len(values)} rows)")
    return "\n".join(out)
