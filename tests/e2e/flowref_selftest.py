#!/usr/bin/env python3
"""flowref's own tests, without flowc: the examples that docs/language.md
and docs/runtime.md state (function results, integer division, float and
timestamp text, base64 errors), and q1 over gen_kinesis.py's records against
q1_oracle.py, another independent oracle.

  flowref_selftest.py [--shared ../shared]"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from flowref.engine import Compiler, Program, Scope  # noqa: E402
from flowref.runner import invoke  # noqa: E402
from flowref.syntax import Parser  # noqa: E402
from flowref.values import RecordError, b64decode_strict, format_float, format_timestamp, parse_rfc3339  # noqa: E402

FAILURES = []


def expr(text, cols=()):
    """Evaluates one expression over literal columns: cols = [(name, type, value)]."""
    from flowref.engine import Column
    e = Parser(text).expr()
    scope = Scope([Column(n, t, False, "r") for n, t, _ in cols])
    fn, ty = Compiler(scope).compile(e)
    return fn({("r", n): v for n, _, v in cols}), ty


def check(text, want, cols=()):
    try:
        got, _ = expr(text, cols)
    except RecordError as e:
        got = "error:" + e.category
    if type(got) is not type(want) or got != want:
        FAILURES.append("%s: expected %r, got %r" % (text, want, got))


TS = ("ts", "timestamp", parse_rfc3339("2026-11-23T10:15:30.250Z"))


def docs_examples():
    # docs/language.md §12 tables, example → result
    check("lower('AbC')", "abc")
    check("upper('AbC')", "ABC")
    check("length('café')", 4)
    check("substr('abcdef', 2, 3)", "bcd")
    check("substr('abcdef', 3)", "cdef")
    check("trim('  a b  ')", "a b")
    check("concat('a', null, 1)", "a1")
    check("starts_with('/p/1', '/p/')", True)
    check("ends_with('a.json', '.json')", True)
    check("contains('a panic b', 'panic')", True)
    check("regexp_like('ERROR x', '^(ERROR|FATAL) ')", True)
    check("abs(-3)", 3)
    check("round(2.5)", 3.0)
    check("round(1234.5678, 2)", 1234.57)
    check("floor(2.7)", 2.0)
    check("ceil(2.1)", 3.0)
    check("sqrt(16)", 4.0)
    check("ln(1)", 0.0)
    check("exp(0)", 1.0)
    check("power(2, 10)", 1024.0)
    check("nullif('', '')", None)
    check("greatest(1, 5, 3)", 5)
    check("least(1, 5, 3)", 1)
    check("json_extract('{\"a\":{\"b\":7}}', '$.a.b')", "7")
    check("epoch_ms(ts)", 1795428930250, [TS])
    check("extract(hour from ts)", 10, [TS])
    check("date_trunc('minute', ts) = cast('2026-11-23T10:15:00Z' as timestamp)", True, [TS])
    check("epoch_ms(to_timestamp(0))", 0)
    # §3: integer division, overflow, division by zero; §11: ||, between, in, like, nulls
    check("7 / 2", 3)
    check("-7 / 2", -3)
    check("-7 % 3", -1)
    check("7 / 2.0", 3.5)
    check("9223372036854775807 + 1", "error:overflow")
    check("1 / 0", "error:division")
    check("1 % 0", "error:division")
    check("'n=' || 3", "n=3")
    check("'a' || null", None)
    check("null = null", None)
    check("false and null", False)
    check("true or null", True)
    check("5 between 1 and 5", True)
    check("2 in (1, null)", None)
    check("2 not in (1, 3)", True)
    check("'A-12' like 'A-%'", True)
    check("'A-12' like 'a-%'", False)
    check("'ab' like '_'", False)
    check("case 'B' when 'A' then 1 when 'B' then 2 end", 2)
    check("case 'C' when 'A' then 1 when 'B' then 2 end", None)
    # §13 casts
    check("cast('42' as int)", 42)
    check("cast('1e3' as float)", 1000.0)
    check("cast('TRUE' as bool)", True)
    check("cast(2.7 as int)", 2)
    check("cast(-2.7 as int)", -2)
    check("cast(true as int)", 1)
    check("cast(0.1 as string)", "0.1")
    check("cast('abc' as int)", "error:cast")
    check("cast(42 as string)", "42")
    check("cast(ts as string)", "2026-11-23T10:15:30.250Z", [TS])
    check("extract(dow from cast('2026-11-22T00:00:00Z' as timestamp))", 0)   # a Sunday
    check("date_trunc('week', cast('2026-11-22T23:00:00Z' as timestamp)) = "
          "cast('2026-11-16T00:00:00Z' as timestamp)", True)                  # weeks start on Monday
    # docs/runtime.md: float and timestamp text, base64 errors
    for v, t in [(0.1, "0.1"), (812.5, "812.5"), (100.0, "100"), (1e21, "1e+21"), (float("nan"), None)]:
        if format_float(v) != t:
            FAILURES.append("format_float(%r) = %r, expected %r" % (v, format_float(v), t))
    if format_timestamp(1795428930250) != "2026-11-23T10:15:30.250Z":
        FAILURES.append("format_timestamp")
    if format_timestamp(-62167219200001) is not None:  # before year 0000
        FAILURES.append("format_timestamp before year 0")
    if parse_rfc3339("2026-11-23T11:15:30+01:00") != parse_rfc3339("2026-11-23T10:15:30Z"):
        FAILURES.append("parse_rfc3339 offset")
    for bad in ["SGVsbG8*", "SGVsbA=x", "SGVsbG8", "SGVsbG9="]:
        try:
            b64decode_strict(bad)
            FAILURES.append("base64 %r accepted" % bad)
        except RecordError:
            pass


def q1_vs_oracle(shared):
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([sys.executable, os.path.join(shared, "bench", "gen_kinesis.py"), "--records", "1500",
                        "--batches", "2", "--bad", "0.1", "--out", d], check=True)
        flow = os.path.join(d, "q1.flow")
        with open(flow, "w") as f:
            f.write("source clicks from kinesis (user_id string, page string, latency_ms int, country string?,\n"
                    "  ts timestamp);\n"
                    "stream slow as select user_id, page, latency_ms from clicks where latency_ms > 500;\n"
                    "sink slow to log;\n")
        prog = Program(flow)
        rows, dead = [], 0
        for b in range(2):
            with open(os.path.join(d, "event-%03d.json" % b)) as f:
                out = invoke(prog, json.load(f))
            rows += [dict({"stream": "slow"}, **r) for r in out["log"]["slow"]]
            dead += len(out["dead"])
            m = out["metrics"]
            if m["RecordsIn"] != 1500 or m["RecordsOut_slow"] != len(out["log"]["slow"]) or \
                    m["RecordsDeadLettered"] != len(out["dead"]) or m["RecordsSkipped"] or m["RecordsRetried"]:
                FAILURES.append("q1 metrics %r" % m)
        p = subprocess.run([sys.executable, os.path.join(HERE, "q1_oracle.py"), os.path.join(d, "records.jsonl")],
                           capture_output=True, text=True, check=True)
        want = [json.loads(ln) for ln in p.stdout.splitlines()]
        if rows != want:
            FAILURES.append("q1: flowref gives %d rows, q1_oracle.py %d" % (len(rows), len(want)))
        if dead == 0:
            FAILURES.append("q1: no dead letters from --bad 0.1")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "..", "shared"))
    a = ap.parse_args()
    docs_examples()
    q1_vs_oracle(a.shared)
    for f in FAILURES:
        print("FAIL " + f)
    print("%d failures" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
