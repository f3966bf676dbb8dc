"""SHACL Core constraint components, compiled once per shape into plain Python checks."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH, XSD

if TYPE_CHECKING:
    from .shacl import Check, Graph, Shape, Term, _Compiler

__all__ = ["compare", "compile_checks", "well_formed"]

_X = str(XSD)
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_INT = r"[+-]?[0-9]+"
_TZ = r"(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])?"
# Lexical forms of the XSD datatypes, with the bounds of the integer types. A literal that breaks its
# datatype's form is ill-typed and fails sh:datatype, as in pySHACL.
_INTEGERS: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None), "nonNegativeInteger": (0, None), "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0), "negativeInteger": (None, -1), "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1), "short": (-(2**15), 2**15 - 1), "byte": (-128, 127),
    "unsignedLong": (0, 2**64 - 1), "unsignedInt": (0, 2**32 - 1), "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 255),
}  # fmt: skip
_FORMS = {
    "decimal": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)",
    "double": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN",
    "float": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN",
    "boolean": r"true|false|1|0",
    "date": r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}" + _TZ,
    "dateTime": r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?" + _TZ,
    "gYearMonth": r"-?[0-9]{4,}-(0[1-9]|1[0-2])" + _TZ,
    "gYear": r"-?[0-9]{4,}" + _TZ,
    **{name: _INT for name in _INTEGERS},
}
_COMPILED = {_X + k: re.compile(v) for k, v in _FORMS.items()}
_NUMERIC = {_X + k for k in ("decimal", "double", "float", *_INTEGERS)}
_TEMPORAL = {_X + k for k in ("date", "dateTime", "gYearMonth", "gYear")}
_FLAGS = {"i": re.IGNORECASE, "s": re.DOTALL, "m": re.MULTILINE, "x": re.VERBOSE}


def well_formed(lit: ox.Literal) -> bool:
    """Whether a literal's lexical form is valid for its datatype (unknown datatypes are taken as valid)."""
    dtype = lit.datatype.value
    form = _COMPILED.get(dtype)
    if form is None:
        return True
    text = lit.value
    if not form.fullmatch(text):
        return False
    if (bounds := _INTEGERS.get(dtype[len(_X) :])) is not None:
        low, high = bounds
        n = int(text)
        return (low is None or n >= low) and (high is None or n <= high)
    if dtype in (_X + "date", _X + "dateTime") and not text.startswith("-"):  # BCE years: form only
        try:
            dt.date(int(text[:4]), int(text[5:7]), int(text[8:10]))
        except ValueError:  # a month or day that does not exist, e.g. 2023-02-30
            return False
    return True


def _number(lit: ox.Literal) -> Decimal | float | None:
    try:
        if lit.datatype.value in (_X + "double", _X + "float"):
            return float(lit.value.replace("INF", "inf"))
        return Decimal(lit.value)
    except (ValueError, InvalidOperation):
        return None


def compare(a: Term, b: Term) -> int | None:
    """-1, 0 or 1 as a is less than, equal to or greater than b; None where SPARQL cannot order them."""
    if not (isinstance(a, ox.Literal) and isinstance(b, ox.Literal)):
        return None
    da, db = a.datatype.value, b.datatype.value
    if da in _NUMERIC and db in _NUMERIC:
        x, y = _number(a), _number(b)
        if x is None or y is None or any(isinstance(n, float) and math.isnan(n) for n in (x, y)):
            return None
        return (x > y) - (x < y)  # type: ignore[operator, unused-ignore]
    same_kind = da == db and (da in _TEMPORAL or da == _X + "string") and not a.language and not b.language
    if same_kind and well_formed(a) and well_formed(b):
        return (a.value > b.value) - (a.value < b.value)
    return None


