"""flowref's semantics: name resolution and static types (docs/language.md
§3, §10-13), expression evaluation with SQL nulls and checked int64, record
decoding (§4-7), table files (§16), and one invocation's outcome (§9, §17,
§18, docs/runtime.md).

Where the documents are silent, the choice made here is marked CHOICE: in
a comment; where a behaviour is genuinely undetermined (an error in an
operand whose value the result does not need, such as `false and 1/0 = 1`),
evaluation raises Ambiguous so that tests can avoid such records."""

import csv
import decimal
import json
import math
import os
import re

from . import syntax
from .jsontext import JsonError, parse_document, to_python
from .values import (INT_MAX, INT_MIN, RecordError, check_int, days_from_civil, format_float, format_timestamp,
                     parse_rfc3339, split_ms)


class Ambiguous(Exception):
    """The outcome depends on an evaluation order the documents leave open."""


class ProgramError(Exception):
    pass


META = {
    "kinesis": [("_partition_key", "string", False), ("_sequence_number", "string", False),
                ("_arrival_time", "timestamp", False), ("_shard_id", "string", False)],
    "sqs": [("_message_id", "string", False), ("_sent_time", "timestamp", False), ("_group_id", "string", True),
            ("_arrival_time", "timestamp", False)],
    "kafka": [("_topic", "string", False), ("_partition", "int", False), ("_offset", "int", False),
              ("_key", "string", True), ("_kafka_time", "timestamp", False), ("_arrival_time", "timestamp", False)],
    "dynamodb": [("_event_name", "string", False), ("_sequence_number", "string", False),
                 ("_arrival_time", "timestamp", False)],
    "http": [("_method", "string", False), ("_path", "string", False), ("_source_ip", "string", False),
             ("_arrival_time", "timestamp", False)],
}


class AnyTimestamp:
    """A value the test cannot know (kafka's _arrival_time is when the
    invocation decoded the batch): matches any RFC 3339 string."""

    def __repr__(self):
        return "<any timestamp>"


ANY_TIMESTAMP = AnyTimestamp()


class Column:
    __slots__ = ("name", "type", "meta", "rel")

    def __init__(self, name, type_, meta=False, rel=None):
        self.name, self.type, self.meta, self.rel = name, type_, meta, rel


def unify(types):
    ts = [t for t in types if t != "null"]
    if not ts:
        return "null"
    if all(t in ("int", "float") for t in ts) and "float" in ts:
        return "float"
    return ts[0]


def promote(v, from_t, to_t):
    if v is None or v is ANY_TIMESTAMP:
        return v
    if to_t == "float" and from_t == "int":
        return float(v)
    return v


# ---- text of values (cast(… as string), ||, concat) -------------------------

def to_text(v, t):
    if t == "string":
        return v
    if t == "int":
        return str(v)
    if t == "float":
        s = format_float(v)
        if s is None:  # CHOICE: NaN and infinities as C++ writes them
            return "nan" if v != v else ("inf" if v > 0 else "-inf")
        return s
    if t == "bool":
        return "true" if v else "false"
    if t == "timestamp":
        s = format_timestamp(v)
        if s is None:  # a timestamp outside years 0000-9999 has no text
            raise RecordError("timestamp", "timestamp out of range")
        return s
    raise Ambiguous("text of a %s" % t)


_INT_TEXT = re.compile(r"^[+-]?[0-9]+$")
_FLOAT_TEXT = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")


def cast_value(v, src, dst):
    if v is None:
        return None
    if src == dst or src == "null":
        return v
    if dst == "string":
        return to_text(v, src)
    if src == "string":
        if dst == "int":
            if not _INT_TEXT.match(v):
                raise RecordError("cast", "cannot cast %r to int" % v)
            n = int(v)
            if n < INT_MIN or n > INT_MAX:
                raise RecordError("cast", "out of range")
            return n
        if dst == "float":
            if not _FLOAT_TEXT.match(v):
                raise RecordError("cast", "cannot cast %r to float" % v)
            return finite(float(v), "out of range")
        if dst == "bool":
            if v.lower() == "true":
                return True
            if v.lower() == "false":
                return False
            raise RecordError("cast", "cannot cast %r to bool" % v)
        if dst == "timestamp":
            ms = parse_rfc3339(v)
            if ms is None:
                raise RecordError("cast", "cannot cast %r to timestamp" % v)
            return ms
    if src == "int":
        if dst == "float":
            return float(v)
        if dst == "timestamp":
            return v
    if src == "float" and dst == "int":
        if v != v or math.isinf(v) or not (-9223372036854775808.0 <= v < 9223372036854775808.0):
            raise RecordError("cast", "float out of range for int")
        return int(v)
    if src == "bool" and dst == "int":
        return 1 if v else 0
    if src == "timestamp" and dst == "int":
        return v
    raise ProgramError("cast %s to %s" % (src, dst))


