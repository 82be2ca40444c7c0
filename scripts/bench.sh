#!/usr/bin/env bash
# The benchmark in one command: builds flowc and the benchmarks (Release,
# clang), runs q1 and q2 against the Python and Node peers and the no-op
# floor, and the Nexmark queries (bench/nexmark) with their own floor, in one
# interleaved run (flowc_handler_bench), times builds of bench/q2.flow, then
# runs the micro benchmarks (flowc_micro_bench: decoding, the q1 handler in
# process, the window state's round trip) on the same first event, and writes
# bench/RESULTS.md and bench/results.png (bench/make_results.py; the chart
# needs Graphviz's dot, installed by scripts/install-deps.sh).
#
#   scripts/bench.sh [--records N] [--batches B] [--rounds R] [--cold-starts C] [--repetitions K]
#                    [--builds N]
#
# Defaults: 5000-record events (about 4 MB, what Lambda's 6 MB batch cap
# allows), 4 events, 15 timed rounds (60 timed invocations per contestant),
# 10 extra cold starts, 5 repetitions of each micro benchmark, 5 timed
# builds. About six minutes on 2 cores after the build (more when the
# machine is shared: the builds of the 7 handlers and the 5 timed ones are
# C++ compiles).
#
# The build directory is the release preset's (build/release), or
# $FLOWC_BENCH_BUILD configured the same way. Exit status: 0, or 1 when a
# contestant answered wrongly (RESULTS.md still says so), or the failing
# step's status.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
records=5000 batches=4 rounds=15 cold=10 reps=5 builds=5
while (($#)); do
  case "$1" in
    --records) records=$2; shift 2 ;;
    --batches) batches=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --cold-starts) cold=$2; shift 2 ;;
    --repetitions) reps=$2; shift 2 ;;
    --builds) builds=$2; shift 2 ;;
    *) echo "usage: scripts/bench.sh [--records N] [--batches B] [--rounds R] [--cold-starts C] [--repetitions K] [--builds N]" >&2
       exit 2 ;;
  esac
done

cd "$root"
if [[ -n "${FLOWC_BENCH_BUILD:-}" ]]; then
  build=$FLOWC_BENCH_BUILD
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ \
    -DFLOWC_TESTS=OFF -DFLOWC_BENCH=ON >/dev/null
else
  build=$root/build/release
  cmake --preset release -DFLOWC_BENCH=ON >/dev/null
fi
cmake --build "$build" -j2 --target flowc flowc_handler_bench flowc_micro_bench

work=$(mktemp -d /tmp/flowc-bench-run-XXXXXX)
trap 'rm -rf "$work"' EXIT

status=0
"$build/bench/flowc_handler_bench" --records "$records" --batches "$batches" --rounds "$rounds" \
  --cold-starts "$cold" --build-timings "$builds" --work "$work/handler" --json "$work/handler.json" || status=$?
if [[ ! -f "$work/handler.json" ]]; then
  echo "bench.sh: flowc_handler_bench wrote no results (status $status)" >&2
  exit "$((status ? status : 1))"
fi

FLOWC_BENCH_EVENT="$work/handler/events-clicks/event-000.json" "$build/bench/flowc_micro_bench" \
  --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
  --benchmark_out="$work/micro.json" --benchmark_out_format=json

python3 "$root/bench/make_results.py" --handler "$work/handler.json" --micro "$work/micro.json" \
  --out "$root/bench/RESULTS.md" --chart "$root/bench/results.png" --root "$root"
echo "bench.sh: wrote bench/RESULTS.md and bench/results.png"
exit "$status"
