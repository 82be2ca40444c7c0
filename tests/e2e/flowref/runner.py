"""Lambda events → records (docs/runtime.md "Events → records"), and one
invocation's expected outcome: log rows, dead letters, the response and the
metrics counts (docs/runtime.md "Output", docs/language.md §9, §17, §18)."""

import json

from .engine import ANY_TIMESTAMP, Ambiguous, decode_fields
from .dynamodb import unmarshal
from .jsontext import JsonError, parse_document, parse_spans, _skip
from .values import RecordError, b64decode_strict, format_float, format_timestamp, utf8_repair


class InvalidEvent(Exception):
    pass


def _utf8(b):
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return None


class Rec:
    __slots__ = ("id", "text", "shown", "error", "meta")

    def __init__(self, id_, text, shown, error, meta):
        self.id = id_          # the record's id (dead letters, batchItemFailures)
        self.text = text       # the payload as text (None: not UTF-8 / not decodable)
        self.shown = shown     # the dead letter's `record`
        self.error = error     # a RecordError found while extracting the payload
        self.meta = meta       # metadata column → value


def _b64_record(data):
    try:
        b = b64decode_strict(data)
    except RecordError as e:
        return None, data, e
    return _utf8(b), utf8_repair(b), None


def _names(event):
    recs = event.get("Records") if isinstance(event, dict) else None
    if isinstance(recs, list) and recs and isinstance(recs[0], dict):
        return recs[0].get("eventSource") or recs[0].get("EventSource")
    if isinstance(event, dict) and "records" in event:
        return event.get("eventSource")
    if isinstance(event, dict) and "requestContext" in event:
        return "http"
    return None


def _member(node, name):
    """The last member `name` of an object node (as a JSON reader that
    overwrites would see it), or None."""
    found = None
    for k, n in node[1]:
        if k == name:
            found = n
    return found


def _dynamodb_records(raw):
    """A DynamoDB Streams event's records, read from its text so that a dead
    letter can show each record's `dynamodb` object exactly as it came."""
    try:
        root = parse_document(raw)
    except JsonError as e:
        raise InvalidEvent("not JSON: %s" % e)
    recs = _member(root, "Records") if root[0] == "object" else None
    if recs is None or recs[0] != "array":
        raise InvalidEvent("no Records")
    out = []
    for r in recs[1]:
        if r[0] != "object":
            raise InvalidEvent("a record that is not an object")
        src = _member(r, "eventSource")
        if src is None or src[1] != "aws:dynamodb":
            raise InvalidEvent("eventSource %r" % (src[1] if src else None))
        d = _member(r, "dynamodb")
        if d is None or d[0] != "object":
            raise InvalidEvent("no 'dynamodb' object")
        name = _member(r, "eventName")
        if name is not None and name[0] != "string":
            raise InvalidEvent("'eventName' is not a string")
        # CHOICE (docs gap): a record without eventName has the name '' (and its NewImage)
        name = name[1] if name is not None else ""
        seq = _member(d, "SequenceNumber")
        if seq is None or seq[0] != "string":
            raise InvalidEvent("'dynamodb.SequenceNumber' is missing or not a string")
        t = _member(d, "ApproximateCreationDateTime")
        if t is None:
            arrival = ANY_TIMESTAMP  # like a hand-written SQS event: the decode time
        elif t[0] != "literal" or isinstance(t[1], bool) or not isinstance(t[1], (int, float)):
            raise InvalidEvent("'dynamodb.ApproximateCreationDateTime' is not a number")
        else:
            arrival = int(round(float(t[1]) * 1000))
        images = {}
        for which in ("NewImage", "OldImage"):
            img = _member(d, which)
            if img is not None and img[0] != "object":
                raise InvalidEvent("'dynamodb.%s' is not an object" % which)
            images[which] = img
        which = "OldImage" if name == "REMOVE" else "NewImage"
        text, err = None, None
        if images[which] is None:
            # the runtime's reason, word for word (docs/language.md: a KEYS_ONLY stream)
            err = RecordError("dynamodb", "the record has no %s (the stream's view type must include %s images)"
                              % (which, "old" if which == "OldImage" else "new"))
            err.exact = True
        else:
            try:
                text = unmarshal(images[which])
            except RecordError as e:
                err = e
        meta = {"_event_name": name, "_sequence_number": seq[1], "_arrival_time": arrival}
        out.append(Rec(seq[1], text, raw[d[2]:d[3]], err, meta))
    return out


