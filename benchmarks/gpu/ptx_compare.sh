#!/bin/bash
# The PTX of the generated Tensor Core kernels, before and after a change to
# the kernel builders, compared up to register and label numbering.
#
#   ptx_compare.sh gen QUANTC_OPT OUTDIR   compile every input of ptx_inputs/
#                                          for every configuration below
#   ptx_compare.sh diff DIR_A DIR_B        normalized diff (empty: the same)
#
# gen writes OUTDIR/<input>.<config>.ptx (the gpu.binary's PTX), .host.mlir
# (the host IR, launch attributes in one canonical line) and, where the
# pipeline fails, .err (its diagnostics).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
NORM="$HERE/ptx_normalize.py"

# name|pipeline options
CONFIGS=(
  "sm80|chip=sm_80"
  "sm90|chip=sm_90"
  "sm90a|chip=sm_90a"
  "sm90a_tma|chip=sm_90a tma=1"
  "sm90_tile64|chip=sm_90 tile-m=64 tile-n=64 tile-k=64 warp-m=32 warp-n=32 stages=2"
  "sm90a_tile256x128|chip=sm_90a tile-m=256 tile-n=128 tile-k=128 warp-m=64 warp-n=128 stages=4"
)

case "${1:-}" in
gen)
  OPT=$2 OUT=$3
  mkdir -p "$OUT"
  n=0
  for in in "$HERE"/ptx_inputs/*.mlir; do
    base=$(basename "$in" .mlir)
    for c in "${CONFIGS[@]}"; do
      name=${c%%|*} opts=${c#*|}
      stem="$OUT/$base.$name"
      if "$OPT" "$in" --quantc-gpu-pipeline="$opts format=isa" \
          -o "$stem.full.mlir" 2> "$stem.err"; then
        python3 "$NORM" extract "$stem.full.mlir" "$stem.ptx" "$stem.host.mlir"
        [ -s "$stem.err" ] || rm -f "$stem.err"
      fi
      rm -f "$stem.full.mlir"
      n=$((n + 1))
    done
  done
  echo "$n configurations in $OUT"
  ;;
diff)
  A=$2 B=$3
  status=0 files=0 kernels=0 lines=0
  for fa in "$A"/*; do
    f=$(basename "$fa")
    fb="$B/$f"
    files=$((files + 1))
    if [ ! -e "$fb" ]; then
      echo "only in $A: $f"; status=1; continue
    fi
    case "$f" in
    *.ptx)
      kernels=$((kernels + $(grep -c "^\.visible \.entry" "$fa")))
      lines=$((lines + $(wc -l < "$fa")))
      diff -u <(python3 "$NORM" ptx "$fa") <(python3 "$NORM" ptx "$fb") ||
        status=1
      ;;
    *.err)
      # Diagnostics: compared without the file paths.
      diff -u <(sed 's|^[^:]*/||' "$fa") <(sed 's|^[^:]*/||' "$fb") ||
        status=1
      ;;
    *) diff -u "$fa" "$fb" || status=1 ;;
    esac
  done
  for fb in "$B"/*; do
    [ -e "$A/$(basename "$fb")" ] || { echo "only in $B: $(basename "$fb")"; status=1; }
  done
  echo "$files files, $kernels kernels, $lines PTX lines compared:" \
    "$([ $status = 0 ] && echo identical up to numbering || echo DIFFERENT)"
  exit $status
  ;;
*)
  sed -n '2,12p' "$0"; exit 2 ;;
esac
