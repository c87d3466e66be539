// RUN: quantc-opt %s --quantc-vnni-materialize-kernels -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-vnni-materialize-kernels=emulate-vpdpbusd=1 -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=EMU

// 3 x 5 activations against a 2-column weight (nr = 1, mr = 2): one row
// tile of 2 and a peeled row tail of 1, each packed (+128, K zero-padded to
// 64) into the stack tile; one full k-group and one padded; the last (only)
// zmm column stores 2 lanes under a mask.
// CHECK-LABEL: func.func private @kernel
// CHECK-SAME: (%[[A:.+]]: memref<3x5xi8> {llvm.noalias}, %[[B:.+]]: memref<1x2x64xi8> {llvm.noalias}, %[[C:.+]]: memref<16xi32> {llvm.noalias}, %[[O:.+]]: memref<3x2xi32> {llvm.noalias}, %[[PB:.+]]: index, %[[PE:.+]]: index)
// The stack tile is probed page by page (a small thread stack faults on its
// guard page).
// CHECK-SAME: attributes {passthrough = {{\[\[}}"probe-stack", "inline-asm"]]}
// CHECK-NOT: quantc.vnni_kernel
// CHECK: %[[TILE:.+]] = memref.alloca() {alignment = 64 : i64} : memref<2x128xi8>
// Blocks of panel_block (default 1) panels.
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
// CHECK: %[[INIT:.+]] = vector.load %[[C]][%{{.+}}] : memref<16xi32>, vector<16xi32>
// CHECK: scf.for {{.*}} iter_args
// CHECK: %[[W0:.+]] = vector.load %[[B]][%{{.+}}, %{{.+}}, %{{.+}}] : memref<1x2x64xi8>, vector<64xi8>
// CHECK: %[[Q:.+]] = vector.load %[[TILE]][%{{.+}}, %{{.+}}] : memref<2x128xi8>, vector<4xi8>
// CHECK: %[[WORD:.+]] = vector.bitcast %[[Q]] : vector<4xi8> to vector<1xi32>
// CHECK: %[[BC:.+]] = vector.broadcast %[[WORD]] : vector<1xi32> to vector<16xi32>
// CHECK-NOT: arith.xori
// CHECK: %[[BYTES:.+]] = vector.bitcast %[[BC]] : vector<16xi32> to vector<64xi8>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.+}}, %[[BYTES]], %[[W0]]) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// CHECK: vector.constant_mask [2] : vector<16xi1>
// CHECK: vector.maskedstore %[[O]]
// CHECK: }
// The row tail after the loop: packed, then computed.
// CHECK: arith.xori
// CHECK: vector.maskedstore %[[O]]
// CHECK: return
// EMU-LABEL: func.func private @kernel
// EMU-NOT: llvm.call_intrinsic
// EMU: arith.shrui
// EMU: arith.shrsi
// EMU: arith.muli {{.*}} : vector<16xi32>
// EMU-NOT: llvm.call_intrinsic
func.func private @kernel(memref<3x5xi8>, memref<1x2x64xi8>, memref<16xi32>, memref<3x2xi32>, index, index) attributes {quantc.vnni_kernel = {isa = "avx512-vnni", kunroll = 4 : i64, mr = 2 : i64}}

// -----

// A full 6 x 4 tile: 24 vpdpbusd per k-group, K loop unrolled twice; both
// panels in one block (panel_block = 2) run against each packed row tile.
// CHECK-LABEL: func.func private @tile_6x4
// CHECK-SAME: %[[PB:[a-z0-9]+]]: index, %[[PE:[a-z0-9]+]]: index)
// CHECK: %[[TILE:.+]] = memref.alloca() {alignment = 64 : i64} : memref<6x128xi8>
// CHECK: %[[TWO:.+]] = arith.constant 2 : index
// CHECK: scf.for %[[NB:.+]] = %[[PB]] to %[[PE]] step %[[TWO]]
// CHECK: %[[BEND:.+]] = arith.minsi %{{.+}}, %[[PE]] : index
// CHECK: scf.for %[[M:.+]] =
// CHECK: vector.store {{.*}}, %[[TILE]]
// CHECK: %[[END:.+]] = arith.minsi %[[BEND]], %{{.+}} : index
// CHECK: scf.for %[[P:.+]] = %[[NB]] to %[[END]] step
// CHECK: scf.for {{.*}} iter_args
// CHECK-COUNT-48: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK: scf.yield
func.func private @tile_6x4(memref<12x64xi8>, memref<2x16x256xi8>, memref<128xi32>, memref<12x128xi32>, index, index) attributes {quantc.vnni_kernel = {kunroll = 2 : i64, mr = 6 : i64, panel_block = 2 : i64}}

// -----

