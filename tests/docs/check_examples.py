#!/usr/bin/env python3
"""Runs every example of a Markdown language reference through flowc.

The documentation's examples are tests (docs/language.md, "Examples are tests"):

  ```flow        a complete program: `flowc check` must exit 0
  ```flow-error  a broken program: `flowc check` must exit 1
  ```sql         a fragment: not checked
  ```text        after a flow/flow-error block: what flowc prints on
                 stderr. Every diagnostic line of the block
                 (`file:line:col: error|warning|note: message`) and the summary
                 line (`N errors, M warnings in file`) must appear in stderr,
                 and stderr may hold no error or warning the block leaves out.
                 Source lines and carets are not compared. After a block
                 that runs `flowc graph` or `flowc explain`, the text block is
                 the exact stdout.
  ```json        after a block run with --diagnostics=json: the JSON
                 flowc prints on stderr (compared as JSON values); after a
                 block run with `graph --format=json`: its stdout.

A text or json block is the expected output of the example before it when it
is the next fenced block and only blank lines stand between the two; an output
block with prose before it is an illustration and is not compared.

Words after the tag in the opening fence set how the block runs:
  name=FILE.flow   the file name (default example.flow), as printed in diagnostics
  graph            run `flowc graph` instead of `flowc check`
  explain          run `flowc explain` instead of `flowc check`
  --opt[=value]    passed to flowc after the file name (e.g. --stage=physical)

Each example is written to its own temporary folder, next to a copy of every
data file (.csv, .jsonl, .ndjson, .json) found beside the Markdown file or
below it, at the same relative path, so `table … from file 'countries.csv'`
resolves as it would for a program saved next to the document. flowc runs
with that folder as its working directory and the bare file name as argument.

Usage: check_examples.py --flowc PATH [--verbose] FILE.md
Prints one line per example, then `N passed, M failed`; exits 1 on any failure.
Python 3 standard library only.
"""

import argparse
import difflib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

DATA_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
DIAG_LINE = re.compile(r"^\S.*?:\d+:\d+: (error|warning|note): .*$")
SUMMARY_LINE = re.compile(r"^\d+ errors?, \d+ warnings? in .*$")
TIMEOUT_SECONDS = 60


class Block:
    def __init__(self, tag, words, text, line, prose_before, body_span, indent):
        self.tag = tag
        self.words = words
        self.text = text
        self.line = line  # 1-based line of the opening fence
        self.prose_before = prose_before  # non-blank lines since the previous block
        self.body_span = body_span  # [first, last) 0-based line indexes of the body
        self.indent = indent


def read_blocks(path):
    """Fenced code blocks in document order: (tag, extra words, text, line)."""
    blocks = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    prose = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            if lines[i].strip():
                prose += 1
            i += 1
            continue
        indent, fence, info = m.group(1), m.group(2), m.group(3).strip()
        start = i
        body = []
        i += 1
        while i < len(lines):
            close = lines[i].strip()
            if close.startswith(fence[0] * len(fence)) and close.strip(fence[0]) == "":
                break
            # Blocks inside list items are indented; drop that indentation.
            line = lines[i]
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            i += 1
        i += 1
        try:
            words = shlex.split(info)
        except ValueError:
            words = info.split()
        tag = words[0].lower() if words else ""
        blocks.append(Block(tag, words[1:], "\n".join(body) + "\n", start + 1, prose,
                            (start + 1, i - 1), indent))
        prose = 0
    return blocks


