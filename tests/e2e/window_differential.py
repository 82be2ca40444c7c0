#!/usr/bin/env python3
"""Differential test of windowed programs (ctest e2e_windows).

Seeded random programs over a kinesis json source — group by keys and a tumble, hop or session
window on an event-time field or on _arrival_time, every aggregate, where, having, select
distinct, order by … limit n, watermark and allowed lateness, emit final and emit changes — over
random record streams (out of order, late, malformed), run through `flowc run --records …
--output json` with several batch sizes, shard counts and Lambda window lengths, and checked:

  (a) every batch split of the same records and shards gives the same multiset of rows
      (emit final); for emit changes, the rows that close a window (window_complete = true)
      and, per shard, group and window, the last row emitted;
  (b) the rows equal what window_oracle.py computes with SQLite over the same records;
  (c) no record is lost: records in = processed + dead-lettered + skipped + retried per the
      summary; the dead letters are exactly the malformed and the late records (by their
      text); and where the program counts rows plainly, the emitted counts add up.

Some programs also run through independent_runtime_api.py's tumbling-window mode (an
independent server that carries `state` as Lambda does) and must give the oracle's rows too.
The end-to-end cases with shared/events/aws/go-kinesis-time-window-event.json and
go-dynamodb-time-window-event.json run first. --dynamodb SEED… runs those seeds' programs again
with a dynamodb source (see to_dynamodb), through flowc run --records and the independent server.

  window_differential.py --flowc FLOWC --shared SHARED [--seed S] [--programs N] [--save DIR]
                         [--only SEED…] [--no-aws-case] [--dynamodb SEED…]
"""
import argparse
import base64
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import window_oracle  # noqa: E402
from flowref.dynamodb import marshal_text, unmarshal  # noqa: E402
from flowref.jsontext import parse_document  # noqa: E402
from window_oracle import close_enough, rfc3339  # noqa: E402

BASE_MS = 1763892000000  # 2025-11-23T10:00:00Z

SOURCE_FIELDS = "k string, g int?, x int, y float?, s string?, ts timestamp"
FIELD_TYPE = {"k": "string", "g": "int", "x": "int", "y": "float", "s": "string", "ts": "timestamp",
              "_partition_key": "string"}


def dur(ms):
    if ms % 1000 == 0:
        n = ms // 1000
        return "%d %s" % (n, "second" if n == 1 else "seconds")
    return "%d ms" % ms


# ---- programs ---------------------------------------------------------------------------------

WHERES = ["x > 20", "y is not null", "s is null or x < 80", "k <> 'c'", "g = 1 or g is null",
          "x % 3 <> 0", "not (y < 0)", "k in ('a', 'b')", "x between 10 and 90"]
HAVINGS = ["count(*) >= 2", "sum(x) > 60", "max(x) < 95", "min(x) > 3", "count(y) >= 1"]