# ---- JSON paths ---------------------------------------------------------------

def follow_path(value, steps):
    """Python JSON value → the value at the path, or KeyError."""
    for st in steps:
        if isinstance(st, int):
            if not isinstance(value, list) or st >= len(value):
                raise KeyError(st)
            value = value[st]
        else:
            if not isinstance(value, dict) or st not in value:
                raise KeyError(st)
            value = value[st]
    return value


def _parse_extract_path(path):
    p = syntax.Parser(path)
    steps = p.json_path()
    if p.peek().kind != "eof":
        raise ProgramError("bad json path %r" % path)
    return steps


def json_extract(s, steps):
    try:
        node = parse_document(s)
    except JsonError:
        return None
    for st in steps:
        kind, v = node[0], node[1]
        if isinstance(st, int):
            if kind != "array" or st >= len(v):
                return None
            node = v[st]
        else:
            if kind != "object":
                return None
            found = None
            for k, n in v:
                if k == st:
                    found = n
                    break  # CHOICE: the first member of that name
            if found is None:
                return None
            node = found
    if node[0] == "string":
        return node[1]
    if node[0] == "literal" and node[1] is None:
        return None  # CHOICE: a JSON null is SQL null, not the text 'null'
    return s[node[2]:node[3]]


# ---- like / regexp -------------------------------------------------------------

def like_regex(p):
    out = []
    for ch in p:
        if ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.S)


def ecma_regex(p):
    """ECMAScript pattern → Python: `$` only at the very end."""
    out = []
    i, in_class = 0, False
    while i < len(p):
        c = p[i]
        if c == "\\" and i + 1 < len(p):
            out.append(p[i:i + 2]); i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
        elif c == "$":
            out.append(r"\Z"); i += 1
            continue
        out.append(c); i += 1
    return re.compile("".join(out), re.ASCII)


# ---- time functions --------------------------------------------------------------

def date_trunc(unit, ms):
    """The start of the unit; an overflow when it lies before -2^63 ms (a
    timestamp is an int64 of milliseconds: flowc fails the record with
    'time overflow')."""
    return check_int(_unit_start(unit, ms))


def _unit_start(unit, ms):
    y, mo, d, h, mi, s, milli, days = split_ms(ms)
    if unit == "second":
        return ms - ms % 1000
    if unit == "minute":
        return ms - ms % 60000
    if unit == "hour":
        return ms - ms % 3600000
    if unit == "day":
        return days * 86400000
    if unit == "week":
        dow_mon = (days + 3) % 7  # 1970-01-01 was a Thursday: Monday = 0
        return (days - dow_mon) * 86400000
    if unit == "month":
        return days_from_civil(y, mo, 1) * 86400000
    if unit == "year":
        return days_from_civil(y, 1, 1) * 86400000
    raise ProgramError("date_trunc unit %r" % unit)


def extract(field, ms):
    y, mo, d, h, mi, s, milli, days = split_ms(ms)
    if field == "year":
        return y
    if field == "month":
        return mo
    if field == "day":
        return d
    if field == "hour":
        return h
    if field == "minute":
        return mi
    if field == "second":
        return s
    if field == "millisecond":
        return milli  # CHOICE: 0-999, the millisecond within the second
    if field == "dow":
        return (days + 4) % 7
    if field == "doy":
        return days - days_from_civil(y, 1, 1) + 1
    if field == "epoch":
        return ms // 1000  # CHOICE: floor (whole seconds at or before the instant)
    raise ProgramError("extract field %r" % field)


# ---- numbers ---------------------------------------------------------------------

def round_half_away(x):
    if x != x or math.isinf(x):
        return x
    if x < 0:
        return -round_half_away(-x)
    r = math.floor(x)
    return float(r + 1) if x - r >= 0.5 else float(r)


