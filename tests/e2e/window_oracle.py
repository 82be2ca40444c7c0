#!/usr/bin/env python3
"""An independent oracle for windowed flowc programs, in SQL (python3's sqlite3).

Written from ../shared/design/LANGUAGE.md §5, docs/language.md (§8, §14, §15, §20) and
docs/runtime.md ("Window state") only — never from codegen/, runtime/src or
compiler/driver/lambda_window.*. window_differential.py generates the programs; this module
takes the same program description (a dict, see `Prog` in window_differential.py) and the
records, loads the well-formed records into a table and computes, with SQL written here:
which shard and Lambda window each record falls in, which records are late, the windows,
the groups and their aggregates, having, distinct and top n, and which rows are complete.

Where the documents leave a choice open, it is marked CHOICE below (and reported).
"""
import hashlib
import math
import sqlite3

# CHOICE: a record goes to shard floor(md5(partition key) * K / 2^128): Kinesis maps the MD5 of
# the partition key, a 128-bit integer, to the shard whose hash-key range holds it, and a
# stream of K shards created evenly has K equal ranges (docs/language.md §20 says "by the MD5
# of the partition key over K equal hash-key ranges").


def shard_of(partition_key, shards):
    h = int.from_bytes(hashlib.md5(partition_key.encode("utf-8")).digest(), "big")
    return h * shards >> 128


def rfc3339(ms):
    """Epoch ms → the RFC 3339 text flowc writes (UTC, always milliseconds)."""
    import datetime
    d = datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=ms)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


FIELDS = ["k", "g", "x", "y", "s", "ts"]  # the generated source's declared fields


def _agg_sql(func, arg):
    """The SQL of one aggregate computed directly by GROUP BY (None for the ones computed with
    window functions in their own CTE)."""
    if func == "count_star":
        return "count(*)"
    if func == "count":
        return "count(%s)" % arg
    if func == "count_distinct":
        return "count(distinct %s)" % arg
    if func in ("sum", "min", "max"):
        # sum of ints stays an int in SQLite; the generated floats are multiples of 1/4 that
        # stay far below 2^53, so every float sum is exact whatever the order of additions
        return "%s(%s)" % (func, arg)
    if func == "avg":
        return "(sum(%s) * 1.0 / count(%s))" % (arg, arg)
    return None


