#!/bin/sh
# Gathers everything the GPU run needs into OUTDIR, on a machine without a
# GPU (quantc-opt, ptxas, clang and the CUDA toolkit's headers and stubs):
#
#   OUTDIR/device_run.sh, sass_summary.py, check_dump.py   the run itself
#   OUTDIR/aot/<name>      the AOT programs of test/Integration/GPU (quantc-aot
#                          + Inputs/*_driver.cpp), one per chip variant
#   OUTDIR/aot/steps.txt   "<name> <check script>" per program, in run order
#   OUTDIR/aot/cubins/     each program's kernels as a cubin (for the SASS)
#   OUTDIR/checks/         their NumPy checks (Inputs/run_*_checks.py,
#                          aot_io.py) and python/quantc/{reference,e4m3}.py
#   OUTDIR/bench/          the benchmark kernels (gen_kernels.py: cubins,
#                          manifest.txt, manifest_fp8.txt, manifest_splitk.txt)
#                          and bench_gemm
#   OUTDIR/bench/batched/  the batched kernels (gen_batched.py) and
#                          bench_batched
#   OUTDIR/BUILD_INFO.txt  commit, date, tool versions
#
# bench_gemm and bench_batched link the quantc CUDA runtime statically,
# libcuda through the toolkit's stub (the driver's libcuda.so.1 at run time)
# and cuBLASLt dynamically (CUDA/lib64/libcublasLt.so, rpath CUDA/lib64: the
# GPU machine's toolkit). The AOT programs need only libcuda.
#
# Then, on the GPU machine: bash OUTDIR/device_run.sh OUTDIR RESULTS
# (docs/benchmarks/gpu.md). Fails if OUTDIR would exceed 64 MiB (what the
# device tool carries).
#
# usage: benchmarks/gpu/build.sh BUILD_DIR OUTDIR [--quick]
#   --quick: only the heuristic tilings and split counts (fewer kernels).
set -e
BUILD=$(cd "${1:?usage: build.sh BUILD_DIR OUTDIR [--quick]}" && pwd)
OUT=${2:?usage: build.sh BUILD_DIR OUTDIR [--quick]}
QUICK=${3:-}
CUDA=${CUDA_HOME:-/usr/local/cuda}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
I="$SRC/test/Integration/GPU/Inputs"
export PATH=$CUDA/bin:$PATH
for tool in "$BUILD/bin/quantc-opt" "$BUILD/bin/quantc-aot" \
  "$BUILD/lib/Runtime/libquantc_cuda_runtime_static.a"; do
  [ -e "$tool" ] || { echo "build.sh: $tool is missing (build quantc first)" >&2; exit 1; }
done
command -v ptxas >/dev/null || { echo "build.sh: ptxas not found in $CUDA/bin or PATH" >&2; exit 1; }
case "$QUICK" in ''|--quick) ;; *) echo "build.sh: unknown option $QUICK" >&2; exit 2 ;; esac
# OUTDIR is replaced: only an empty folder or an earlier OUTDIR.
if [ -d "$OUT" ] && [ -n "$(ls -A "$OUT")" ] && [ ! -f "$OUT/BUILD_INFO.txt" ]; then
  echo "build.sh: $OUT is not empty and not an earlier output of build.sh" >&2
  exit 1
fi
rm -rf "$OUT"
mkdir -p "$OUT/aot" "$OUT/checks" "$OUT/bench/batched"