def compile_checks(c: _Compiler, node: rdflib.term.Node) -> list[tuple[str, Check]]:
    """The checks of one shape's own constraint parameters, but for counts, which Shape.check does
    itself, and its sh:property shapes, which are compiled apart."""
    from .shacl import to_ox

    g, checks = c.g, []
    one = g.value

    def add(component: str, check: Check) -> None:
        checks.append((component, check))

    for cls in g.objects(node, SH["class"]):
        add("Class", _class(ox.NamedNode(str(cls))))
    if (dtype := one(node, SH.datatype)) is not None:
        add("Datatype", _datatype(str(dtype)))
    if (kind := one(node, SH.nodeKind)) is not None:
        add("NodeKind", _each(_not_kind(_kinds(str(kind)))))
    for name, ok in _BOUNDS.items():
        if (bound := one(node, SH[name])) is not None:
            add(name[0].upper() + name[1:], _range(to_ox(bound), ok))
    if (n := one(node, SH.minLength)) is not None:
        add("MinLength", _length(_at_least(int(str(n)))))
    if (n := one(node, SH.maxLength)) is not None:
        add("MaxLength", _length(_at_most(int(str(n)))))
    if (pattern := one(node, SH.pattern)) is not None:
        flags = sum(_FLAGS.get(ch, 0) for ch in str(one(node, SH.flags) or ""))
        add("Pattern", _pattern(re.compile(str(pattern), flags)))
    if (values := one(node, SH["in"])) is not None:
        add("In", _in(frozenset(to_ox(x) for x in c.list(values))))
    if (langs := one(node, SH.languageIn)) is not None:
        add("LanguageIn", _each(_not_lang_in([str(x).lower() for x in c.list(langs)])))
    if (node, SH.path, None) in g and one(node, SH.uniqueLang) == rdflib.Literal(True):
        add("UniqueLang", _unique_lang)
    for value in g.objects(node, SH.hasValue):
        add("HasValue", _has_value(to_ox(value)))
    for name, pair in (("equals", _equals), ("disjoint", _disjoint), ("lessThan", _less(False)),
                       ("lessThanOrEquals", _less(True))):  # fmt: skip
        for p in g.objects(node, SH[name]):
            add(name[0].upper() + name[1:], pair(ox.NamedNode(str(p))))
    for inner in g.objects(node, SH["not"]):
        add("Not", _logical([c.shape(inner)], _none))
    for inner in g.objects(node, SH.node):
        add("Node", _logical([c.shape(inner)], _all))
    for name, test in (("and", _all), ("or", _some), ("xone", _one)):
        for members in g.objects(node, SH[name]):
            add(name[0].upper() + name[1:], _logical([c.shape(m) for m in c.list(members)], test))
    return checks


_BOUNDS: dict[str, Callable[[int], bool]] = {
    "minInclusive": lambda r: r >= 0, "maxInclusive": lambda r: r <= 0,
    "minExclusive": lambda r: r > 0, "maxExclusive": lambda r: r < 0,
}  # fmt: skip


def _at_least(k: int) -> Callable[[int], bool]:
    return lambda size: size >= k


def _at_most(k: int) -> Callable[[int], bool]:
    return lambda size: size <= k


def _all(conforming: int, members: int) -> bool:
    return conforming == members


def _some(conforming: int, members: int) -> bool:
    return conforming >= 1


def _one(conforming: int, members: int) -> bool:
    return conforming == 1


def _none(conforming: int, members: int) -> bool:
    return conforming == 0


def _each(bad: Callable[[Term], bool]) -> Check:
    def check(gr: Graph, focus: Term, values: list[Term]) -> Sequence[Term | None]:
        return [v for v in values if bad(v)]

    return check


def _not_kind(kinds: tuple[type, ...]) -> Callable[[Term], bool]:
    return lambda v: not isinstance(v, kinds)


def _in(allowed: frozenset[Term]) -> Check:
    def check(gr: Graph, focus: Term, values: list[Term]) -> Sequence[Term | None]:
        return [v for v in values if v not in allowed]

    return check


def _not_lang_in(tags: list[str]) -> Callable[[Term], bool]:
    return lambda v: not _lang_in(v, tags)


def _has_value(wanted: Term) -> Check:
    def check(gr: Graph, focus: Term, values: list[Term]) -> Sequence[Term | None]:
        return [] if wanted in values else [None]

    return check