def copy_data_files(doc_dir, dest):
    for root, dirs, files in os.walk(doc_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(DATA_SUFFIXES):
                src = os.path.join(root, name)
                rel = os.path.relpath(src, doc_dir)
                os.makedirs(os.path.dirname(os.path.join(dest, rel)) or dest, exist_ok=True)
                shutil.copyfile(src, os.path.join(dest, rel))


def normalize(text):
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def compare_diagnostics(expected_text, stderr):
    """Problems found comparing a ```text block with flowc's stderr."""
    problems = []
    got = normalize(stderr)
    got_set = set(got)
    expected = normalize(expected_text)
    for line in expected:
        if DIAG_LINE.match(line) or SUMMARY_LINE.match(line):
            if line not in got_set:
                problems.append(f"expected on stderr: {line}")
    expected_set = set(expected)
    for line in got:
        m = DIAG_LINE.match(line)
        if m and m.group(1) in ("error", "warning") and line not in expected_set:
            problems.append(f"not shown in the document: {line}")
    return problems


def run_example(flowc, block, expected, doc_dir, verbose, actual):
    """Returns a list of problems (empty: the example passed). Stores what
    flowc printed for the expected block in actual["output"]."""
    name = "example.flow"
    command = "check"
    extra = []
    for w in block.words:
        if w.startswith("name="):
            name = w[len("name="):]
        elif w in ("graph", "explain"):
            command = w
        elif w.startswith("-"):
            extra.append(w)
        else:
            return [f"unknown word '{w}' after ```{block.tag}"]
    json_diags = any(w in ("--diagnostics=json",) for w in extra)

    with tempfile.TemporaryDirectory(prefix="flowc-doc-") as tmp:
        copy_data_files(doc_dir, tmp)
        with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
            f.write(block.text)
        argv = [flowc, command, name] + extra
        env = dict(os.environ, NO_COLOR="1")
        try:
            proc = subprocess.run(argv, cwd=tmp, env=env, capture_output=True,
                                  timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            return [f"flowc did not finish within {TIMEOUT_SECONDS} s"]
        except OSError as e:
            return [f"cannot run {flowc}: {e}"]
    stdout = proc.stdout.decode("utf-8", errors="replace")
    stderr = proc.stderr.decode("utf-8", errors="replace")

    problems = []
    want_exit = 1 if block.tag == "flow-error" else 0
    if proc.returncode != want_exit:
        problems.append(f"`flowc {command}` exited {proc.returncode}, expected {want_exit}")

    if expected is not None:
        if expected.tag == "json":
            actual["output"] = stderr if json_diags else stdout
        elif command in ("graph", "explain"):
            actual["output"] = stdout
        else:
            actual["output"] = stderr
        if expected.tag == "json":
            try:
                got_json = json.loads(stderr if json_diags else stdout)
                want_json = json.loads(expected.text)
                if got_json != want_json:
                    problems.append("JSON differs from the document:\n" + "\n".join(
                        difflib.unified_diff(
                            json.dumps(want_json, indent=2, sort_keys=True).split("\n"),
                            json.dumps(got_json, indent=2, sort_keys=True).split("\n"),
                            "document", "flowc", lineterm="")))
            except ValueError as e:
                problems.append(f"not JSON: {e}")
        elif command in ("graph", "explain"):
            want, got = normalize(expected.text), normalize(stdout)
            if want != got:
                problems.append(f"{command} output differs from the document:\n" + "\n".join(
                    difflib.unified_diff(want, got, "document", "flowc", lineterm="")))
        else:
            problems += compare_diagnostics(expected.text, stderr)

    if problems or verbose:
        shown = stderr.strip()
        if shown:
            problems.append("stderr:\n" + "\n".join("    " + l for l in shown.split("\n")))
    return problems


def main():
    ap = argparse.ArgumentParser(description="Check the .flow examples of a Markdown document.")
    ap.add_argument("--flowc", required=True, help="path to the flowc executable")
    ap.add_argument("--verbose", action="store_true", help="show stderr of passing examples too")
    ap.add_argument("--update", action="store_true",
                    help="rewrite each expected-output block with what flowc printed (review the diff!)")
    ap.add_argument("document", help="the Markdown file, e.g. docs/language.md")
    args = ap.parse_args()

    flowc = os.path.abspath(args.flowc)
    doc = os.path.abspath(args.document)
    doc_dir = os.path.dirname(doc)
    blocks = read_blocks(doc)
    shown_doc = os.path.relpath(doc) if not os.path.relpath(doc).startswith("..") else doc

    passed = failed = 0
    updates = []  # (expected block, new text)
    for i, block in enumerate(blocks):
        if block.tag not in ("flow", "flow-error"):
            continue
        expected = None
        if (i + 1 < len(blocks) and blocks[i + 1].tag in ("text", "json")
                and blocks[i + 1].prose_before == 0):
            expected = blocks[i + 1]
        actual = {}
        problems = run_example(flowc, block, expected, doc_dir, args.verbose, actual)
        if args.update and expected is not None and "output" in actual:
            updates.append((expected, actual["output"]))
        label = f"{shown_doc}:{block.line}: {block.tag}"
        failing = [p for p in problems if not p.startswith("stderr:")]
        if failing:
            failed += 1
            print(f"FAIL {label}", flush=True)
        else:
            passed += 1
            print(f"PASS {label}", flush=True)
        # Details go to stderr so stdout stays one line per example.
        for p in problems:
            for line in p.split("\n"):
                print(f"    {line}", file=sys.stderr, flush=True)
    if passed + failed == 0:
        print(f"no ```flow or ```flow-error examples in {shown_doc}", file=sys.stderr)
        failed = 1
    if updates:
        update_document(doc, updates)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def update_document(doc, updates):
    with open(doc, encoding="utf-8") as f:
        lines = f.read().split("\n")
    # Bottom up, so earlier spans keep their line numbers.
    for block, text in sorted(updates, key=lambda u: -u[0].body_span[0]):
        first, last = block.body_span
        new = [block.indent + l if l else l for l in normalize(text)]
        lines[first:last] = new
    with open(doc, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
