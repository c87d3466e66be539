#!/bin/sh
# Batched GEMMs (attention) on the GPU machine, from the folder build.sh
# prepares (DIR/bench/batched: its OUTDIR/batched): the AOT batched program vs
# NumPy (sm_90 mma.sync and sm_90a wgmma kernels), the AOT QDQ convolutions vs
# NumPy, the SASS of the batched
# kernels, then quantc's batched kernels vs cuBLASLt strided-batched int8
# (bench_batched). Called by device_run.sh.
# usage: run_batched.sh DIR OUTDIR
D=${1:?dir}; OUT=${2:-/tmp/out}
B="$D/bench/batched"
mkdir -p "$OUT"
for exe in aot_sm90 aot_sm90a; do
  echo "== AOT batched program ($exe) vs NumPy"
  python3 "$B/run_batched_checks.py" "$B/$exe" "$B" "/tmp/batched_$exe" 2>&1 | tee "$OUT/batched_$exe.txt"
done
echo "== AOT QDQ int8 convolutions (im2col GEMMs) vs NumPy"
python3 "$B/run_conv_checks.py" "$B/aot_conv" "$B" /tmp/batched_conv 2>&1 | tee "$OUT/conv_aot.txt"
echo "== SASS (batched kernels)"
for c in "$B"/*.cubin; do
  n=$(basename "$c" .cubin)
  cuobjdump -sass "$c" > "/tmp/$n.sass"
  printf '%-36s IMMA=%s IGMMA=%s LDSM=%s LDGSTS=%s LDL/STL=%s\n' "$n" \
    "$(grep -c IMMA "/tmp/$n.sass")" "$(grep -c IGMMA "/tmp/$n.sass")" \
    "$(grep -c LDSM "/tmp/$n.sass")" "$(grep -c LDGSTS "/tmp/$n.sass")" \
    "$(grep -cE 'LDL|STL' "/tmp/$n.sass")"
done | tee "$OUT/sass_batched.txt"
echo "== benchmark: batched GEMMs vs cuBLASLt strided-batched int8"
"$B/bench_batched" "$B/manifest_batched.txt" 2>&1 | tee "$OUT/bench_batched.txt"
