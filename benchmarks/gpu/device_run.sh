#!/bin/bash
# The whole GPU run, from a folder prepared by build.sh (copied to the GPU
# machine): in a fixed order, each step under its own `timeout` and all of
# them within QUANTC_RUN_BUDGET seconds (default 450), never stopping at a
# failure:
#   env             nvidia-smi, driver, python3/numpy, cuobjdump, libraries
#   files           every file of the folder present, every script parses
#   aot_<name>      each AOT program of test/Integration/GPU vs NumPy
#                   (aot/steps.txt: bit-exact int32/f16/i8/f32, GELU and FP8
#                   within their stated bounds; padded M = 1, 7, 16, 33; the
#                   host-fallback GEMMs)
#   numpy_dump      two benchmark kernels' outputs vs NumPy (check_dump.py):
#                   512x4096x4096 and the split-K decode kernel at M = 1
#   bench_int8      bench_gemm manifest.txt: quantc vs cuBLASLt int8
#   bench_fp8       bench_gemm manifest_fp8.txt: vs cuBLASLt FP8
#   bench_splitk    bench_gemm manifest_splitk.txt --cold: decode shapes
#   bench_batched   bench_batched: vs cuBLASLt strided-batched int8
#   sass            cuobjdump -sass of every cubin (benchmarks, batched, the
#                   AOT programs' kernels), sass_summary.py
# (45 s stay reserved for sass while the benchmarks run.)
#
# Writes to OUTDIR: summary.txt (one line per step: PASS / FAIL / SKIP, the
# step, its seconds and its log; then the overall verdict), <step>.txt (each
# step's full output), sass.tar.gz (the cuobjdump listings). Inputs and
# outputs of the AOT programs go to a scratch folder ($TMPDIR or /tmp), not
# to OUTDIR.
#
# QUANTC_DRY_RUN=1 (a machine without a GPU, e.g. right after build.sh):
# nothing runs on a GPU; the files are checked, every check script computes
# its NumPy references on its inputs, the benchmark binaries' libraries and
# manifests are checked, check_dump.py is tried on a made-up dump (good and
# corrupted), and sass_summary.py parses its sample (and the real cubins
# where cuobjdump exists).
#
# usage: bash device_run.sh DIR OUTDIR
D=$(cd "${1:?usage: device_run.sh DIR OUTDIR}" && pwd) || exit 2
OUT=${2:?usage: device_run.sh DIR OUTDIR}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 2
DRY=${QUANTC_DRY_RUN:-0}
[ "$DRY" = 0 ] || export QUANTC_DRY_RUN=1
BUDGET=${QUANTC_RUN_BUDGET:-450}
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/quantc-gpu-run.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
START=$(date +%s)
RESERVE=0
# Python: QUANTC_PYTHON, else the first python3 that has numpy.
PY=
for p in ${QUANTC_PYTHON:-python3 /usr/bin/python3 /usr/local/bin/python3}; do
  if "$p" -c "import numpy" 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || PY=$(command -v python3 || echo python3)
SUMMARY="$OUT/summary.txt"
: > "$SUMMARY"
CUDA=${CUDA_HOME:-/usr/local/cuda}
CUOBJDUMP=$(command -v cuobjdump || { [ -x "$CUDA/bin/cuobjdump" ] && echo "$CUDA/bin/cuobjdump"; })
HAVE_NUMPY=0
"$PY" -c "import numpy" 2>/dev/null && HAVE_NUMPY=1
export LD_LIBRARY_PATH="$CUDA/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
RESULT=0

# step NAME TIMEOUT CMD...: runs CMD with its output in OUTDIR/NAME.txt and
# appends its verdict to summary.txt. Exit 0 = PASS, 77 = SKIP (a tool is
# missing; the log says which), else FAIL. Steps that would start with less
# than 5 s of the budget left are skipped.
step() {
  local name=$1 limit=$2 left
  shift 2
  left=$((BUDGET - RESERVE - ($(date +%s) - START)))
  if [ "$left" -lt 5 ]; then
    echo "SKIP $name: the time budget ($BUDGET s) is spent" | tee -a "$SUMMARY"
    return
  fi
  [ "$limit" -le "$left" ] || limit=$left
  echo "== $name (at most $limit s)"
  local t0 rc verdict
  t0=$(date +%s)
  timeout -k 5 "$limit" bash -c '"$@"' "$name" "$@" > "$OUT/$name.txt" 2>&1
  rc=$?
  case $rc in
    0) verdict=PASS ;;
    77) verdict=SKIP ;;
    124 | 137) verdict=FAIL; echo "timed out after $limit s" >> "$OUT/$name.txt" ;;
    *) verdict=FAIL ;;
  esac
  [ $verdict = FAIL ] && RESULT=1
  printf '%s %s (%d s, rc %d) %s.txt\n' $verdict "$name" \
    $(($(date +%s) - t0)) $rc "$name" | tee -a "$SUMMARY"
  [ $verdict = PASS ] || tail -n 5 "$OUT/$name.txt" | sed 's/^/    /'
}