def c_pow(x, y):
    try:
        return math.pow(x, y)
    except OverflowError:
        if x < 0 and float(y).is_integer() and int(y) % 2 == 1:
            return -math.inf
        return math.inf
    except ValueError:
        if x == 0 and y < 0:
            return math.inf  # C: pow(±0, negative) is ±inf
        return math.nan


def c_sqrt(x):
    return math.sqrt(x) if x >= 0 else math.nan


def c_ln(x):
    if x == 0:
        return -math.inf
    if x < 0 or x != x:
        return math.nan
    return math.log(x) if not math.isinf(x) else x


def c_exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


# ---- compiling expressions ------------------------------------------------------------
# A compiled expression is (fn, type); fn(env) → value. env maps a column
# key (rel, name) to its value.

class Scope:
    def __init__(self, columns):
        self.columns = columns  # [Column]

    def resolve(self, qual, name):
        hits = [c for c in self.columns if c.name == name and (qual is None or c.rel == qual)]
        if len(hits) != 1:
            raise ProgramError("column %s%s: %d matches" % (qual + "." if qual else "", name, len(hits)))
        return hits[0]


def _sandbox(fns, env):
    """Evaluates operands whose values the result does not need: an error in
    one makes the outcome depend on evaluation order."""
    for f in fns:
        try:
            f(env)
        except RecordError:
            raise Ambiguous("an error in an operand the result does not need")


def _strict(fns, env):
    """Evaluates operands left to right; None when one is null (the rest are
    evaluated in the sandbox)."""
    vals = []
    for i, f in enumerate(fns):
        v = f(env)
        if v is None:
            _sandbox(fns[i + 1:], env)
            return None
        vals.append(v)
    return vals


NUM = ("int", "float")


def finite(x, what="float overflow"):
    """CHOICE (docs gap): a float operation whose result is infinite or NaN
    fails the record, as in PostgreSQL (`value out of range`); flowc does so."""
    if x != x or math.isinf(x):
        raise RecordError("float", what)
    return x


def arith(op, a, ta, b, tb, rt):
    if rt == "float":
        a, b = float(a), float(b)
        if op == "+":
            return finite(a + b)
        if op == "-":
            return finite(a - b)
        if op == "*":
            return finite(a * b)
        if b == 0:
            # CHOICE: LANGUAGE.md §3 lists "division by zero" among run-time
            # errors without restricting it to int; PostgreSQL errors for float8 too.
            raise RecordError("division", "division by zero")
        if op == "/":
            return finite(a / b)
        return finite(math.fmod(a, b))
    if op == "+":
        return check_int(a + b)
    if op == "-":
        return check_int(a - b)
    if op == "*":
        return check_int(a * b)
    if b == 0:
        raise RecordError("division", "division by zero")
    q = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    if op == "/":
        return check_int(q)
    return a - b * q