def compute(prog, records, shards):
    """records: list of dicts with pos (processing order), arr (arrival, epoch ms), pk and, when
    well formed, the declared fields (ts as epoch ms); bad records carry bad=True.
    Returns (rows, late_positions, reached): rows as dicts {"values": [...], "complete": bool,
    "shard": n}, where values follow the select list; reached: how many records reached the
    group by in time (well formed, past the where, not late)."""
    db = sqlite3.connect(":memory:")
    try:
        db.execute("select sqrt(4)")
    except sqlite3.OperationalError:  # an SQLite built without its math functions
        db.create_function("sqrt", 1, lambda v: None if v is None else math.sqrt(v), deterministic=True)
    db.execute("create table recs (pos integer primary key, shard integer, seg integer, arr integer,"
               " _partition_key text, k text, g integer, x integer, y real, s text, ts integer)")
    win = prog["window"]
    lambda_tumble = win[0] == "tumble" and win[1] == "_arrival_time"
    # Lambda's windows: tumble(_arrival_time, D) uses D seconds, event-time windows 900 s
    # (or what the run's --window says); boundaries on arrival time, aligned to multiples of D
    seg_ms = win[2] if lambda_tumble else prog["lambda_window_s"] * 1000
    for r in records:
        if r.get("bad"):
            continue
        db.execute("insert into recs values (?,?,?,?,?,?,?,?,?,?,?)",
                   (r["pos"], shard_of(r["pk"], shards), r["arr"] // seg_ms, r["arr"], r["pk"],
                    r["k"], r["g"], r["x"], r["y"], r["s"], r["ts"]))

    et_col = "arr" if win[1] == "_arrival_time" else "ts"
    if prog["event_time"] and win[1] != "_arrival_time":
        wm_ms, late_ms = prog["event_time"]["watermark"], prog["event_time"]["lateness"] or 0
    else:
        # CHOICE: hop and session on _arrival_time run in the event-time model with the arrival
        # time as event time and a watermark of 0 (the documents name no watermark for it); a
        # shard's arrival times never go backwards, so nothing is late
        wm_ms, late_ms = 0, 0
    where = prog["where"] or "1"

    # 1. the records that reach the group by (past the where), with the largest event time seen
    #    before each one in its shard and Lambda window: the watermark advances record by record
    #    (docs/language.md §15), and Lambda's new window starts with empty state.
    db.execute("""create table passing as
        select *, %s as et,
               max(%s) over (partition by shard, seg order by pos
                             rows between unbounded preceding and 1 preceding) as prev_max
        from recs where (%s)""" % (et_col, et_col, where))
    # 2. late: older than the watermark minus the allowed lateness (strictly older; CHOICE: a
    #    record exactly at the bound is on time). tumble(_arrival_time) has no watermark at all.
    if lambda_tumble:
        db.execute("create table ontime as select *, 0 as late from passing")
    else:
        db.execute("""create table ontime as
            select *, coalesce(et < prev_max - %d - %d, 0) as late from passing""" % (wm_ms, late_ms))
    late_positions = [p for (p,) in db.execute("select pos from ontime where late order by pos")]
    db.execute("delete from ontime where late")
    reached = db.execute("select count(*) from ontime").fetchone()[0]
    # the watermark at the end of each shard's Lambda window: largest event time minus the delay
    db.execute("""create table final_wm as
        select shard, seg, max(et) - %d as wm from passing group by shard, seg""" % wm_ms)

    keys = prog["keys"]
    part = ", ".join(["shard", "seg"] + keys)

    # 3. windows: one row per (record, window it falls in)
    if win[0] == "tumble":
        size = win[2]
        if lambda_tumble:
            db.execute("create table assigned as select *, seg * %d as ws, seg * %d + %d as we from ontime"
                       % (size, size, size))
        else:
            # CHOICE: windows are aligned to multiples of their size since the epoch
            db.execute("create table assigned as select *, (et / %d) * %d as ws, (et / %d) * %d + %d as we"
                       " from ontime" % (size, size, size, size, size))
    elif win[0] == "hop":
        size, slide = win[2], win[3]
        offsets = " union all ".join("select %d as j" % j for j in range(size // slide))
        db.execute("""create table assigned as
            select o.*, (et / %d) * %d - j * %d as ws, (et / %d) * %d - j * %d + %d as we
            from ontime o, (%s)""" % (slide, slide, slide, slide, slide, slide, size, offsets))
    else:
        gap = win[2]
        # a session is [first record, last record + gap) per key; records whose [t, t + gap)
        # overlap are one session (CHOICE: a record exactly gap after the last one starts a new
        # session: the windows are half-open, so they touch without overlapping)
        db.execute("""create table islands as
            select *, sum(brk) over (partition by %s order by et, pos rows unbounded preceding) as sid
            from (select *, coalesce(et - lag(et) over (partition by %s order by et, pos) >= %d, 1) as brk
                  from ontime)""" % (part, part, gap))
        # (null keys are one key, as in group by: the join matches them with `is`)
        on = " and ".join("i.%s is b.%s" % (c, c) for c in ["shard", "seg"] + keys + ["sid"])
        db.execute("""create table assigned as
            select i.*, b.ws, b.we from islands i join
              (select %s, sid, min(et) as ws, max(et) + %d as we from islands group by %s, sid) b
              on %s""" % (part, gap, part, on))

    gkeys = ["shard", "seg"] + keys + ["ws", "we"]
    gpart = ", ".join(gkeys)
    # null keys group together, as in SQL's group by; `is` joins them back
    join_on = " and ".join("a.%s is b.%s" % (c, c) for c in gkeys)

    # 4. aggregates
    aggs = prog["aggs"]
    cols = []
    ctes = []  # (name, sql) of the aggregates computed with window functions
    for n, (func, arg, p) in enumerate(aggs):
        sql = _agg_sql(func, arg)
        if sql is not None:
            cols.append("%s as a%d" % (sql, n))
            continue
        if func in ("first", "last"):
            # the first / last non-null value in the order the records were processed
            order = "pos" if func == "first" else "pos desc"
            sql = ("select %s, %s as v from (select *, row_number() over (partition by %s order by %s) rn"
                   " from assigned where %s is not null) where rn = 1") % (gpart, arg, gpart, order, arg)
        elif func == "stddev":
            # sample standard deviation, two passes (mean, then squared deviations); null for n < 2
            sql = ("select %s, case when count(*) > 1 then sqrt(sum((%s - m) * (%s - m)) / (count(*) - 1))"
                   " end as v from (select *, avg(%s) over (partition by %s) as m from assigned"
                   " where %s is not null) group by %s") % (gpart, arg, arg, arg, gpart, arg, gpart)
        elif func == "approx_percentile":
            # the exact value of 0-based rank floor(p * (n - 1)) among the group's non-null values
            # (docs/language.md §14); the comparison allows the documented 1% relative error
            sql = ("select %s, %s as v from (select *, row_number() over (partition by %s order by %s) - 1"
                   " as rk, count(*) over (partition by %s) as cnt from assigned where %s is not null)"
                   " where rk = cast(%r * (cnt - 1) as integer)") % (gpart, arg, gpart, arg, gpart, arg, float(p))
        else:
            raise ValueError(func)
        ctes.append("x%d as (%s)" % (n, sql))
        cols.append("(select v from x%d b where %s) as a%d" % (n, join_on, n))
    having = (" having " + prog["having_sql"]) if prog.get("having_sql") else ""
    with_sql = ("with " + ", ".join(ctes) + " ") if ctes else ""
    agg_cols = (", " + ", ".join(cols)) if cols else ""
    db.execute("create table groups as %sselect %s, min(pos) as first_pos%s from assigned a group by %s%s"
               % (with_sql, ", ".join("a." + c for c in gkeys), agg_cols, ", ".join("a." + c for c in gkeys),
                  having))
    # 5. complete: emitted when the watermark minus the allowed lateness reaches the window's end
    #    (docs/runtime.md, "Window state"; CHOICE: "reaches" means >=); what is still open at the
    #    end of Lambda's window is emitted early, incomplete. Lambda's own windows are complete.
    if lambda_tumble:
        db.execute("create table done as select g.*, 1 as complete from groups g")
    else:
        db.execute("""create table done as select g.*, coalesce(g.we <= f.wm - %d, 0) as complete
                      from groups g join final_wm f using (shard, seg)""" % late_ms)

    # 6. the select list, then distinct / order by … limit per window
    items = []
    for kind, name in prog["select"]:
        if kind == "key":
            items.append(name)
        elif kind == "win":
            items.append({"window_start": "ws", "window_end": "we", "window_complete": "complete"}[name])
        else:
            items.append("a%d" % name)
    out_cols = ", ".join(items)
    if prog.get("distinct"):
        q = ("select shard, %s, complete from done group by shard, seg, ws, we, %s"
             % (out_cols, out_cols))
    elif prog.get("topn"):
        order, n = prog["topn"]
        order_sql = ", ".join(o for o in order)
        q = ("select shard, %s, complete from (select *, row_number() over (partition by shard, seg, ws, we"
             " order by %s) as rn from done) where rn <= %d" % (out_cols, order_sql, n))
    else:
        q = "select shard, %s, complete from done" % out_cols
    rows = []
    types = prog["select_types"]
    for r in db.execute(q):
        vals = list(r[1:1 + len(items)])
        for i, t in enumerate(types):
            if vals[i] is None:
                continue
            if t == "timestamp":
                vals[i] = rfc3339(vals[i])
            elif t == "bool":
                vals[i] = bool(vals[i])
            elif t == "float":
                vals[i] = float(vals[i])
        rows.append({"shard": r[0], "values": vals, "complete": bool(r[-1])})
    db.close()
    return rows, late_positions, reached


def close_enough(exp, got, tol_kind):
    """Exact, or within the documented bound for approx_percentile, or a few ulps for stddev
    (its summation order is not promised)."""
    if exp is None or got is None:
        return exp is None and got is None
    if tol_kind == "pct":
        return abs(got - exp) <= 0.01 * abs(exp) + 1e-9
    if tol_kind == "sd":
        return math.isclose(got, exp, rel_tol=1e-9, abs_tol=1e-9)
    return exp == got


# ---- windows over windows (cascades) ----------------------------------------------------------
# Level 1 is any program compute() handles; level 2 windows level 1's rows on their window_end
# (docs/language.md §15 "Windows over windows"): a row counts at window_end - 1 ms, every level
# closes by the first level's bound (the watermark minus the allowed lateness at the end of the
# shard's Lambda window, as for level 1), and a level-2 row is complete only if its window closed
# that way and every level-1 row in it was complete. CHOICE (from the same section): levels close
# by one bound, level 1 first, so no level-2 row is ever late.

def compute_cascade(prog, level2, records, shards):
    """prog: a level-1 program whose select list holds its keys, then window_end and
    window_complete, then its aggregates, all by name (level2["in_cols"]); level2: {"keys":
    [column], "window": ("tumble", size) or ("hop", size, slide), "aggs": [(func, column)]}.
    Returns (level-1 rows, late positions, reached — as compute() — and the level-2 rows as
    {"shard", "values": keys, window_start, window_end, window_complete, aggregates, "complete"})."""
    rows1, late, reached = compute(prog, records, shards)
    segs = {r["arr"] // (prog["lambda_window_s"] * 1000) for r in records}
    assert len(segs) == 1, "the cascade oracle expects the records in one Lambda window"
    wm_ms = prog["event_time"]["watermark"] if prog["event_time"] else 0
    late_ms = (prog["event_time"]["lateness"] or 0) if prog["event_time"] else 0
    db = sqlite3.connect(":memory:")
    cols = level2["in_cols"]
    db.execute("create table l1 (shard integer, %s, complete integer)" % ", ".join(cols))
    we = cols.index("window_end")
    for r in rows1:
        vals = list(r["values"])
        vals[we] = _ms(vals[we])
        db.execute("insert into l1 values (%s)" % ", ".join("?" * (len(cols) + 2)),
                   [r["shard"]] + vals + [int(r["complete"])])
    # the bound per shard: the largest event time of its well-formed records past the where
    # (the same one compute() closes level 1 by)
    et = "arr" if prog["window"][1] == "_arrival_time" else "ts"
    db.execute("create table bound (shard integer, b integer)")
    ok = [r for r in records if not r.get("bad")]
    for s in {shard_of(r["pk"], shards) for r in ok}:
        mine = [r for r in ok if shard_of(r["pk"], shards) == s]
        db.execute("insert into bound values (?, ?)", (s, max(r[et] for r in mine)
                                                        - wm_ms - late_ms))
    win = level2["window"]
    size = win[1]
    slide = win[2] if win[0] == "hop" else size
    offsets = " union all ".join("select %d as j" % j for j in range(size // slide))
    db.execute("""create table a2 as select l1.*, ((window_end - 1) / %d) * %d - j * %d as ws2
                  from l1, (%s)""" % (slide, slide, slide, offsets))
    keys = ", ".join(level2["keys"])
    aggs = ", ".join("%s(%s)" % (f, c) if c else "count(*)" for f, c in level2["aggs"])
    q = """select a.shard, %s, ws2, ws2 + %d, min(a.complete) and ws2 + %d <= b.b, %s
           from a2 a join bound b using (shard) group by a.shard, %s, ws2""" % (
        keys, size, size, aggs, keys)
    rows2 = []
    for r in db.execute(q):
        vals = list(r[1:])
        k = len(level2["keys"])
        vals[k], vals[k + 1], vals[k + 2] = rfc3339(vals[k]), rfc3339(vals[k + 1]), bool(vals[k + 2])
        rows2.append({"shard": r[0], "values": vals, "complete": vals[k + 2]})
    db.close()
    return rows1, late, reached, rows2


def _ms(text):
    import datetime
    d = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(round(d.timestamp() * 1000))
