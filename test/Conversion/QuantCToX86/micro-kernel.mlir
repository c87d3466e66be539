// The body of the kernels --quantc-lower-matmul-to-x86 emits, one plan per
// split and RUN line.
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="mr=2 nr=1" -split-input-file | FileCheck %s
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="mr=2 nr=1 emulate=1" -split-input-file | FileCheck %s --check-prefix=EMU
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="kunroll=2 panel-block-kib=8" -split-input-file | FileCheck %s --check-prefix=PANELS
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="isa=avx2 mr=3" -split-input-file | FileCheck %s --check-prefix=AVX2
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86 -split-input-file | FileCheck %s --check-prefix=DEFAULT
// After the CPU pipeline the heap tile is freed (the buffer-deallocation
// pipeline inserts its dealloc) and the intrinsics are LLVM intrinsics.
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=vnni -split-input-file | FileCheck %s --check-prefix=LLVM

// 3 x 5 activations against a 2-column weight (nr = 1, mr = 2): one row
// tile of 2 and a peeled row tail of 1, each packed (+128, K zero-padded to
// 64) into the stack tile; one full k-group and one padded; the last (only)
// zmm column stores 2 lanes under a mask.
// CHECK-LABEL: func.func @small
// CHECK: func.func private @__quantc_x86_gemm
// CHECK-SAME: (%[[A:.+]]: memref<3x5xi8> {llvm.noalias}, %[[B:.+]]: memref<1x2x64xi8> {llvm.noalias}, %[[C:.+]]: memref<16xi32> {llvm.noalias}, %[[O:.+]]: memref<3x2xi32> {llvm.noalias}, %[[PB:.+]]: index, %[[PE:.+]]: index)
// The stack tile is probed page by page (a small thread stack faults on its
// guard page).
// CHECK-SAME: attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = {{\[\[}}"probe-stack", "inline-asm"]], quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 3, n = 2, k = 5, mr = 2, nr = 1, kunroll = 4, panel_block = 1, parallel = false, emulate = false>}
// CHECK: %[[TILE:.+]] = memref.alloca() {alignment = 64 : i64} : memref<2x128xi8>
// Blocks of panel_block (here 1) panels.
// CHECK: scf.for %[[NB:.+]] = %[[PB]] to %[[PE]] step
// CHECK: %[[BEND:.+]] = arith.minsi %{{.+}}, %[[PE]] : index
// CHECK: scf.for %[[M:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// Packing: rows m.. of A, masked to K = 5, xor 0x80, into the tile.
// CHECK: scf.for %[[R:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK: %[[ROW:.+]] = arith.addi %[[M]], %[[R]] : index
// CHECK: vector.constant_mask [5] : vector<64xi1>
// CHECK: %[[RAW:.+]] = vector.maskedload %[[A]][%[[ROW]], %{{.+}}]
// CHECK: %[[FLIP:.+]] = arith.xori %[[RAW]], %{{.+}} : vector<64xi8>
// CHECK: vector.store %[[FLIP]], %[[TILE]][%[[R]], %{{.+}}] : memref<2x128xi8>, vector<64xi8>
// The only panel is the (2-column) tail panel, computed if in the block.
// CHECK: %[[LE:.+]] = arith.cmpi sle, %[[NB]], %[[T:.+]] : index
// CHECK: %[[GT:.+]] = arith.cmpi sgt, %[[BEND]], %[[T]] : index
// CHECK: %[[IN:.+]] = arith.andi %[[LE]], %[[GT]] : i1
// CHECK: scf.if %[[IN]] {
// The accumulators start at the compensation.
// CHECK: %[[INIT:.+]] = vector.load %[[C]][%{{.+}}] : memref<16xi32>, vector<16xi32>
// CHECK: scf.for {{.*}} iter_args(%[[ACC0:.+]] = %[[INIT]], %[[ACC1:.+]] = %[[INIT]])
// CHECK: %[[W:.+]] = vector.load %[[B]][%{{.+}}, %{{.+}}, %{{.+}}] : memref<1x2x64xi8>, vector<64xi8>
// Four activation bytes of a row, broadcast as one i32 to every lane.
// CHECK: %[[QUAD:.+]] = vector.load %[[TILE]][%{{.+}}, %{{.+}}] : memref<2x128xi8>, vector<4xi8>
// CHECK: %[[WORD:.+]] = vector.bitcast %[[QUAD]] : vector<4xi8> to vector<1xi32>
// CHECK: %[[BC:.+]] = vector.broadcast %[[WORD]] : vector<1xi32> to vector<16xi32>
// CHECK: %[[AV:.+]] = vector.bitcast %[[BC]] : vector<16xi32> to vector<64xi8>
// CHECK: quantc.x86.vpdpbusd %[[ACC0]], %[[AV]], %[[W]] : vector<16xi32>, vector<64xi8>
// CHECK: quantc.x86.vpdpbusd %[[ACC1]], %{{.+}}, %[[W]] : vector<16xi32>, vector<64xi8>
// CHECK: scf.yield
// CHECK: vector.constant_mask [2] : vector<16xi1>
// CHECK: vector.maskedstore %[[O]]
// CHECK: vector.maskedstore %[[O]]
// The row tail after the loop: packed, then computed.
// CHECK: arith.xori
// CHECK: quantc.x86.vpdpbusd
// CHECK: vector.maskedstore %[[O]]
// CHECK: return
// EMU-LABEL: func.func @small
// EMU: func.func private @__quantc_x86_gemm
// EMU-SAME: emulate = true>
// EMU-NOT: quantc.x86.vpdpbusd
// EMU: arith.shrui
// EMU: arith.shrsi
// EMU: arith.muli {{.*}} : vector<16xi32>
// EMU-NOT: quantc.x86.vpdpbusd
// EMU: return
func.func @small(%x: tensor<3x5xi8>) -> tensor<3x2xi32> {
  %w = arith.constant dense<[[1, 2, 3, 4, 5], [-1, -2, -3, -4, -128]]> : tensor<2x5xi8>
  %r = quantc.matmul %x, %w : tensor<3x5xi8>, tensor<2x5xi8> -> tensor<3x2xi32>
  return %r : tensor<3x2xi32>
}