class Compiler:
    def __init__(self, scope):
        self.scope = scope

    def compile(self, e):
        k = e[0]
        m = getattr(self, "c_" + k)
        return m(e)

    def c_lit(self, e):
        v, t = e[1], e[2]
        return (lambda env: v), t

    def c_col(self, e):
        col = self.scope.resolve(e[1], e[2])
        key = (col.rel, col.name)
        return (lambda env: env[key]), col.type

    def c_unary(self, e):
        f, t = self.compile(e[2])
        op = e[1]
        if op == "not":
            def fn(env):
                v = f(env)
                return None if v is None else (not v)
            return fn, "bool"
        if op == "+":
            return f, t

        def neg(env):
            v = f(env)
            if v is None:
                return None
            if t == "float":
                return -v
            return check_int(-v)
        return neg, t

    def c_bin(self, e):
        op = e[1]
        fa, ta = self.compile(e[2])
        fb, tb = self.compile(e[3])
        if op in ("and", "or"):
            short = op == "or"  # the value that decides

            def logic(env):
                a = fa(env)
                if a is short:
                    _sandbox([fb], env)
                    return short
                b = fb(env)
                if b is short:
                    return short
                if a is None or b is None:
                    return None
                return not short
            return logic, "bool"
        if op == "||":
            def concat2(env):
                vals = _strict([fa, fb], env)
                if vals is None:
                    return None
                return to_text(vals[0], ta) + to_text(vals[1], tb)
            return concat2, "string"
        if op in ("=", "!=", "<", "<=", ">", ">="):
            ct = unify([ta, tb])

            def cmp(env):
                vals = _strict([fa, fb], env)
                if vals is None:
                    return None
                a, b = promote(vals[0], ta, ct), promote(vals[1], tb, ct)
                return compare(op, a, b)
            return cmp, "bool"
        # arithmetic
        if ta in NUM + ("null",) and tb in NUM + ("null",):
            rt = unify([ta, tb])
            if rt == "null":
                rt = "int"

            def ar(env):
                vals = _strict([fa, fb], env)
                if vals is None:
                    return None
                return arith(op, vals[0], ta, vals[1], tb, rt)
            return ar, rt
        # time arithmetic (ms ints)
        if ta == "timestamp" and tb == "timestamp":
            rt = "duration"
        elif "timestamp" in (ta, tb):
            rt = "timestamp"
        else:
            rt = "duration"

        def tar(env):
            vals = _strict([fa, fb], env)
            if vals is None:
                return None
            a, b = vals
            if op == "+":
                return check_int(a + b)
            if op == "-":
                return check_int(a - b)
            if op == "*":
                return check_int(a * b)
            raise ProgramError("operator %s on time" % op)
        return tar, rt

    def c_isnull(self, e):
        f, _ = self.compile(e[1])
        neg = e[2]
        return (lambda env: (f(env) is not None) if neg else (f(env) is None)), "bool"

    def c_between(self, e):
        fx, tx = self.compile(e[1])
        fl, tl = self.compile(e[2])
        fh, th = self.compile(e[3])
        ct = unify([tx, tl, th])
        neg = e[4]

        def fn(env):
            # x >= lo and x <= hi: all three operands are evaluated (each
            # comparison needs x); the hi operand is needless when x < lo.
            x = fx(env)
            lo = fl(env)
            if x is not None and lo is not None and not compare(">=", promote(x, tx, ct), promote(lo, tl, ct)):
                _sandbox([fh], env)
                r = False
            else:
                hi = fh(env)
                a = None if x is None or lo is None else compare(">=", promote(x, tx, ct), promote(lo, tl, ct))
                b = None if x is None or hi is None else compare("<=", promote(x, tx, ct), promote(hi, th, ct))
                r = and3(a, b)
            return None if r is None else (not r if neg else r)
        return fn, "bool"

    def c_in(self, e):
        fx, tx = self.compile(e[1])
        items = [self.compile(i) for i in e[2]]
        ct = unify([tx] + [t for _, t in items])
        neg = e[3]

        def fn(env):
            x = fx(env)
            saw_null = x is None
            r = None
            for i, (f, t) in enumerate(items):
                v = f(env)
                if v is None or x is None:
                    saw_null = True
                    continue
                if compare("=", promote(x, tx, ct), promote(v, t, ct)):
                    _sandbox([g for g, _ in items[i + 1:]], env)
                    r = True
                    break
            if r is None:
                r = None if saw_null else False
            return None if r is None else (not r if neg else r)
        return fn, "bool"

    def c_like(self, e):
        fs, _ = self.compile(e[1])
        fp, _ = self.compile(e[2])
        neg = e[3]
        cache = {}

        def fn(env):
            vals = _strict([fs, fp], env)
            if vals is None:
                return None
            s, p = vals
            rx = cache.get(p)
            if rx is None:
                rx = cache[p] = like_regex(p)
            r = rx.fullmatch(s) is not None
            return not r if neg else r
        return fn, "bool"

    def c_case(self, e):
        operand = self.compile(e[1]) if e[1] is not None else None
        whens = [(self.compile(w), self.compile(t)) for w, t in e[2]]
        els = self.compile(e[3]) if e[3] is not None else None
        rt = unify([t for _, (_, t) in whens] + ([els[1]] if els else []))
        if operand:
            ot = unify([operand[1]] + [wt for (_, wt), _ in whens])

        def fn(env):
            if operand:
                ov = operand[0](env)
            for (wf, wt), (tf, tt) in whens:
                if operand:
                    wv = wf(env)
                    hit = ov is not None and wv is not None and compare(
                        "=", promote(ov, operand[1], ot), promote(wv, wt, ot))
                else:
                    hit = wf(env) is True
                if hit:
                    return promote(tf(env), tt, rt)
            if els:
                return promote(els[0](env), els[1], rt)
            return None
        return fn, rt

    def c_cast(self, e):
        f, t = self.compile(e[1])
        dst = e[2]
        return (lambda env: cast_value(f(env), t, dst)), dst

    def c_extract(self, e):
        f, _ = self.compile(e[2])
        field = e[1]

        def fn(env):
            v = f(env)
            return None if v is None else extract(field, v)
        return fn, "int"

    def c_call(self, e):
        name, args = e[1], e[2]
        if name == "date_trunc":
            unit = e[2][0][1].lower()
            f, _ = self.compile(args[1])
            return (lambda env: None if f(env) is None else date_trunc(unit, f(env))), "timestamp"
        if name == "json_extract":
            f, _ = self.compile(args[0])
            steps = _parse_extract_path(args[1][1])

            def jx(env):
                s = f(env)
                return None if s is None else json_extract(s, steps)
            return jx, "string"
        if name == "regexp_like":
            f, _ = self.compile(args[0])
            rx = ecma_regex(args[1][1])

            def rl(env):
                s = f(env)
                return None if s is None else rx.search(s) is not None
            return rl, "bool"
        cs = [self.compile(a) for a in args]
        fns = [c[0] for c in cs]
        ts = [c[1] for c in cs]
        if name == "concat":
            def cc(env):
                out = []
                for f, t in cs:
                    v = f(env)
                    if v is not None:
                        out.append(to_text(v, t))
                return "".join(out)
            return cc, "string"
        if name == "coalesce":
            rt = unify(ts)

            def co(env):
                for i, (f, t) in enumerate(cs):
                    v = f(env)
                    if v is not None:
                        _sandbox(fns[i + 1:], env)
                        return promote(v, t, rt)
                return None
            return co, rt
        if name == "nullif":
            ct = unify(ts)

            def ni(env):
                a = fns[0](env)
                if a is None:
                    _sandbox(fns[1:], env)
                    return None
                b = fns[1](env)
                if b is not None and compare("=", promote(a, ts[0], ct), promote(b, ts[1], ct)):
                    return None
                return a
            return ni, ts[0]
        if name in ("greatest", "least"):
            rt = unify(ts)
            pick = max if name == "greatest" else min

            def gl(env):
                vals = _strict(fns, env)
                if vals is None:
                    return None
                vals = [promote(v, t, rt) for v, t in zip(vals, ts)]
                best = vals[0]
                for v in vals[1:]:
                    if compare(">" if name == "greatest" else "<", v, best):
                        best = v
                return best
            return gl, rt
        impl, rt = self.scalar(name, ts)

        def call(env):
            vals = _strict(fns, env)
            if vals is None:
                return None
            return impl(*vals)
        return call, rt

    def scalar(self, name, ts):
        t0 = ts[0] if ts else None
        if name == "lower":
            return (lambda s: "".join(simple_case(c, str.lower) for c in s)), "string"
        if name == "upper":
            return (lambda s: "".join(simple_case(c, str.upper) for c in s)), "string"
        if name == "length":
            return (lambda s: len(s)), "int"
        if name == "trim":
            return (lambda s: s.strip(" ")), "string"
        if name == "substr":
            def substr(s, start, length=None):
                # 1-based; CHOICE for start < 1 (as PostgreSQL): the part of
                # [start, start+len) that falls inside the string.
                end = len(s) + 1 if length is None else start + length
                if length is not None and length < 0:
                    raise Ambiguous("substr with a negative length")
                b = max(start, 1)
                return s[b - 1:max(end - 1, b - 1)] if end > b else ""
            return substr, "string"
        if name == "starts_with":
            return (lambda s, p: s.startswith(p)), "bool"
        if name == "ends_with":
            return (lambda s, p: s.endswith(p)), "bool"
        if name == "contains":
            return (lambda s, p: p in s), "bool"
        if name == "abs":
            if t0 == "float":
                return abs, "float"
            return (lambda x: check_int(abs(x))), "int"
        if name == "round":
            if t0 == "float":
                def rnd(x, n=0):
                    # CHOICE (docs: 'halves away from zero', round(1234.5678, 2) →
                    # 1234.57): rounds the decimal the float is written as (its
                    # shortest round-trip text), as PostgreSQL's round(numeric, n)
                    # does after a float8 → numeric cast: round(2.675, 2) = 2.68.
                    # A zero result is 0, never -0 (docs/language.md: round(-0.4) → 0.0).
                    if n == 0:
                        r = round_half_away(x)
                        return r if r != 0 else 0.0
                    q = decimal.Decimal(repr(x)).quantize(decimal.Decimal(1).scaleb(-n), context=_DEC,
                                                          rounding=decimal.ROUND_HALF_UP)
                    r = float(q)
                    return finite(r) if r != 0 else 0.0
                return rnd, "float"

            def rndi(x, n=0):
                if n >= 0:
                    return x
                if n < -18:
                    return 0
                p = 10 ** (-n)
                q, r = divmod(abs(x), p)
                if 2 * r >= p:
                    q += 1
                return check_int((q * p) if x >= 0 else -(q * p))
            return rndi, "int"
        if name == "floor":
            if t0 == "float":
                return (lambda x: x if (x != x or math.isinf(x)) else float(math.floor(x))), "float"
            return (lambda x: x), "int"
        if name == "ceil":
            if t0 == "float":
                return (lambda x: x if (x != x or math.isinf(x)) else float(math.ceil(x))), "float"
            return (lambda x: x), "int"
        if name == "sqrt":
            return (lambda x: finite(c_sqrt(float(x)), "undefined result")), "float"
        if name == "ln":
            return (lambda x: finite(c_ln(float(x)), "result out of range")), "float"
        if name == "exp":
            return (lambda x: finite(c_exp(float(x)), "result out of range")), "float"
        if name == "power":
            return (lambda x, y: finite(c_pow(float(x), float(y)), "result out of range")), "float"
        if name == "epoch_ms":
            return (lambda x: x), "int"
        if name == "to_timestamp":
            return (lambda x: x), "timestamp"
        raise ProgramError("unknown function %r" % name)


