// RUN: quantc-opt %s --quantc-vnni-materialize-kernels -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-vnni-materialize-kernels=emulate-vpdpbusd=1 -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=EMU

// 3 x 5 activations against a 2-column weight (nr = 1, mr = 2): one row
// block of 2 and a peeled row tail of 1; one full k-group and a masked tail
// of 1 byte; the last (only) zmm column stores 2 lanes under a mask.
// CHECK-LABEL: func.func private @kernel
// CHECK-SAME: (%[[A:.+]]: memref<3x5xi8> {llvm.noalias}, %[[B:.+]]: memref<1x2x64xi8> {llvm.noalias}, %[[C:.+]]: memref<16xi32> {llvm.noalias}, %[[O:.+]]: memref<3x2xi32> {llvm.noalias}, %[[PB:.+]]: index, %[[PE:.+]]: index)
// CHECK-NOT: quantc.vnni_kernel
// The only panel is the (2-column) tail panel, computed if in [PB, PE).
// CHECK: %[[LE:.+]] = arith.cmpi sle, %[[PB]], %[[T:.+]] : index
// CHECK: %[[GT:.+]] = arith.cmpi sgt, %[[PE]], %[[T]] : index
// CHECK: %[[IN:.+]] = arith.andi %[[LE]], %[[GT]] : i1
// CHECK: scf.if %[[IN]] {
// CHECK: scf.for %[[M:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK: %[[INIT:.+]] = vector.load %[[C]][%{{.+}}] : memref<16xi32>, vector<16xi32>
// CHECK: %[[W0:.+]] = vector.load %[[B]][%{{.+}}, %{{.+}}, %{{.+}}] : memref<1x2x64xi8>, vector<64xi8>
// CHECK: %[[Q:.+]] = vector.load %[[A]][%[[M]], %{{.+}}] : memref<3x5xi8>, vector<4xi8>
// CHECK: %[[WORD:.+]] = vector.bitcast %[[Q]] : vector<4xi8> to vector<1xi32>
// CHECK: %[[BC:.+]] = vector.broadcast %[[WORD]] : vector<1xi32> to vector<16xi32>
// CHECK: %[[U8:.+]] = arith.xori %[[BC]], %{{.+}} : vector<16xi32>
// CHECK: %[[BYTES:.+]] = vector.bitcast %[[U8]] : vector<16xi32> to vector<64xi8>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%[[INIT]], %[[BYTES]], %[[W0]]) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// CHECK: vector.constant_mask [1] : vector<4xi1>
// CHECK: vector.maskedload %[[A]]
// CHECK: vector.constant_mask [2] : vector<16xi1>
// CHECK: vector.maskedstore %[[O]]
// CHECK: }
// The row tail after the loop.
// CHECK: vector.maskedstore %[[O]]
// CHECK: return
// EMU-LABEL: func.func private @kernel
// EMU-NOT: llvm.call_intrinsic
// EMU: arith.shrui
// EMU: arith.shrsi
// EMU: arith.muli {{.*}} : vector<16xi32>
// EMU-NOT: llvm.call_intrinsic
func.func private @kernel(memref<3x5xi8>, memref<1x2x64xi8>, memref<16xi32>, memref<3x2xi32>, index, index) attributes {quantc.vnni_kernel = {kunroll = 4 : i64, mr = 2 : i64}}

// -----

// A full 6 x 4 tile: 24 vpdpbusd per k-group, K loop unrolled twice.
// CHECK-LABEL: func.func private @tile_6x4
// CHECK-SAME: %[[PB:[a-z0-9]+]]: index, %[[PE:[a-z0-9]+]]: index)
// CHECK: %[[END:.+]] = arith.minsi %[[PE]], %{{.+}} : index
// CHECK: scf.for %[[P:.+]] = %[[PB]] to %[[END]] step
// CHECK: scf.for
// CHECK: scf.for {{.*}} iter_args
// CHECK-COUNT-48: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK: scf.yield
func.func private @tile_6x4(memref<12x64xi8>, memref<2x16x256xi8>, memref<128xi32>, memref<12x128xi32>, index, index) attributes {quantc.vnni_kernel = {kunroll = 2 : i64, mr = 6 : i64}}

// -----

// A parallel plan marks the kernel for --quantc-vnni-outline-gomp.
// CHECK-LABEL: func.func private @par
// CHECK-SAME: attributes {quantc.vnni_parallel}
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
