#!/usr/bin/env python3
"""Differential test: seeded random stateless programs (random schemas,
typed expressions over docs/language.md §11-13, filters, projections, chains
of streams, a lookup join) and random records (nulls, edge values, bad
records), run through `flowc run` and through flowref, compared.

  random_programs.py --flowc F --shared DIR [--seed S] [--programs N] [--records R] [--save DIR]

Each program batches many expressions (a new program costs a clang compile
of a few seconds). Records whose outcome depends on an evaluation order the
documents leave open (flowref raises Ambiguous: e.g. `false and 1/0 = 1`)
are left out of the input. --save writes each failing program, its events
and the diff under DIR, for turning into a regression case."""

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import e2elib  # noqa: E402
from flowref.engine import Ambiguous, Program  # noqa: E402
from flowref.dynamodb import Typed, dynamodb_event, marshal_text  # noqa: E402
from flowref.runner import invoke  # noqa: E402

INT_MAX = (1 << 63) - 1
INT_MIN = -(1 << 63)

INTS = [0, 1, -1, 2, 3, 7, 10, 100, -100, 255, 1000, 65536, 2 ** 31, -2 ** 31, 2 ** 32, 10 ** 9, 10 ** 12,
        2 ** 53, INT_MAX, INT_MIN, INT_MAX - 1, INT_MIN + 1, 3037000499, 3037000500, -3037000500, 1795428930250]
FLOATS = [0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 0.1, 0.2, 1e-7, 1e21, 1e300, -1e300, 123.456, 2.675, 1e15,
          9.3e18, -9.3e18, 4.5, 100.0, 1e16, 3.0, -7.25, 5e-324]
STRINGS = ["", "a", "abc", "ABC", " x ", "hello world", "é", "É", "naïve Ça", "日本", "😀", "a%b_c", "it's",
           "line\nbreak", "42", "-7", "4.5", "1e3", "true", "FALSE", "2026-11-23T10:15:30Z",
           "2026-11-23T10:15:30.250+01:00", '{"a":1,"b":[1,"x"],"c":{"d":null}}', '{"a":"s"}', "/p/1",
           "/p/12.html", "ERROR boom", "tab\there", "  padded  ", "x" * 40, "9223372036854775808"]
TIMES = ["2026-11-23T10:15:30.250Z", "2026-11-23T10:15:30Z", "2024-02-29T23:59:59.999Z", "1970-01-01T00:00:00Z",
         "2026-01-04T00:00:00Z", "2001-09-09T01:46:40.5+05:30", "1999-12-31T23:59:59-08:00",
         "2030-06-15T08:30:00.123Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z",
         0, 1795428930250, 86399999, 951782400000, 4102444800000, -1000, -86400001]
DATE_UNITS = ["second", "minute", "hour", "day", "week", "month", "year"]
EXTRACT = ["year", "month", "day", "hour", "minute", "second", "millisecond", "dow", "doy", "epoch"]
PATTERNS = ["^a", "b$", "[0-9]+", "^/p/[0-9]+$", "o w", "^$", "(ERROR|FATAL)", "x{3}"]
LIKES = ["%", "a%", "%c", "_", "%o w%", "/p/%", "%.html", "__"]
DURATIONS = ["500 ms", "5 seconds", "90 minutes", "2 hours", "1 day", "interval '10' second", "1.5 s"]


def sql_str(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "''").replace("\n", "\\n").replace("\t", "\\t") + "'"