def gen_program(rnd, base=None, name="w"):
    """A random windowed program: a dict that window_oracle.compute reads and the .flow text.
    With base: a second stream `name` over the same source and time (see second_stream)."""
    p = {"name": name}
    # the window: on an event-time field (with a watermark) or on _arrival_time
    kind = rnd.choice(["tumble", "tumble", "hop", "session", "arrival_tumble", "arrival_hop", "arrival_session"])
    if base is not None:
        bw = base["window"]
        if bw[0] == "tumble" and bw[1] == "_arrival_time":
            kind = "arrival_tumble"      # one Lambda window length for the whole function
        else:
            kind = rnd.choice(["tumble", "hop", "session"])
            kind = kind if bw[1] == "ts" else "arrival_" + kind
            if kind == "arrival_tumble":
                kind = "arrival_hop"
    if kind.startswith("arrival_"):
        kind = kind[len("arrival_"):]
        t = "_arrival_time"
        p["event_time"] = None
    else:
        t = "ts"
        p["event_time"] = {"watermark": rnd.choice([0, 500, 1000, 2000]),
                           "lateness": rnd.choice([None, None, 0, 500, 1000])}
    if base is not None:
        p["event_time"] = base["event_time"]
    if kind == "tumble":
        size = rnd.choice([1000, 2000, 3000]) if t == "_arrival_time" else rnd.choice([1000, 2000, 5000, 500])
        if base is not None and t == "_arrival_time":
            size = base["window"][2]
        p["window"] = ("tumble", t, size)
        wtext = "tumble(%s, %s)" % (t, dur(size))
    elif kind == "hop":
        slide = rnd.choice([500, 1000, 2000])
        size = slide * rnd.choice([1, 2, 3])
        p["window"] = ("hop", t, size, slide)
        wtext = "hop(%s, %s, %s)" % (t, dur(size), dur(slide))
    else:
        gap = rnd.choice([300, 1000, 2000])
        p["window"] = ("session", t, gap)
        wtext = "session(%s, %s)" % (t, dur(gap))
    lambda_tumble = kind == "tumble" and t == "_arrival_time"
    # Lambda's window for the event-time model: 900 s unless the run says otherwise
    p["lambda_window_s"] = 900 if lambda_tumble else rnd.choice([900, 900, 5, 10])
    p["policy"] = rnd.choice(["dead_letter", "dead_letter", "skip"])
    if base is not None:
        p["lambda_window_s"], p["policy"] = base["lambda_window_s"], base["policy"]
    p["emit"] = rnd.choice(["final", "final", "final", "changes"])
    shape = "plain"
    if p["emit"] == "final" and kind != "session":
        shape = rnd.choice(["plain", "plain", "plain", "distinct", "topn"])
    p["keys"] = rnd.sample(["k", "g", "s", "_partition_key"], rnd.choice([1, 1, 2]))
    key_out = {"k": "k", "g": "g", "s": "s", "_partition_key": "pkey"}
    win_cols = ["window_start", "window_end", "window_complete"]
    select, types, flow_items = [], [], []

    def add_key(key):
        select.append(("key", key))
        types.append(FIELD_TYPE[key])
        flow_items.append(key if key != "_partition_key" else "_partition_key as pkey")

    def add_win(c):
        select.append(("win", c))
        types.append("bool" if c == "window_complete" else "timestamp")
        flow_items.append(c)
    aggs = []
    if shape == "distinct":
        p["keys"] = rnd.sample(["k", "g", "s", "_partition_key"], 2)
        for key in p["keys"][:1]:   # a proper subset of the keys, so that distinct has work
            add_key(key)
        for c in rnd.sample(win_cols, rnd.randint(0, 2)):
            add_win(c)
    else:
        if p["emit"] == "changes":
            # CHOICE (test design): an emit changes row must say which group and window it
            # updates, so these programs select every key and every window column
            for key in p["keys"]:
                add_key(key)
            for c in win_cols:
                add_win(c)
        else:
            for key in p["keys"]:
                if rnd.random() < 0.8:
                    add_key(key)
            for c in win_cols:
                if rnd.random() < 0.5:
                    add_win(c)
        funcs = ["count_star", "count", "count_distinct", "sum", "avg", "min", "max", "first", "last",
                 "stddev", "approx_percentile"]
        n_aggs = rnd.randint(1, 5)
        chosen = rnd.sample(funcs, n_aggs)
        if "count_star" not in chosen and rnd.random() < 0.5:
            chosen.insert(0, "count_star")
        for func in chosen:
            arg = {"count": ["k", "g", "x", "y", "s", "ts"], "count_distinct": ["k", "g", "x", "y", "s"],
                   "sum": ["x", "g", "y"], "avg": ["x", "g", "y"], "min": ["x", "g", "y", "s", "ts", "k"],
                   "max": ["x", "g", "y", "s", "ts", "k"], "first": ["k", "g", "x", "y", "s", "ts"],
                   "last": ["k", "g", "x", "y", "s", "ts"], "stddev": ["x", "y", "g"],
                   "approx_percentile": ["x", "y"]}.get(func, [None])
            arg = rnd.choice(arg)
            pct = rnd.choice([0, 0.25, 0.5, 0.9, 0.95, 1]) if func == "approx_percentile" else None
            n = len(aggs)
            aggs.append((func, arg, pct))
            if func == "count_star":
                text, t_out = "count(*)", "int"
            elif func == "count_distinct":
                text, t_out = "count(distinct %s)" % arg, "int"
            elif func == "count":
                text, t_out = "count(%s)" % arg, "int"
            elif func == "approx_percentile":
                text, t_out = "approx_percentile(%s, %s)" % (arg, pct), "float"
            else:
                text = "%s(%s)" % (func, arg)
                t_out = {"avg": "float", "stddev": "float"}.get(func, FIELD_TYPE[arg])
            select.append(("agg", n))
            types.append(t_out)
            flow_items.append("%s as a%d" % (text, n))
        # shuffle the select list (keeping each item with its type)
        order = list(range(len(select)))
        rnd.shuffle(order)
        select = [select[i] for i in order]
        types = [types[i] for i in order]
        flow_items = [flow_items[i] for i in order]
    p["aggs"] = aggs
    p["select"] = select
    p["select_types"] = types
    p["out_names"] = [(key_out[n] if kind_ == "key" else n if kind_ == "win" else "a%d" % n)
                      for kind_, n in select]
    p["where"] = rnd.choice(WHERES) if rnd.random() < 0.4 else None
    p["having_sql"] = None
    if shape != "distinct" and p["emit"] == "final" and rnd.random() < 0.3:
        p["having_sql"] = rnd.choice(HAVINGS)
    p["distinct"] = shape == "distinct"
    p["topn"] = None
    order_flow = None
    if shape == "topn":
        # a total order (every key takes part), so that which rows make the top n is decided
        exact = [i for i, (f, _, _) in enumerate(aggs) if f not in ("stddev", "approx_percentile")]
        first_flow, first_sql = [], []
        if exact and rnd.random() < 0.7:
            i = rnd.choice(exact)
            desc = rnd.random() < 0.6
            first_flow = ["a%d%s" % (i, " desc" if desc else "")]
            first_sql = ["a%d %s" % (i, "desc nulls first" if desc else "asc nulls last")]
        rest_flow, rest_sql = [], []
        for key in p["keys"]:
            desc = rnd.random() < 0.3
            name = key_out[key] if ("key", key) in select else key
            rest_flow.append(name + (" desc" if desc else ""))
            rest_sql.append(key + (" desc nulls first" if desc else " asc nulls last"))
        n = rnd.choice([1, 2, 3])
        p["topn"] = (first_sql + rest_sql, n)
        order_flow = ", ".join(first_flow + rest_flow)
    # the text
    src = "source ev from kinesis (%s)\n" % SOURCE_FIELDS
    if p["event_time"]:
        src += "event time ts watermark %s" % dur(p["event_time"]["watermark"])
        if p["event_time"]["lateness"] is not None:
            src += " allowed lateness %s" % dur(p["event_time"]["lateness"])
        src += "\n"
    src += "on error %s;\n\n" % p["policy"]
    st = "stream w as\n  select %s%s\n  from ev\n" % ("distinct " if p["distinct"] else "", ", ".join(flow_items))
    if p["where"]:
        st += "  where %s\n" % p["where"]
    group_keys = ", ".join(p["keys"] + [wtext])
    st += "  group by %s\n" % group_keys
    if p["having_sql"]:
        st += "  having %s\n" % p["having_sql"]
    if order_flow:
        st += "  order by %s\n  limit %d\n" % (order_flow, p["topn"][1])
    st += "  emit %s;\n\nsink w to log;\n" % p["emit"]
    st = st.replace("stream w as", "stream %s as" % p["name"]).replace("sink w to log", "sink %s to log" % p["name"])
    p["src_text"], p["stream_text"] = src, st
    p["text"] = src + st
    return p


def second_stream(seed, prog):
    """For some seeds, a second windowed stream over the same source, with its own keys, window
    and aggregates: the state then holds one section per stream. Neither stream has a where, so
    both see the same watermark and the same late records (CHOICE, test design: a record late for
    one stream "leaves no row in any stream", and with different wheres the streams' watermarks
    differ; the documents do not say how the two combine)."""
    rnd = random.Random(seed * 7919 + 1)   # its own draws: the first stream stays the seed's
    if rnd.random() >= 0.3:
        return None
    second = gen_program(rnd, base=prog, name="w2")
    prog["where"] = second["where"] = None
    for p in (prog, second):
        p["stream_text"] = "\n".join(ln for ln in p["stream_text"].split("\n") if not ln.startswith("  where "))
    prog["text"] = prog["src_text"] + prog["stream_text"] + "\n" + second["stream_text"]
    return second


# ---- records ----------------------------------------------------------------------------------