_DEC = decimal.Context(prec=1000, Emax=100000, Emin=-100000)


def simple_case(c, fn):
    """CHOICE (docs gap: 'characters are Unicode code points'): Unicode's
    simple, one-to-one case mapping (ß stays ß; İ lowers to i without a dot
    combining mark is a full mapping, so it stays İ)."""
    m = fn(c)
    return m if len(m) == 1 else c


def and3(a, b):
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def compare(op, a, b):
    if op == "=":
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


# ---- tables -------------------------------------------------------------------------

def _cell(value, col, where):
    ty = col["type"]
    if value is None or (isinstance(value, str) and value == "" and where == "csv"):
        if col["nullable"]:
            return None
        if ty == "string":
            return ""
        raise ProgramError("null in required column %s" % col["name"])
    if where == "csv":
        if ty == "string":
            return value
        if ty == "int":
            return int(value)
        if ty == "float":
            return float(value)
        if ty == "bool":
            return value.lower() == "true"
        if ty == "timestamp":
            ms = parse_rfc3339(value)
            if ms is None:
                ms = int(value) * (1000 if col["unit"] == "s" else 1)
            return ms
    else:
        if ty in ("string", "bool", "int"):
            return value
        if ty == "float":
            return float(value)
        if ty == "timestamp":
            if isinstance(value, str):
                return parse_rfc3339(value)
            return int(value) * (1000 if col["unit"] == "s" else 1)
    raise ProgramError("table cell type %s" % ty)


