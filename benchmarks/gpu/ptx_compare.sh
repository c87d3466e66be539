#!/bin/bash
# The PTX of the generated Tensor Core kernels, before and after a change to
# the kernel builders, compared up to register and label numbering.
#
#   ptx_compare.sh gen QUANTC_OPT OUTDIR   compile every input of ptx_inputs/
#                                          for every configuration below
#   ptx_compare.sh diff DIR_A DIR_B        normalized diff (empty: the same)
#
# gen writes OUTDIR/<input>.<config>.ptx (the gpu.binary's PTX), .host.mlir
# (the host IR, launch attributes in one canonical line), .diag (remarks and
# warnings, when there are any) and, where the pipeline fails, .err (its
# diagnostics). diff fails on a difference in .ptx, .host.mlir or .err, and
# lists changed .diag files without failing.
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
        mv "$stem.err" "$stem.diag"
        [ -s "$stem.diag" ] || rm -f "$stem.diag"
      fi
      rm -f "$stem.full.mlir"
      n=$((n + 1))
    done
  done
  echo "$n configurations in $OUT"
  ;;
diff)
  A=$2 B=$3
  status=0 files=0 kernels=0 lines=0 diags=0
  # Diagnostics compared without the file paths.
  strip() { [ -e "$1" ] && sed 's|^[^:]*/||' "$1"; }
  for f in $( (ls "$A"; ls "$B") | sort -u); do
    fa="$A/$f" fb="$B/$f"
    case "$f" in
    *.diag)
      if ! diff -q <(strip "$fa") <(strip "$fb") > /dev/null; then
        echo "diagnostics changed: $f"
        diff -u --label "$fa" --label "$fb" <(strip "$fa") <(strip "$fb")
        diags=$((diags + 1))
      fi
      continue ;;
    esac
    files=$((files + 1))
    if [ ! -e "$fa" ] || [ ! -e "$fb" ]; then
      echo "only in one of the two: $f"; status=1; continue
    fi
    case "$f" in
    *.ptx)
      kernels=$((kernels + $(grep -c "^\.visible \.entry" "$fa")))
      lines=$((lines + $(wc -l < "$fa")))
      diff -u --label "$fa" --label "$fb" <(python3 "$NORM" ptx "$fa") \
        <(python3 "$NORM" ptx "$fb") || status=1
      ;;
    *.err)
      # The errors (remarks before them count as .diag changes do).
      diff -u --label "$fa" --label "$fb" <(strip "$fa" | grep ': error:') \
        <(strip "$fb" | grep ': error:') || status=1
      ;;
    *) diff -u "$fa" "$fb" || status=1 ;;
    esac
  done
  echo "$files files ($kernels kernels, $lines PTX lines) compared:" \
    "$([ $status = 0 ] && echo identical up to numbering || echo DIFFERENT);" \
    "$diags diagnostics files changed"
  exit $status
  ;;
*)
  sed -n '2,12p' "$0"; exit 2 ;;
esac
