#!/usr/bin/env bash
# Installs everything flowc needs to build and test, from Debian 12's packages
# only. Run as root on a fresh machine; safe to run again.
set -euo pipefail

packages=(
  # the compiler toolchain that builds flowc and the handlers it generates
  g++ clang lld cmake ninja-build
  # the parser generator (Java tool) and its C++ runtime
  antlr4 libantlr4-runtime-dev default-jre-headless
  # libraries
  libfmt-dev libsimdjson-dev
  # tests: GoogleTest, lit and FileCheck, libFuzzer's runtime, Graphviz to render DOT
  googletest libgtest-dev libgmock-dev libbenchmark-dev llvm-14-tools libclang-rt-14-dev graphviz
  python3
  # flowc run tests drive the benchmark peers (Python, Node.js) as real bootstraps
  nodejs
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all packages present"
fi
