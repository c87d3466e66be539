#!/usr/bin/env bash
# quantc's one entry point for newcomers and CI.
#
#   ./quantc.sh example   set up, build, compile and run examples/mlp.mlir
#   ./quantc.sh test      set up, build, run the whole test suite
#
# Set-up installs whatever is missing from Debian (needs root or sudo), then
# configures build/ with ninja, clang-22, lld and ccache against the
# LLVM/MLIR 22 packages in /usr/lib/llvm-22.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
BUILD=${QUANTC_BUILD_DIR:-$ROOT/build}
LLVM=/usr/lib/llvm-22
PY=/usr/bin/python3

PACKAGES=(libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools clang-22 lld-22
          cmake ninja-build ccache python3-numpy python3-pytest pybind11-dev
          libdnnl-dev)

setup() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "quantc: installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
}

build() {
  if [ ! -f "$BUILD/build.ninja" ]; then
    cmake -G Ninja -S "$ROOT" -B "$BUILD" \
      -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
      -DLLVM_USE_LINKER=lld \
      -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
      -DLLVM_EXTERNAL_LIT="$LLVM/bin/lit" \
      -DPython3_EXECUTABLE="$PY"
  fi
  ninja -C "$BUILD"
}

run_example() {
  local libs="$LLVM/lib/libmlir_runner_utils.so,$LLVM/lib/libmlir_c_runner_utils.so"
  echo "quantc: quantc-opt examples/mlp.mlir --quantc-cpu-pipeline | mlir-runner"
  "$BUILD/bin/quantc-opt" examples/mlp.mlir --quantc-cpu-pipeline \
    | "$LLVM/bin/mlir-runner" -e main -entry-point-result=void -O3 -shared-libs="$libs"
}

run_tests() {
  local log status=0
  log=$(mktemp)
  # lit runs every regression and integration test (and the pytest suite,
  # the fuzz smoke runs and the downstream-package test where they exist).
  "$LLVM/bin/lit" -sv "$BUILD/test" 2>&1 | tee "$log" || status=$?
  local passed failed
  # Anything not passed or expected to fail (failed, unresolved, timed out,
  # unexpectedly passed) counts as a failure.
  local count='{for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) {n += $i; break}}'
  passed=$(awk "/^ +Passed *:/ $count END {print n + 0}" "$log")
  failed=$(awk "/^ +(Failed|Unresolved|Timed Out|Unexpectedly Passed) *:/ $count \
                END {print n + 0}" "$log")
  rm -f "$log"
  echo "lit: ${passed:-0} passed, ${failed:-0} failed"
  [ "$status" -eq 0 ] && [ "${passed:-0}" -gt 0 ] || return 1
}

case "${1:-}" in
  example) setup; build; run_example ;;
  test) setup; build; run_tests ;;
  *) echo "usage: $0 example|test" >&2; exit 2 ;;
esac
