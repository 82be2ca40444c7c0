#!/usr/bin/env python3
"""Independent oracle for benchmark query q2 (shared/bench/peers/QUERIES.md):
reads records.jsonl (the unwrapped records of ONE invocation's batch) and
prints the log lines q2 must produce: one per page, in the order each page is
first seen in the batch (flowc's documented emission order for a per-batch
group by). Stdlib only; shares no code with flowc or the peers.

  select page, count(*) as views, avg(latency_ms) as avg_latency,
         max(latency_ms) as max_latency
  from clicks group by page
"""
import json, sys

groups = {}  # dicts keep insertion order: first-seen order
for line in open(sys.argv[1], encoding="utf-8"):
    if not line.strip():
        continue
    r = json.loads(line)
    g = groups.setdefault(r["page"], {"n": 0, "sum": 0, "max": None})
    g["n"] += 1
    g["sum"] += r["latency_ms"]
    g["max"] = r["latency_ms"] if g["max"] is None else max(g["max"], r["latency_ms"])

for page, g in groups.items():
    print(json.dumps({"stream": "per_page", "page": page, "views": g["n"],
                      "avg_latency": g["sum"] / g["n"], "max_latency": g["max"]},
                     separators=(",", ":")))