def load_table(tab, base_dir):
    path = os.path.join(base_dir, tab["file"])
    rows = []
    if path.endswith(".csv"):
        with open(path, newline="", encoding="utf-8") as f:
            rd = csv.reader(f)
            header = next(rd, None)
            for rec in rd:
                if rec == []:
                    continue
                cells = dict(zip(header, rec))
                rows.append({c["name"]: _cell(cells.get(c["path"][0] if len(c["path"]) == 1 else c["name"]), c, "csv")
                             for c in tab["columns"]})
    else:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                obj = json.loads(line)
                row = {}
                for c in tab["columns"]:
                    try:
                        v = follow_path(obj, c["path"])
                    except KeyError:
                        v = None
                    row[c["name"]] = _cell(v, c, "json")
                rows.append(row)
    index = {}
    for r in rows:
        index[r[tab["key"]]] = r
    return index


# ---- the program ---------------------------------------------------------------------------

class Stream:
    pass


class Program:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.ast = syntax.parse_program(f.read())
        base = os.path.dirname(os.path.abspath(path))
        if len(self.ast["sources"]) != 1:
            raise ProgramError("flowref runs programs with exactly one source")
        self.source = self.ast["sources"][0]
        self.kind = self.source["kind"]
        self.tables = {t["name"]: (t, load_table(t, base)) for t in self.ast["tables"]}
        self.streams = {}
        by_name = {s["name"]: s for s in self.ast["streams"]}
        order = []

        def visit(name, stack=()):
            if name in self.streams or name == self.source["name"]:
                return
            if name in stack:
                raise ProgramError("cycle")
            st = by_name[name]
            visit(st["from"], stack + (name,))
            self.streams[name] = self.compile_stream(st)
            order.append(name)
        for s in self.ast["streams"]:
            visit(s["name"])
        self.order = order
        # the sinks: (stream, kind) in declaration order; metric names
        sinks = [s for s in self.ast["sinks"] if s["stream"] != "_dead_letter"]
        for s in sinks:
            if s["kind"] not in ("log", "response"):
                raise ProgramError("flowref runs log and response sinks only, not %s" % s["kind"])
        if self.ast["dead_letter"] or self.source["dead_letter_to"] or any(
                s["stream"] == "_dead_letter" for s in self.ast["sinks"]):
            raise ProgramError("flowref prints dead letters on the log only")
        count = {}
        for s in sinks:
            count[s["stream"]] = count.get(s["stream"], 0) + 1
        self.sinks = []
        for s in sinks:
            metric = "RecordsOut_" + s["stream"] + ("_" + s["kind"] if count[s["stream"]] > 1 else "")
            self.sinks.append({"stream": s["stream"], "kind": s["kind"], "metric": metric})

    def source_columns(self):
        rel = self.source["name"]
        cols = [Column(f["name"], f["type"], False, rel) for f in self.source["fields"]]
        cols += [Column(n, t, True, rel) for n, t, _ in META[self.kind]]
        return cols

    def relation_columns(self, name):
        if name == self.source["name"]:
            return self.source_columns()
        return [Column(c.name, c.type, c.meta, name) for c in self.streams[name].columns]

    def compile_stream(self, st):
        s = Stream()
        s.name = st["name"]
        s.input = st["from"]
        alias = st["alias"] or st["from"]
        in_cols = self.relation_columns(st["from"])
        # re-label the input relation's columns with its alias
        cols = [Column(c.name, c.type, c.meta, alias) for c in in_cols]
        s.joins = []
        for j in st["joins"]:
            tab, index = self.tables[j["table"]]
            tcols = [Column(c["name"], c["type"], False, j["alias"]) for c in tab["columns"]]
            scope = Scope(cols + tcols)
            on = j["on"]
            if on[0] != "bin" or on[1] != "=":
                raise ProgramError("join condition")
            a, b = on[2], on[3]

            def is_key(x):
                return x[0] == "col" and x[2] == tab["key"] and (x[1] == j["alias"] or (
                    x[1] is None and not any(c.name == tab["key"] for c in cols)))
            key_side, expr_side = (a, b) if is_key(a) else (b, a)
            if not is_key(key_side):
                raise ProgramError("join on non-key")
            fexpr, texpr = Compiler(Scope(cols)).compile(expr_side)
            key_type = [c["type"] for c in tab["columns"] if c["name"] == tab["key"]][0]
            s.joins.append({"alias": j["alias"], "left": j["left"], "index": index, "expr": fexpr,
                            "expr_type": texpr, "key_type": key_type, "columns": [c["name"] for c in tab["columns"]]})
            cols = cols + tcols
        scope = Scope(cols)
        comp = Compiler(scope)
        s.where = comp.compile(st["where"])[0] if st["where"] is not None else None
        out = []
        for pos, it in enumerate(st["items"], 1):
            if it[0] == "star":
                q = it[1]
                for c in cols:
                    if c.meta or (q is not None and c.rel != q):
                        continue
                    key = (c.rel, c.name)
                    out.append((c.name, c.type, False, (lambda env, key=key: env[key])))
                continue
            e, name = it[1], it[2]
            fn, ty = comp.compile(e)
            meta = False
            if name is None:
                if e[0] == "col":
                    name = e[2]
                    meta = scope.resolve(e[1], e[2]).meta
                elif e[0] == "call":
                    name = e[1]
                elif e[0] == "cast":
                    name = "cast"
                elif e[0] == "extract":
                    name = "extract"
                else:
                    name = "col_%d" % pos
            elif e[0] == "col" and name == e[2]:
                meta = scope.resolve(e[1], e[2]).meta
            if ty == "null":
                ty = "string"
            out.append((name, ty, meta, fn))
        s.items = out
        s.columns = [Column(n, t, m, s.name) for n, t, m, _ in out]
        s.alias = alias
        return s

    # -- one record through every stream: {stream: row (list of values) or None}
    def run_record(self, source_row):
        rows = {self.source["name"]: source_row}
        for name in self.order:
            st = self.streams[name]
            inp = rows.get(st.input)
            if inp is None:
                rows[name] = None
                continue
            env = {(st.alias, k): v for k, v in inp.items()}
            keep = True
            for j in st.joins:
                kv = j["expr"](env)
                kv = promote(kv, j["expr_type"], j["key_type"])
                match = j["index"].get(kv) if kv is not None else None
                if match is None and not j["left"]:
                    keep = False
                    break
                for c in j["columns"]:
                    env[(j["alias"], c)] = None if match is None else match[c]
            if keep and st.where is not None:
                try:
                    keep = st.where(env) is True
                except RecordError as e:
                    e.where = getattr(e, "where", None) or (name, "where")
                    raise
            if not keep:
                rows[name] = None
                continue
            row = {}
            for k, (n, _, _, fn) in enumerate(st.items):
                try:
                    row[n] = fn(env)
                except (RecordError, Ambiguous) as e:
                    e.where = getattr(e, "where", None) or (name, k)
                    raise
            rows[name] = row
        return rows

    def columns_of(self, name):
        if name == self.source["name"]:
            return [(c.name, c.type) for c in self.source_columns() if not c.meta]
        return [(c.name, c.type) for c in self.streams[name].columns]


