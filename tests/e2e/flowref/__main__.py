"""python3 -m flowref FILE.flow --events EVENT.json…  → one JSON line per
invocation: the expected log rows, dead letters, response and metrics."""
import argparse
import json
import sys

from .engine import ANY_TIMESTAMP, Program
from .runner import invoke


def _default(o):
    if o is ANY_TIMESTAMP:
        return "<any timestamp>"
    raise TypeError(repr(o))


def main(argv=None):
    ap = argparse.ArgumentParser(prog="flowref")
    ap.add_argument("flow")
    ap.add_argument("--events", nargs="+", required=True)
    a = ap.parse_args(argv)
    prog = Program(a.flow)
    for path in a.events:
        with open(path, encoding="utf-8") as f:
            event = f.read()  # the text: a dynamodb dead letter shows part of it as it is
        out = invoke(prog, event)
        out["input"] = path
        print(json.dumps(out, default=_default, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