def _kinds(kind: str) -> tuple[type, ...]:
    kinds = {
        "IRI": (ox.NamedNode,), "BlankNode": (ox.BlankNode,), "Literal": (ox.Literal,),
        "BlankNodeOrIRI": (ox.BlankNode, ox.NamedNode), "BlankNodeOrLiteral": (ox.BlankNode, ox.Literal),
        "IRIOrLiteral": (ox.NamedNode, ox.Literal),
    }  # fmt: skip
    return kinds[kind.removeprefix(str(SH))]


def _lang_in(v: Term, tags: list[str]) -> bool:
    if not isinstance(v, ox.Literal) or not v.language:
        return False
    lang = v.language.lower()
    return any(t == "*" or lang == t or lang.startswith(t + "-") for t in tags)


def _unique_lang(gr: Graph, focus: Term, values: list[Term]) -> Sequence[Term | None]:
    seen: dict[str, int] = {}
    for v in values:
        if isinstance(v, ox.Literal) and v.language:
            seen[v.language.lower()] = seen.get(v.language.lower(), 0) + 1
    return [None for n in seen.values() if n > 1]


def _class(cls: ox.NamedNode) -> Check:
    rdf_type = ox.NamedNode(str(rdflib.RDF.type))

    def check(gr: Graph, focus: Term, values: list[Term]) -> Sequence[Term | None]:
        bad: list[Term | None] = []
        for v in values:
            by_p = gr.out.get(v)
            types = by_p.get(rdf_type) if by_p else None
            if not types or (cls not in types and not any(gr.is_a(t, cls) for t in types)):
                bad.append(v)
        return bad

    return check


def _datatype(dtype: str) -> Check:
    node, form, literal = ox.NamedNode(dtype), _COMPILED.get(dtype), ox.Literal
    if form is None or dtype[len(_X) :] in _INTEGERS or dtype in (_X + "date", _X + "dateTime"):
        # Language-tagged literals are rdf:langString, so comparing datatypes also rules them out.
        def check(gr: Graph, focus: Term, values: list[Term]) -> Sequence[Term | None]:
            return [v for v in values if not (isinstance(v, literal) and v.datatype == node and well_formed(v))]

        return check

    def check_form(gr: Graph, focus: Term, values: list[Term]) -> Sequence[Term | None]:
        return [v for v in values if not (isinstance(v, literal) and v.datatype == node and form.fullmatch(v.value))]

    return check_form


def _range(bound: Term, ok: Callable[[int], bool]) -> Check:
    def check(gr: Graph, focus: Term, values: list[Term]) -> Sequence[Term | None]:
        bad: list[Term | None] = []
        for v in values:
            r = compare(v, bound)
            if r is None or not ok(r):
                bad.append(v)
        return bad

    return check


def _length(ok: Callable[[int], bool]) -> Check:
    return lambda gr, f, vs: [v for v in vs if isinstance(v, ox.BlankNode) or not ok(len(v.value))]


def _pattern(rx: re.Pattern[str]) -> Check:
    return lambda gr, f, vs: [v for v in vs if isinstance(v, ox.BlankNode) or not rx.search(v.value)]


def _equals(p: ox.NamedNode) -> Check:
    def check(gr: Graph, focus: Term, values: list[Term]) -> Sequence[Term | None]:
        other = gr.objects(focus, p)
        return [v for v in values if v not in other] + [o for o in other if o not in values]

    return check


def _disjoint(p: ox.NamedNode) -> Check:
    return lambda gr, f, vs: [v for v in vs if v in gr.objects(f, p)]


def _less(or_equal: bool) -> Callable[[ox.NamedNode], Check]:
    def make(p: ox.NamedNode) -> Check:
        def check(gr: Graph, focus: Term, values: list[Term]) -> Sequence[Term | None]:
            bad: list[Term | None] = []
            for v in values:
                for o in gr.objects(focus, p):
                    r = compare(v, o)
                    if r is None or r > 0 or (r == 0 and not or_equal):
                        bad.append(v)
                        break
            return bad

        return check

    return make


def _logical(shapes: list[Shape], test: Callable[[int, int], bool]) -> Check:
    def check(gr: Graph, focus: Term, values: list[Term]) -> Sequence[Term | None]:
        return [v for v in values if not test(sum(s.conforms(gr, v) for s in shapes), len(shapes))]

    return check