# ---- decoding a record's payload into the source row ------------------------------------

def decode_fields(src, payload_text):
    """payload_text: the record as text (None when it is not UTF-8).
    Returns {field: value} or raises RecordError."""
    if src["format"] == "text":
        if payload_text is None:
            raise Ambiguous("a text record that is not UTF-8")
        return {"line": payload_text}
    if payload_text is None:
        raise RecordError("json", "the record is not UTF-8")
    try:
        doc = to_python(parse_document(payload_text))
    except (JsonError, RecursionError):
        raise RecordError("json", "the record is not valid JSON")
    if not isinstance(doc, dict):
        raise RecordError("json", "the record is not a JSON object")
    row = {}
    for f in src["fields"]:
        try:
            v = follow_path(doc, f["path"])
        except KeyError:
            v = None
        if v is None:
            if f["nullable"]:
                row[f["name"]] = None
                continue
            raise RecordError("missing", "missing required field '%s'" % f["name"])
        row[f["name"]] = decode_value(v, f)
    return row


def decode_value(v, f):
    ty, name = f["type"], f["name"]
    if ty == "string":
        if isinstance(v, str):
            return v
    elif ty == "bool":
        if isinstance(v, bool):
            return v
    elif ty == "int":
        if isinstance(v, int) and not isinstance(v, bool):
            if INT_MIN <= v <= INT_MAX:
                return v
            raise RecordError("type", "field '%s' is out of range" % name)
    elif ty == "float":
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(v)
    elif ty == "timestamp":
        if isinstance(v, str):
            if f["unit"] == "s":
                raise Ambiguous("an RFC 3339 string for a timestamp(seconds) field")
            ms = parse_rfc3339(v)
            if ms is None:
                raise RecordError("timestamp", "field '%s' is not a timestamp" % name)
            return ms
        if isinstance(v, int) and not isinstance(v, bool):
            ms = v * 1000 if f["unit"] == "s" else v
            if INT_MIN <= ms <= INT_MAX:
                return ms
            raise RecordError("timestamp", "field '%s' is out of range" % name)
        if isinstance(v, float):
            raise Ambiguous("a fractional epoch timestamp")
        raise RecordError("timestamp", "field '%s' is not a timestamp" % name)
    raise RecordError("type", "field '%s' has the wrong type" % name)
