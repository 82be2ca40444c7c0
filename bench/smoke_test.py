#!/usr/bin/env python3
"""Smoke test of the benchmark (ctest bench_smoke): not timed, no speed asserted.

Runs flowc_handler_bench with tiny settings (50-record events, 2 timed
invocations per event and contestant) on q1 only (flowc, the Python and Node
peers and the no-op; q2 and Nexmark would add a compile of each handler, tens
of seconds, for code paths the same loop runs), and checks that
  - it exits 0 and says the correctness check passed, with a non-empty
    expected output per event (so the check compared something);
  - its table has one row per contestant and every cell is a number (or '-'
    where a measure does not apply: the no-op's records/s, or any records/s
    when noise put a median under the no-op's, as it may on 50-record events);
  - make_results.py turns its JSON into a RESULTS.md whose contestant rows
    and target lines hold numbers, and a PNG chart;
and that the correctness check can fail: the Python peer answering q2 where q1 is
expected (`python-wrong`) must be reported WRONG, with exit status 1.
"""
import argparse, json, os, re, subprocess, sys, tempfile

NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def fail(msg):
    sys.exit("bench_smoke: " + msg)


def run_bench(bench, args, tmp, name):
    out_json = os.path.join(tmp, name + ".json")
    cmd = [bench, "--records", "50", "--batches", "2", "--rounds", "2", "--warmup", "1", "--cold-starts", "1",
           "--cache", os.path.join(tmp, "cache"), "--queries", "q1", "--nexmark", "none", "--json", out_json] + args
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    return r, out_json


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--source", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="flowc-bench-smoke-") as tmp:
        # Its own build cache (--cache): the test leaves nothing behind.
        r, out_json = run_bench(a.bench, [], tmp, "all")
        sys.stdout.write(r.stdout)
        if r.returncode != 0:
            fail("flowc_handler_bench exited %d\n%s%s" % (r.returncode, r.stdout, r.stderr[-3000:]))
        if "correctness: passed" not in r.stdout:
            fail("no 'correctness: passed' line")
        lines = r.stdout.splitlines()
        header = next((i for i, l in enumerate(lines) if l.startswith("contestant")), None)
        if header is None:
            fail("no results table")
        rows = {}
        for l in lines[header + 1:header + 5]:
            cells = l.split()
            if cells:
                rows[cells[0]] = cells[1:]
        if sorted(rows) != ["flowc-q1", "node-q1", "noop", "python-q1"]:
            fail("table rows %s, expected flowc-q1, python-q1, node-q1, noop" % sorted(rows))
        for name, cells in rows.items():
            if len(cells) != 10:
                fail("row %s has %d cells, expected 10: %s" % (name, len(cells), cells))
            for i, cell in enumerate(cells):
                # records/s: none for the floor itself, nor when noise put a median under the floor's (tiny events)
                na = i == 4 and (name == "noop" or float(cells[3]) <= 0)
                if not (NUMBER.match(cell) or (na and cell == "-")):
                    fail("row %s, column %d is %r, not a number" % (name, i + 2, cell))
        h = json.load(open(out_json))
        probe = h["settings"].get("clockProbeGhz", {})
        if not all(0.1 < probe.get(k, 0) < 20 for k in ("before", "after")):
            fail("the core speed probe says %s: not a clock" % probe)
        if not h["correctness"]["passed"] or any(not c["correct"] for c in h["contestants"]):
            fail("the JSON says a contestant answered wrongly")
        expected = h["workloads"]["q1"]["expectedLinesPerEvent"]
        if len(expected) != 2 or min(expected) <= 0:
            fail("expected q1 lines per event %s: the check compared nothing" % expected)
        for c in h["contestants"]:
            if c["checkedInvocations"] != (1 + 2) * 2 + 1:
                fail("%s: %d invocations checked, expected 7" % (c["name"], c["checkedInvocations"]))
            if not (c["medianMs"] > 0 and c["initMedianMs"] > 0 and c["zipBytes"] > 0 and c["peakRssKb"] > 0
                    and c["cpuMedianMs"] > 0):
                fail("%s: a measure is not positive: %s" % (c["name"], c))

        # The generator, on the same JSON.
        md, png = os.path.join(tmp, "RESULTS.md"), os.path.join(tmp, "results.png")
        g = subprocess.run([sys.executable, os.path.join(a.source, "bench", "make_results.py"), "--handler", out_json,
                            "--out", md, "--chart", png, "--root", a.source], capture_output=True, text=True,
                           timeout=60)
        if g.returncode != 0:
            fail("make_results.py exited %d: %s" % (g.returncode, g.stderr))
        text = open(md, encoding="utf-8").read()
        for label in ("flowc q1", "Python peer q1", "Node peer q1", "no-op (floor)"):
            row = next((l for l in text.splitlines() if l.startswith("| " + label + " |")), None)
            if row is None:
                fail("RESULTS.md has no row for %s" % label)
            cells = [x.strip() for x in row.strip("|").split("|")][1:]
            ok = len(cells) == 9 and all(re.match(r"^-?[\d,.]+( KiB| MiB)?$", x) or (i == 3 and x == "–")
                                         for i, x in enumerate(cells))
            if not ok:
                fail("RESULTS.md row for %s is not all numbers: %s" % (label, row))
        for target in ("faster per invocation than both peers", "init (process start", "zip ≤ 2 MB"):
            row = next((l for l in text.splitlines() if target in l), "")
            if not re.search(r"\d", row) or not re.search(r"\*\*(met|not met)\*\*", row):
                fail("RESULTS.md target line for %r has no measure or verdict: %s" % (target, row))
        if not re.search(r"^\| core speed \| [\d.]+ GHz before the timed invocations, [\d.]+ after", text, re.M):
            fail("RESULTS.md does not say the cores' speed")
        if "**Passed**" not in text:
            fail("RESULTS.md does not report the correctness check as passed")
        with open(png, "rb") as f:
            if f.read(8) != b"\x89PNG\r\n\x1a\n":
                fail("the chart is not a PNG")

        # A contestant that answers wrongly is reported, not timed.
        r, out_json = run_bench(a.bench, ["--contestants", "flowc,python-wrong"], tmp, "wrong")
        if r.returncode != 1:
            fail("with the q2 peer as a contestant the bench exited %d, expected 1\n%s%s"
                 % (r.returncode, r.stdout, r.stderr[-2000:]))
        if not re.search(r"^python-wrong\s+WRONG", r.stdout, re.M) or "correctness: FAILED" not in r.stdout:
            fail("the q2 peer was not reported wrong:\n" + r.stdout)
        h = json.load(open(out_json))
        by = {c["name"]: c for c in h["contestants"]}
        if not by["flowc-q1"]["correct"] or by["python-wrong"]["correct"] or "medianMs" in by["python-wrong"]:
            fail("the JSON does not single out the q2 peer: %s" % h["contestants"])
    print("bench_smoke: passed")


if __name__ == "__main__":
    main()