def gen_records(rnd, prog, n, implicit_arrival):
    """Random records in arrival order: dicts with the raw line, pos, arr, pk, the fields (ts in
    epoch ms) and bad=True for the malformed ones (each must be dead-lettered or skipped).
    implicit_arrival: the records carry no arrival time; flowc run's own applies (10 ms apart
    from 2025-11-23T10:00:00Z, docs/language.md §20; CHOICE: counted over all records, not per
    shard), and some malformed records are not JSON at all."""
    recs = []
    arr = BASE_MS + rnd.randint(0, 999)
    step = rnd.choice([20, 100, 250, 400])
    # coarse times (multiples of 250 ms) put records on window bounds, on the lateness bound and
    # exactly a session gap apart, where the CHOICEs of window_oracle.py decide
    grain = rnd.choice([1, 250])
    for i in range(n):
        arr = BASE_MS + 10 * i if implicit_arrival else (arr + rnd.randint(0, 2 * step)) // grain * grain
        pk = "p%d" % rnd.randint(0, 6)
        r = {"pos": i, "arr": arr, "pk": pk}
        delay = rnd.randint(0, 3000)
        if rnd.random() < 0.12:
            delay = rnd.randint(4000, 15000)    # out of order far enough to be late, often
        elif rnd.random() < 0.05:
            delay = -rnd.randint(1, 2000)       # ahead of its arrival
        r["ts"] = (arr - delay) // grain * grain
        r["k"] = rnd.choice(["a", "b", "c"])
        r["g"] = rnd.choice([1, 2, 3, None])
        r["x"] = rnd.randint(0, 100)
        r["y"] = rnd.choice([None, rnd.randint(-200, 200) / 4.0])
        r["s"] = rnd.choice(["u", "v", "w", "\u00e9t\u00e9", "Z", None, None])
        doc = {"i": i, "pk": pk, "arr": arr}
        for f in ["k", "g", "x", "y", "s"]:
            if r[f] is not None or rnd.random() < 0.5:   # a nullable field: null or absent
                doc[f] = r[f]
        doc["ts"] = r["ts"] if rnd.random() < 0.5 else rfc3339(r["ts"])
        if rnd.random() < 0.06:
            r["bad"] = True
            how = rnd.choice(["x_string", "no_k", "bad_ts", "y_string", "g_frac", "k_null"])
            if how == "x_string":
                doc["x"] = str(r["x"])
            elif how == "no_k":
                del doc["k"]
            elif how == "bad_ts":
                doc["ts"] = "2025-02-30T00:00:00Z"
            elif how == "y_string":
                doc["y"] = "abc"
            elif how == "g_frac":
                doc["g"] = 1.5
            else:
                doc["k"] = None
        if implicit_arrival:
            del doc["arr"]
        r["raw"] = json.dumps(doc, separators=(",", ":"))
        if implicit_arrival and rnd.random() < 0.04:
            r["bad"] = True
            r["raw"] = rnd.choice(['{"i":%d,"pk":"%s","k":' % (i, pk), '[%d]' % i, 'not json %d' % i])
        recs.append(r)
    return recs


# ---- a dynamodb source -------------------------------------------------------------------------
# The same programs and records with a `dynamodb` source: each record is an item put into a table
# (flowc run --records marshals it into a DynamoDB Streams INSERT; independent_runtime_api.py
# --source dynamodb does it with its own marshal). A dead letter then shows the record's `dynamodb`
# object, so dead letters are compared by their NewImage read back as an item (flowref.dynamodb)
# against each record marshalled and read back the same way (a line that is not one JSON object
# has no NewImage). _partition_key becomes the item's own `pk` attribute (the --key, which places
# the records on shards as a Kinesis partition key does).

def to_dynamodb(prog):
    head = "source ev from kinesis (%s)" % SOURCE_FIELDS
    assert prog["text"].startswith(head)
    prog["text"] = ("source ev from dynamodb (%s, pk string)" % SOURCE_FIELDS + prog["text"][len(head):]) \
        .replace("_partition_key", "pk")
    prog["source"] = "dynamodb"


def ddb_shown(text):
    try:
        d = json.loads(text)
    except ValueError:
        return "<not a dynamodb object: %s>" % text
    img = d.get("NewImage") if isinstance(d, dict) else None
    return "<no image>" if img is None else unmarshal(parse_document(json.dumps(img)))


def ddb_raw(line):
    typed = marshal_text(line)
    return "<no image>" if typed is None else unmarshal(parse_document(typed))


# ---- running and reading ----------------------------------------------------------------------

def run_flowc(flowc, flow, rec_path, shards, batch, window_s, arrival_field):
    args = [flowc, "run", flow, "--output", "json", "--records", rec_path, "--batch", str(batch),
            "--shards", str(shards), "--key", "pk"]
    if arrival_field:
        args += ["--arrival-field", arrival_field]
    if window_s is not None:
        args += ["--window", str(window_s)]
    p = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise RuntimeError("flowc run exited %d: %s" % (p.returncode, (p.stderr or p.stdout)[-2000:]))
    return [json.loads(ln) for ln in p.stdout.splitlines() if ln.strip()]


def read_run(prog, lines):
    """(rows, dead letters, summary, problems): rows as dicts {shard, values, n (invocation)}."""
    rows, dls, problems, summary = [], [], [], None
    for o in lines:
        if o.get("type") == "summary":
            summary = o
        if o.get("type") != "invocation":
            continue
        if not o.get("ok"):
            problems.append("invocation %s failed: %s %s" % (o.get("n"), o.get("errorType"), o.get("errorMessage")))
        if o.get("windowError"):
            problems.append("invocation %s: window error %s" % (o.get("n"), o.get("windowError")))
        for ln in o.get("log", []):
            if not isinstance(ln, dict):
                continue
            if ln.get("stream") == prog["name"]:
                if list(ln.keys())[1:] != prog["out_names"]:
                    problems.append("row columns %s, expected %s" % (list(ln.keys())[1:], prog["out_names"]))
                rows.append({"shard": o.get("shard"), "n": o.get("n"), "lw": (o.get("window") or {}).get("start"),
                             "values": [ln.get(c) for c in prog["out_names"]]})
            elif ln.get("stream") == "_dead_letter":
                dls.append(ln)
    return rows, dls, summary, problems


def tol_kinds(prog):
    out = []
    for kind, n in prog["select"]:
        f = prog["aggs"][n][0] if kind == "agg" else None
        out.append("pct" if f == "approx_percentile" else "sd" if f == "stddev" else None)
    return out


def _norm(v):
    if isinstance(v, bool):
        return (1, int(v))
    if isinstance(v, (int, float)):
        return (2, float(v))
    if v is None:
        return (0, 0)
    return (3, v)


def multiset_diff(prog, exp_rows, got_rows):
    """Rows of the oracle and of flowc (lists of value lists), matched exactly on every column
    but approx_percentile's and stddev's, which are then checked within their bounds."""
    tk = tol_kinds(prog)

    def key(vals):
        return tuple(_norm(v) for v, t in zip(vals, tk) if t is None)

    def tol(vals):
        return tuple(_norm(v) for v, t in zip(vals, tk) if t is not None)
    e = sorted(exp_rows, key=lambda v: (key(v), tol(v)))
    g = sorted(got_rows, key=lambda v: (key(v), tol(v)))
    msgs = []
    i = j = 0
    while i < len(e) or j < len(g):
        if j >= len(g) or (i < len(e) and key(e[i]) < key(g[j])):
            msgs.append("  missing  %s" % json.dumps(e[i]))
            i += 1
        elif i >= len(e) or key(g[j]) < key(e[i]):
            msgs.append("  extra    %s" % json.dumps(g[j]))
            j += 1
        else:
            bad = [c for c, t in enumerate(tk) if t is not None and not close_enough(e[i][c], g[j][c], t)]
            if bad:
                msgs.append("  differs  expected %s got %s (columns %s)" % (json.dumps(e[i]), json.dumps(g[j]), bad))
            i += 1
            j += 1
    return msgs


