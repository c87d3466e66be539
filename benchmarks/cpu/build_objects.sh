#!/bin/sh
# Compiles quantc's benchmark GEMMs to object files:
#   gen_gemm.py -> quantc-opt --quantc-cpu-pipeline -> mlir-translate -> llc
# Usage: build_objects.sh OUTDIR [MCPU] [PIPELINE_OPTIONS]
#   MCPU defaults to native; PIPELINE_OPTIONS (e.g. "cpu=vnni threads=0")
#   are passed to --quantc-cpu-pipeline.
# Writes OUTDIR/*.o and OUTDIR/bench_shapes.inc (the shape list bench.cpp
# includes). Environment: QUANTC_OPT, LLVM_BIN (default /usr/lib/llvm-22/bin),
# PYTHON (default /usr/bin/python3), SHAPES (override the shape groups),
# QUANTC_BENCH_DYNAMIC_M=1 (the weight-only kinds with a run-time row count,
# see gen_gemm.py).
set -e
out=$1
mcpu=${2:-native}
popts=${3:-cpu=vnni}
here=$(cd "$(dirname "$0")" && pwd)
llvm=${LLVM_BIN:-/usr/lib/llvm-22/bin}
opt=${QUANTC_OPT:-quantc-opt}
py=${PYTHON:-/usr/bin/python3}
mkdir -p "$out"
# One group per weight shape "N K kind:M ...": functions sharing a weight
# share its packed copy. rgemm: the weight is an argument (packed at run
# time); a group of rgemm only embeds no weight. sgemm / sgemmt: f32 GEMMs
# with a run-time weight [K, N] / [N, K] (the float FMA kernels).
# w8a16 / w8a16c: weight-only int8 weights (run-time [K, N] / constant);
# w4a16: constant int4 weights [N, K], scales per group of 128 along K.
shapes=${SHAPES:-"1024 1024 gemm:1024
2048 2048 gemm:2048 rgemm:2048
4096 4096 gemm:4096 gemm:16 gemm:512 linear:16 linear:512 rgemm:16 rgemm:512 sgemm:16 sgemm:512 sgemm:2048 sgemmt:16 sgemmt:512 sgemmt:2048 w8a16:1 w8a16:16 w8a16:64 w8a16c:1 w8a16c:16 w8a16c:64 w4a16:1 w4a16:16 w4a16:64
11008 4096 gemm:16 gemm:512 linear:16"}
: > "$out/bench_shapes.inc"
echo "$shapes" | while read -r n k specs; do
  [ -n "$n" ] || continue
  base="$out/w${n}x${k}"
  "$py" "$here/gen_gemm.py" "$base.mlir" "$n" "$k" $specs
  # One step per file, not a pipe: sh has no pipefail, and a pipe would hide
  # a quantc-opt error (e.g. an unknown pipeline option) behind an empty
  # object that only fails at link time.
  "$opt" "$base.mlir" "--quantc-cpu-pipeline=$popts" -o "$base.llvm.mlir"
  "$llvm/mlir-translate" --mlir-to-llvmir "$base.llvm.mlir" -o "$base.ll"
  "$llvm/llc" -O3 -mcpu="$mcpu" -relocation-model=pic -filetype=obj "$base.ll" -o "$base.o"
  rm -f "$base.mlir" "$base.llvm.mlir" "$base.ll"
  for s in $specs; do
    kind=${s%%:*}; m=$(echo "${s#*:}" | sed 's/x/, /')
    echo "QUANTC_$(echo "$kind" | tr a-z A-Z)($m, $n, $k)" >> "$out/bench_shapes.inc"
  done
done
