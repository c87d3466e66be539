#!/bin/sh
# FP8 (E4M3) W8A8 part of the device run (device_run.sh calls it): the AOT
# FP8 program vs the NumPy E4M3 simulation, the SASS of the FP8 kernels
# (QGMMA = wgmma e4m3; no local memory), then quantc's wgmma e4m3 kernels vs
# cuBLASLt FP8 in one process (manifest_fp8.txt from gen_kernels.py).
# usage: run_fp8.sh DIR OUTDIR
D=${1:?dir}; OUT=${2:-/tmp/out}
mkdir -p "$OUT"
if [ -x "$D/fp8_gemm" ]; then
  echo "== FP8 AOT program (quantc-aot) vs NumPy E4M3"
  python3 "$D/run_fp8_checks.py" "$D/fp8_gemm" "$D" /tmp/aotfp8 2>&1 | tee "$OUT/aot_fp8.txt"
fi
echo "== FP8 SASS"
for c in "$D"/bench/*_f8wgmma*.cubin; do
  n=$(basename "$c" .cubin)
  cuobjdump -sass "$c" > /tmp/$n.sass
  printf '%-32s QGMMA=%s HGMMA=%s LDGSTS=%s UTMALDG=%s LDL/STL=%s\n' "$n" \
    "$(grep -c QGMMA /tmp/$n.sass)" "$(grep -c HGMMA /tmp/$n.sass)" \
    "$(grep -c LDGSTS /tmp/$n.sass)" "$(grep -c UTMALDG /tmp/$n.sass)" \
    "$(grep -cE 'LDL|STL' /tmp/$n.sass)"
done | tee "$OUT/sass_fp8.txt"
grep -m3 GMMA /tmp/q4096x4096x4096_f8wgmma.sass
echo "== FP8 benchmark (quantc wgmma e4m3 vs cuBLASLt FP8)"
"$D/bench/bench_gemm" "$D/bench/manifest_fp8.txt" 2>&1 | tee "$OUT/bench_fp8.txt"