def check_run(prog, records, shards, lines, oracle, label):
    """(b) and (c) for one run; returns the problems and the comparable rows for (a)."""
    expected, late, reached = oracle
    rows, dls, summary, problems = read_run(prog, lines)
    problems = ["%s: %s" % (label, m) for m in problems]
    bad = [r for r in records if r.get("bad")]
    late_set = set(late)
    # (b) rows against the oracle
    if prog["emit"] == "final":
        got = [r["values"] for r in rows]
        exp = [r["values"] for r in expected]
        d = multiset_diff(prog, exp, got)
        if d:
            problems.append("%s: rows differ from the oracle (%d expected, %d emitted):\n%s"
                            % (label, len(exp), len(got), "\n".join(d[:12])))
        comparable = got
    else:
        ci = prog["out_names"].index("window_complete")
        got_closed = [r["values"] for r in rows if r["values"][ci] is True]
        exp_closed = [r["values"] for r in expected if r["complete"]]
        d = multiset_diff(prog, exp_closed, got_closed)
        if d:
            problems.append("%s: emit changes: closing rows differ from the oracle:\n%s" % (label, "\n".join(d[:12])))
        # the last row of each (shard, Lambda window, group, window) is the window's final value;
        # a session grows and merges, so its earlier rows are the ones whose [start, end) a
        # later row of the same shard, Lambda window and key covers
        keyc = [c for c, (kind, _) in enumerate(prog["select"]) if kind == "key"]
        si, ei = prog["out_names"].index("window_start"), prog["out_names"].index("window_end")
        last = []
        for i, r in enumerate(rows):
            ident = (r["shard"], r["lw"]) + tuple(_norm(r["values"][c]) for c in keyc)
            if not any((q["shard"], q["lw"]) + tuple(_norm(q["values"][c]) for c in keyc) == ident
                       and q["values"][si] <= r["values"][si] and q["values"][ei] >= r["values"][ei]
                       for q in rows[i + 1:]):
                last.append(r["values"])
        d = multiset_diff(prog, [r["values"] for r in expected], last)
        if d:
            problems.append("%s: emit changes: last rows differ from the oracle:\n%s" % (label, "\n".join(d[:12])))
        comparable = got_closed
    # (c) accounting
    if summary is None:
        problems.append("%s: no summary" % label)
        return problems, comparable
    n = len(records)
    dl_expected = len(late) + (len(bad) if prog["policy"] == "dead_letter" else 0)
    sk_expected = len(bad) if prog["policy"] == "skip" else 0
    if summary.get("recordsIn") != n:
        problems.append("%s: recordsIn %s, sent %d" % (label, summary.get("recordsIn"), n))
    if summary.get("deadLettered") != dl_expected or summary.get("skipped") != sk_expected \
            or summary.get("retried") != 0 or summary.get("givenUp"):
        problems.append("%s: accounting: dead-lettered %s (expected %d: %d late + malformed), skipped %s "
                        "(expected %d), retried %s, given up %s" %
                        (label, summary.get("deadLettered"), dl_expected, len(late), summary.get("skipped"),
                         sk_expected, summary.get("retried"), summary.get("givenUp")))
    if summary.get("failedInvocations"):
        problems.append("%s: %s failed invocations" % (label, summary.get("failedInvocations")))
    shown, raw = (ddb_shown, ddb_raw) if prog.get("source") == "dynamodb" else (lambda t: t, lambda t: t)
    got_late = sorted(shown(d["record"]) for d in dls if d.get("reason") == "late")
    want_late = sorted(raw(records[p]["raw"]) for p in late_set)
    if got_late != want_late:
        gl, wl = set(got_late), set(want_late)
        problems.append("%s: late records differ: dead-lettered late but on time %s; late but not dead-lettered %s"
                        % (label, sorted(gl - wl)[:3], sorted(wl - gl)[:3]))
    got_bad = sorted(shown(d["record"]) for d in dls if d.get("reason") != "late")
    want_bad = sorted(raw(r["raw"]) for r in bad) if prog["policy"] == "dead_letter" else []
    if got_bad != want_bad:
        problems.append("%s: malformed records dead-lettered differ: got %s, expected %s"
                        % (label, got_bad[:3], want_bad[:3]))
    # rows' sources: a plain count(*) over tumble or session windows adds up to the records that
    # reached the group by in time
    cs = [c for c, (kind, i) in enumerate(prog["select"]) if kind == "agg" and prog["aggs"][i][0] == "count_star"]
    if cs and prog["emit"] == "final" and prog["window"][0] != "hop" and not prog["having_sql"] \
            and not prog["topn"] and not prog["distinct"]:
        total = sum(r["values"][cs[0]] for r in rows)
        if total != reached:
            problems.append("%s: count(*) over the rows is %d, but %d records reached the group by in time"
                            % (label, total, reached))
    return problems, comparable


def run_independent(flow_zip, rec_path, shards, batch, window_s, key, arrival_field, source="kinesis"):
    args = [sys.executable, os.path.join(HERE, "independent_runtime_api.py"), "--zip", flow_zip,
            "--records", rec_path, "--window", str(window_s), "--shards", str(shards), "--batch", str(batch),
            "--key", key, "--source", source] + (["--arrival-field", arrival_field] if arrival_field else [])
    p = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise RuntimeError("independent server failed: %s" % p.stderr[-2000:])
    doc = json.loads(p.stdout)
    # into the shape of flowc run's json output, so that one reader reads both
    lines = []
    for n, inv in enumerate(doc["invocations"], 1):
        lines.append({"type": "invocation", "n": n, "ok": inv["status"] == "response", "shard": inv["shardId"],
                      "window": inv["window"],
                      "errorType": inv.get("errorType"), "log": [_parse(l) for l in inv["stdout"]],
                      "windowError": inv.get("windowError")})
    lines.append({"type": "summary", **doc["summary"]})
    return lines


def _parse(line):
    try:
        return json.loads(line)
    except ValueError:
        return line


