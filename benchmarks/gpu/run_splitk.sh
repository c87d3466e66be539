#!/bin/sh
# The split-K decode kernel on the GPU machine (called by device_run.sh), from
# a folder prepared by build.sh (DIR/bench) plus, when present, the AOT
# program of test/Integration/GPU/aot-split-k.mlir (DIR/split_k, built by
# quantc-aot) with Inputs/run_split_k_checks.py and python/quantc/reference.py
# in DIR:
#  1. the AOT program vs NumPy (M = 1, 7, 16, a column tail, the epilogues,
#     two calls each), bit for bit;
#  2. SASS of the split-K cubins: IMMA, LDG.E.128, atomics, no local memory;
#  3. bench_gemm --cold on manifest_splitk.txt: decode shapes M = 1, 4, 8, 16
#     x N = 4096, 11008 x K = 4096, weights rotated through > 200 MB, split-K
#     (auto and forced split counts) and the mma.sync kernel vs cuBLASLt int8,
#     GB/s on the weight bytes and the fraction of the HBM bandwidth measured
#     in the same run.
# usage: run_splitk.sh DIR OUTDIR
D=${1:?dir}; OUT=${2:-/tmp/out}
mkdir -p "$OUT"
if [ -x "$D/split_k" ]; then
  echo "== split-K AOT program vs NumPy"
  python3 "$D/run_split_k_checks.py" "$D/split_k" "$D" /tmp/aot_splitk 2>&1 | tee "$OUT/splitk_aot.txt"
fi
echo "== split-K SASS"
for c in "$D"/bench/q*x4096_auto.cubin "$D"/bench/q*x4096_nosplit.cubin; do
  [ -f "$c" ] || continue
  n=$(basename "$c" .cubin)
  cuobjdump -sass "$c" > /tmp/$n.sass
  printf '%-28s IMMA=%s LDG.128=%s ATOM/RED=%s BAR=%s LDL/STL=%s\n' "$n" \
    "$(grep -c IMMA /tmp/$n.sass)" "$(grep -cE 'LDG.*128' /tmp/$n.sass)" \
    "$(grep -cE 'ATOM|RED' /tmp/$n.sass)" "$(grep -c BAR /tmp/$n.sass)" \
    "$(grep -cE 'LDL|STL' /tmp/$n.sass)"
done | tee "$OUT/splitk_sass.txt"
cp /tmp/q16x11008x4096_auto.sass "$OUT/" 2>/dev/null
echo "== split-K benchmark (cold weights)"
"$D/bench/bench_gemm" "$D/bench/manifest_splitk.txt" --cold 2>&1 | tee "$OUT/splitk_bench.txt"
