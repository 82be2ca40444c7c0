#!/usr/bin/env python3
"""An independent Lambda Runtime API server (python3 stdlib only), written from
../shared/design/lambda-runtime-api.yaml and nothing of flowc's, to check that a
built `bootstrap` works against a server that is not flowc's own.

  independent_runtime_api.py --zip F.zip [--http 1.0|1.1] EVENT.json...

Unpacks the zip into a temporary task root, starts its `bootstrap` with
AWS_LAMBDA_RUNTIME_API pointing here, hands out the events in order (one per
GET /next), and collects each answer. Prints one JSON document:
  {"invocations": [{"requestId", "status": "response"|"error", "body", "errorType"}...],
   "stdout": [lines], "initError": null|{...}}
HTTP/1.0 (the default of http.server) closes the connection after every answer,
so the runtime must reconnect; 1.1 keeps it alive.

Tumbling-window mode (Kinesis; --source dynamodb: DynamoDB Streams records, the same windows),
written from AWS's documentation of tumbling windows for
Kinesis event source mappings ("Using tumbling windows", the Kinesis event with `window`,
`state`, `shardId`, `isFinalInvokeForWindow`, `isWindowTerminatedEarly`) and nothing of
flowc's (not compiler/driver/lambda_window.*):

  independent_runtime_api.py --zip F.zip --records R.jsonl --window SECONDS [--shards K]
      [--batch N] [--key FIELD] [--arrival-field FIELD] [--max-attempts N]

Each line of R.jsonl is one record's data. A record's partition key is its member FIELD
(--key; "k" when absent), its shard floor(md5(key) * K / 2^128) (K equal hash-key ranges),
its arrival time the member --arrival-field (epoch ms or RFC 3339; without the option, or for
a line that has none, 10 ms after the previous record, from 2025-11-23T10:00:00Z). Per shard,
in order, the records are cut into windows aligned to multiples of SECONDS of arrival time;
each window is delivered in batches of N records (default 100) and then a final invoke with no
records (isFinalInvokeForWindow). The first invoke of a window gets state {}; each later one the
`state` of the last successful answer of the same window and shard. As Lambda does, an answer
without a `state` object (or an error) fails the invocation: the same batch is delivered again
with the state it had, up to --max-attempts (3), then given up. An answer with
batchItemFailures is delivered again from the lowest failed sequence number. A state whose JSON
is over 1 MB ends the window early: a final invoke with isWindowTerminatedEarly, after which the
window's remaining records start again from {}.
Prints {"invocations": [{"requestId", "status", "body", "errorType", "shardId", "window",
"final", "terminatedEarly", "stdout": [lines], "windowError"}...], "summary": {...},
"initError"}; the summary adds up the invocations' metrics lines (recordsIn, deadLettered,
skipped, retried) and lists the records given up.
"""
import argparse, datetime, hashlib, http.server, json, os, queue, subprocess, sys, tempfile, threading, time, uuid
import zipfile