def run_one(seed, args, tmp, source="kinesis"):
    rnd = random.Random(seed)
    prog = gen_program(rnd)
    implicit = rnd.random() < 0.25
    arrival_field = None if implicit else "arr"
    records = gen_records(rnd, prog, rnd.randint(30, args.records), implicit)
    second = second_stream(seed, prog)
    streams = [prog] + ([second] if second else [])
    if source == "dynamodb":
        to_dynamodb(prog)
        for p in streams:
            p["source"] = "dynamodb"
    d = os.path.join(tmp, "s%d%s" % (seed, "-dynamodb" if source == "dynamodb" else ""))
    os.makedirs(d, exist_ok=True)
    flow = os.path.join(d, "w.flow")
    with open(flow, "w") as f:
        f.write(prog["text"])
    rec_path = os.path.join(d, "records.jsonl")
    with open(rec_path, "w") as f:
        for r in records:
            f.write(r["raw"] + "\n")
    with open(os.path.join(d, "prog.json"), "w") as f:
        json.dump([{k: v for k, v in p.items() if not k.endswith("text")} for p in streams], f, indent=1)
    lambda_tumble = prog["window"][0] == "tumble" and prog["window"][1] == "_arrival_time"
    window_s = None if lambda_tumble or prog["lambda_window_s"] == 900 else prog["lambda_window_s"]
    problems = []
    shard_counts = rnd.sample([1, 2, 3], 2)
    runs = 0
    for shards in shard_counts:
        oracle = [window_oracle.compute(p, records, shards) for p in streams]
        first = None
        for batch in rnd.sample([1, 2, 3, 5, 8, 100], args.splits[0] if shards == shard_counts[0] else args.splits[1]):
            label = "shards %d batch %d%s" % (shards, batch, " window %ss" % window_s if window_s else "")
            try:
                lines = run_flowc(args.flowc, flow, rec_path, shards, batch, window_s, arrival_field)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                problems.append("%s: %s" % (label, e))
                continue
            runs += 1
            comparable = []
            for p, o in zip(streams, oracle):
                pr, c = check_run(p, records, shards, lines, o, label + " stream " + p["name"])
                problems += pr
                comparable.append(c)
            # (a) the same rows whatever the batch split
            if first is None:
                first = (label, comparable)
            else:
                dd = sum((multiset_diff(p, a, b) for p, a, b in zip(streams, first[1], comparable)), [])
                if dd:
                    problems.append("%s vs %s: batch splits disagree:\n%s" % (first[0], label, "\n".join(dd[:8])))
        if ((args.independent and seed % args.independent == 0) or source == "dynamodb") \
                and shards == shard_counts[0]:
            zip_path = os.path.join(d, "w.zip")
            try:
                subprocess.run([args.flowc, "build", flow, "-o", zip_path], check=True, capture_output=True)
                lines = run_independent(zip_path, rec_path, shards, rnd.choice([2, 7, 100]),
                                        prog["window"][2] // 1000 if lambda_tumble else prog["lambda_window_s"],
                                        "pk", arrival_field, source)
                for p, o in zip(streams, oracle):
                    pr, _ = check_run(p, records, shards, lines, o,
                                      "independent server shards %d stream %s" % (shards, p["name"]))
                    problems += pr
                runs += 1
            except (RuntimeError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
                problems.append("independent server: %s" % e)
    return prog, problems, d, runs, len(records)


# ---- the state's bound ------------------------------------------------------------------------

BOUND_FLOW = """source ev from kinesis (k string, s string, ts timestamp)
event time ts watermark 1 second
on error dead_letter;

stream big as
  select k, window_start, window_complete, count(*) as n, count(distinct s) as ds
  from ev
  group by k, tumble(ts, 1 minute);

sink big to log;
"""


def state_bound(args, tmp):
    """docs/runtime.md, "The bound": a state that would pass 786,432 bytes of JSON makes the handler
    emit every open group early (window_complete = false) and drop it from the state; nothing is
    lost. 2000 distinct 450-byte strings in one window outgrow it: the partial rows must add up to
    every record (count(*) and count(distinct) alike, the strings being all different), every
    answer's state must stay within the bound, and a row must come out before the final invoke."""
    d = os.path.join(tmp, "bound")
    os.makedirs(d, exist_ok=True)
    flow = os.path.join(d, "big.flow")
    with open(flow, "w") as f:
        f.write(BOUND_FLOW)
    n = 2000
    rec_path = os.path.join(d, "big.jsonl")
    with open(rec_path, "w") as f:
        for i in range(n):
            f.write(json.dumps({"k": "a", "s": "%06d" % i + "x" * 450, "ts": BASE_MS + i, "pk": "p",
                                "arr": BASE_MS + i}) + "\n")
    lines = run_flowc(args.flowc, flow, rec_path, 1, 200, None, "arr")
    problems = []
    inv = [o for o in lines if o.get("type") == "invocation"]
    rows = [(o, ln) for o in inv for ln in o["log"] if isinstance(ln, dict) and ln.get("stream") == "big"]
    if any(not o.get("ok") for o in inv):
        problems.append("state bound: failed invocations")
    biggest = max(len(json.dumps(o.get("response", {}).get("state"), separators=(",", ":"))) for o in inv)
    if biggest > 786432:
        problems.append("state bound: a state of %d bytes, over the 786432 bytes of the bound" % biggest)
    if sum(ln["n"] for _, ln in rows) != n or sum(ln["ds"] for _, ln in rows) != n:
        problems.append("state bound: the rows count %d records and %d distinct strings, %d sent"
                        % (sum(ln["n"] for _, ln in rows), sum(ln["ds"] for _, ln in rows), n))
    if not any(not o["final"] for o, _ in rows) or any(ln["window_complete"] for _, ln in rows):
        problems.append("state bound: expected early, incomplete rows before the final invoke: %s"
                        % [(o["n"], o["final"], ln) for o, ln in rows])
    return problems


# ---- the independent server's own rules -------------------------------------------------------

PROBE_BOOTSTRAP = r"""#!/usr/bin/env python3
# answers every invocation with state {"count": records so far}, except the second, which has no
# state (Lambda, and the independent server, must fail it and deliver the batch again)
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
n = 0
while True:
    with urllib.request.urlopen(api + "next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        ev = json.loads(r.read())
    n += 1
    count = int(ev["state"].get("count", "0")) + len(ev["Records"])
    print(json.dumps({"n": n, "state": ev["state"], "records": len(ev["Records"]), "window": ev["window"],
                      "final": ev["isFinalInvokeForWindow"], "shard": ev["shardId"]}), flush=True)
    body = {"batchItemFailures": []}
    if n != 2:
        body["state"] = {"count": str(count)}
    urllib.request.urlopen(urllib.request.Request(api + rid + "/response", data=json.dumps(body).encode(),
                                                  method="POST")).read()
"""


def server_selftest(tmp):
    """independent_runtime_api.py's tumbling-window mode against a probe bootstrap: state carried
    within a window and shard only, an answer without state failed and its batch redelivered
    with the state it had, a final invoke per window."""
    import zipfile
    d = os.path.join(tmp, "probe")
    os.makedirs(d, exist_ok=True)
    zip_path = os.path.join(d, "probe.zip")
    with zipfile.ZipFile(zip_path, "w") as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        z.writestr(info, PROBE_BOOTSTRAP)
    rec_path = os.path.join(d, "records.jsonl")
    # five records in the window [10:00:00, 10:01:00), one in the next
    arrs = [0, 1000, 2000, 3000, 4000, 61000]
    with open(rec_path, "w") as f:
        for i, t in enumerate(arrs):
            f.write(json.dumps({"i": i, "pk": "one", "arr": BASE_MS + t}) + "\n")
    lines = run_independent(zip_path, rec_path, 1, 2, 60, "pk", "arr")
    got = [(ln["n"], ln["state"], ln["records"], ln["window"]["start"], ln["final"])
           for o in lines if o.get("type") == "invocation" for ln in o["log"] if isinstance(ln, dict)]
    w1, w2 = "2025-11-23T10:00:00Z", "2025-11-23T10:01:00Z"
    want = [(1, {}, 2, w1, False), (2, {"count": "2"}, 2, w1, False),   # 2: answered without state
            (3, {"count": "2"}, 2, w1, False), (4, {"count": "4"}, 1, w1, False),
            (5, {"count": "5"}, 0, w1, True),
            (6, {}, 1, w2, False), (7, {"count": "1"}, 0, w2, True)]
    problems = []
    if got != want:
        problems.append("independent server: invocations %s, expected %s" % (got, want))
    errs = [o.get("windowError") for o in lines if o.get("type") == "invocation"]
    if errs != [None, "the answer has no state object"] + [None] * 5:
        problems.append("independent server: window errors %s" % errs)
    return problems


# ---- the bounds where the documents leave a choice (window_oracle.py's CHOICEs) --------------

def boundary_cases(args, tmp):
    """Crafted records exactly on the bounds: a record exactly at the watermark minus the
    allowed lateness (on time), two records exactly a session gap apart (two sessions), a window
    whose end the watermark reaches exactly (complete)."""
    def prog(window, wtext, wm, lateness):
        text = ("source ev from kinesis (%s)\nevent time ts watermark %s allowed lateness %s\n"
                "on error dead_letter;\n\nstream w as\n  select k, window_start, window_end, window_complete,"
                " count(*) as a0\n  from ev\n  group by k, %s\n  emit final;\n\nsink w to log;\n"
                % (SOURCE_FIELDS, dur(wm), dur(lateness), wtext))
        return {"name": "w", "window": window, "event_time": {"watermark": wm, "lateness": lateness},
                "lambda_window_s": 900,
                "policy": "dead_letter", "emit": "final", "keys": ["k"], "aggs": [("count_star", None, None)],
                "select": [("key", "k"), ("win", "window_start"), ("win", "window_end"), ("win", "window_complete"),
                           ("agg", 0)],
                "select_types": ["string", "timestamp", "timestamp", "bool", "int"],
                "out_names": ["k", "window_start", "window_end", "window_complete", "a0"],
                "where": None, "having_sql": None, "distinct": False, "topn": None, "text": text}
    cases = [
        # tumble 1 s, watermark 1 s, lateness 1 s: 3000 makes the bound 1000; 1000 is on time,
        # 999 is late; the watermark 2000 - 1000 reaches [0, 1000)'s end exactly
        ("tumble bounds", prog(("tumble", "ts", 1000), "tumble(ts, 1 second)", 1000, 1000),
         [0, 3000, 1000, 999, 2000]),
        # session gap 1 s: 0 and 1000 are exactly a gap apart; 5000 closes both
        ("session gap", prog(("session", "ts", 1000), "session(ts, 1 second)", 0, 0), [0, 1000, 5000, 2000]),
    ]
    problems = []
    for name, p, times in cases:
        d = os.path.join(tmp, "bound-" + name.replace(" ", "-"))
        os.makedirs(d, exist_ok=True)
        flow = os.path.join(d, "w.flow")
        with open(flow, "w") as f:
            f.write(p["text"])
        records = []
        for i, t in enumerate(times):
            r = {"pos": i, "arr": BASE_MS + 10 * i, "pk": "p", "k": "a", "g": None, "x": i, "y": None, "s": None,
                 "ts": BASE_MS + t}
            r["raw"] = json.dumps({"i": i, "pk": "p", "arr": r["arr"], "k": "a", "x": i, "ts": r["ts"]})
            records.append(r)
        rec_path = os.path.join(d, "records.jsonl")
        with open(rec_path, "w") as f:
            f.write("".join(r["raw"] + "\n" for r in records))
        o = window_oracle.compute(p, records, 1)
        for batch in (1, 100):
            try:
                lines = run_flowc(args.flowc, flow, rec_path, 1, batch, None, "arr")
            except RuntimeError as e:
                problems.append("%s: %s" % (name, e))
                continue
            pr, _ = check_run(p, records, 1, lines, o, "%s batch %d" % (name, batch))
            problems += pr
    return problems


# ---- the AWS sample event -----------------------------------------------------------------------

AWS_CASE_FLOW = """source lines from kinesis format text;

stream per_window as
  select _partition_key as pk, window_start, window_end, window_complete, count(*) as n,
         first(line) as first_line, max(length(line)) as longest
  from lines
  group by _partition_key, tumble(_arrival_time, 120 seconds);

sink per_window to log;
"""


def aws_window_event_case(args, tmp, label, event_name, flow_text, expected_groups):
    """One of shared/events/aws's time-window events, end to end: the invocation as it is (not
    final: no rows, no dead letters, a state of flowc's own form — docs/runtime.md: a state
    without a "flowc" member is no state, other members are ignored and not returned), then the
    final invoke of the same window and shard with the state it answered (one row per group over
    Lambda's window), then a state of an unknown format version (refused with
    Function.InvalidState). expected_groups(event) → [(columns before window_start, columns
    after window_complete)] per group, in first-seen order."""
    problems = []
    path = os.path.join(args.shared, "events", "aws", event_name)
    with open(path) as f:
        event = json.load(f)
    d = os.path.join(tmp, label.replace(" ", "-"))
    os.makedirs(d, exist_ok=True)
    flow = os.path.join(d, "window.flow")
    with open(flow, "w") as f:
        f.write(flow_text)
    lines = run_flowc_events(args.flowc, flow, [path])
    inv = [o for o in lines if o.get("type") == "invocation"]
    if len(inv) != 1 or not inv[0].get("ok"):
        return ["%s: the invocation failed: %s" % (label, inv)]
    resp = inv[0]["response"]
    logged = [ln for ln in inv[0]["log"] if isinstance(ln, dict)]
    rows = [ln for ln in logged if ln.get("stream") == "per_window"]
    if rows:
        problems.append("%s: rows before the final invoke: %s" % (label, rows))
    dead = [ln for ln in logged if ln.get("stream") == "_dead_letter"]
    if dead:
        problems.append("%s: dead letters %s" % (label, dead))
    state = resp.get("state")
    if not isinstance(state, dict) or set(state) != {"flowc"} or not isinstance(state["flowc"], str):
        problems.append("%s: the answer's state %r is not {\"flowc\": \"<base64>\"}" % (label, state))
        return problems
    if resp.get("batchItemFailures") != []:
        problems.append("%s: batchItemFailures %r" % (label, resp.get("batchItemFailures")))
    final = dict(event, Records=[], state=state, isFinalInvokeForWindow=True)
    final_path = os.path.join(d, "final.json")
    with open(final_path, "w") as f:
        json.dump(final, f)
    lines = run_flowc_events(args.flowc, flow, [final_path])
    inv = [o for o in lines if o.get("type") == "invocation"]
    got = [ln for o in inv for ln in o.get("log", []) if isinstance(ln, dict) and ln.get("stream") == "per_window"]
    window = {"window_start": rfc3339(_parse_rfc3339(event["window"]["start"])),
              "window_end": rfc3339(_parse_rfc3339(event["window"]["end"])), "window_complete": True}
    want = [dict({"stream": "per_window"}, **before, **window, **after) for before, after in expected_groups(event)]
    if got != want:
        problems.append("%s: final invoke rows %s, expected %s" % (label, got, want))
    bogus = dict(event, state={"flowc": base64.b64encode(b"\x07" + b"\x00" * 8).decode()})
    bogus_path = os.path.join(d, "bogus.json")
    with open(bogus_path, "w") as f:
        json.dump(bogus, f)
    lines = run_flowc_events(args.flowc, flow, [bogus_path])
    inv = [o for o in lines if o.get("type") == "invocation"]
    if not inv or inv[0].get("ok") or inv[0].get("errorType") != "Function.InvalidState":
        problems.append("%s: a state of format version 7 was not refused with Function.InvalidState: %s"
                        % (label, inv[:1]))
    return problems


def aws_case(args, tmp):
    """go-kinesis-time-window-event.json: a 120-second Lambda window with one text record and a
    state that is not flowc's ({"1": "state 1", "2": "state 2"})."""
    def groups(event):
        payloads = [base64.b64decode(r["kinesis"]["data"]).decode("utf-8") for r in event["Records"]]
        keys = [r["kinesis"]["partitionKey"] for r in event["Records"]]
        out = []
        for key in dict.fromkeys(keys):
            mine = [p for p, k in zip(payloads, keys) if k == key]
            out.append(({"pk": key}, {"n": len(mine), "first_line": mine[0], "longest": max(len(p) for p in mine)}))
        return out
    return aws_window_event_case(args, tmp, "aws case", "go-kinesis-time-window-event.json", AWS_CASE_FLOW, groups)


AWS_DYNAMODB_FLOW = """source items from dynamodb (id int = $.Id, message string = $.Message);

stream per_window as
  select id, window_start, window_end, window_complete, count(*) as n, first(message) as first_message,
         max(length(message)) as longest, count(distinct message) as messages
  from items
  group by id, tumble(_arrival_time, 300 seconds);

sink per_window to log;
"""


def aws_dynamodb_case(args, tmp):
    """go-dynamodb-time-window-event.json: a 300-second Lambda window with an INSERT, a MODIFY and
    a REMOVE of one item (the REMOVE read from its OldImage) and a state that is not flowc's
    ({"1": "state1"})."""
    def groups(event):
        # the items, read by flowref.dynamodb from each record's image (OldImage for a REMOVE)
        items = [json.loads(unmarshal(parse_document(json.dumps(
                     r["dynamodb"]["OldImage" if r["eventName"] == "REMOVE" else "NewImage"]))))
                 for r in event["Records"]]
        out = []
        for key in dict.fromkeys(it["Id"] for it in items):
            mine = [it["Message"] for it in items if it["Id"] == key]
            out.append(({"id": key}, {"n": len(mine), "first_message": mine[0], "longest": max(len(m) for m in mine),
                                      "messages": len(set(mine))}))
        return out
    return aws_window_event_case(args, tmp, "aws dynamodb case", "go-dynamodb-time-window-event.json",
                                 AWS_DYNAMODB_FLOW, groups)


def _parse_rfc3339(text):
    import datetime
    t = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp() * 1000)