// -----

// A full 6 x 4 tile: 24 vpdpbusd per k-group, K loop unrolled twice; both
// 4 KiB panels in one 8 KiB block (panel_block = 2) run against each packed
// row tile.
// PANELS-LABEL: func.func @tile_6x4
// PANELS: func.func private @__quantc_x86_gemm
// PANELS-SAME: %[[PB:[a-z0-9]+]]: index, %[[PE:[a-z0-9]+]]: index)
// PANELS-SAME: quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 12, n = 128, k = 64, mr = 6, nr = 4, kunroll = 2, panel_block = 2, parallel = false, emulate = false>
// PANELS: %[[TILE:.+]] = memref.alloca() {alignment = 64 : i64} : memref<6x128xi8>
// PANELS: %[[TWO:.+]] = arith.constant 2 : index
// PANELS: scf.for %[[NB:.+]] = %[[PB]] to %[[PE]] step %[[TWO]]
// PANELS: %[[BEND:.+]] = arith.minsi %{{.+}}, %[[PE]] : index
// PANELS: scf.for %[[M:.+]] =
// PANELS: vector.store {{.*}}, %[[TILE]]
// PANELS: %[[END:.+]] = arith.minsi %[[BEND]], %{{.+}} : index
// PANELS: scf.for %[[P:.+]] = %[[NB]] to %[[END]] step
// PANELS: scf.for {{.*}} iter_args
// PANELS-COUNT-48: quantc.x86.vpdpbusd
// PANELS: scf.yield
func.func @tile_6x4(%x: tensor<12x64xi8>) -> tensor<12x128xi32> {
  %w = arith.constant dense<1> : tensor<128x64xi8>
  %r = quantc.matmul %x, %w : tensor<12x64xi8>, tensor<128x64xi8> -> tensor<12x128xi32>
  return %r : tensor<12x128xi32>
}

// -----