class Gen:
    """Typed expression generator. cols: [(name, type)]."""

    def __init__(self, rnd, cols):
        self.r = rnd
        self.cols = cols

    def col(self, t):
        cs = [c for c, ct in self.cols if ct == t]
        return self.r.choice(cs) if cs else None

    def lit(self, t):
        r = self.r
        if t == "int":
            v = r.choice([0, 1, 2, 3, 7, 10, 100, 1000, 65536, 2 ** 31, 10 ** 12, INT_MAX, 3037000500]
                         if r.random() < 0.3 else [0, 1, 2, 3, 7, 10, 100])
            return str(v)
        if t == "float":
            return r.choice(["0.5", "2.5", "0.1", "1.0", "1e-3", "1e10", "3.25", "100.0", "1e300"]
                            if r.random() < 0.3 else ["0.5", "2.5", "0.1", "1.0", "3.25"])
        if t == "string":
            return sql_str(r.choice(["", "a", "x", "abc", "é", "/p/", "-", " ", "ERROR", "it's", "日本"]))
        if t == "bool":
            return r.choice(["true", "false"])
        if t == "timestamp":
            return r.choice(["cast('2026-11-23T10:15:30.250Z' as timestamp)", "to_timestamp(0)",
                             "to_timestamp(1795428930250)"])
        raise ValueError(t)

    def leaf(self, t):
        c = self.col(t)
        if c is not None and self.r.random() < 0.8:
            return c
        return self.lit(t)

    def colful(self, t, d):
        """An expression of type t that reads a column when one of type t exists."""
        e = self.expr(t, d)
        return e

    def expr(self, t, d):
        r = self.r
        if d <= 0 or r.random() < 0.25:
            return self.leaf(t)
        f = getattr(self, "e_" + t)
        return f(d - 1)

    def e_int(self, d):
        r = self.r
        x = lambda: self.expr("int", d)  # noqa: E731
        choice = r.randrange(22)
        if choice < 5:
            return "(%s %s %s)" % (x(), r.choice(["+", "-", "*", "/", "%"]), x())
        if choice == 5:
            return "(-%s)" % x()
        if choice == 6:
            return "%s(%s)" % (r.choice(["abs", "round", "floor", "ceil"]), x())
        if choice == 7:
            return "length(%s)" % self.expr("string", d)
        if choice == 8:
            return "extract(%s from %s)" % (r.choice(EXTRACT), self.expr("timestamp", d))
        if choice == 9:
            return "epoch_ms(%s)" % self.expr("timestamp", d)
        if choice == 10:
            return "cast(%s as int)" % self.expr(r.choice(["float", "string", "bool", "timestamp"]), d)
        if choice == 11:
            return "coalesce(%s, %s)" % (x(), x())
        if choice == 12:
            return "nullif(%s, %s)" % (x(), x())
        if choice == 13:
            return "%s(%s, %s)" % (r.choice(["greatest", "least"]), x(), x())
        if choice == 14:
            return "case when %s then %s else %s end" % (self.expr("bool", d), x(), x())
        if choice == 15:
            return "case %s when %s then %s when %s then %s end" % (x(), self.lit("int"), x(), self.lit("int"), x())
        if choice == 16:
            return "round(%s, %d)" % (x(), r.choice([0, 1, 2]))
        return self.leaf("int")

    def e_float(self, d):
        r = self.r
        x = lambda: self.expr("float", d)  # noqa: E731
        num = lambda: self.expr(r.choice(["int", "float"]), d)  # noqa: E731
        choice = r.randrange(16)
        if choice < 4:
            return "(%s %s %s)" % (x(), r.choice(["+", "-", "*", "/", "%"]), num())
        if choice == 4:
            return "(%s %s %s)" % (self.expr("int", d), r.choice(["+", "-", "*", "/"]), x())
        if choice == 5:
            return "%s(%s)" % (r.choice(["sqrt", "ln", "exp"]), num())
        if choice == 6:
            return "power(%s, %s)" % (num(), num())
        if choice == 7:
            return "%s(%s)" % (r.choice(["abs", "round", "floor", "ceil"]), x())
        if choice == 8:
            return "round(%s, %d)" % (x(), r.choice([0, 1, 2, 3]))
        if choice == 9:
            return "cast(%s as float)" % self.expr(r.choice(["int", "string"]), d)
        if choice == 10:
            return "coalesce(%s, %s)" % (x(), x())
        if choice == 11:
            return "%s(%s, %s)" % (r.choice(["greatest", "least"]), x(), x())
        if choice == 12:
            return "case when %s then %s else %s end" % (self.expr("bool", d), x(), self.expr("int", d))
        if choice == 13:
            return "(-%s)" % x()
        return self.leaf("float")

    def e_string(self, d):
        r = self.r
        s = lambda: self.expr("string", d)  # noqa: E731
        choice = r.randrange(16)
        if choice == 0:
            return "%s(%s)" % (r.choice(["lower", "upper", "trim"]), s())
        if choice == 1:
            return "substr(%s, %d, %d)" % (s(), r.randint(1, 6), r.randint(0, 6))
        if choice == 2:
            return "substr(%s, %d)" % (s(), r.randint(1, 6))
        if choice == 3:
            return "concat(%s)" % ", ".join(self.expr(r.choice(["string", "int", "float", "bool", "timestamp"]), d)
                                            for _ in range(r.randint(1, 4)))
        if choice in (4, 5):
            return "(%s || %s)" % (self.expr(r.choice(["string", "int", "float", "bool", "timestamp"]), d),
                                   self.expr(r.choice(["string", "int", "float", "bool", "timestamp"]), d))
        if choice == 6:
            return "cast(%s as string)" % self.expr(r.choice(["int", "float", "bool", "timestamp"]), d)
        if choice == 7:
            return "coalesce(%s, %s)" % (s(), s())
        if choice == 8:
            return "nullif(%s, %s)" % (s(), s())
        if choice == 9:
            return "case when %s then %s when %s then %s end" % (self.expr("bool", d), s(), self.expr("bool", d), s())
        if choice == 10:
            return "json_extract(%s, %s)" % (s(), sql_str(r.choice(["$.a", "$.b[1]", "$.c", "$.c.d", "$.b", "$"])))
        if choice == 11:
            return "%s(%s, %s)" % (r.choice(["greatest", "least"]), s(), s())
        return self.leaf("string")

    def e_bool(self, d):
        r = self.r
        choice = r.randrange(16)
        if choice < 3:
            t = r.choice(["int", "float", "string", "timestamp", "bool", "num"])
            if t == "num":
                a, b = self.expr("int", d), self.expr("float", d)
            else:
                a, b = self.expr(t, d), self.expr(t, d)
            return "(%s %s %s)" % (a, r.choice(["=", "!=", "<>", "<", "<=", ">", ">="]), b)
        if choice == 3:
            return "(%s %s %s)" % (self.expr("bool", d), r.choice(["and", "or"]), self.expr("bool", d))
        if choice == 4:
            return "(not %s)" % self.expr("bool", d)
        if choice == 5:
            return "(%s is %snull)" % (self.expr(r.choice(["int", "string", "float", "timestamp"]), d),
                                       r.choice(["", "not "]))
        if choice == 6:
            t = r.choice(["int", "float", "string"])
            return "(%s %sbetween %s and %s)" % (self.expr(t, d), r.choice(["", "not "]), self.expr(t, d),
                                                 self.expr(t, d))
        if choice == 7:
            t = r.choice(["int", "string"])
            return "(%s %sin (%s))" % (self.expr(t, d), r.choice(["", "not "]),
                                       ", ".join(self.expr(t, d) for _ in range(r.randint(1, 3))))
        if choice == 8:
            return "(%s %slike %s)" % (self.expr("string", d), r.choice(["", "not "]),
                                       sql_str(r.choice(LIKES)) if r.random() < 0.8 else self.expr("string", d))
        if choice == 9:
            return "%s(%s, %s)" % (r.choice(["starts_with", "ends_with", "contains"]), self.expr("string", d),
                                   self.expr("string", d))
        if choice == 10:
            return "regexp_like(%s, %s)" % (self.expr("string", d), sql_str(r.choice(PATTERNS)))
        if choice == 11:
            return "cast(%s as bool)" % self.expr("string", d)
        if choice == 12:
            return "(%s - %s %s %s)" % (self.expr("timestamp", d), self.expr("timestamp", d),
                                        r.choice(["<", ">", ">="]), r.choice(DURATIONS))
        return self.leaf("bool")

    def e_timestamp(self, d):
        r = self.r
        choice = r.randrange(8)
        if choice == 0:
            return "date_trunc(%s, %s)" % (sql_str(r.choice(DATE_UNITS)), self.expr("timestamp", d))
        if choice == 1:
            return "(%s %s %s)" % (self.expr("timestamp", d), r.choice(["+", "-"]), r.choice(DURATIONS))
        if choice == 2:
            return "to_timestamp(%s)" % self.expr("int", d)
        if choice == 3:
            return "cast(%s as timestamp)" % self.expr(r.choice(["string", "int"]), d)
        if choice == 4:
            return "coalesce(%s, %s)" % (self.expr("timestamp", d), self.expr("timestamp", d))
        return self.leaf("timestamp")


