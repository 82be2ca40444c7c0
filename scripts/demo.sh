#!/usr/bin/env bash
# The main job on a bundled sample: install, build flowc (release), compile
# samples/clicks.flow into a Lambda zip with its SAM template, run it on the
# local Lambda with the sample's Kinesis event (rows, dead letters, answer),
# and print its dataflow graph.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
flowc=build/release/compiler/flowc
sample=${1:-samples/clicks.flow}
name=$(basename "$sample" .flow)
events=(samples/events/"$name"-*.json)
out=build/demo
mkdir -p "$out"
echo "== flowc build $sample -o $out/$name.zip --template $out/$name.yaml"
"$flowc" build "$sample" -o "$out/$name.zip" --template "$out/$name.yaml" --timings
ls -l "$out/$name.zip"
echo "== flowc run $sample --events ${events[*]}"
"$flowc" run "$sample" --events "${events[@]}"
echo "== flowc graph $sample"
"$flowc" graph "$sample"
echo "== flowc graph $sample --stage physical"
"$flowc" graph "$sample" --stage physical
