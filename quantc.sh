#!/usr/bin/env bash
# quantc's one entry point for newcomers and CI.
#
#   ./quantc.sh example   set up, build, run the main job (examples/llama.py)
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

FUZZ_BUILD=${QUANTC_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
# Seconds of fuzzing in `./quantc.sh test` (0 skips the fuzzer).
FUZZ_SECONDS=${QUANTC_FUZZ_SECONDS:-60}

PACKAGES=(libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools clang-22 lld-22
          libclang-rt-22-dev cmake ninja-build ccache python3-numpy python3-pytest
          pybind11-dev libdnnl-dev clang-format-22 python3-torch libopenblas0-pthread
          libopenblas0-openmp)

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

configure() { # build-dir extra-cmake-args...
  local dir=$1
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -G Ninja -S "$ROOT" -B "$dir" \
      -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
      -DLLVM_USE_LINKER=lld \
      -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
      -DLLVM_EXTERNAL_LIT="$LLVM/bin/lit" \
      -DPython3_EXECUTABLE="$PY" "$@"
  fi
}

build() {
  configure "$BUILD"
  ninja -C "$BUILD"
}

# libFuzzer over parsing and every pipeline (tools/quantc-fuzz), seeded with
# the test inputs, for FUZZ_SECONDS; a crash, sanitizer report, leak or hang
# (20 s per input) fails the test command and leaves its input in
# $FUZZ_BUILD/fuzz/crashes. See docs/FUZZING.md.
run_fuzz() {
  [ "$FUZZ_SECONDS" -gt 0 ] || return 0
  configure "$FUZZ_BUILD" -DQUANTC_ENABLE_FUZZER=ON
  ninja -C "$FUZZ_BUILD" quantc-fuzz
  local dir=$FUZZ_BUILD/fuzz
  rm -rf "$dir/seeds"
  mkdir -p "$dir/corpus" "$dir/crashes"
  "$PY" test/fuzz/make-corpus.py "$dir/seeds"
  echo "quantc: fuzzing for ${FUZZ_SECONDS}s"
  if "$FUZZ_BUILD/bin/quantc-fuzz" -max_total_time="$FUZZ_SECONDS" -timeout=20 \
      -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$dir/crashes/" \
      -dict=test/fuzz/quantc.dict \
      "$dir/corpus" "$dir/seeds" test/fuzz/regressions > "$dir/last-run.log" 2>&1; then
    grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE" "$dir/last-run.log" || true
    echo "fuzz: no crash"
  else
    tail -n 60 "$dir/last-run.log"
    echo "fuzz: FAILED (input saved in $dir/crashes)"
    return 1
  fi
}

# Every C/C++ file in the repository must be clang-format-22 clean (LLVM
# style, .clang-format at the root); a difference fails the test command.
check_format() {
  local files bad
  mapfile -t files < <(git ls-files '*.c' '*.cpp' '*.h')
  if ! bad=$(clang-format-22 --dry-run --Werror "${files[@]}" 2>&1); then
    echo "$bad" | grep -E '^[^ ].*: (error|warning):' | head -n 40
    echo "format: FAILED (run clang-format-22 -i on the files above)"
    return 1
  fi
  echo "format: ${#files[@]} files clean"
}

# The main job: examples/llama.py builds a LLaMA-style decoder in PyTorch,
# quantizes it W8A8 + SmoothQuant, compiles it with quantc, prefills a prompt,
# decodes with the int8 KV cache, and prints accuracy and tokens/s against
# PyTorch fp32 and dynamic int8 (same run). OPENBLAS_CORETYPE/L2_SIZE are
# unset: they slow the current OpenBLAS that PyTorch's fp32 baseline uses.
# (The former example, examples/mlp.mlir through mlir-runner, is the lit test
# test/Integration/CPU/example-mlp.py.)
run_example() {
  echo "quantc: examples/llama.py (LLaMA-style decoder, W8A8 + SmoothQuant, int8 KV cache)"
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH="$BUILD/python" \
    "$PY" examples/llama.py "$@"
}

run_tests() {
  local log status=0
  log=$(mktemp)
  # lit runs every regression and integration test (and the pytest suite and
  # the downstream-package test), then the suite again with --verify-each
  # --verify-roundtrip on every quantc-opt run (lit -Dverify_each=1).
  "$LLVM/bin/lit" -sv "$BUILD/test" 2>&1 | tee "$log" || status=$?
  "$LLVM/bin/lit" -sv -Dverify_each=1 "$BUILD/test" 2>&1 | tee -a "$log" || status=$?
  local passed failed
  # Anything not passed or expected to fail (failed, unresolved, timed out,
  # unexpectedly passed) counts as a failure.
  local count='{for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) {n += $i; break}}'
  passed=$(awk "/^ +Passed *:/ $count END {print n + 0}" "$log")
  failed=$(awk "/^ +(Failed|Unresolved|Timed Out|Unexpectedly Passed) *:/ $count \
                END {print n + 0}" "$log")
  rm -f "$log"
  LIT_SUMMARY="lit: ${passed:-0} passed, ${failed:-0} failed"
  echo "$LIT_SUMMARY"
  [ "$status" -eq 0 ] && [ "${passed:-0}" -gt 0 ] || return 1
}

case "${1:-}" in
  example) shift; setup; build; run_example "$@" ;;
  # The lit summary is repeated last so that it closes the output.
  test)
    setup
    check_format
    build
    run_tests
    run_fuzz
    echo "$LIT_SUMMARY"
    ;;
  *) echo "usage: $0 example|test" >&2; exit 2 ;;
esac