def decode_event(kind, event, raw=None):
    """→ (records, ordered). Raises InvalidEvent for an event of the wrong shape.
    raw: the event's text (dynamodb; None: the text json.dump writes)."""
    if kind == "dynamodb":
        return _dynamodb_records(raw if raw is not None else json.dumps(event)), True
    if kind in ("kinesis", "sqs"):
        want = "aws:" + kind
        recs = event.get("Records") if isinstance(event, dict) else None
        if not isinstance(recs, list):
            raise InvalidEvent("no Records (%s)" % _names(event))
        out = []
        fifo = False
        for r in recs:
            if not isinstance(r, dict) or r.get("eventSource") != want:
                raise InvalidEvent("eventSource %r" % (r.get("eventSource") if isinstance(r, dict) else r))
            if kind == "kinesis":
                k = r["kinesis"]
                text, shown, err = _b64_record(k["data"])
                meta = {"_partition_key": k["partitionKey"], "_sequence_number": k["sequenceNumber"],
                        "_arrival_time": int(round(float(k["approximateArrivalTimestamp"]) * 1000)),
                        "_shard_id": r["eventID"].split(":")[0]}
                out.append(Rec(k["sequenceNumber"], text, shown, err, meta))
            else:
                attrs = r.get("attributes")
                if not isinstance(attrs, dict):
                    attrs = {}
                sent = int(attrs["SentTimestamp"]) if "SentTimestamp" in attrs else ANY_TIMESTAMP
                arr = int(attrs["ApproximateFirstReceiveTimestamp"]) if "ApproximateFirstReceiveTimestamp" in attrs \
                    else ANY_TIMESTAMP
                meta = {"_message_id": r["messageId"], "_sent_time": sent, "_group_id": attrs.get("MessageGroupId"),
                        "_arrival_time": arr}
                fifo = str(r.get("eventSourceARN", "")).endswith(".fifo")
                out.append(Rec(r["messageId"], r["body"], r["body"], None, meta))
        return out, (kind == "kinesis" or fifo)
    if kind == "kafka":
        if not isinstance(event, dict) or not isinstance(event.get("records"), dict) or \
                event.get("eventSource") not in ("aws:kafka", "aws:SelfManagedKafka", "SelfManagedKafka"):
            raise InvalidEvent("not a kafka event (%s)" % _names(event))
        out = []
        for _, lst in event["records"].items():
            for r in lst:
                text, shown, err = _b64_record(r["value"])
                key = r.get("key")
                if key is not None:
                    try:
                        key = utf8_repair(b64decode_strict(key))
                    except RecordError as e:
                        # CHOICE (docs gap): a key that is not valid base64 fails the
                        # record; its dead letter shows the decoded value
                        key, err = None, err or e
                meta = {"_topic": r["topic"], "_partition": r["partition"], "_offset": r["offset"], "_key": key,
                        "_kafka_time": r["timestamp"], "_arrival_time": ANY_TIMESTAMP}
                out.append(Rec("%s-%s:%s" % (r["topic"], r["partition"], r["offset"]), text, shown, err, meta))
        return out, False
    if kind == "http":
        if not isinstance(event, dict) or not isinstance(event.get("requestContext"), dict):
            raise InvalidEvent("not an http request (%s)" % _names(event))
        rc = event["requestContext"]
        if "httpMethod" in event:
            meta = {"_method": event["httpMethod"], "_path": event["path"],
                    "_source_ip": rc["identity"]["sourceIp"], "_arrival_time": rc["requestTimeEpoch"]}
        elif isinstance(rc.get("http"), dict):
            h = rc["http"]
            meta = {"_method": h["method"], "_path": h["path"], "_source_ip": h["sourceIp"],
                    "_arrival_time": rc["timeEpoch"]}
        else:
            raise InvalidEvent("not an http request")
        return event, meta
    raise ValueError("kind %s" % kind)


def http_records(event, meta, fmt):
    body = event.get("body")
    if body is None or body == "":
        return []
    if event.get("isBase64Encoded"):
        try:
            raw = b64decode_strict(body)
        except RecordError as e:
            # CHOICE: an undecodable body is one record that failed to decode
            return [Rec("0", None, body, e, dict(meta))]
        body = _utf8(raw)
        if body is None:
            raise Ambiguous("an http body that is not UTF-8")
        if body == "":
            return []
    if fmt == "text":
        lines = body.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        lines = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
        return [Rec(str(i), ln, ln, None, dict(meta)) for i, ln in enumerate(lines)]
    elems = None
    try:
        node, end = parse_spans(body, 0)
        if node[0] == "array" and _skip(body, end) == len(body):
            elems = [body[n[2]:n[3]] for n in node[1]]
    except JsonError:
        pass
    if elems is None:
        elems = [body]
    return [Rec(str(i), t, t, None, dict(meta)) for i, t in enumerate(elems)]