env_info() {
  cat "$D/BUILD_INFO.txt"
  echo "date: $(date -u)"
  echo "python: $("$PY" --version 2>&1), numpy: $("$PY" -c 'import numpy; print(numpy.__version__)' 2>&1 | tail -1)"
  echo "cuobjdump: ${CUOBJDUMP:-not found}"
  echo "--- ldd bench_gemm"
  ldd "$D/bench/bench_gemm"
  if [ "$DRY" != 0 ]; then
    echo "dry run: nvidia-smi not called"
    return 0
  fi
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.limit,memory.total --format=csv &&
    nvidia-smi
}

# Every file the run uses is there and every script parses.
check_files() {
  local bad=0 f
  for f in device_run.sh sass_summary.py check_dump.py BUILD_INFO.txt \
    aot/steps.txt checks/aot_io.py checks/reference.py checks/e4m3.py \
    bench/bench_gemm bench/manifest.txt bench/manifest_fp8.txt \
    bench/manifest_splitk.txt bench/batched/bench_batched \
    bench/batched/manifest_batched.txt; do
    [ -s "$D/$f" ] || { echo "missing: $f"; bad=1; }
  done
  while read -r name check; do
    [ -x "$D/aot/$name" ] || { echo "missing: aot/$name"; bad=1; }
    [ -f "$D/checks/$check" ] || { echo "missing: checks/$check"; bad=1; }
  done < "$D/aot/steps.txt"
  for m in "$D"/bench/manifest*.txt "$D"/bench/batched/manifest_batched.txt; do
    [ -s "$m" ] || { echo "empty: $m"; bad=1; }
    for c in $(grep -o '[^ ]*\.cubin' "$m"); do
      [ -s "$(dirname "$m")/$c" ] || { echo "missing: $c of $m"; bad=1; }
    done
  done
  "$PY" - "$D" "$SCRATCH/compiled.pyc" <<'EOF' || bad=1
import glob, py_compile, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.py") + glob.glob(sys.argv[1] + "/checks/*.py")):
    py_compile.compile(f, cfile=sys.argv[2], doraise=True)
    print("parses:", f)
EOF
  echo "$(grep -c . "$D/aot/steps.txt") AOT programs, $(cat "$D"/bench/*.cubin "$D"/bench/batched/*.cubin | wc -c) bytes of cubins"
  [ $bad = 0 ] && echo "all files present"
  return $bad
}

# aot NAME CHECK: the AOT program vs NumPy (dry: its references only).
aot() {
  [ $HAVE_NUMPY = 1 ] || { echo "SKIPPED: no python3 with numpy ($PY)"; return 77; }
  "$PY" "$D/checks/$2" "$D/aot/$1" "$D/checks" "$SCRATCH/$1"
  local rc=$?
  rm -rf "${SCRATCH:?}/$1"
  return $rc
}

# Two benchmark kernels (512x4096x4096, mma.sync; the split-K decode kernel
# at M = 1, zero-padded to 16 rows) against NumPy via bench_gemm --dump.
numpy_dump() {
  [ $HAVE_NUMPY = 1 ] || { echo "SKIPPED: no python3 with numpy ($PY)"; return 77; }
  local rc=0 label m n k
  if [ "$DRY" != 0 ]; then
    # check_dump.py on a made-up dump: exact, then one element off.
    "$PY" - "$SCRATCH" <<'EOF' || return 1
import numpy as np, sys
r = np.random.default_rng(1)
a = r.integers(-127, 128, (16, 64), dtype=np.int8)  # M = 3 padded to 16
a[3:] = 0
b = r.integers(-127, 128, (40, 64), dtype=np.int8)
c = (a[:3].astype(np.int32) @ b.T.astype(np.int32))
for name, cc in (("good", c), ("bad", c + (np.arange(c.size) == 7).reshape(c.shape))):
    a.tofile(f"{sys.argv[1]}/{name}.a.bin"); b.tofile(f"{sys.argv[1]}/{name}.b.bin")
    cc.astype(np.int32).tofile(f"{sys.argv[1]}/{name}.c.bin")
EOF
    "$PY" "$D/check_dump.py" "$SCRATCH/good" 3 40 64 || rc=1
    if "$PY" "$D/check_dump.py" "$SCRATCH/bad" 3 40 64; then
      echo "FAIL: check_dump.py accepted a wrong element"
      rc=1
    fi
    return $rc
  fi
  mkdir -p "$SCRATCH/dump"
  for label in q512x4096x4096_auto q1x4096x4096_auto; do
    grep -h "^$label " "$D/bench/manifest.txt" "$D/bench/manifest_splitk.txt" \
      | head -1 > "$SCRATCH/one.txt"
    if [ ! -s "$SCRATCH/one.txt" ]; then
      echo "FAIL: $label is in no manifest"; rc=1; continue
    fi
    read -r _ m n k _ < "$SCRATCH/one.txt"
    sed -i "s#$label.cubin#$D/bench/$label.cubin#" "$SCRATCH/one.txt"
    if ! "$D/bench/bench_gemm" "$SCRATCH/one.txt" --dump "$SCRATCH/dump"; then
      echo "FAIL: bench_gemm $label failed"; rc=1; continue
    fi
    "$PY" "$D/check_dump.py" "$SCRATCH/dump/$label" "$m" "$n" "$k" || rc=1
    rm -f "$SCRATCH"/dump/*
  done
  return $rc
}

# bench BINARY MANIFEST [ARGS]: one benchmark table, all entries in one
# process. If it ends before its table (a CUDA / cuBLASLt error ends the
# process), every entry runs again in a process of its own, so that one bad
# kernel cannot hide the others' figures. Dry run: the binary's libraries
# resolve (the manifest's cubins exist: check_files).
bench() {
  local exe=$1 manifest=$2 rc line dir
  shift 2
  if [ "$DRY" != 0 ]; then
    ldd "$exe" | grep -E 'cublasLt|cuda|not found'
    ldd "$exe" | grep -v libcuda.so | grep -q 'not found' && return 1
    echo "dry run: $exe $manifest $* not run ($(grep -c . "$manifest") entries)"
    return 0
  fi
  "$exe" "$manifest" "$@" 2>&1 | tee "$SCRATCH/bench.out"
  rc=${PIPESTATUS[0]}
  [ $rc = 0 ] && return 0
  # A mismatch (exit 1) after the whole table: nothing to run again.
  line=$(grep . "$manifest" | tail -n 1)
  grep -q "^${line%% *} " "$SCRATCH/bench.out" && return $rc
  echo "== $exe exited with $rc before its table: each entry again in its own process"
  dir=$(dirname "$manifest")
  while read -r line; do
    [ -n "$line" ] || continue
    echo "$line" | sed "s# \([^ /]*\.cubin\)\( \|\$\)# $dir/\1\2#" > "$SCRATCH/entry.txt"
    echo "-- ${line%% *}"
    timeout 60 "$exe" "$SCRATCH/entry.txt" "$@" 2>&1
  done < "$manifest"
  return $rc
}

sass() {
  "$PY" "$D/sass_summary.py" --self-test || return 1
  if [ -z "$CUOBJDUMP" ]; then
    echo "SKIPPED: cuobjdump not found (PATH, $CUDA/bin)"
    return 77
  fi
  "$PY" "$D/sass_summary.py" --cuobjdump "$CUOBJDUMP" "$SCRATCH/sass" \
    "$D"/bench/*.cubin "$D"/bench/batched/*.cubin "$D"/aot/cubins/*.cubin
  local rc=$?
  tar -C "$SCRATCH" -czf "$OUT/sass.tar.gz" sass && echo "listings: sass.tar.gz"
  return $rc
}

# The steps run in child shells (under timeout): they see these.
export -f env_info check_files aot numpy_dump bench sass
export D OUT DRY SCRATCH PY CUDA CUOBJDUMP HAVE_NUMPY
echo "device_run.sh: $D -> $OUT (budget $BUDGET s$([ "$DRY" = 0 ] || echo ', dry run'))"
step env 30 env_info
step files 30 check_files
while read -r name check; do
  step "aot_$name" 60 aot "$name" "$check"
done < "$D/aot/steps.txt"
step numpy_dump 90 numpy_dump
RESERVE=45
step bench_int8 150 bench "$D/bench/bench_gemm" "$D/bench/manifest.txt"
step bench_fp8 60 bench "$D/bench/bench_gemm" "$D/bench/manifest_fp8.txt"
step bench_splitk 150 bench "$D/bench/bench_gemm" "$D/bench/manifest_splitk.txt" --cold
step bench_batched 60 bench "$D/bench/batched/bench_batched" "$D/bench/batched/manifest_batched.txt"
RESERVE=0
step sass 60 sass
{
  echo "----"
  echo "$(grep -c '^PASS' "$SUMMARY") PASS, $(grep -c '^FAIL' "$SUMMARY") FAIL, $(grep -c '^SKIP' "$SUMMARY") SKIP in $(($(date +%s) - START)) s$([ "$DRY" = 0 ] || echo ' (dry run)')"
  [ $RESULT = 0 ] && echo "OVERALL PASS" || echo "OVERALL FAIL"
} | tee -a "$SUMMARY"
exit $RESULT