// isa = avx2: i16 weights (8 columns x 2 k per ymm), the tile sign-extended
// to i16 when packed, accumulators from zero (no compensation operand),
// vpmaddwd + add.
// AVX2-LABEL: func.func @avx2
// AVX2: func.func private @__quantc_x86_gemm
// AVX2-SAME: (%[[A:.+]]: memref<7x20xi8> {llvm.noalias}, %[[B:.+]]: memref<2x10x32xi16> {llvm.noalias}, %[[O:.+]]: memref<7x20xi32> {llvm.noalias}, %{{.+}}: index, %{{.+}}: index)
// AVX2-SAME: quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx2, m = 7, n = 20, k = 20, mr = 3, nr = 2, kunroll = 2, panel_block = 2, parallel = false, emulate = false>
// AVX2: %[[TILE:.+]] = memref.alloca() {alignment = 64 : i64} : memref<3x48xi16>
// AVX2: %[[RAW:.+]] = vector.load %[[A]][%{{.+}}, %{{.+}}] : memref<7x20xi8>, vector<16xi8>
// AVX2: %[[EXT:.+]] = arith.extsi %[[RAW]] : vector<16xi8> to vector<16xi16>
// AVX2: vector.store %[[EXT]], %[[TILE]]
// AVX2: vector.maskedload %[[A]]
// AVX2: arith.extsi
// AVX2: %[[ZERO:.+]] = arith.constant dense<0> : vector<8xi32>
// AVX2: scf.for {{.*}} iter_args(%{{.+}} = %[[ZERO]]
// AVX2: %[[W:.+]] = vector.load %[[B]][%{{.+}}, %{{.+}}, %{{.+}}] : memref<2x10x32xi16>, vector<16xi16>
// AVX2: %[[PAIR:.+]] = vector.load %[[TILE]][%{{.+}}, %{{.+}}] : memref<3x48xi16>, vector<2xi16>
// AVX2: %[[WORD:.+]] = vector.bitcast %[[PAIR]] : vector<2xi16> to vector<1xi32>
// AVX2: %[[BC:.+]] = vector.broadcast %[[WORD]] : vector<1xi32> to vector<8xi32>
// AVX2: %[[AV:.+]] = vector.bitcast %[[BC]] : vector<8xi32> to vector<16xi16>
// AVX2: %[[PROD:.+]] = quantc.x86.pmaddwd %[[AV]], %[[W]] : vector<16xi16> -> vector<8xi32>
// AVX2: arith.addi %{{.+}}, %[[PROD]] : vector<8xi32>
// AVX2-NOT: vpdpbusd
// AVX2: vector.maskedstore %[[O]]{{.*}} : memref<7x20xi32>, vector<8xi1>, vector<8xi32>
func.func @avx2(%x: tensor<7x20xi8>) -> tensor<7x20xi32> {
  %w = arith.constant dense<1> : tensor<20x20xi8>
  %r = quantc.matmul %x, %w : tensor<7x20xi8>, tensor<20x20xi8> -> tensor<7x20xi32>
  return %r : tensor<7x20xi32>
}

// -----