// isa = "avx2": i16 weights (8 columns x 2 k per ymm), the tile sign-extended
// to i16 when packed, accumulators from zero (no compensation operand),
// vpmaddwd + add.
// CHECK-LABEL: func.func private @avx2
// CHECK-SAME: (%[[A:.+]]: memref<7x20xi8> {llvm.noalias}, %[[B:.+]]: memref<2x10x32xi16> {llvm.noalias}, %[[O:.+]]: memref<7x20xi32> {llvm.noalias}, %{{.+}}: index, %{{.+}}: index)
// CHECK: %[[TILE:.+]] = memref.alloca() {alignment = 64 : i64} : memref<3x48xi16>
// CHECK: %[[RAW:.+]] = vector.load %[[A]][%{{.+}}, %{{.+}}] : memref<7x20xi8>, vector<16xi8>
// CHECK: %[[EXT:.+]] = arith.extsi %[[RAW]] : vector<16xi8> to vector<16xi16>
// CHECK: vector.store %[[EXT]], %[[TILE]]
// CHECK: vector.maskedload %[[A]]
// CHECK: arith.extsi
// CHECK: %[[ZERO:.+]] = arith.constant dense<0> : vector<8xi32>
// CHECK: scf.for {{.*}} iter_args(%{{.+}} = %[[ZERO]]
// CHECK: %[[W:.+]] = vector.load %[[B]][%{{.+}}, %{{.+}}, %{{.+}}] : memref<2x10x32xi16>, vector<16xi16>
// CHECK: %[[PAIR:.+]] = vector.load %[[TILE]][%{{.+}}, %{{.+}}] : memref<3x48xi16>, vector<2xi16>
// CHECK: %[[WORD:.+]] = vector.bitcast %[[PAIR]] : vector<2xi16> to vector<1xi32>
// CHECK: %[[BC:.+]] = vector.broadcast %[[WORD]] : vector<1xi32> to vector<8xi32>
// CHECK: %[[AV:.+]] = vector.bitcast %[[BC]] : vector<8xi32> to vector<16xi16>
// CHECK: %[[PROD:.+]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[AV]], %[[W]]) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// CHECK: arith.addi %{{.+}}, %[[PROD]] : vector<8xi32>
// CHECK-NOT: vpdpbusd
// CHECK: vector.maskedstore %[[O]]{{.*}} : memref<7x20xi32>, vector<8xi1>, vector<8xi32>
// EMU-LABEL: func.func private @avx2
// EMU: llvm.x86.avx2.pmadd.wd
func.func private @avx2(memref<7x20xi8>, memref<2x10x32xi16>, memref<7x20xi32>, index, index) attributes {quantc.vnni_kernel = {isa = "avx2", kunroll = 2 : i64, mr = 3 : i64}}

// -----

// A parallel plan marks the kernel for --quantc-vnni-outline-gomp.
// CHECK-LABEL: func.func private @par
// CHECK-SAME: attributes {passthrough = {{\[\[}}"probe-stack", "inline-asm"]], quantc.vnni_parallel}
func.func private @par(memref<12x64xi8>, memref<2x16x256xi8>, memref<128xi32>, memref<12x128xi32>, index, index) attributes {quantc.vnni_kernel = {kunroll = 2 : i64, mr = 6 : i64, parallel}}

// -----