def json_value(v, ty):
    """A column value as the handler writes it, read back as JSON would be."""
    if v is None:
        return None
    if v is ANY_TIMESTAMP:
        return v
    if ty == "float":
        s = format_float(v)
        return None if s is None else json.loads(s)
    if ty == "timestamp":
        return format_timestamp(v)
    if ty == "duration":
        raise Ambiguous("a duration column in output")
    return v


def invoke(program, event, raw=None):
    """The outcome of one invocation on a Lambda event: parsed, or its text
    (a str; raw: the text of a parsed event, when there is one)."""
    if isinstance(event, str):
        raw, event = event, json.loads(event)
    src = program.source
    try:
        if program.kind == "http":
            ev, meta = decode_event("http", event)
            records, ordered = http_records(ev, meta, src["format"]), False
        else:
            records, ordered = decode_event(program.kind, event, raw)
    except InvalidEvent as e:
        return {"ok": False, "errorType": "Function.InvalidEvent", "detail": str(e)}
    return process(program, records, ordered)


def process(program, records, ordered):
    src = program.source
    policy = src["on_error"]
    out = {"ok": True, "log": {}, "dead": [], "response_rows": {}, "failures": [], "ambiguous": [], "error_sites": [],
           "records": len(records)}
    for s in program.sinks:
        (out["log"] if s["kind"] == "log" else out["response_rows"]).setdefault(s["stream"], [])
    metrics = {"RecordsIn": len(records), "RecordsDeadLettered": 0, "RecordsSkipped": 0, "RecordsRetried": 0}
    for s in program.sinks:
        metrics[s["metric"]] = 0
    stop = False
    for i, rec in enumerate(records):
        if stop:
            out["failures"].append(rec.id)
            metrics["RecordsRetried"] += 1
            continue
        try:
            if rec.error is not None:
                raise rec.error
            text = rec.text
            if text is None and src["format"] == "text" and rec.error is None:
                # docs/language.md §5: a text line is a string, so it must be UTF-8;
                # the dead letter shows it with U+FFFD for each bad byte.
                raise RecordError("utf8", "invalid UTF-8")
            row = dict(decode_fields(src, text))
            row.update(rec.meta)
            rows = program.run_record(row)
            emitted = []
            for s in program.sinks:
                r = rows.get(s["stream"])
                if r is None:
                    continue
                cols = program.columns_of(s["stream"])
                emitted.append((s, {n: json_value(r[n], t) for n, t in cols}))
        except Ambiguous as e:
            out["ambiguous"].append((i, str(e)))
            out["error_sites"].append(getattr(e, "where", None))
            continue
        except RecordError as e:
            out["error_sites"].append(getattr(e, "where", None))
            if policy == "dead_letter":
                out["dead"].append({"source": src["name"], "record": rec.shown, "id": rec.id, "category": e.category,
                                    "reason": str(e), "index": i, "exact": getattr(e, "exact", False)})
                metrics["RecordsDeadLettered"] += 1
            elif policy == "skip":
                metrics["RecordsSkipped"] += 1
            else:
                out["failures"].append(rec.id)
                metrics["RecordsRetried"] += 1
                if ordered:
                    stop = True
            continue
        for s, r in emitted:
            (out["log"] if s["kind"] == "log" else out["response_rows"])[s["stream"]].append(r)
            metrics[s["metric"]] += 1
    out["metrics"] = metrics
    if program.kind == "http":
        # docs/runtime.md: dead-lettered records are listed after the streams as
        # "_errors"; 400 when none of the request's records was accepted
        body = {k: v for k, v in out["response_rows"].items()}
        errors = [{"record": d["index"], "category": d["category"]} for d in out["dead"]]
        if errors:
            body["_errors"] = errors
        status = 400 if records and len(out["dead"]) == len(records) else 200
        out["response"] = {"statusCode": status, "headers": {"content-type": "application/json"}, "body": body}
    else:
        resp = {k: v for k, v in out["response_rows"].items()}
        resp["batchItemFailures"] = [{"itemIdentifier": i} for i in out["failures"]]
        out["response"] = resp
    return out
