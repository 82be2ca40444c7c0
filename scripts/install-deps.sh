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
  # flowc build: handlers for arm64 (cross libs), llvm-ar/llvm-strip, the zip
  # writer, SHA-256 for the build cache, the simdjson source package (dpkg-dev),
  # qemu-aarch64 to run arm64 handlers in tests, PyYAML to read templates back
  llvm-14 libstdc++-12-dev-arm64-cross libc6-dev-arm64-cross libzip-dev libssl-dev
  dpkg-dev qemu-user python3-yaml
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

# Handlers are static and Debian ships simdjson only as a shared library: take
# the amalgamation from Debian's source package (the CMake configure step runs
# this too; it does nothing when the copy is current).
bash "$(dirname "$0")/fetch-simdjson.sh"