// Fused epilogue: per-row x scale (scalar broadcast), per-column w scale,
// bias, GELU and saturating requantization, in the reference order.
// CHECK-LABEL: func.func private @epilogue
// CHECK: %[[F:.+]] = arith.sitofp %{{.+}} : vector<16xi32> to vector<16xf32>
// CHECK: %[[F1:.+]] = arith.mulf %[[F]], %{{.+}} : vector<16xf32>
// CHECK: %[[F2:.+]] = arith.mulf %[[F1]], %{{.+}} : vector<16xf32>
// CHECK: %[[F3:.+]] = arith.addf %[[F2]], %{{.+}} : vector<16xf32>
// CHECK: math.erf
// CHECK: %[[Q:.+]] = arith.divf
// CHECK: %[[R:.+]] = math.roundeven %[[Q]]
// CHECK: arith.cmpf uno, %[[R]], %[[R]]
// CHECK: arith.maxnumf
// CHECK: arith.minnumf
// CHECK: arith.fptosi %{{.+}} : vector<16xf32> to vector<16xi8>
// CHECK: vector.store %{{.+}} : memref<6x16xi8>, vector<16xi8>
func.func private @epilogue(memref<6x8xi8>, memref<1x2x64xi8>, memref<16xi32>, memref<6x1xf32>, memref<1x16xf32>, memref<1x16xf32>, memref<1x1xf32>, memref<6x16xi8>, index, index) attributes {quantc.vnni_kernel = {activation = #quantc.activation<gelu>, bias, fused, kunroll = 4 : i64, mr = 6 : i64, output_scale, qmax = 127 : i64, qmin = -128 : i64}}

// -----

// expected-error @+1 {{has a malformed quantc.vnni_kernel plan}}
func.func private @malformed(memref<6x8xi8>, memref<1x2x64xi8>, memref<6x16xi8>, index, index) attributes {quantc.vnni_kernel = {kunroll = 4 : i64, mr = 6 : i64}}

// -----

// expected-error @+1 {{has a malformed quantc.vnni_kernel plan}}
func.func private @wrong_packing(memref<6x8xi8>, memref<1x3x64xi8>, memref<16xi32>, memref<6x16xi32>, index, index) attributes {quantc.vnni_kernel = {kunroll = 4 : i64, mr = 6 : i64}}

// -----

// expected-error @+1 {{has a malformed quantc.vnni_kernel plan}}
func.func private @not_memref(tensor<6x8xi8>, memref<1x2x64xi8>, memref<16xi32>, memref<6x16xi32>) attributes {quantc.vnni_kernel = {kunroll = 4 : i64, mr = 6 : i64}}

// -----

// expected-error @+1 {{has a malformed quantc.vnni_kernel plan}}
func.func private @unknown_isa(memref<6x8xi8>, memref<1x2x64xi8>, memref<16xi32>, memref<6x16xi32>, index, index) attributes {quantc.vnni_kernel = {isa = "sse2", kunroll = 4 : i64, mr = 6 : i64}}

// -----

// avx2 kernels take i16 weights and no compensation.
// expected-error @+1 {{has a malformed quantc.vnni_kernel plan}}
func.func private @avx2_i8_weights(memref<6x8xi8>, memref<1x4x32xi8>, memref<6x16xi32>, index, index) attributes {quantc.vnni_kernel = {isa = "avx2", kunroll = 4 : i64, mr = 6 : i64}}

// -----

// expected-error @+1 {{has a malformed quantc.vnni_kernel plan}}
func.func private @bad_block(memref<6x8xi8>, memref<1x2x64xi8>, memref<16xi32>, memref<6x16xi32>, index, index) attributes {quantc.vnni_kernel = {kunroll = 4 : i64, mr = 6 : i64, panel_block = 0 : i64}}

// -----

// K = 22000: the packed tile (6 x 22080 bytes) is over 128 KiB, so it lives
// on the heap (once per call and thread) instead of the stack.
// CHECK-LABEL: func.func private @big_k
// CHECK-NOT: memref.alloca() {{.*}} : memref<6x22080xi8>
// CHECK: %[[TILE:.+]] = memref.alloc() {alignment = 64 : i64} : memref<6x22080xi8>
// CHECK: scf.for
// CHECK: memref.dealloc %[[TILE]] : memref<6x22080xi8>
// CHECK-NEXT: return
func.func private @big_k(memref<6x22000xi8>, memref<1x5500x64xi8>, memref<16xi32>, memref<6x16xi32>, index, index) attributes {quantc.vnni_kernel = {kunroll = 4 : i64, mr = 6 : i64}}

// -----

// A fused plan without an output scale writes f32, not i8.
// expected-error @+1 {{has a malformed quantc.vnni_kernel plan}}
func.func private @fused_i8_without_os(memref<6x8xi8>, memref<1x2x64xi8>, memref<16xi32>, memref<6x1xf32>, memref<1x16xf32>, memref<6x16xi8>, index, index) attributes {quantc.vnni_kernel = {fused, kunroll = 4 : i64, mr = 6 : i64}}

// -----

// A requantizing plan writes integers, not f32.
// expected-error @+1 {{has a malformed quantc.vnni_kernel plan}}
func.func private @os_to_f32(memref<6x8xi8>, memref<1x2x64xi8>, memref<16xi32>, memref<6x1xf32>, memref<1x16xf32>, memref<1x1xf32>, memref<6x16xf32>, index, index) attributes {quantc.vnni_kernel = {fused, kunroll = 4 : i64, mr = 6 : i64, output_scale, qmax = 127 : i64, qmin = -128 : i64}}

// -----

// A per-column scale with 15 columns for a 16-column output would be read
// out of bounds.
// expected-error @+1 {{has a malformed quantc.vnni_kernel plan}}
func.func private @short_scale(memref<6x8xi8>, memref<1x2x64xi8>, memref<16xi32>, memref<6x1xf32>, memref<1x15xf32>, memref<6x16xf32>, index, index) attributes {quantc.vnni_kernel = {fused, kunroll = 4 : i64, mr = 6 : i64}}

// -----

// expected-error @+1 {{has a malformed quantc.vnni_kernel plan}}
func.func private @huge_block(memref<6x8xi8>, memref<1x2x64xi8>, memref<16xi32>, memref<6x16xi32>, index, index) attributes {quantc.vnni_kernel = {kunroll = 4 : i64, mr = 6 : i64, panel_block = 9223372036854775807 : i64}}