PREFIX = "/2018-06-01/runtime"


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """What both modes' request handlers share: no request log on stderr, and
    answers with a Content-Length (HTTP/1.1 keep-alive needs it)."""

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def start_bootstrap(zip_path, task, port, out_file):
    """Unpacks the zip into the task root (keeping its file modes) and starts
    its `bootstrap` there with Lambda's environment, pointed at this server."""
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(task)
        for info in z.infolist():
            os.chmod(os.path.join(task, info.filename), info.external_attr >> 16 & 0o7777)
    env = {"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % port,
           "AWS_LAMBDA_FUNCTION_NAME": "independent", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
           "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_REGION": "us-east-1",
           "LAMBDA_TASK_ROOT": task, "_HANDLER": "bootstrap", "PATH": "/usr/bin:/bin", "TZ": ":UTC"}
    return subprocess.Popen([os.path.join(task, "bootstrap")], cwd=task, env=env,
                            stdout=out_file, stderr=subprocess.PIPE)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zip", required=True)
    ap.add_argument("--http", choices=["1.0", "1.1"], default="1.0")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--records")
    ap.add_argument("--window", type=int)
    ap.add_argument("--shards", type=int, default=1)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--key")
    ap.add_argument("--arrival-field")
    ap.add_argument("--max-attempts", type=int, default=3)
    ap.add_argument("--source", choices=["kinesis", "dynamodb"], default="kinesis",
                    help="window mode: the records as Kinesis or DynamoDB Streams records")
    ap.add_argument("events", nargs="*")
    a = ap.parse_args()
    if a.records:
        return window_mode(a)
    if not a.events:
        ap.error("give events, or --records with --window")

    pending = queue.Queue()
    for path in a.events:
        with open(path, "rb") as f:
            pending.put(f.read())
    answers = []
    done = threading.Event()
    init_error = []
    lock = threading.Lock()
    expected = len(a.events)

    class Handler(QuietHandler):
        protocol_version = "HTTP/%s" % a.http

        def do_GET(self):
            if self.path != PREFIX + "/invocation/next":
                return self.reply(404, b'{"errorMessage":"not found"}')
            try:
                event = pending.get(timeout=a.timeout)
            except queue.Empty:
                return self.reply(500, b'{"errorMessage":"no more events"}')
            rid = str(uuid.uuid4())
            self.reply(200, event, {
                "Content-Type": "application/json",
                "Lambda-Runtime-Aws-Request-Id": rid,
                "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 30000),
                "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:123456789012:function:independent",
                "Lambda-Runtime-Trace-Id": "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c;Parent=53995c3f42cd8ad8;Sampled=1",
            })

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            parts = self.path[len(PREFIX):].strip("/").split("/")
            if parts == ["init", "error"]:
                init_error.append({"errorType": self.headers.get("Lambda-Runtime-Function-Error-Type"),
                                   "body": body.decode("utf-8", "replace")})
                self.reply(202, b'{"status":"OK"}')
                done.set()
                return
            if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                with lock:
                    answers.append({"requestId": parts[1], "status": parts[2],
                                    "body": body.decode("utf-8", "replace"),
                                    "errorType": self.headers.get("Lambda-Runtime-Function-Error-Type")})
                    if len(answers) == expected:
                        done.set()
                return self.reply(202, b'{"status":"OK"}')
            self.reply(404, b'{"errorMessage":"not found"}')

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as task:
        out_file = tempfile.TemporaryFile()
        proc = start_bootstrap(a.zip, task, server.server_address[1], out_file)
        finished = done.wait(a.timeout)
        proc.kill()
        _, err = proc.communicate()
        server.shutdown()
        out_file.seek(0)
        stdout = out_file.read().decode("utf-8", "replace").splitlines()
    if not finished:
        sys.stderr.write("independent_runtime_api: timed out; runtime stderr:\n" + err.decode("utf-8", "replace"))
        return 1
    json.dump({"invocations": answers, "stdout": stdout, "initError": init_error[0] if init_error else None},
              sys.stdout)
    sys.stdout.write("\n")
    return 0


# ---- tumbling-window mode ---------------------------------------------------------------------

BASE_MS = 1763892000000  # 2025-11-23T10:00:00Z
FIRST_SEQ = 49590338271490256608559692538361571095921575989136588898
STATE_LIMIT = 1024 * 1024  # Lambda's bound on a window's state


def _iso(ms):
    return (datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=ms)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _arrival_of(doc, field):
    v = doc.get(field) if isinstance(doc, dict) else None
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return int(v)
    try:
        t = datetime.datetime.fromisoformat(str(v).replace("Z", "+00:00"))
    except ValueError:
        return None
    return int(t.timestamp() * 1000)


def plan_records(a):
    """The records with their shard, sequence number, partition key and arrival time."""
    with open(a.records, "rb") as f:
        lines = [ln.rstrip(b"\r\n") for ln in f.read().split(b"\n")]
    if lines and lines[-1] == b"":
        lines.pop()
    recs, arr = [], BASE_MS - 10
    for i, data in enumerate(lines):
        try:
            doc = json.loads(data)
        except ValueError:
            doc = None
        t = _arrival_of(doc, a.arrival_field) if a.arrival_field else None
        arr = t if t is not None else arr + 10
        key = doc.get(a.key) if (a.key and isinstance(doc, dict)) else None
        key = "k" if key is None else key if isinstance(key, str) else json.dumps(key)
        shard = int.from_bytes(hashlib.md5(key.encode("utf-8")).digest(), "big") * a.shards >> 128
        recs.append({"index": i, "data": data, "arr": arr, "key": key, "shard": shard,
                     "seq": str(FIRST_SEQ + i)})
    return recs


