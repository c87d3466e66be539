// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="nr=1 small-m=0" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="isa=avx2 nr=1" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=AVX2
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="nr=1 small-m=32" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=SMALLM

// A per-tensor constant activation zero point zx folds into the vpdpbusd
// compensation: -(128 + zx) * colsum(W) = -131 * [15, -138].
// CHECK: memref.global "private" constant @[[$COMP:__quantc_x86_comp[_0-9]*]] : memref<16xi32> = dense<[-1965, 18078, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]>
// CHECK-LABEL: func.func @lhs_zp
// CHECK: %[[C:.+]] = memref.get_global @[[$COMP]]
// CHECK: call @{{.+}}(%{{.+}}, %{{.+}}, %[[C]], %{{.+}}, %{{.+}}, %{{.+}}) : (memref<3x5xi8>, memref<1x2x64xi8>, memref<16xi32>, memref<3x2xi32>, index, index) -> ()
// CHECK: func.func private
// CHECK: arith.xori %{{.+}}, %{{.+}} : vector<64xi8>
// CHECK: quantc.x86.vpdpbusd
// CHECK-NOT: vector.reduction
// CHECK: return
// vpmaddwd: no compensation; A - zx is packed in i16.
// AVX2-LABEL: func.func @lhs_zp
// AVX2: func.func private
// AVX2: %[[E:.+]] = arith.extsi %{{.+}} : vector<16xi8> to vector<16xi16>
// AVX2: %[[Z:.+]] = arith.constant dense<3> : vector<16xi16>
// AVX2: arith.subi %[[E]], %[[Z]] : vector<16xi16>
// AVX2: quantc.x86.pmaddwd
func.func @lhs_zp(%x: tensor<3x5xi8>) -> tensor<3x2xi32> {
  %w = arith.constant dense<[[1, 2, 3, 4, 5], [-1, -2, -3, -4, -128]]> : tensor<2x5xi8>
  %zx = arith.constant dense<3> : tensor<1x1xi32>
  %r = quantc.matmul %x, %w lhs_zero_point(%zx : tensor<1x1xi32>) : tensor<3x5xi8>, tensor<2x5xi8> -> tensor<3x2xi32>
  return %r : tensor<3x2xi32>
}

// -----

// u8 activations (the i8 values xor 0x80, as u8 storage imports) go to
// vpdpbusd as they are: the kernel reads the bytes before the xor and does
// not xor them. The compensation is -(128 + zx) * colsum(W) = -28 * colsum.
// A weight zero point (a run-time per-column buffer) is the epilogue's
// zw * (rowsum(A) - K * (zx + 128)), the row sums (of the u8 values:
// zero-extended) taken while packing A; K * 28 = 140.
// CHECK: memref.global "private" constant @[[$COMP:__quantc_x86_comp[_0-9]*]] : memref<16xi32> = dense<[-420, 3864, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]>
// CHECK-LABEL: func.func @u8_both
// CHECK-SAME: (%[[X:.+]]: tensor<3x5xi8>, %[[ZW:.+]]: tensor<1x2xi32>)
// CHECK: %[[A:.+]] = bufferization.to_buffer %[[X]] read_only
// CHECK: %[[C:.+]] = memref.get_global @[[$COMP]]
// CHECK: %[[Z:.+]] = bufferization.to_buffer %[[ZW]] read_only
// CHECK: call @{{.+}}(%[[A]], %{{.+}}, %[[C]], %[[Z]], %{{.+}}, %{{.+}}, %{{.+}}) : (memref<3x5xi8>, memref<1x2x64xi8>, memref<16xi32>, memref<1x2xi32>, memref<3x2xi32>, index, index) -> ()
// CHECK: func.func private
// CHECK-NOT: arith.xori
// CHECK: %[[U:.+]] = arith.extui %{{.+}} : vector<64xi8> to vector<64xi32>
// CHECK: vector.reduction <add>, %[[U]] : vector<64xi32> into i32
// CHECK-NOT: arith.xori
// CHECK: quantc.x86.vpdpbusd
// CHECK: arith.constant 140 : i32
// CHECK: arith.muli %{{.+}}, %{{.+}} : vector<16xi32>
// CHECK: return
// avx2 keeps the xor (its packing sign-extends the i8 values).
// AVX2-LABEL: func.func @u8_both
// AVX2: %[[XI:.+]] = arith.xori
// AVX2: bufferization.to_buffer %[[XI]]
// AVX2: func.func private
// AVX2: arith.extsi %{{.+}} : vector<16xi8> to vector<16xi32>
// AVX2: vector.reduction <add>
func.func @u8_both(%x: tensor<3x5xi8>, %zw: tensor<1x2xi32>) -> tensor<3x2xi32> {
  %w = arith.constant dense<[[1, 2, 3, 4, 5], [-1, -2, -3, -4, -128]]> : tensor<2x5xi8>
  %b = arith.constant dense<-128> : tensor<3x5xi8>
  %xi = arith.xori %x, %b : tensor<3x5xi8>
  %zx = arith.constant dense<-100> : tensor<1x1xi32>
  %r = quantc.matmul %xi, %w lhs_zero_point(%zx : tensor<1x1xi32>) rhs_zero_point(%zw : tensor<1x2xi32>) : tensor<3x5xi8>, tensor<2x5xi8> -> tensor<3x2xi32>
  return %r : tensor<3x2xi32>
}