FIELD_TYPES = ["int", "float", "string", "bool", "timestamp"]
KINDS = ["kinesis", "sqs", "kafka", "http"]
META_COLS = {"kinesis": [("_partition_key", "string"), ("_sequence_number", "string"), ("_arrival_time", "timestamp"),
                         ("_shard_id", "string")],
             "sqs": [("_message_id", "string"), ("_sent_time", "timestamp"), ("_arrival_time", "timestamp")],
             "kafka": [("_topic", "string"), ("_partition", "int"), ("_offset", "int"), ("_kafka_time", "timestamp")],
             "http": [("_method", "string"), ("_path", "string"), ("_source_ip", "string"),
                      ("_arrival_time", "timestamp")],
             "dynamodb": [("_event_name", "string"), ("_sequence_number", "string"), ("_arrival_time", "timestamp")]}


def dynamodb_instead(seed):
    """Half the seeds whose program reads kinesis read dynamodb instead (a stream of its own, so
    that the other seeds' programs stay what they were)."""
    return random.Random("dynamodb-%d" % seed).random() < 0.5


def make_program(rnd, n_exprs, dynamodb=False):
    kind = rnd.choice(KINDS)
    fmt = "text" if rnd.random() < 0.12 else "json"
    if kind == "kinesis" and dynamodb:
        kind, fmt = "dynamodb", "json"  # format text is an error for dynamodb
    fields = []
    if fmt == "json":
        for i in range(rnd.randint(3, 7)):
            t = rnd.choice(FIELD_TYPES)
            nullable = rnd.random() < 0.5
            path = None
            if rnd.random() < 0.2:
                path = rnd.choice(["$.nested.f%d" % i, "$.arr[%d]" % rnd.randint(0, 2), "$['odd key %d']" % i])
                if any(f["path"] == path for f in fields):
                    path = None  # flowc's back end reads each JSON value once (an error otherwise)
            unit = "seconds" if t == "timestamp" and rnd.random() < 0.2 else None
            fields.append({"name": "f%d" % i, "type": t, "nullable": nullable, "path": path, "unit": unit})
    else:
        fields.append({"name": "line", "type": "string", "nullable": False, "path": None, "unit": None})
    policies = ["dead_letter", "skip"] + ([] if kind == "http" else ["retry"])
    policy = rnd.choice(policies)
    fifo = kind == "sqs" and rnd.random() < 0.5
    lines = []
    if fmt == "json":
        fl = []
        for f in fields:
            ty = f["type"] + ("(seconds)" if f["unit"] else "") + ("?" if f["nullable"] else "")
            fl.append("    %s %s%s" % (f["name"], ty, (" = " + f["path"]) if f["path"] else ""))
        lines.append("source src from %s format json (\n%s\n)\non error %s;" % (kind, ",\n".join(fl), policy))
    else:
        lines.append("source src from %s format text\non error %s;" % (kind, policy))
    cols = [(f["name"], f["type"]) for f in fields] + META_COLS[kind]
    use_table = fmt == "json" and any(f["type"] == "string" for f in fields) and rnd.random() < 0.4
    streams = []
    prev = None
    n_streams = rnd.randint(1, 3)
    per = max(3, n_exprs // n_streams)
    for si in range(n_streams):
        st = {"name": "s%d" % si, "join": ""}
        if prev is not None and rnd.random() < 0.5:
            st["from"], src_cols = prev["name"], prev["out"]
        else:
            st["from"], src_cols = "src", cols
        scope = list(src_cols)
        if use_table and st["from"] == "src" and si == 0:
            key = rnd.choice([c for c, t in src_cols if t == "string" and not c.startswith("_")])
            st["join"] = "\n  %sjoin ref r on r.code = %s" % ("left " if rnd.random() < 0.6 else "", key)
            scope = scope + [("r.label", "string"), ("r.weight", "float"), ("r.rank", "int")]
        st["scope"] = scope
        g = Gen(rnd, scope)
        st["items"], st["out"] = [], []
        for k in range(per):
            t = rnd.choice(["int", "float", "string", "bool", "timestamp"])
            st["items"].append(g.expr(t, rnd.randint(1, 3)))
            st["out"].append(("c%d" % k, t))
        if rnd.random() < 0.3:
            c = rnd.choice([c for c, _ in scope if "." not in c])
            st["items"].append(c)
            st["out"].append(("keep_" + c.lstrip("_"), dict(scope)[c]))
        st["where"] = g.expr("bool", rnd.randint(1, 2)) if rnd.random() < 0.7 else None
        streams.append(st)
        prev = st
    sinks = []
    for s in ["s_all"] + [st["name"] for st in streams]:
        kinds = ["log"] if kind != "http" else ["response"]
        if kind != "http" and rnd.random() < 0.3:
            kinds = ["response"] if rnd.random() < 0.5 else ["log", "response"]
        if kind == "http" and rnd.random() < 0.3:
            kinds.append("log")
        sinks += ["sink %s to %s;" % (s, k) for k in kinds]
    prog = {"kind": kind, "fmt": fmt, "fields": fields, "policy": policy, "fifo": fifo, "table": use_table,
            "head": lines, "streams": streams, "sinks": sinks}
    render(prog)
    return prog


def render(prog):
    lines = list(prog["head"])
    if prog["table"]:
        lines.append("table ref from file 'ref.csv' (code string, label string, weight float?, rank int) key code;")
    # s_all reads every field so that each record is decoded in full
    lines.append("stream s_all as select * from src;")
    for st in prog["streams"]:
        items = ["%s as %s" % (e, n) for e, (n, _) in zip(st["items"], st["out"])]
        where = "\n  where %s" % st["where"] if st["where"] else ""
        lines.append("stream %s as\n  select %s\n  from %s%s%s;" % (st["name"], ",\n         ".join(items),
                                                                   st["from"], st["join"], where))
    prog["text"] = "\n".join(lines + prog["sinks"]) + "\n"


def refine(prog, rnd, write, rounds=4, sample=60):
    """Regenerates the select items and where clauses that fail (or are
    ambiguous) for more than a fifth of sample records, so that rows come out."""
    for _ in range(rounds):
        program = write(prog)
        sites = {}
        for _ in range(sample):
            p = random_record(rnd, prog)
            ev = events_for(dict(prog, fifo=False), [p], random.Random(0))[0]
            try:
                out = invoke(program, ev)
            except Ambiguous:
                continue
            for site in out.get("error_sites", []):
                if site:
                    sites[site] = sites.get(site, 0) + 1
        bad = [s for s, n in sites.items() if n > sample // 5]
        if not bad:
            return program
        by_name = {st["name"]: st for st in prog["streams"]}
        for name, what in bad:
            st = by_name.get(name)
            if st is None:
                continue
            g = Gen(rnd, st["scope"])
            if what == "where":
                st["where"] = g.expr("bool", 1)
            elif what < len(st["items"]) and not st["out"][what][0].startswith("keep_"):
                st["items"][what] = g.expr(st["out"][what][1], rnd.randint(0, 2))
        render(prog)
    return write(prog)


REF_CSV = "code,label,weight,rank\na,Alpha,1.5,1\nabc,ABC,,2\né,E acute,-0.25,3\n42,Answer,42,4\n/p/1,page,0.1,5\n" \
          "\"x\",\"quoted, comma\",1e3,6\n,empty,0,7\n"


def random_value(rnd, t, unit=None):
    if t == "int":
        return rnd.choice(INTS) if rnd.random() < 0.25 else rnd.randint(-1000, 1000)
    if t == "float":
        return rnd.choice(FLOATS) if rnd.random() < 0.25 else round(rnd.uniform(-1000, 1000), rnd.randint(0, 4))
    if t == "string":
        return rnd.choice(STRINGS)
    if t == "bool":
        return rnd.random() < 0.5
    if t == "timestamp":
        if unit:
            return rnd.choice([0, 1795428930, 951782400, -86401, 4102444800])
        return rnd.choice(TIMES)


def set_path(doc, name, path, value):
    if path is None:
        doc[name] = value
    elif path.startswith("$.nested."):
        doc.setdefault("nested", {})[path[len("$.nested."):]] = value
    elif path.startswith("$.arr["):
        i = int(path[6:-1])
        arr = doc.setdefault("arr", [])
        while len(arr) <= i:
            arr.append(rnd_filler(len(arr)))
        arr[i] = value
    else:
        doc[path[3:-2]] = value


def rnd_filler(i):
    return {"filler": i}


def random_record(rnd, prog):
    if prog["fmt"] == "text":
        return rnd.choice(STRINGS + ["plain line %d" % rnd.randint(0, 99)]).replace("\n", " ")
    bad = rnd.random()
    doc = {}
    for f in prog["fields"]:
        u = rnd.random()
        if u < 0.1 and f["nullable"]:
            continue  # missing
        if u < 0.2 and f["nullable"]:
            set_path(doc, f["name"], f["path"], None)
            continue
        set_path(doc, f["name"], f["path"], random_value(rnd, f["type"], f["unit"]))
    if bad < 0.03:
        return json.dumps(doc)[:-2]
    if bad < 0.05:
        f = rnd.choice(prog["fields"])
        set_path(doc, f["name"], f["path"], rnd.choice(["oops", 1.25, True, None, [1]]))
    if bad < 0.06:
        return json.dumps([doc])
    return json.dumps(doc, ensure_ascii=rnd.random() < 0.5)


def events_for(prog, payloads, rnd):
    kind = prog["kind"]
    events, i = [], 0
    while i < len(payloads):
        n = rnd.randint(1, 40)
        chunk = payloads[i:i + n]
        if kind == "kinesis":
            events.append(e2elib.kinesis_event(chunk, first_seq=49590338271490256608559692538361571095921575989136588898
                                               + i, start_ms=1763892000000 + 1000 * i))
        elif kind == "sqs":
            ev = e2elib.sqs_event(chunk, fifo=prog["fifo"])
            for k, r in enumerate(ev["Records"]):
                r["messageId"] = "m-%06d" % (i + k)
            events.append(ev)
        elif kind == "dynamodb":
            # each payload marshalled by flowref.dynamodb.marshal_text (numbers keep their text); a
            # payload that is not one JSON object is a record without a NewImage (a KEYS_ONLY record)
            items, names = [], []
            for k, p in enumerate(chunk):
                typed = marshal_text(p)
                name = ("INSERT", "MODIFY", "REMOVE")[(i + k) % 3]
                if typed is None:
                    items.append({"dynamodb": {"ApproximateCreationDateTime": 1763892000 + i + k,
                                               "Keys": {"pk": {"S": "k%d" % (i + k)}}, "SizeBytes": 20,
                                               "StreamViewType": "KEYS_ONLY"}})
                else:
                    items.append(Typed(json.loads(typed)))
                names.append(name)
            events.append(dynamodb_event(items, names=names, start_s=1763892000 + i,
                                         first_seq=4421584500000000017450439091 + i))
        elif kind == "kafka":
            events.append(e2elib.kafka_event(chunk, first_offset=i, keys=[("k%d" % k if k % 3 else None)
                                                                           for k in range(len(chunk))]))
        else:
            body = chunk[0] if len(chunk) == 1 and prog["fmt"] == "json" else (
                "\n".join(chunk) if prog["fmt"] == "text" else "[" + ",".join(chunk) + "]")
            events.append(e2elib.http_event(body, rnd.choice(["v1", "v2", "url"]), b64=rnd.random() < 0.3))
        i += n
    return events


def one_record_ambiguous(program, prog, payload):
    """Runs flowref on one record alone: is its outcome order-dependent?"""
    ev = events_for(dict(prog, fifo=False), [payload], random.Random(0))[0]
    out = invoke(program, ev)
    return bool(out.get("ambiguous"))


def run_one(seed, args, tmp):
    rnd = random.Random(seed)
    prog = make_program(rnd, args.exprs, dynamodb=dynamodb_instead(seed))
    d = os.path.join(tmp, "p%d" % seed)
    os.makedirs(d, exist_ok=True)
    flow = os.path.join(d, "random.flow")

    def write(p):
        with open(flow, "w") as f:
            f.write(p["text"])
        if p["table"]:
            with open(os.path.join(d, "ref.csv"), "w") as f:
                f.write(REF_CSV)
        return Program(flow)
    program = refine(prog, rnd, write)
    payloads, dropped = [], 0
    while len(payloads) < args.records and dropped < 10 * args.records:
        p = random_record(rnd, prog)
        try:
            amb = one_record_ambiguous(program, prog, p)
        except Ambiguous:
            amb = True
        if amb:
            dropped += 1
            continue
        payloads.append(p)
    events = events_for(prog, payloads, rnd)
    files, expected = [], []
    for k, ev in enumerate(events):
        path = os.path.join(d, "event-%03d.json" % k)
        with open(path, "w") as f:
            json.dump(ev, f)
        files.append(path)
        expected.append(invoke(program, ev))
    out = []
    try:
        lines = e2elib.run_flowc(args.flowc, flow, events=files)
    except e2elib.FlowcError as e:
        return prog, ["flowc failed: %s" % e], d, dropped
    e2elib.compare_run(program, expected, lines, out)
    summ = [ln for ln in lines if ln.get("type") == "summary"]
    prog["summary"] = summ[0] if summ else {}
    return prog, out, d, dropped


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--flowc", required=True)
    ap.add_argument("--shared", help="unused; accepted for symmetry with run_e2e.py")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--programs", type=int, default=8)
    ap.add_argument("--records", type=int, default=150)
    ap.add_argument("--exprs", type=int, default=24, help="select items per program")
    ap.add_argument("--save", help="copy each failing program and its events here")
    ap.add_argument("--only", type=int, nargs="+", help="run these program seeds (as printed) only")
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    t0 = time.time()
    failed = []
    with tempfile.TemporaryDirectory(prefix="flowc-random-") as tmp:
        seeds = a.only or [a.seed * 1000 + i for i in range(a.programs)]
        for seed in seeds:
            t = time.time()
            prog, notes, d, dropped = run_one(seed, a, tmp)
            # An invocation flowref cannot decide (an http request whose own
            # _method or _path makes every record's outcome depend on an
            # order the documents leave open) is a note, as in run_e2e.py.
            diffs = [x for x in notes if not (x.startswith("invocation") and "not compared" in x)]
            uncompared = len(notes) - len(diffs)
            status = "FAIL" if diffs else "ok"
            sm = prog.get("summary", {})
            print("%-4s seed %d: %s %s, %s: %s records in, out %s, %s dead, %s skipped, %s retried; "
                  "%d ambiguous left out%s (%.1fs)" % (
                      status, seed, prog["kind"], prog["fmt"], prog["policy"], sm.get("recordsIn"),
                      sm.get("recordsOut"), sm.get("deadLettered"), sm.get("skipped"), sm.get("retried"), dropped,
                      ", %d invocations not compared" % uncompared if uncompared else "", time.time() - t))
            if diffs:
                failed.append(seed)
                print(prog["text"])
                for x in diffs[:60]:
                    print("    " + x.replace("\n", "\n    "))
                if a.save:
                    dst = os.path.join(a.save, "seed-%d" % seed)
                    shutil.rmtree(dst, ignore_errors=True)
                    shutil.copytree(d, dst)
                    with open(os.path.join(dst, "diff.txt"), "w") as f:
                        f.write("\n".join(diffs) + "\n")
            elif a.v:
                print(prog["text"])
    if e2elib.BIGINT_LINES:
        print("known issue: flowc run could not parse %d log lines with floats written as integers beyond 64 bits, "
              "e.g. %s" % (len(e2elib.BIGINT_LINES), e2elib.BIGINT_LINES[0][:300]))
    print("%d of %d programs failed (%.1fs)%s" % (len(failed), len(seeds), time.time() - t0,
                                                 ": seeds " + " ".join(map(str, failed)) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
