#!/usr/bin/env python3
"""The same zip, the same events, two Runtime API servers: flowc's own (through
`flowc run --output json`) and independent_runtime_api.py (stdlib, HTTP/1.0 and
HTTP/1.1). Every answer (response or error type) and every logged line but the
metrics line's timing fields must be the same, invocation by invocation.

  check_independent_server.py --flowc FLOWC --root SOURCE_DIR --shared SHARED_DIR
"""
import argparse, json, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# sample → events (relative to the source root or the shared dir)
CASES = {
    "clicks": ["samples/events/clicks-kinesis.json", "@events/aws/go-kinesis-event.json",
               "@events/aws/pt-kinesisStreamEvent.json", "@events/aws/go-sqs-event.json"],
    "orders_api": ["samples/events/orders_api-http.json", "@events/aws/go-apigw-request.json",
                   "@events/aws/pt-apiGatewayProxyV2Event.json", "@events/aws/go-lambda-urls-request.json",
                   "@events/aws/go-kinesis-event.json"],
    "kafka_payments": ["samples/events/kafka_payments-msk.json", "@events/aws/go-kafka-event.json",
                       "@events/aws/pt-kafkaEventMsk.json"],
}


def comparable(line):
    """A logged line without what differs run to run (the metrics' time and
    duration; the function's name, which each server sets its own way)."""
    try:
        doc = json.loads(line)
    except ValueError:
        return line
    if isinstance(doc, dict) and "_aws" in doc:
        doc["_aws"].pop("Timestamp", None)
        doc.pop("DurationMs", None)
        doc.pop("function", None)
    return doc


def answer(ok, body, error_type):
    if not ok:
        return ("error", error_type)
    try:
        return ("response", json.loads(body))
    except ValueError:
        return ("response", body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flowc", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--shared", required=True)
    a = ap.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for sample, events in CASES.items():
            paths = [os.path.join(a.shared, e[1:]) if e.startswith("@") else os.path.join(a.root, e)
                     for e in events]
            flow = os.path.join(a.root, "samples", sample + ".flow")
            zip_path = os.path.join(tmp, sample + ".zip")
            subprocess.run([a.flowc, "build", flow, "-o", zip_path], check=True)
            ours = subprocess.run([a.flowc, "run", flow, "--output", "json", "--events", *paths],
                                  check=True, capture_output=True, text=True).stdout.splitlines()
            ours = [json.loads(l) for l in ours]
            inv = [o for o in ours if o["type"] == "invocation"]
            want_answers = [answer(o["ok"], json.dumps(o.get("response")), o.get("errorType")) for o in inv]
            want_log = [comparable(json.dumps(l) if not isinstance(l, str) else l)
                        for o in inv for l in o["log"]]
            for http in ("1.0", "1.1"):
                r = subprocess.run([sys.executable, os.path.join(HERE, "independent_runtime_api.py"),
                                    "--zip", zip_path, "--http", http, *paths],
                                   capture_output=True, text=True)
                if r.returncode != 0:
                    print(f"FAIL {sample} HTTP/{http}: the independent server run failed:\n{r.stderr}")
                    failures += 1
                    continue
                theirs = json.loads(r.stdout)
                got_answers = [answer(x["status"] == "response", x["body"], x["errorType"])
                               for x in theirs["invocations"]]
                got_log = [comparable(l) for l in theirs["stdout"]]
                problems = []
                if theirs["initError"]:
                    problems.append(f"init error: {theirs['initError']}")
                if got_answers != want_answers:
                    problems.append(f"answers differ:\n  flowc run:   {want_answers}\n  independent: {got_answers}")
                if got_log != want_log:
                    problems.append(f"logged lines differ:\n  flowc run:   {want_log}\n  independent: {got_log}")
                if len(got_answers) != len(paths):
                    problems.append(f"{len(got_answers)} answers for {len(paths)} events")
                if problems:
                    failures += 1
                    print(f"FAIL {sample} HTTP/{http}:\n" + "\n".join(problems))
                else:
                    print(f"ok   {sample} HTTP/{http}: {len(paths)} invocations, "
                          f"{sum(1 for l in got_log if isinstance(l, dict) and l.get('stream'))} lines")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
