#!/bin/sh
# Builds everything the GPU benchmark needs on a machine without a GPU:
# the cubins (quantc-opt + ptxas), the manifest and bench_gemm (cuBLASLt, the
# quantc CUDA runtime, the libcuda stub). Copy OUTDIR to the GPU machine and
# run: OUTDIR/bench_gemm OUTDIR/manifest.txt
#
# usage: benchmarks/gpu/build.sh BUILD_DIR OUTDIR
set -e
BUILD=${1:?build dir}; OUT=${2:?output dir}
CUDA=${CUDA_HOME:-/usr/local/cuda}
HERE=$(cd "$(dirname "$0")" && pwd)
export PATH=$CUDA/bin:$PATH
mkdir -p "$OUT"
/usr/bin/python3 "$HERE/gen_kernels.py" "$BUILD/bin/quantc-opt" "$OUT" ${GEN_ARGS}
clang++-22 -O2 -std=c++17 -I"$CUDA/include" "$HERE/bench_gemm.cpp" \
  "$BUILD/lib/Runtime/libquantc_cuda_runtime_static.a" \
  -L"$CUDA/lib64" -L"$CUDA/lib64/stubs" -lcublasLt -lcuda \
  -Wl,-rpath,"$CUDA/lib64" -o "$OUT/bench_gemm"
echo "built $OUT/bench_gemm and $(grep -c . "$OUT/manifest.txt") kernels"
# Batched GEMMs (attention), run by run_batched.sh: the kernels and manifest,
# bench_batched, and the AOT batched and convolution programs with their
# NumPy checks, in OUTDIR/batched.
B="$OUT/batched"; SRC="$HERE/../.."
mkdir -p "$B"
/usr/bin/python3 "$HERE/gen_batched.py" "$BUILD/bin/quantc-opt" "$B"
clang++-22 -O2 -std=c++17 -I"$CUDA/include" "$HERE/bench_batched.cpp" \
  "$BUILD/lib/Runtime/libquantc_cuda_runtime_static.a" \
  -L"$CUDA/lib64" -L"$CUDA/lib64/stubs" -lcublasLt -lcuda \
  -Wl,-rpath,"$CUDA/lib64" -o "$B/bench_batched"
I="$SRC/test/Integration/GPU/Inputs"
"$BUILD/bin/quantc-aot" "$I/batched.mlir" "$I/batched_driver.cpp" -o "$B/aot_sm90"
"$BUILD/bin/quantc-aot" --chip sm_90a "$I/batched.mlir" "$I/batched_driver.cpp" -o "$B/aot_sm90a"
"$BUILD/bin/quantc-aot" "$I/conv.mlir" "$I/conv_driver.cpp" -o "$B/aot_conv"
cp "$I/run_batched_checks.py" "$I/run_conv_checks.py" \
  "$SRC/python/quantc/reference.py" "$B/"
echo "built $B/bench_batched and $(grep -c . "$B/manifest_batched.txt") batched kernels"