// -----

// A run-time weight at small M (the small_m kernel, 4-32 rows; 1-3 take
// the decode kernel, which corrects zero points after it: decode-kernel.mlir): the compensation of
// each panel uses the same factor, A is not xored, the row sums are taken
// in its packing.
// SMALLM-LABEL: func.func @small_m_runtime
// SMALLM: func.func private
// SMALLM-SAME: small_m = true
// SMALLM-NOT: arith.xori
// SMALLM: arith.extui %{{.+}} : vector<64xi8> to vector<64xi32>
// SMALLM: vector.reduction <add>
// SMALLM: arith.constant dense<-28> : vector<16xi32>
// SMALLM: quantc.x86.vpdpbusd
func.func @small_m_runtime(%x: tensor<4x5xi8>, %w: tensor<2x5xi8>, %zw: tensor<1x1xi32>) -> tensor<4x2xi32> {
  %b = arith.constant dense<-128> : tensor<4x5xi8>
  %xi = arith.xori %x, %b : tensor<4x5xi8>
  %zx = arith.constant dense<-100> : tensor<1x1xi32>
  %r = quantc.matmul %xi, %w lhs_zero_point(%zx : tensor<1x1xi32>) rhs_zero_point(%zw : tensor<1x1xi32>) : tensor<4x5xi8>, tensor<2x5xi8> -> tensor<4x2xi32>
  return %r : tensor<4x2xi32>
}

// -----

// A per-token (or run-time) activation zero point is not taken: one remark,
// then the GEMM of the stored values and the i32 correction after it.
// CHECK-LABEL: func.func @per_row
// CHECK: call @__quantc_x86_gemm
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: linalg.generic
// CHECK: arith.muli
// CHECK: arith.subi
func.func @per_row(%x: tensor<3x5xi8>, %zx: tensor<3x1xi32>) -> tensor<3x2xi32> {
  %w = arith.constant dense<[[1, 2, 3, 4, 5], [-1, -2, -3, -4, -128]]> : tensor<2x5xi8>
  // expected-remark @+1 {{kernel does not take this GEMM's zero points: the activation zero point is not one constant (the kernels take a per-tensor constant activation zero point); they are corrected in i32 after it}}
  %r = quantc.matmul %x, %w lhs_zero_point(%zx : tensor<3x1xi32>) : tensor<3x5xi8>, tensor<2x5xi8> -> tensor<3x2xi32>
  return %r : tensor<3x2xi32>
}

// -----

