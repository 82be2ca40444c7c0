# A minimal Lambda Runtime API client (stdlib only, keep-alive) shared by the
# misbehaving test bootstraps in this folder.
import http.client, json, os

_host, _port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
_conn = http.client.HTTPConnection(_host, int(_port))
BASE = "/2018-06-01/runtime"


def call(method, path, body=None, headers=None):
    _conn.request(method, BASE + path, body=body, headers=headers or {})
    r = _conn.getresponse()
    data = r.read()
    return r.status, dict(r.getheaders()), data


def next_event():
    status, headers, body = call("GET", "/invocation/next")
    return headers["Lambda-Runtime-Aws-Request-Id"], headers, body


def respond(rid, body):
    return call("POST", "/invocation/%s/response" % rid, body)[0]


def error(rid, error_type, message):
    doc = json.dumps({"errorMessage": message, "errorType": error_type, "stackTrace": []})
    return call("POST", "/invocation/%s/error" % rid, doc, {"Lambda-Runtime-Function-Error-Type": error_type})[0]