def kinesis_record(r, shard_id):
    import base64
    return {"kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": r["key"], "sequenceNumber": r["seq"],
                        "data": base64.b64encode(r["data"]).decode("ascii"),
                        "approximateArrivalTimestamp": r["arr"] / 1000.0},
            "eventSource": "aws:kinesis", "eventVersion": "1.0",
            "eventID": "%s:%s" % (shard_id, r["seq"]), "eventName": "aws:kinesis:record",
            "invokeIdentityArn": "arn:aws:iam::123456789012:role/independent", "awsRegion": "us-east-1",
            "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/independent"}


# DynamoDB Streams records, written from AWS's documentation of the stream record
# (StreamRecord: Keys, NewImage, SequenceNumber, SizeBytes, StreamViewType,
# ApproximateCreationDateTime) and of DynamoDB's attribute values (S, N, BOOL, NULL, M, L):
# a line that is a JSON object is an INSERT of that item (numbers keep their text); any other
# line is a record without a NewImage, as a KEYS_ONLY stream sends it.

class _NumberText(str):
    pass


def _no_constant(name):
    raise ValueError(name)


def ddb_value(v):
    if isinstance(v, _NumberText):
        return {"N": str(v)}
    if v is None:
        return {"NULL": True}
    if isinstance(v, bool):
        return {"BOOL": v}
    if isinstance(v, str):
        return {"S": v}
    if isinstance(v, list):
        return {"L": [ddb_value(x) for x in v]}
    return {"M": {k: ddb_value(x) for k, x in v.items()}}


def dynamodb_record(r, shard_id, key_field):
    try:
        doc = json.loads(r["data"], parse_int=_NumberText, parse_float=_NumberText, parse_constant=_no_constant)
    except ValueError:
        doc = None
    d = {"ApproximateCreationDateTime": r["arr"] / 1000.0}
    if isinstance(doc, dict) and isinstance(doc.get(key_field), str):
        d["Keys"] = {key_field: {"S": doc[key_field]}}
    else:
        d["Keys"] = {"rowid": {"S": "r%d" % r["index"]}}
    if isinstance(doc, dict):
        d["NewImage"] = {k: ddb_value(v) for k, v in doc.items()}
    d.update({"SequenceNumber": r["seq"], "SizeBytes": len(r["data"]),
              "StreamViewType": "NEW_IMAGE" if isinstance(doc, dict) else "KEYS_ONLY"})
    return {"eventID": hashlib.md5(r["seq"].encode()).hexdigest(), "eventName": "INSERT", "eventVersion": "1.1",
            "eventSource": "aws:dynamodb", "awsRegion": "us-east-1", "dynamodb": d,
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/independent/stream/"
                              "2025-11-23T00:00:00.000"}


