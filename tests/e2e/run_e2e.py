#!/usr/bin/env python3
"""End-to-end tests: each case of cases/manifest.py runs through
`flowc run --output json` (the real bootstrap on the local Lambda) and is
compared with flowref's independent expectation: log rows per stream (in
record order), dead letters (record, source, id, reason category), the
response (rows, batchItemFailures; http: statusCode, headers, body), the
metrics line and the summary. For --records cases, the deliveries and
given-up records are compared with a model of the event source mapping.

  run_e2e.py --flowc build/compiler/flowc --shared ../shared [-k NAME] [-v]

Exit 0 when every case passes (an xfail case must fail: when it passes,
that is reported so that its mark is removed)."""

import argparse
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import e2elib  # noqa: E402
from flowref.engine import Program  # noqa: E402
from flowref.runner import invoke  # noqa: E402


def run_case(case, flowc, root, shared, tmp):
    flow = os.path.join(root, case["flow"])
    program = Program(flow)
    out = []
    if "records" in case:
        payloads = case["records"]()
        path = os.path.join(tmp, case["name"] + ".jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for p in payloads:
                f.write(p + "\n")
        extra = ["--fifo"] if case.get("fifo") else []
        lines = e2elib.run_flowc(flowc, flow, records=path, batch=case.get("batch"),
                                 max_attempts=case.get("max_attempts"), extra=extra)
        e2elib.check_records_run(program, payloads, case.get("batch") or 100, case.get("max_attempts") or 3, lines,
                                 out, fifo=case.get("fifo", False))
        return out, lines
    files, expected = [], []
    for k, ev in enumerate(case["events"]):
        if isinstance(ev, str) and ev.startswith("aws:"):
            path = os.path.join(shared, "events", "aws", ev[4:])
            with open(path, encoding="utf-8") as f:
                event = f.read()  # flowref reads the text (a dynamodb dead letter shows part of it)
        else:
            event = ev
            path = os.path.join(tmp, "%s-%02d.json" % (case["name"], k))
            with open(path, "w", encoding="utf-8") as f:
                json.dump(event, f)
        files.append(path)
        try:
            expected.append(invoke(program, event))
        except Exception as e:  # flowref's Ambiguous from the envelope
            if type(e).__name__ != "Ambiguous":
                raise
            expected.append({"ok": True, "ambiguous": [(None, str(e))]})
    lines = e2elib.run_flowc(flowc, flow, events=files)
    e2elib.compare_run(program, expected, lines, out)
    # "not compared" notes are not failures, but an ambiguous case is not a pass either
    return out, lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--flowc", required=True)
    ap.add_argument("--shared", required=True, help="the shared/ directory (events/aws, bench/gen_kinesis.py)")
    ap.add_argument("--root", default=os.path.normpath(os.path.join(HERE, "..", "..")))
    ap.add_argument("-k", help="run only cases whose name contains this")
    ap.add_argument("-v", action="store_true", help="print flowc's output for failing cases")
    a = ap.parse_args()
    os.environ["FLOWC_SHARED"] = os.path.abspath(a.shared)
    sys.path.insert(0, os.path.join(HERE, "cases"))
    from manifest import CASES

    failed, xpassed = [], []
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="flowc-e2e-") as tmp:
        for case in CASES:
            if a.k and a.k not in case["name"]:
                continue
            t = time.time()
            seen = len(e2elib.BIGINT_LINES)
            try:
                diffs, lines = run_case(case, a.flowc, a.root, a.shared, tmp)
            except e2elib.FlowcError as e:
                diffs, lines = [str(e)], []
            if len(e2elib.BIGINT_LINES) > seen:
                diffs.append("flowc run could not parse %d log lines (integers beyond 64 bits), e.g. %s" % (
                    len(e2elib.BIGINT_LINES) - seen, e2elib.BIGINT_LINES[seen][:300]))
            real = [d for d in diffs if not d.startswith("invocation") or "not compared" not in d]
            notes = [d for d in diffs if d not in real]
            xfail = case.get("xfail")
            if xfail:
                ok = bool(real) or bool(notes)
                status = "XFAIL" if ok else "XPASS"
                if not ok:
                    xpassed.append(case["name"])
            else:
                status = "FAIL" if (real or notes) else "ok"
                if real or notes:
                    failed.append(case["name"])
            print("%-5s %s (%.1fs)%s" % (status, case["name"], time.time() - t, "  # " + xfail if xfail else ""))
            if (real or notes) and (status == "FAIL" or a.v):
                for d in diffs:
                    print("    " + d.replace("\n", "\n    "))
                if a.v:
                    for ln in lines:
                        print("    | " + json.dumps(ln, ensure_ascii=False)[:2000])
    print("%d failed, %d unexpectedly passed, %.1fs" % (len(failed), len(xpassed), time.time() - t0))
    if failed:
        print("failed: " + " ".join(failed))
    if xpassed:
        print("xfail cases that pass (remove their mark): " + " ".join(xpassed))
    return 1 if failed or xpassed else 0


if __name__ == "__main__":
    sys.exit(main())
