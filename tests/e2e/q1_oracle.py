#!/usr/bin/env python3
"""Independent oracle for benchmark query q1 (shared/bench/peers/QUERIES.md):
reads records.jsonl (the unwrapped records) and prints the log lines q1 must
produce, in order. Stdlib only; shares no code with the peers."""
import json, sys

for line in open(sys.argv[1], encoding="utf-8"):
    if not line.strip():
        continue
    r = json.loads(line)
    if r["latency_ms"] > 500:
        print(json.dumps({"stream": "slow", "user_id": r["user_id"], "page": r["page"],
                          "latency_ms": r["latency_ms"]}, separators=(",", ":")))
