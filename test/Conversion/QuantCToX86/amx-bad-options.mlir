// isa=amx options: whole A tiles, the 8 tile registers, amx-min-m's range.
// RUN: not quantc-opt %s --quantc-lower-matmul-to-x86="isa=amx mr=24" 2>&1 | FileCheck %s --check-prefix=MR
// RUN: not quantc-opt %s --quantc-lower-matmul-to-x86="isa=amx mr=32 nr=3" 2>&1 | FileCheck %s --check-prefix=TILES
// RUN: not quantc-opt %s --quantc-lower-matmul-to-x86="isa=amx amx-min-m=0" 2>&1 | FileCheck %s --check-prefix=MINM
// RUN: not quantc-opt %s --quantc-cpu-pipeline="cpu=amx vnni-mr=24" 2>&1 | FileCheck %s --check-prefix=MR
// MR: error: quantc-lower-matmul-to-x86: isa=amx needs mr a multiple of 16 (whole A tiles), got 24
// TILES: error: quantc-lower-matmul-to-x86: mr / 16 A tiles x nr B tiles + their C tiles must fit in 8 tmm registers (isa amx: mr = 32, nr = 3)
// MINM: error: quantc-lower-matmul-to-x86: amx-min-m must be in [1, 4096], got 0
module {
}
