#!/bin/sh
# Builds and runs the benchmark from a bundle of prebuilt quantc objects on a
# machine without LLVM (only g++): BUNDLE/{include,lib,var/*.tar.xz}.
# Usage: run_bundle.sh BUNDLE THREADS [VARIANT-GLOB] [CASE]
set -e
b=$(cd "$1" && pwd); thr=$2; glob=${3:-*}; case_=$4
src=$(cd "$(dirname "$0")" && pwd)/bench.cpp
cd "$b"
[ -f lib/libdnnl.so.2 ] || xz -dk lib/libdnnl.so.2.xz
for t in var/$glob.tar.xz; do
  v=$(basename "$t" .tar.xz)
  [ -d "$v" ] || tar xJf "$t"
  [ -x "$v/bench" ] || g++ -O3 -march=native -std=c++17 -Iinclude -I"$v" -c "$src" -o "$v/bench.o"
  omp=; nm "$v"/w*.o | grep -q __kmpc && omp="$b/lib/libomp.so.5"
  [ -x "$v/bench" ] || g++ "$v/bench.o" "$v"/w*.o $omp -Llib -l:libdnnl.so.2 -Wl,-rpath,"$b/lib" -o "$v/bench"
  echo "== variant $v, OMP_NUM_THREADS=$thr"
  OMP_NUM_THREADS=$thr "$v/bench" $case_ || true
done
