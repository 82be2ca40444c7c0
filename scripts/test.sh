#!/usr/bin/env bash
# Install, build (clang, ASan+UBSan, libFuzzer) and run every test with ctest:
# GoogleTest units, the lit golden tests and the bounded fuzz runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
cmake --preset ci >/dev/null
cmake --build --preset ci
# ASan's leak checker is part of the contract: a leak fails the test.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --preset ci