// Fused epilogue: per-row x scale (scalar broadcast), per-column w scale,
// bias, GELU and saturating requantization, in the reference order
// (emitRescaleEpilogue, as --convert-quantc-to-linalg).
// DEFAULT-LABEL: func.func @epilogue
// DEFAULT: func.func private @__quantc_x86_gemm
// DEFAULT-SAME: (%{{.+}}: memref<6x8xi8> {llvm.noalias}, %{{.+}}: memref<1x2x256xi8> {llvm.noalias}, %{{.+}}: memref<64xi32> {llvm.noalias}, %[[XS:.+]]: memref<6x1xf32> {llvm.noalias}, %[[WS:.+]]: memref<1x16xf32> {llvm.noalias}, %[[BIAS:.+]]: memref<1x16xf32> {llvm.noalias}, %[[OS:.+]]: memref<1x1xf32> {llvm.noalias}, %[[O:.+]]: memref<6x16xi8> {llvm.noalias}, %{{.+}}: index, %{{.+}}: index)
// Per-column operands and the scalar once per tile, per-row ones per row.
// DEFAULT: %[[WSV:.+]] = vector.load %[[WS]][%{{.+}}, %{{.+}}] : memref<1x16xf32>, vector<16xf32>
// DEFAULT: %[[BV:.+]] = vector.load %[[BIAS]][%{{.+}}, %{{.+}}] : memref<1x16xf32>, vector<16xf32>
// DEFAULT: %[[OSS:.+]] = memref.load %[[OS]][%{{.+}}, %{{.+}}] : memref<1x1xf32>
// DEFAULT: %[[OSV:.+]] = vector.broadcast %[[OSS]] : f32 to vector<16xf32>
// DEFAULT: %[[XSS:.+]] = memref.load %[[XS]][%{{.+}}, %{{.+}}] : memref<6x1xf32>
// DEFAULT: %[[XSV:.+]] = vector.broadcast %[[XSS]] : f32 to vector<16xf32>
// DEFAULT: %[[F:.+]] = arith.sitofp %{{.+}} : vector<16xi32> to vector<16xf32>
// DEFAULT: %[[F1:.+]] = arith.mulf %[[F]], %[[XSV]] : vector<16xf32>
// DEFAULT: %[[F2:.+]] = arith.mulf %[[F1]], %[[WSV]] : vector<16xf32>
// DEFAULT: %[[F3:.+]] = arith.addf %[[F2]], %[[BV]] : vector<16xf32>
// DEFAULT: math.erf
// DEFAULT: %[[Q:.+]] = arith.divf %{{.+}}, %[[OSV]] : vector<16xf32>
// DEFAULT: %[[R:.+]] = math.roundeven %[[Q]]
// DEFAULT: arith.cmpf uno, %[[R]], %[[R]]
// DEFAULT: arith.maxnumf
// DEFAULT: arith.minnumf
// DEFAULT: %[[I8:.+]] = arith.fptosi %{{.+}} : vector<16xf32> to vector<16xi8>
// DEFAULT: vector.store %[[I8]], %[[O]][%{{.+}}, %{{.+}}] : memref<6x16xi8>, vector<16xi8>
func.func @epilogue(%x: tensor<6x8xi8>, %xs: tensor<6x1xf32>, %ws: tensor<1x16xf32>, %b: tensor<1x16xf32>) -> tensor<6x16xi8> {
  %w = arith.constant dense<1> : tensor<16x8xi8>
  %os = arith.constant dense<2.0> : tensor<1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<6x8xi8>, tensor<16x8xi8> -> tensor<6x16xi32>
  %y = quantc.rescale %acc, %xs, %ws bias %b output_scale %os {activation = #quantc.activation<gelu>, qmin = -128 : i64, qmax = 127 : i64} : (tensor<6x16xi32>, tensor<6x1xf32>, tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x1xf32>) -> tensor<6x16xi8>
  return %y : tensor<6x16xi8>
}

// -----

// A residual and an [M, N] output scale (full broadcasts) are read per
// element, masked like the output (1.0 in the masked-off lanes).
// DEFAULT-LABEL: func.func @full_operands
// DEFAULT: func.func private @__quantc_x86_gemm
// DEFAULT-SAME: %[[OS:[a-z0-9]+]]: memref<2x20xf32> {llvm.noalias}, %[[RES:[a-z0-9]+]]: memref<2x20xf32> {llvm.noalias}, %[[O:[a-z0-9]+]]: memref<2x20xi8> {llvm.noalias}
// The first 16 columns are whole; the last 4 are masked.
// DEFAULT: vector.store %{{.+}}, %[[O]]
// DEFAULT: %[[ONE:.+]] = arith.constant dense<1.000000e+00> : vector<16xf32>
// DEFAULT-NEXT: %[[OSV:.+]] = vector.maskedload %[[OS]][%{{.+}}, %{{.+}}], %{{.+}}, %[[ONE]] : memref<2x20xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// DEFAULT: %[[RESV:.+]] = vector.maskedload %[[RES]]
// DEFAULT: math.erf
// DEFAULT: %[[SUM:.+]] = arith.addf %{{.+}}, %[[RESV]] : vector<16xf32>
// DEFAULT: arith.divf %[[SUM]], %[[OSV]] : vector<16xf32>
// DEFAULT: vector.maskedstore %[[O]]
func.func @full_operands(%x: tensor<2x8xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x20xf32>, %os: tensor<2x20xf32>, %res: tensor<2x20xf32>) -> tensor<2x20xi8> {
  %w = arith.constant dense<1> : tensor<20x8xi8>
  %acc = quantc.matmul %x, %w : tensor<2x8xi8>, tensor<20x8xi8> -> tensor<2x20xi32>
  %y = quantc.rescale %acc, %xs, %ws output_scale %os residual %res {activation = #quantc.activation<gelu>} : (tensor<2x20xi32>, tensor<1x1xf32>, tensor<1x20xf32>, tensor<2x20xf32>, tensor<2x20xf32>) -> tensor<2x20xi8>
  return %y : tensor<2x20xi8>
}

// -----

// K = 22000: the packed tile (6 x 22080 bytes) is over 128 KiB, so it lives
// on the heap (once per call and thread) instead of the stack; its dealloc
// is left to the buffer-deallocation pipeline.
// DEFAULT-LABEL: func.func @big_k
// DEFAULT: func.func private @__quantc_x86_gemm
// DEFAULT-NOT: memref.alloca() {{.*}} : memref<6x22080xi8>
// DEFAULT: %[[TILE:.+]] = memref.alloc() {alignment = 64 : i64} : memref<6x22080xi8>
// DEFAULT-NOT: memref.dealloc
// DEFAULT: return
// LLVM-LABEL: llvm.func @big_k
// LLVM: llvm.func internal @__quantc_x86_gemm
// LLVM: llvm.call @malloc
// LLVM: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// LLVM: llvm.call @free
// LLVM-NEXT: llvm.return
func.func @big_k(%x: tensor<6x22000xi8>) -> tensor<6x16xi32> {
  %w = arith.constant dense<1> : tensor<16x22000xi8>
  %r = quantc.matmul %x, %w : tensor<6x22000xi8>, tensor<16x22000xi8> -> tensor<6x16xi32>
  return %r : tensor<6x16xi32>
}
