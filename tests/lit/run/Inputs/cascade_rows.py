#!/usr/bin/env python3
"""Reads `flowc run --output json` on stdin and prints its rows and dead letters one per line,
compactly, for FileCheck: `<invocation>[ final] <stream> <col>=<value> …` (times as HH:MM:SS or
HH:MM:SS.mmm of their day), failed invocations, and a last line `summary dead-lettered <n>
failed <n>`. --sorted leaves out the invocation and sorts the rows, so that runs with other
batch splits can be compared line by line."""
import json
import sys


def short(v):
    if isinstance(v, str) and len(v) == 24 and v[10] == "T" and v.endswith("Z"):
        v = v[11:23]
        return v[:8] if v.endswith(".000") else v
    return v if isinstance(v, str) else json.dumps(v)


sort = "--sorted" in sys.argv[1:]
out = []
summary = None
for line in sys.stdin:
    o = json.loads(line)
    if o.get("type") == "summary":
        summary = "summary dead-lettered %s failed %s" % (o.get("deadLettered"), o.get("failedInvocations"))
        continue
    if o.get("type") != "invocation":
        continue
    tag = "%d%s " % (o["n"], " final" if o.get("final") else "")
    if not o.get("ok") or o.get("windowError"):
        out.append("%sFAILED %s %s %s" % (tag, o.get("errorType"), o.get("errorMessage"), o.get("windowError")))
    for r in o.get("log", []):
        if isinstance(r, dict) and "stream" in r:
            row = r["stream"] + " " + " ".join("%s=%s" % (k, short(v)) for k, v in r.items() if k != "stream")
            out.append(row if sort else tag + row)
for line in sorted(out) if sort else out:
    print(line)
if summary:
    print(summary)