def window_mode(a):
    recs = plan_records(a)
    width = a.window * 1000
    requests = queue.Queue()   # event bodies for GET /next
    answers = queue.Queue()    # (status, body, errorType, stdout lines) per POST
    init_error = []
    out_path = tempfile.mktemp(prefix="independent-stdout-")
    read_at = [0]

    def new_stdout():
        with open(out_path, "rb") as f:
            f.seek(read_at[0])
            chunk = f.read()
        read_at[0] += len(chunk)
        return chunk.decode("utf-8", "replace").splitlines()

    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            if self.path != PREFIX + "/invocation/next":
                return self.reply(404, b'{"errorMessage":"not found"}')
            rid, event = requests.get()
            self.reply(200, event, {"Content-Type": "application/json", "Lambda-Runtime-Aws-Request-Id": rid,
                                    "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 30000),
                                    "Lambda-Runtime-Invoked-Function-Arn":
                                        "arn:aws:lambda:us-east-1:123456789012:function:independent"})

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            parts = self.path[len(PREFIX):].strip("/").split("/")
            if parts == ["init", "error"]:
                init_error.append({"errorType": self.headers.get("Lambda-Runtime-Function-Error-Type"),
                                   "body": body.decode("utf-8", "replace")})
                self.reply(202, b'{"status":"OK"}')
                answers.put(None)
                return
            if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                # the runtime wrote the invocation's output before it answered
                answers.put((parts[1], parts[2], body.decode("utf-8", "replace"),
                             self.headers.get("Lambda-Runtime-Function-Error-Type"), new_stdout()))
                return self.reply(202, b'{"status":"OK"}')
            self.reply(404, b'{"errorMessage":"not found"}')

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    invocations, given_up = [], []
    totals = {"recordsIn": 0, "deadLettered": 0, "skipped": 0, "retried": 0}
    failed = 0
    with tempfile.TemporaryDirectory() as task, open(out_path, "wb") as out_file:
        proc = start_bootstrap(a.zip, task, server.server_address[1], out_file)

        def invoke(shard_id, wstart, batch, state, final, early):
            records = [dynamodb_record(r, shard_id, a.key or "k") if a.source == "dynamodb"
                       else kinesis_record(r, shard_id) for r in batch]
            event = {"Records": records,
                     "window": {"start": _iso(wstart), "end": _iso(wstart + width)},
                     "state": state, "shardId": shard_id,
                     "eventSourceARN": records[0]["eventSourceARN"] if records else "arn:aws:%s:independent" % a.source,
                     "isFinalInvokeForWindow": final, "isWindowTerminatedEarly": early}
            rid = str(uuid.uuid4())
            requests.put((rid, json.dumps(event).encode("utf-8")))
            got = answers.get(timeout=a.timeout)
            if got is None:
                raise RuntimeError("init error: %s" % init_error)
            _, status, body, etype, lines = got
            inv = {"requestId": rid, "status": status, "body": body, "errorType": etype, "shardId": shard_id,
                   "window": {"start": _iso(wstart), "end": _iso(wstart + width)}, "final": final,
                   "terminatedEarly": early, "records": [r["index"] for r in batch], "stdout": lines}
            for ln in lines:
                try:
                    doc = json.loads(ln)
                except ValueError:
                    continue
                if isinstance(doc, dict) and "_aws" in doc:
                    totals["recordsIn"] += doc.get("RecordsIn", 0)
                    totals["deadLettered"] += doc.get("RecordsDeadLettered", 0)
                    totals["skipped"] += doc.get("RecordsSkipped", 0)
                    totals["retried"] += doc.get("RecordsRetried", 0)
            resp = None
            if status == "response":
                try:
                    resp = json.loads(body)
                except ValueError:
                    resp = None
                # Lambda treats a window answer without a state object as a failed invocation
                if not isinstance(resp, dict) or not isinstance(resp.get("state"), dict):
                    inv["windowError"] = "the answer has no state object"
                    resp = None
            invocations.append(inv)
            return resp

        try:
            for shard in range(a.shards):
                shard_id = "shardId-%012d" % shard
                mine = [r for r in recs if r["shard"] == shard]
                windows = {}
                for r in mine:
                    windows.setdefault(r["arr"] // width * width, []).append(r)
                for wstart in sorted(windows):
                    pending = list(windows[wstart])
                    state = {}
                    while True:
                        early = False
                        while pending:
                            batch = pending[:a.batch]
                            for attempt in range(1, a.max_attempts + 1):
                                resp = invoke(shard_id, wstart, batch, state, False, False)
                                if resp is None:
                                    failed += 1
                                    continue   # the same batch again, with the state it had
                                state = resp["state"]
                                fails = [f.get("itemIdentifier") for f in resp.get("batchItemFailures") or []]
                                seqs = [r["seq"] for r in batch]
                                if fails:
                                    first = min(seqs.index(f) for f in fails if f in seqs)
                                    batch = batch[first:]
                                    if attempt == a.max_attempts:
                                        break
                                    continue
                                batch = []
                                break
                            if batch:   # given up: the rest of this batch
                                given_up += [{"record": r["index"], "id": r["seq"], "attempts": a.max_attempts}
                                             for r in batch]
                            pending = pending[a.batch:]
                            if len(json.dumps(state)) > STATE_LIMIT:
                                early = True
                                break
                        for attempt in range(a.max_attempts):
                            resp = invoke(shard_id, wstart, [], state, True, early)
                            if resp is not None:
                                break
                            failed += 1
                        if not pending:
                            break
                        state = {}
        finally:
            proc.kill()
            _, err = proc.communicate()
            server.shutdown()
            os.unlink(out_path)
    json.dump({"invocations": invocations,
               "summary": dict(totals, invocations=len(invocations), failedInvocations=failed, givenUp=given_up),
               "initError": init_error[0] if init_error else None, "stderr": err.decode("utf-8", "replace")},
              sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