def run_flowc_events(flowc, flow, paths):
    p = subprocess.run([flowc, "run", flow, "--output", "json", "--events", *paths],
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise RuntimeError("flowc run exited %d: %s" % (p.returncode, p.stderr[-2000:]))
    return [json.loads(ln) for ln in p.stdout.splitlines() if ln.strip()]



# ---- windows over windows (cascades) ----------------------------------------------------------
# A few seeded two-level programs: w1 windows the records on ts, w2 windows w1's rows on their
# window_end (docs/language.md §15 "Windows over windows"); window_oracle.compute_cascade computes
# both levels with SQLite. Every batch split and shard count must give the oracle's rows, the
# dead letters must be exactly the late and malformed records (no level-2 row is late), and no
# row may fail.

def cascade_programs(seed):
    """(level-1 program dict for window_oracle.compute, level-2 description, the .flow text)."""
    rnd = random.Random(seed * 104729 + 7)
    size1 = rnd.choice([500, 1000, 2000])
    wm, lateness = rnd.choice([0, 500, 1000]), rnd.choice([None, 0, 1000])
    # level 2: a multiple of level 1 (aligned), or not (1.5 times), tumble or hop
    size2 = size1 * rnd.choice([2, 3]) if rnd.random() < 0.6 else size1 * 3 // 2
    hop = rnd.random() < 0.35
    slide2 = size2 // 2 if hop and size2 % 2 == 0 else size2
    prog = {"name": "w1", "window": ("tumble", "ts", size1), "event_time": {"watermark": wm, "lateness": lateness},
            "lambda_window_s": 900, "policy": "dead_letter", "emit": "final", "keys": ["k"],
            "aggs": [("count_star", None, None), ("sum", "x", None), ("max", "x", None)],
            "select": [("key", "k"), ("win", "window_end"), ("win", "window_complete"), ("agg", 0), ("agg", 1),
                       ("agg", 2)],
            "select_types": ["string", "timestamp", "bool", "int", "int", "int"],
            "out_names": ["k", "window_end", "window_complete", "n", "sx", "mx"],
            "where": None, "having_sql": None, "distinct": False, "topn": None}
    level2 = {"keys": ["k"], "window": ("hop", size2, slide2) if slide2 != size2 else ("tumble", size2),
              "in_cols": ["k", "window_end", "window_complete", "n", "sx", "mx"],
              "aggs": [("sum", "n"), ("sum", "sx"), ("max", "mx"), ("count", None)]}
    p2 = {"name": "w2", "out_names": ["k", "window_start", "window_end", "window_complete", "n", "sx", "mx", "rows"],
          "select": [("key", "k"), ("win", "window_start"), ("win", "window_end"), ("win", "window_complete"),
                     ("agg", 0), ("agg", 1), ("agg", 2), ("agg", 3)],
          "aggs": [("sum", "n", None), ("sum", "sx", None), ("max", "mx", None), ("count_star", None, None)]}
    w2 = "hop(window_end, %s, %s)" % (dur(size2), dur(slide2)) if slide2 != size2 else \
        "tumble(window_end, %s)" % dur(size2)
    text = ("source ev from kinesis (%s)\nevent time ts watermark %s%s\non error dead_letter;\n\n"
            "stream w1 as\n  select k, window_end, window_complete, count(*) as n, sum(x) as sx, max(x) as mx\n"
            "  from ev group by k, tumble(ts, %s);\n"
            "stream w2 as\n  select k, window_start, window_end, window_complete, sum(n) as n, sum(sx) as sx,"
            " max(mx) as mx, count(*) as rows\n  from w1 group by k, %s;\n\nsink w1 to log;\nsink w2 to log;\n"
            % (SOURCE_FIELDS, dur(wm), "" if lateness is None else " allowed lateness %s" % dur(lateness),
               dur(size1), w2))
    return prog, level2, p2, text


def cascade_checks(args, tmp, seeds=(1, 2, 3)):
    problems = []
    for seed in seeds:
        prog, level2, p2, text = cascade_programs(seed)
        d = os.path.join(tmp, "cascade-%d" % seed)
        os.makedirs(d, exist_ok=True)
        flow = os.path.join(d, "c.flow")
        with open(flow, "w") as f:
            f.write(text)
        rnd = random.Random(seed * 31 + 5)
        records = gen_records(rnd, prog, rnd.randint(40, 80), False)
        rec_path = os.path.join(d, "records.jsonl")
        with open(rec_path, "w") as f:
            f.write("".join(r["raw"] + "\n" for r in records))
        label0 = "cascade seed %d (%s)" % (seed, text.split("group by k, ")[-1].split(";")[0])
        for shards in (1, 2):
            rows1, late, reached, rows2 = window_oracle.compute_cascade(prog, level2, records, shards)
            splits = []
            for batch in ((1, 7) if shards == 1 else (100,)):
                label = "%s, %d shard(s), batch %d" % (label0, shards, batch)
                try:
                    lines = run_flowc(args.flowc, flow, rec_path, shards, batch, None, "arr")
                except RuntimeError as e:
                    problems.append("%s: %s" % (label, e))
                    continue
                # level 1, its late and malformed records, the accounting: check_run as for any program
                pr, _ = check_run(prog, records, shards, lines, (rows1, late, reached), label)
                problems += pr
                got2, dls, _, pr2 = read_run(p2, lines)
                problems += ["%s: %s" % (label, m) for m in pr2]
                diff = multiset_diff(p2, [r["values"] for r in rows2], [r["values"] for r in got2])
                if diff:
                    problems.append("%s: w2 rows differ from the oracle (%d expected, %d emitted):\n%s"
                                    % (label, len(rows2), len(got2), "\n".join(diff[:12])))
                rowdl = [x for x in dls if x.get("source") in ("w1", "w2")]
                if rowdl:
                    problems.append("%s: rows dead-lettered: %s" % (label, rowdl[:3]))
                splits.append(sorted(json.dumps(r["values"]) for r in got2))
            if len(splits) > 1 and any(s != splits[0] for s in splits):
                problems.append("%s: batch splits give different w2 rows" % label0)
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flowc", required=True)
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "..", "shared"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--programs", type=int, default=6)
    ap.add_argument("--records", type=int, default=90, help="at most this many records per program")
    ap.add_argument("--only", type=int, nargs="*")
    ap.add_argument("--save", help="keep the failing programs' directories here")
    ap.add_argument("--independent", type=int, default=2,
                    help="also run every Nth seed through independent_runtime_api.py (0: never)")
    ap.add_argument("--splits", type=lambda t: [int(x) for x in t.split(",")], default=[3, 2],
                    help="batch splits for the first and the second shard count (default 3,2)")
    ap.add_argument("--no-aws-case", action="store_true")
    ap.add_argument("--dynamodb", type=int, nargs="*", default=[],
                    help="also run these seeds' programs with a dynamodb source (flowc run --records and "
                         "independent_runtime_api.py --source dynamodb)")
    args = ap.parse_args()
    seeds = args.only if args.only else list(range(args.seed, args.seed + args.programs))
    t0 = time.time()
    failures = 0
    checks = 0
    with tempfile.TemporaryDirectory() as tmp:
        def check(label, problems):
            nonlocal failures, checks
            checks += 1
            print(("FAIL" if problems else "ok  ") + " " + label)
            for m in problems:
                print("  " + m)
            failures += bool(problems)

        if not args.no_aws_case:
            check("aws go-kinesis-time-window-event.json", aws_case(args, tmp))
            check("aws go-dynamodb-time-window-event.json", aws_dynamodb_case(args, tmp))
        check("records exactly on the bounds (lateness, session gap, window end)", boundary_cases(args, tmp))
        check("the state's bound (early emission, nothing lost)", state_bound(args, tmp))
        check("independent server's tumbling-window rules (probe bootstrap)", server_selftest(tmp))
        check("windows over windows (two-level cascades, 3 seeds)", cascade_checks(args, tmp))  # see cascade_checks
        for seed, source in [(s, "kinesis") for s in seeds] + [(s, "dynamodb") for s in args.dynamodb]:
            prog, problems, d, runs, n = run_one(seed, args, tmp, source)
            desc = "%s%s %s emit %s%s%s%s%s" % ("dynamodb: " if source == "dynamodb" else "", prog["window"][0],
                                               prog["window"][1], prog["emit"],
                                               " distinct" if prog["distinct"] else "", " topn" if prog["topn"] else "",
                                               " having" if prog["having_sql"] else "",
                                               " + a second stream" if "stream w2" in prog["text"] else "")
            if problems:
                failures += 1
                print("FAIL seed %d (%s, %d records, %d runs)" % (seed, desc, n, runs))
                for m in problems[:10]:
                    print("  " + m)
                print("  program:\n    " + prog["text"].replace("\n", "\n    "))
                if args.save:
                    dest = os.path.join(args.save, os.path.basename(d))
                    shutil.rmtree(dest, ignore_errors=True)
                    shutil.copytree(d, dest)
                    print("  saved in " + dest)
            else:
                print("ok   seed %d (%s, %d records, %d runs)" % (seed, desc, n, runs))
    print("%d of %d checks failed (%.1f s)" % (failures, checks + len(seeds) + len(args.dynamodb), time.time() - t0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