# 1. The AOT integration programs and their checks. One line per program:
# name, Inputs/<prog>.mlir (+ <prog>_driver.cpp), chip, tma or -, check script (the order of
# the device run: 2-D epilogues, dynamic and padded M, split-K decode, the
# host fallback, batched, convolutions, FP8).
AOT_PROGRAMS="
epilogues_sm90      epilogues     sm_90  - run_gpu_checks.py
epilogues_sm90a     epilogues     sm_90a - run_gpu_checks.py
epilogues_tma       epilogues     sm_90a tma run_gpu_checks.py
dynamic_m_sm90      dynamic_m     sm_90  - run_dynamic_m_checks.py
dynamic_m_sm90a     dynamic_m     sm_90a - run_dynamic_m_checks.py
dynamic_m_tma       dynamic_m     sm_90a tma run_dynamic_m_checks.py
split_k_sm90        split_k       sm_90  - run_split_k_checks.py
split_k_sm90a       split_k       sm_90a - run_split_k_checks.py
host_fallback_sm90  host_fallback sm_90  - run_host_fallback_checks.py
host_fallback_sm90a host_fallback sm_90a - run_host_fallback_checks.py
batched_sm90        batched       sm_90  - run_batched_checks.py
batched_sm90a       batched       sm_90a - run_batched_checks.py
conv_sm90           conv          sm_90  - run_conv_checks.py
conv_sm90a          conv          sm_90a - run_conv_checks.py
fp8_sm90a           fp8_gemm      sm_90a - run_fp8_checks.py
fp8_tma             fp8_gemm      sm_90a tma run_fp8_checks.py
"
: > "$OUT/aot/steps.txt"
echo "$AOT_PROGRAMS" | while read -r name prog chip tma check; do
  [ -n "$name" ] || continue
  TMA=; [ "$tma" = tma ] && TMA=--tma
  "$BUILD/bin/quantc-aot" --chip "$chip" $TMA "$I/$prog.mlir" \
    "$I/${prog}_driver.cpp" -o "$OUT/aot/$name"
  # The same kernels as a cubin, for the SASS step.
  /usr/bin/python3 "$HERE/gen_kernels.py" "$BUILD/bin/quantc-opt" \
    "$OUT/aot/cubins" --program "$I/$prog.mlir" "chip=$chip${TMA:+ tma=1}" \
    "aot_$name"
  echo "$name $check" >> "$OUT/aot/steps.txt"
  echo "built aot/$name"
done
cp "$I"/run_*_checks.py "$I/aot_io.py" "$SRC/python/quantc/reference.py" \
  "$SRC/python/quantc/e4m3.py" "$OUT/checks/"

# 2. The benchmark kernels and harnesses.
link_bench() { # SOURCE OUTPUT
  clang++-22 -O2 -std=c++17 -I"$CUDA/include" "$HERE/$1" \
    "$BUILD/lib/Runtime/libquantc_cuda_runtime_static.a" \
    -L"$CUDA/lib64" -L"$CUDA/lib64/stubs" -lcublasLt -lcuda \
    -Wl,-rpath,"$CUDA/lib64" -o "$2"
}
/usr/bin/python3 "$HERE/gen_kernels.py" "$BUILD/bin/quantc-opt" "$OUT/bench" $QUICK ${GEN_ARGS}
link_bench bench_gemm.cpp "$OUT/bench/bench_gemm"
/usr/bin/python3 "$HERE/gen_batched.py" "$BUILD/bin/quantc-opt" "$OUT/bench/batched"
link_bench bench_batched.cpp "$OUT/bench/batched/bench_batched"

# 3. The run script and its helpers.
cp "$HERE/device_run.sh" "$HERE/sass_summary.py" "$HERE/check_dump.py" "$OUT/"
{
  echo "commit: $(git -C "$SRC" rev-parse HEAD 2>/dev/null)$(git -C "$SRC" diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)')"
  echo "built: $(date -u '+%Y-%m-%d %H:%M UTC') on $(hostname)"
  echo "ptxas: $(ptxas --version | tail -1)"
  echo "kernels: $(cat "$OUT"/bench/manifest*.txt | grep -c .) 2-D (manifest.txt $(grep -c . "$OUT/bench/manifest.txt"), fp8 $(grep -c . "$OUT/bench/manifest_fp8.txt"), split-K $(grep -c . "$OUT/bench/manifest_splitk.txt")), $(grep -c . "$OUT/bench/batched/manifest_batched.txt") batched"
  echo "aot programs: $(grep -c . "$OUT/aot/steps.txt")"
} > "$OUT/BUILD_INFO.txt"
SIZE=$(du -sk "$OUT" | cut -f1)
cat "$OUT/BUILD_INFO.txt"
echo "size: $SIZE KiB"
if [ "$SIZE" -ge 65536 ]; then
  echo "build.sh: $OUT is $SIZE KiB, more than the 64 MiB the device tool carries" >&2
  exit 1
fi
