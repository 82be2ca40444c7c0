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
"""
import argparse, http.server, json, os, queue, subprocess, sys, tempfile, threading, time, uuid, zipfile

PREFIX = "/2018-06-01/runtime"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zip", required=True)
    ap.add_argument("--http", choices=["1.0", "1.1"], default="1.0")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("events", nargs="+")
    a = ap.parse_args()

    pending = queue.Queue()
    for path in a.events:
        with open(path, "rb") as f:
            pending.put(f.read())
    answers = []
    done = threading.Event()
    init_error = []
    lock = threading.Lock()
    expected = len(a.events)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/%s" % a.http

        def log_message(self, *args):
            pass

        def reply(self, status, body=b"", headers=None):
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

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
        with zipfile.ZipFile(a.zip) as z:
            z.extractall(task)
            for info in z.infolist():
                os.chmod(os.path.join(task, info.filename), info.external_attr >> 16 & 0o7777)
        env = {"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % server.server_address[1],
               "AWS_LAMBDA_FUNCTION_NAME": "independent", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
               "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_REGION": "us-east-1",
               "LAMBDA_TASK_ROOT": task, "_HANDLER": "bootstrap", "PATH": "/usr/bin:/bin", "TZ": ":UTC"}
        out_file = tempfile.TemporaryFile()
        proc = subprocess.Popen([os.path.join(task, "bootstrap")], cwd=task, env=env,
                                stdout=out_file, stderr=subprocess.PIPE)
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


if __name__ == "__main__":
    sys.exit(main())
