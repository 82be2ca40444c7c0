#!/usr/bin/env python3
"""expect_exit.py CODE CMD ARGS...: runs CMD, copies its stdout and stderr
through, and fails unless it exited with CODE (lit's `not` only knows
"non-zero", but flowc's exit codes 1, 2 and 3 mean different things)."""
import subprocess, sys

want = int(sys.argv[1])
proc = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
sys.stdout.buffer.write(proc.stdout)
sys.stderr.buffer.write(proc.stderr)
if proc.returncode != want:
    sys.stderr.write("expect_exit: %s exited %d, expected %d\n" % (sys.argv[2], proc.returncode, want))
    sys.exit(1)
