#!/bin/sh
# Runs on the GPU machine from a folder prepared by build.sh (+ the AOT check
# files): correctness (AOT epilogues vs NumPy, kernels vs cuBLASLt and NumPy),
# SASS instruction counts, then the benchmark table.
# usage: device_run.sh DIR OUTDIR
D=${1:?dir}; OUT=${2:-/tmp/out}
mkdir -p "$OUT" /tmp/dump
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,power.limit --format=csv
echo "== AOT program (quantc-aot) vs NumPy"
python3 "$D/run_gpu_checks.py" "$D/epilogues" "$D" /tmp/aot 2>&1 | tee "$OUT/aot.txt"
if [ -x "$D/epilogues_tma" ]; then
  echo "== AOT program, chip=sm_90a tma=1 (wgmma + TMA kernels) vs NumPy"
  python3 "$D/run_gpu_checks.py" "$D/epilogues_tma" "$D" /tmp/aottma 2>&1 | tee "$OUT/aot_tma.txt"
fi
if [ -x "$D/epilogues_sm90a" ]; then
  echo "== AOT program, chip=sm_90a (wgmma kernels) vs NumPy"
  python3 "$D/run_gpu_checks.py" "$D/epilogues_sm90a" "$D" /tmp/aot90a 2>&1 | tee "$OUT/aot_sm90a.txt"
fi
echo "== SASS"
for c in "$D"/bench/*_auto.cubin "$D"/bench/*_wgmma.cubin "$D"/bench/*_wgmmatma.cubin; do
  n=$(basename "$c" .cubin)
  cuobjdump -sass "$c" > /tmp/$n.sass
  printf '%-32s IMMA=%s HGMMA=%s IGMMA=%s LDSM=%s LDGSTS=%s UTMALDG=%s LDL/STL=%s\n' "$n" \
    "$(grep -c IMMA /tmp/$n.sass)" "$(grep -c HGMMA /tmp/$n.sass)" \
    "$(grep -c IGMMA /tmp/$n.sass)" \
    "$(grep -c LDSM /tmp/$n.sass)" "$(grep -c LDGSTS /tmp/$n.sass)" \
    "$(grep -c UTMALDG /tmp/$n.sass)" \
    "$(grep -cE 'LDL|STL' /tmp/$n.sass)"
done | tee "$OUT/sass.txt"
grep -m3 IMMA /tmp/q4096x4096x4096_auto.sass
grep -m3 GMMA /tmp/q4096x4096x4096_wgmma.sass
cp /tmp/q4096x4096x4096_auto.sass /tmp/q4096x4096x4096_wgmma.sass "$OUT/" 2>/dev/null
echo "== NumPy check of one benchmark GEMM"
grep "^q512x4096x4096_auto " "$D/bench/manifest.txt" | sed "s#q512x4096x4096_auto.cubin#$D/bench/q512x4096x4096_auto.cubin#" > /tmp/one.txt
"$D/bench/bench_gemm" /tmp/one.txt --dump /tmp/dump >/dev/null 2>&1
cp "$D"/bench/q512x4096x4096_auto.cubin /tmp/ 2>/dev/null
python3 "$D/check_dump.py" /tmp/dump/q512x4096x4096_auto 512 4096 4096 | tee "$OUT/numpy.txt"
echo "== benchmark"
"$D/bench/bench_gemm" "$D/bench/manifest.txt" 2>&1 | tee "$OUT/bench.txt"
sh "$(dirname "$0")/run_batched.sh" "$D" "$OUT"  # batched GEMMs (attention)
F8="$D/run_fp8.sh"; [ -f "$F8" ] || F8="$(dirname "$0")/run_fp8.sh"; sh "$F8" "$D" "$OUT"  # FP8 (E4M3) part
[ -f "$D/run_splitk.sh" ] && sh "$D/run_splitk.sh" "$D" "$OUT"
