#!/usr/bin/env bash
# The main job on a bundled sample: install, build flowc, check a sample and
# print its dataflow graph (logical and physical).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
flowc=build/release/compiler/flowc
sample=${1:-samples/clicks.flow}
echo "== flowc check $sample"
"$flowc" check "$sample"
echo "== flowc graph $sample"
"$flowc" graph "$sample"
echo "== flowc graph $sample --stage physical"
"$flowc" graph "$sample" --stage physical