// The batched kernel takes the zero points: the activation's constant in
// the run-time packing's compensation, the weight's [1, 1, 1] buffer passed
// to the batch loop (before its batch range) and to every batch's kernel
// (4 rows: the packing kernel's; decode-kernel.mlir has the decode
// kernel's).
// CHECK-LABEL: func.func @batched
// CHECK: %[[ZW:.+]] = bufferization.to_buffer %{{.+}} read_only {{.*}}: tensor<1x1x1xi32> to memref<1x1x1xi32>
// CHECK: call @__quantc_x86_gemm_batch(%{{.+}}, %{{.+}}, %{{.+}}, %[[ZW]], %{{.+}}, %{{.+}}) : (memref<2x4x8xi8>, memref<2x4x8xi8>, memref<2x4x4xi32>, memref<1x1x1xi32>, index, index) -> ()
// CHECK-NOT: linalg.generic
// CHECK: func.func private @__quantc_x86_gemm(%{{.+}}: memref<4x8xi8, {{.*}}: memref<4x8xi8, {{.*}}: memref<1x1xi32, {{.*}}: memref<4x4xi32, {{.*}}: index, %{{.+}}: index)
// CHECK: func.func private @__quantc_x86_gemm_batch({{.*}}: memref<2x4x4xi32> {llvm.noalias}, %[[Z:[a-z0-9]+]]: memref<1x1x1xi32> {llvm.noalias}, %{{.+}}: index, %{{.+}}: index)
// CHECK: scf.for %[[I:.+]] =
// CHECK: memref.subview %[[Z]][0, 0, 0] [1, 1, 1] [1, 1, 1]
// CHECK: call @__quantc_x86_gemm
func.func @batched(%x: tensor<2x4x8xi8>, %w: tensor<2x4x8xi8>) -> tensor<2x4x4xi32> {
  %zx = arith.constant dense<-7> : tensor<1x1x1xi32>
  %zw = arith.constant dense<5> : tensor<1x1x1xi32>
  %r = quantc.matmul %x, %w lhs_zero_point(%zx : tensor<1x1x1xi32>) rhs_zero_point(%zw : tensor<1x1x1xi32>) : tensor<2x4x8xi8>, tensor<2x4x8xi8> -> tensor<2x4x4xi32>
  return %r : tensor<2x4x4xi32>
}

// -----

// A per-batch, per-channel weight zero point: each batch's [1, N] slice.
// CHECK-LABEL: func.func @batched_per_batch
// CHECK: func.func private @__quantc_x86_gemm_batch
// CHECK-SAME: %[[Z:[a-z0-9]+]]: memref<2x1x4xi32>
// CHECK: scf.for %[[I:.+]] =
// CHECK: memref.subview %[[Z]][%[[I]], 0, 0] [1, 1, 4] [1, 1, 1]
func.func @batched_per_batch(%x: tensor<2x4x8xi8>, %w: tensor<2x4x8xi8>, %zw: tensor<2x1x4xi32>) -> tensor<2x4x4xi32> {
  %r = quantc.matmul %x, %w rhs_zero_point(%zw : tensor<2x1x4xi32>) : tensor<2x4x8xi8>, tensor<2x4x8xi8> -> tensor<2x4x4xi32>
  return %r : tensor<2x4x4xi32>
}

// -----

// A per-row activation zero point is corrected after the batched GEMM, with
// a remark.
// CHECK-LABEL: func.func @batched_per_row
// CHECK: call @__quantc_x86_gemm_batch
// CHECK: linalg.generic
func.func @batched_per_row(%x: tensor<2x4x8xi8>, %w: tensor<2x4x8xi8>, %zx: tensor<2x4x1xi32>) -> tensor<2x4x4xi32> {
  // expected-remark @+1 {{GEMM does not take this GEMM's zero points: the activation zero point is not one constant (the kernels take a per-tensor constant activation zero point); they are corrected in i32 after it}}
  %r = quantc.matmul %x, %w lhs_zero_point(%zx : tensor<2x4x1xi32>) : tensor<2x4x8xi8>, tensor<2x4x8xi8> -> tensor<2x4x4xi32>
  return %r : tensor<2x4x4xi32>
}

// -----

// 1-3 static rows with zero points keep the kernel that takes them (here
// small_m with small-m=32, the packing kernel with small-m=0) rather than
// the decode kernel, which corrects them after it: a remark says so.
// CHECK-LABEL: func.func @decode_rows_zero_points
// CHECK-NOT: __quantc_x86_decode_gemm
// CHECK: call @__quantc_x86_gemm
// SMALLM-LABEL: func.func @decode_rows_zero_points
// SMALLM: small_m = true
func.func @decode_rows_zero_points(%x: tensor<1x5xi8>, %w: tensor<2x5xi8>, %zw: tensor<1x2xi32>) -> tensor<1x2xi32> {
  %zx = arith.constant dense<-100> : tensor<1x1xi32>
  // expected-remark @+1 {{takes a GEMM kernel that takes its zero points, not the decode kernel (which would correct them after it)}}
  %r = quantc.matmul %x, %w lhs_zero_point(%zx : tensor<1x1xi32>) rhs_zero_point(%zw : tensor<1x2xi32>) : tensor<1x5xi8>, tensor<2x5xi8> -> tensor<1x2xi32>
  return %r : tensor<1x2xi32>
}
