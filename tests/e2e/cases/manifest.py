"""Which inputs go with each e2e case (run_e2e.py reads CASES).

A case: name, flow (relative to the repository root), and either
  events:  a list of inputs, one invocation each:
             "aws:FILE"      a file of shared/events/aws (real Lambda events)
             a dict          an event built here with e2elib's builders (dynamodb:
                             flowref.dynamodb.dynamodb_event, which marshals plain items)
  records: raw records for `flowc run --records` (one string each), with
           batch, max_attempts and fifo;
and optionally xfail: why the case is expected to fail (a flowc bug or a
documentation gap, reported to the lead).

Payloads are written out by hand so that the expectation (computed by
flowref) exercises each rule once: every dead-letter reason, each
function's edge cases, nulls."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from e2elib import http_event, kafka_event, kinesis_event, sqs_event  # noqa: E402
from flowref.dynamodb import RawN, Typed, dynamodb_event  # noqa: E402


def j(**kw):
    return json.dumps(kw, separators=(",", ":"), ensure_ascii=False)


KINESIS_AWS = ["aws:go-kinesis-event.json", "aws:pt-kinesisStreamEvent.json",
               "aws:pt-kinesisStreamCloudWatchLogsEvent.json", "aws:go-kinesis-time-window-event.json",
               "aws:sam-Kinesis.template.json"]
SQS_AWS = ["aws:go-sqs-event.json", "aws:pt-sqsEvent.json", "aws:docs-sqs-fifo-event.json",
           "aws:pt-snsSqsFifoEvent.json", "aws:sam-Sqs.template.json"]
HTTP_AWS = ["aws:go-apigw-request.json", "aws:pt-apiGatewayProxyEvent.json",
            "aws:go-apigw-v2-request-no-authorizer.json", "aws:go-apigw-v2-request-iam.json",
            "aws:go-apigw-v2-request-jwt-authorizer.json", "aws:go-apigw-v2-request-lambda-authorizer.json",
            "aws:pt-apiGatewayProxyV2Event.json", "aws:go-lambda-urls-request.json",
            "aws:pt-lambdaFunctionUrlEvent.json", "aws:pt-lambdaFunctionUrlIAMEvent.json"]
KAFKA_AWS = ["aws:go-kafka-event.json", "aws:pt-kafkaEventMsk.json", "aws:pt-kafkaEventSelfManaged.json",
             "aws:docs-self-managed-kafka-event.json"]

# ---- clicks: q1-like rows, and every decoding failure -------------------------------------
CLICKS = [
    j(user_id="u1", page="/p/1", latency_ms=812, country="DE", ts="2026-11-23T10:15:30.250Z"),
    j(user_id="u2", page="/p/2", latency_ms=120, country="US", ts="2026-11-23T10:15:31Z"),
    j(user_id="u3", page="/p/3", latency_ms=501, ts=1795428930250),              # no country: filtered
    j(user_id="u4", page="/p/4", latency_ms=1000, country=None, ts="2026-11-23T11:15:30+01:00"),
    j(user_id="u5", page="/p/é", latency_ms=100000, country="FR", ts="2026-11-23T10:15:30.5-02:30"),
    j(user_id="u6", page="/p/6", latency_ms="812", country="DE", ts="2026-11-23T10:15:30Z"),   # wrong type
    j(user_id="u7", latency_ms=900, country="DE", ts="2026-11-23T10:15:30Z"),                # missing page
    j(user_id="u8", page=None, latency_ms=900, country="DE", ts="2026-11-23T10:15:30Z"),     # null page
    j(user_id="u11", page="/p/11", latency_ms=9223372036854775808, country="DE", ts=0),      # beyond int64
    j(user_id="u12", page="/p/12", latency_ms=4.5, country="DE", ts=0),                       # fraction for int
    '{"user_id":"u13","page":"/p/13"',                                                       # truncated JSON
    '[1,2,3]',                                                                               # not an object
    {"data": "eyJ1c2VyX2lkIjoidTE0In0*"},                                                    # bad base64
    {"data": "eyJ1c2VyX2lkIjoidTE0In0=="},                                                   # misplaced '='
    b'{"user_id":"u15","page":"\xff\xfe","latency_ms":900,"country":"DE","ts":0}',           # not UTF-8
    j(user_id="u16", page="/p/16", latency_ms=-9223372036854775807, country="\u00e9\u65e5\U0001f600",
      ts="1970-01-01T00:00:00Z", extra={"nested": [1, 2]}),
    j(user_id="tab\there \"quoted\" \\ \u0001 \u007f", page="/p/17", latency_ms=700, country="GB",
      ts="9999-12-31T23:59:59.999Z"),
]

ORDERS = [
    j(order_id="o1", sku="A-1", quantity=3, unit_cents=250, coupon=" SAVE10 "),
    j(order_id="o2", sku="B-2", quantity=0, unit_cents=250),
    j(order_id="o3", sku="Z-9", quantity=5, unit_cents=250),
    j(order_id="o4", sku="C-3", quantity=100, unit_cents=92233720368547758),     # overflow
    j(order_id="o5", sku="C-3", quantity=2),                                      # missing unit_cents
]

PAYMENTS = [
    j(payment_id="p1", amount_cents=250000, currency="EUR", card_country="DE", at="2026-11-23T10:15:30.250Z"),
    j(payment_id="p2", amount_cents=99999, currency="EUR", at="2026-11-23T10:15:30.250Z"),
    j(payment_id="p3", amount_cents=100000, currency="TEST", at="2026-11-23T10:15:30.250Z"),
    j(payment_id="p4", amount_cents=123456789, currency="JPY", at=1795428930250),
    j(payment_id="p5", amount_cents=100000, currency="USD", at="2026-11-23T10:15:30.250Z", card_country=None),
    j(payment_id="p6", currency="USD", at="2026-11-23T10:15:30.250Z"),
]

FUNCS = [
    j(name="  Alice Smith ", path="/p/42", body='{"user":{"id":"u-7","tags":["a"]},"items":[1,{"b":2.50}],"n":7}',
      n=42, m=3, x=2.5, y=-1.25, ts="2026-11-23T10:15:30.250Z", country="US", amount="12.75", flag="TRUE",
      items=[{"sku": "S1"}], payment={"amount": 19.99}, **{"odd key": "odd"}),
    j(name="Émile ÆØÅ", path="/admin/index.html", body="not json", n=-7, x=-2.5, ts="2024-02-29T23:59:59.999Z",
      amount="1e3", flag="false"),
    j(name="", path="/p/", body='{"user":{"id":7}}', n=0, m=0, x=0.0, y=0.0, ts="1970-01-01T00:00:00Z",
      country="DE", amount="-0.5", flag="False"),
    j(name="x", path="/p/123456", body='[]', n=1000, x=1e21, ts="2026-01-04T00:00:00Z", country="JP"),
    j(name="ab", path="/q", body='{"n":null}', n=9, m=2, x=0.1, ts="2026-12-31T12:00:00Z", country=None,
      amount="abc", flag="yes"),                                                  # cast('abc' as float) fails
    j(name="big", path="/p/1.html", body='{}', n=3, x=1e300, ts="2030-06-15T08:30:00Z", amount="7", flag="true"),
    j(name="over", path="/p/2", body="{}", n=5, x=-9.3e18, ts="2030-06-15T08:30:00Z"),   # cast(x as int) fails
    j(name="half", path="/p/3", body='{"user":{"id":"a\\"b"}}', n=11, x=-0.5, ts="2001-09-09T01:46:40Z",
      amount="2.5", flag="TRUE"),
    j(name="day", path="/p/4", body='{"items":[0,"two"]}', n=-100, x=2.675, ts="2026-03-01T00:00:00.001Z"),
]

NUMS = [
    j(a=1, b=2, label="small"),
    j(a=9223372036854775807, b=1, label="max+1"),
    j(a=-9223372036854775807, b=-2, label="min-2"),
    j(a=4611686018427387904, b=2, label="2^62*2"),
    j(a=-9223372036854775807, b=0, label="div0"),
    j(a=-7, b=2, label="neg-div"),
    j(a=7, b=-2, label="div-neg"),
    j(a=3037000500, b=3037000500, label="square"),
    j(a=0, b=0, label="zero"),
    j(a=-4611686018427387904, b=-2, label="mul-min"),
]

JOIN = [
    j(payment_id="j1", amount_cents=1500, currency="EUR", country="de"),
    j(payment_id="j2", amount_cents=1500, currency="JPY", country="JP"),
    j(payment_id="j3", amount_cents=500, currency="JPY", country="US"),
    j(payment_id="j4", amount_cents=100, currency="XXX", country="US"),
    j(payment_id="j5", amount_cents=100, currency="GBP"),
    j(payment_id="j6", amount_cents=100, currency="CHF", country="BR"),
    j(payment_id="j7", amount_cents=100, currency="USD", country="ZZ"),
    j(payment_id="j8", amount_cents=2500, currency="KWD", country="FR"),
]


# ---- dynamodb: items ({"Id": N, "Message": S}), bad images (each reason), missing images -------
DYNAMO_AWS = ["aws:go-dynamodb-event.json", "aws:pt-dynamoStreamEvent.json", "aws:sam-DynamoDBUpdate.template.json",
              "aws:go-dynamodb-time-window-event.json"]


def _nested(levels):
    """An attribute 'deep' that is `levels` maps inside each other."""
    v = {"S": "bottom"}
    for k in range(levels):
        v = {"M": {"d%d" % k: v}}
    return v


def _item(id_, message, **bad):
    """A typed image: Id and Message, plus attributes given as typed values (possibly bad)."""
    img = {"Id": {"N": str(id_)}, "Message": {"S": message}}
    img.update(bad)
    return Typed(img)


DYNAMO_BAD = [  # every way an image is not an item, in an attribute the program does not read
    _item(1, "ok"),
    _item(2, "plain", extra=7),
    _item(3, "no type", extra={}),
    _item(4, "two types", extra={"S": "a", "N": "1"}),
    _item(5, "n then s", extra={"N": "x", "S": "a"}),
    _item(6, "unknown", extra={"SN": "1"}),
    _item(7, "s number", extra={"S": 1}),
    _item(8, "b object", extra={"B": {"x": 1}}),
    _item(9, "n number", extra={"N": 5}),
    _item(10, "n text", m={"M": {"a": {"S": "x"}, "b": {"L": [{"N": "1"}, {"N": "y"}]}}}),
    _item(11, "n plus", extra={"N": "+5"}),
    _item(12, "n dot", extra={"N": "1."}),
    _item(13, "bool", extra={"BOOL": "true"}),
    _item(14, "null", extra={"NULL": "yes"}),
    _item(14, "null false", extra={"NULL": False}),
    _item(15, "m list", extra={"M": [1]}),
    _item(16, "l object", extra={"L": {"S": "x"}}),
    _item(17, "ss number", tags={"SS": ["a", 2]}),
    _item(18, "ns bad", nums={"NS": ["1", "2", "1e"]}),
    _item(19, "bs null", bins={"BS": [None]}),
    _item(20, "l element", extra={"L": [{"S": "a"}, "b"]}),
    _item(21, "deep ok", deep=_nested(64)),
    _item(22, "too deep", deep=_nested(65)),
    _item(23, "deep list", deep={"L": [{"L": [{"M": {"x": {"NS": ["1", "oops"]}}}]}]}),
    _item(24, "good types", n={"N": "-0.5e-3"}, s={"SS": []}, b={"BOOL": False}, z={"NULL": True},
          ns={"NS": ["1", "-2.5E+3"]}, bs={"BS": ["AAEqQQ=="]}, u={"S": "caf\u00e9 \" \u0001 \u007f"}),
    _item("1.5", "fraction for an int"),
    _item("123456789012345678901234567890", "beyond int64"),
    _item(27, "wrong type message", Message={"N": "4"}),
    {"Id": 28, "Message": "nested note", "Note": {"Text": "hello", "n": 1}},
    {"Id": 29, "Message": "note not text", "Note": {"Text": ["x"]}},
    {"Id": 30, "Message": None},
    {"Id": RawN("1e2"), "Message": "exponent int"},
]
DYNAMO_NAMES = ["INSERT", "MODIFY", "REMOVE"] * 11

# records whose image is missing: KEYS_ONLY and NEW_IMAGE streams, a REMOVE without its OldImage,
# a MODIFY that has only the OldImage; good records between them
DYNAMO_MISSING = dynamodb_event([
    {"Id": 1, "Message": "first"},
    {"dynamodb": {"ApproximateCreationDateTime": 1763892001, "Keys": {"Id": {"N": "2"}}, "SizeBytes": 8,
                  "StreamViewType": "KEYS_ONLY"}},
    {"dynamodb": {"ApproximateCreationDateTime": 1763892002.5, "Keys": {"Id": {"N": "3"}},
                  "NewImage": {"Id": {"N": "3"}, "Message": {"S": "a removed item's new image"}},
                  "StreamViewType": "NEW_IMAGE"}},
    {"dynamodb": {"ApproximateCreationDateTime": 1763892003, "Keys": {"Id": {"N": "4"}},
                  "OldImage": {"Id": {"N": "4"}, "Message": {"S": "old only, changed"}},
                  "StreamViewType": "OLD_IMAGE"}},
    {"Id": 5, "Message": "removed and changed"},
    {"dynamodb": {"Keys": {"Id": {"N": "6"}}, "NewImage": {"Id": {"N": "6"}, "Message": {"S": "no time"}},
                  "StreamViewType": "NEW_IMAGE"}},
    {"Id": 7, "Message": "last"},
], names=["INSERT", "INSERT", "REMOVE", "MODIFY", "REMOVE", "INSERT", "INSERT"])

DYNAMO_RECORDS = [  # --records lines: kept numbers' text, nesting, escapes; bad lines of each kind
    '{"id":1,"name":"a","price":1.50,"tags":["x","y"],"addr":{"city":"Oslo","zip":"0150"},"vip":true}',
    r'{"id":2,"name":"caf\u00e9 \"q\" \\ \t \u0001","price":-0.5e1,"tags":[],"vip":null}',
    '{"id":3,"name":"no price"}',
    '{"id":4,"name":"big","price":1E+300,"addr":{"city":null}}',
    'not json',
    '[1,2]',
    '{"id":"5","name":"string id","price":1}',
    '{"id":6,"price":2}',
    '{"id":7,"name":"nested","price":0,"tags":[["deep"],{"a":[1,{"b":null}]}],"addr":{"city":"Århus"}}',
    r'{"id":8,"name":"\u65e5\ud83d\ude00 日","price":3.25}',
    '42',
    '{"id":9,"name":"last","price":9.99,"vip":false}',
]


def dynamo_broken(change):
    ev = dynamodb_event([{"Id": 1, "Message": "a"}, {"Id": 2, "Message": "b"}])
    change(ev["Records"][1])
    return ev


def gen_records(n, bad, seed=7):
    """gen_kinesis.py's records (its events' payloads, bad ones too), as --records lines."""
    import base64
    import subprocess
    import tempfile
    here = os.path.dirname(os.path.abspath(__file__))
    gen = os.path.join(os.environ.get("FLOWC_SHARED", os.path.join(here, "..", "..", "..", "..", "shared")),
                       "bench", "gen_kinesis.py")
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([sys.executable, gen, "--records", str(n), "--bad", str(bad), "--seed", str(seed),
                        "--out", d], check=True)
        with open(os.path.join(d, "event-000.json")) as f:
            ev = json.load(f)
    out = []
    for r in ev["Records"]:
        data = r["kinesis"]["data"]
        try:
            text = base64.b64decode(data, validate=True).decode()
        except Exception:
            text = data  # bad base64 in the event: as a raw record it is text that is not JSON
        out.append(text.replace("\n", " "))
    return out


def unicode_lines():
    ranges = [(0xA0, 0x250), (0x370, 0x400), (0x400, 0x530), (0x1E00, 0x1F00), (0xFF00, 0xFF60)]
    chars = [chr(c) for lo, hi in ranges for c in range(lo, hi)]
    return ["".join(chars[i:i + 50]) for i in range(0, len(chars), 50)]


CASES = [
    {"name": "clicks_aws_events", "flow": "samples/clicks.flow",
     "events": KINESIS_AWS + ["aws:go-sqs-event.json", kinesis_event(CLICKS)]},
    {"name": "unread_fields_are_decoded", "flow": "samples/clicks.flow",
     "events": [kinesis_event([
         j(user_id="u9", page="/p/9", latency_ms=900, country="DE", ts="2026-02-30T10:15:30Z"),   # impossible date
         j(user_id="u10", page="/p/10", latency_ms=900, country="DE", ts="yesterday"),            # bad timestamp
         j(user_id="u11", page="/p/11", latency_ms=900, country="DE"),                            # no ts
         j(user_id="u12", page="/p/12", latency_ms=900, country=7, ts=0)])]},
    {"name": "orders_api_aws_events", "flow": "samples/orders_api.flow",
     "events": HTTP_AWS + ["aws:go-kinesis-event.json", "aws:pt-dynamoStreamEvent.json",
                           http_event("[" + ",".join(ORDERS) + "]", "v2"),
                           http_event(ORDERS[0], "v1"),
                           http_event("[" + ", ".join(ORDERS[:2]) + " ]\n", "url", b64=True),
                           http_event("[]", "v2"), http_event("", "v1"), http_event(None, "v2"),
                           http_event("[1, \"two\", null, {\"order_id\": \"o9\"}]", "v2"),
                           http_event("not base64!", "v2", b64=False) | {"isBase64Encoded": True}]},
    {"name": "kafka_payments_aws_events", "flow": "samples/kafka_payments.flow",
     "events": KAFKA_AWS[:3] + ["aws:pt-sqsEvent.json", "aws:go-dynamodb-event.json",
                                kafka_event(PAYMENTS, keys=["k1", None, "k3", "", "k5", "k6"])]},
    {"name": "kinesis_text_aws_events", "flow": "tests/e2e/cases/kinesis_text_meta.flow",
     "events": KINESIS_AWS + [kinesis_event(["plain line", "", "two\nlines\r\n", b"caf\xc3\xa9 \xe2\x82\xac",
                                             "a rather long line with a test in it"])]},
    {"name": "sqs_text_aws_events", "flow": "tests/e2e/cases/sqs_text_meta.flow",
     "events": SQS_AWS + ["aws:go-kinesis-event.json", sqs_event(["one", '{"message":"m1"}', ""], fifo=True)]},
    {"name": "sqs_json_aws_events", "flow": "tests/e2e/cases/sqs_json.flow",
     "events": SQS_AWS + [sqs_event([j(message="hi", n=2), j(message="no n"), j(message="big", n=5000000000000000000),
                                     j(username="nobody"), "42", "null"])]},
    {"name": "sns_in_sqs_aws_events", "flow": "tests/e2e/cases/sns_in_sqs.flow", "events": SQS_AWS},
    {"name": "kafka_text_aws_events", "flow": "tests/e2e/cases/kafka_text_meta.flow",
     "events": [e for e in KAFKA_AWS if "docs-" not in e] +
     [kafka_event(["v1", "v2", {"data": "@@@@"}], topic="t.x", partition=3, first_offset=7, keys=["key1", None, "k"])]},
    {"name": "kafka_text_bad_key", "flow": "tests/e2e/cases/kafka_text_meta.flow",
     "events": ["aws:docs-self-managed-kafka-event.json"]},
    {"name": "kafka_json_aws_events", "flow": "tests/e2e/cases/kafka_json.flow",
     "events": [e for e in KAFKA_AWS if "docs-" not in e]},
    {"name": "http_json_aws_events", "flow": "tests/e2e/cases/http_json.flow",
     "events": HTTP_AWS + [http_event('{"a": 9223372036854775807}', "v1"), http_event('{"a": 922337203685477580}', "v1"),
                           http_event('[{"a":1},{"a":2,"message":"m"}]', "v2", b64=True)]},
    {"name": "http_text_aws_events", "flow": "tests/e2e/cases/http_text.flow",
     "events": HTTP_AWS + [http_event("first\r\n  second  \n\nfourth\n", "v2"),
                           http_event("only", "v1", b64=True), http_event("\n", "url")]},
    {"name": "functions", "flow": "tests/e2e/cases/functions.flow", "events": [kinesis_event(FUNCS)]},
    {"name": "date_trunc_edges", "flow": "tests/e2e/cases/date_trunc_edges.flow",
     "events": [kinesis_event([j(n=0), j(n=1209600000), j(n=7)])]},
    {"name": "unicode_case_mapping", "flow": "tests/e2e/cases/unicode_case.flow",
     "events": [sqs_event(unicode_lines())]},
    {"name": "big_floats", "flow": "tests/e2e/cases/big_floats.flow",
     "events": [sqs_event([j(x=7.888609052210119e18), j(x=1e19), j(x=9.3e18), j(x=1e20), j(x=123.5)])]},
    {"name": "json_extract_edges", "flow": "tests/e2e/cases/json_extract_edges.flow",
     "events": [sqs_event(['{"a":1,"b":[1,"x"]}', '{"a":"s"}', '{"a":1}xyz', '{"a":1} {"a":2}', '[1]', 'not json',
                           '{"a":{"c":[true,null]}}', '{"a":null}', ' {"a" : 2.50 } ', ''])]},
    {"name": "negated_float_literals", "flow": "tests/e2e/cases/negated_float_literals.flow",
     "events": [sqs_event([j(x=1, y=0.25), j(x=2)])]},
    {"name": "checked_arithmetic", "flow": "tests/e2e/cases/checked.flow", "events": [sqs_event(NUMS)]},
    {"name": "checked_arithmetic_skip", "flow": "tests/e2e/cases/checked_skip.flow", "events": [sqs_event(NUMS)]},
    {"name": "joins", "flow": "tests/e2e/cases/joins.flow", "events": [kinesis_event(JOIN)]},
    {"name": "wrong_shape_events", "flow": "tests/e2e/cases/sqs_json.flow",
     "events": ["aws:go-kinesis-event.json", "aws:go-kafka-event.json", "aws:go-apigw-request.json",
                "aws:go-dynamodb-event.json"]},
    # dynamodb (DynamoDB Streams): the real samples, every attribute type, every bad image, missing images
    {"name": "dynamodb_types_aws_event", "flow": "tests/e2e/cases/dynamodb_types.flow",
     "events": ["aws:go-dynamodb-event.json"]},
    {"name": "dynamodb_aws_events", "flow": "tests/e2e/cases/dynamodb_items.flow",
     "events": DYNAMO_AWS + [DYNAMO_MISSING]},
    {"name": "dynamodb_bad_images", "flow": "tests/e2e/cases/dynamodb_items.flow",
     "events": [dynamodb_event(DYNAMO_BAD, names=DYNAMO_NAMES[:len(DYNAMO_BAD)])]},
    {"name": "dynamodb_bad_images_skip", "flow": "tests/e2e/cases/dynamodb_items_skip.flow",
     "events": [dynamodb_event(DYNAMO_BAD[:12]), DYNAMO_MISSING]},
    {"name": "dynamodb_retry_ordered", "flow": "tests/e2e/cases/dynamodb_items_retry.flow",
     "events": ["aws:sam-DynamoDBUpdate.template.json", DYNAMO_MISSING, dynamodb_event(DYNAMO_BAD[:4])]},
    {"name": "dynamodb_wrong_shape_events", "flow": "tests/e2e/cases/dynamodb_items.flow",
     "events": ["aws:go-kinesis-event.json", "aws:go-sqs-event.json", "aws:go-kafka-event.json",
                "aws:go-apigw-v2-request-iam.json", "aws:go-lambda-urls-request.json",
                "aws:docs-dynamodb-onfailure-invocation-record.json",
                dynamo_broken(lambda r: r.update(eventSource="aws:kinesis")),
                dynamo_broken(lambda r: r.pop("dynamodb")),
                dynamo_broken(lambda r: r["dynamodb"].pop("SequenceNumber")),
                dynamo_broken(lambda r: r["dynamodb"].update(NewImage="x")),
                dynamo_broken(lambda r: r["dynamodb"].update(OldImage=[1])),
                dynamo_broken(lambda r: r["dynamodb"].update(ApproximateCreationDateTime="2025-11-23")),
                dynamo_broken(lambda r: r.update(eventName=7)),
                {"Records": [1]},
                dynamodb_event([])]},
    {"name": "dynamodb_event_to_other_kinds", "flow": "tests/e2e/cases/q1.flow",
     "events": DYNAMO_AWS + [DYNAMO_MISSING]},
    # gen_kinesis.py records through --records, one case per on error policy
    {"name": "q1_records_dead_letter", "flow": "tests/e2e/cases/q1.flow",
     "records": lambda: gen_records(300, 0.1), "batch": 100},
    {"name": "q1_records_skip", "flow": "tests/e2e/cases/q1_skip.flow",
     "records": lambda: gen_records(300, 0.1), "batch": 100},
    {"name": "q1_records_retry", "flow": "tests/e2e/cases/q1_retry.flow",
     "records": lambda: gen_records(300, 0.1), "batch": 100, "max_attempts": 3},
    {"name": "q1_records_sqs_retry", "flow": "tests/e2e/cases/q1_sqs_retry.flow",
     "records": lambda: gen_records(60, 0.1, seed=3), "batch": 10, "max_attempts": 3},
    {"name": "q1_records_sqs_fifo_retry", "flow": "tests/e2e/cases/q1_sqs_retry.flow",
     "records": lambda: gen_records(60, 0.1, seed=3), "batch": 10, "max_attempts": 2, "fifo": True},
    {"name": "orders_api_records", "flow": "samples/orders_api.flow", "records": lambda: ORDERS, "batch": 2},
    {"name": "dynamodb_records_dead_letter", "flow": "tests/e2e/cases/dynamodb_records.flow",
     "records": lambda: DYNAMO_RECORDS, "batch": 5},
    {"name": "dynamodb_records_retry", "flow": "tests/e2e/cases/dynamodb_records_retry.flow",
     "records": lambda: DYNAMO_RECORDS, "batch": 5, "max_attempts": 2},
]
