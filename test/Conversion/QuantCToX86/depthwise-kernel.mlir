// RUN: quantc-opt %s --quantc-conv-to-gemm --quantc-fuse --quantc-lower-matmul-to-x86 --canonicalize -split-input-file | FileCheck %s
// RUN: quantc-opt %s --quantc-conv-to-gemm --quantc-fuse --quantc-lower-matmul-to-x86="isa=avx2" --canonicalize -split-input-file | FileCheck %s --check-prefix=AVX2

// A QDQ depthwise convolution over a constant filter, padded with the
// activation zero point (-2), becomes the direct x86 kernel: the taps packed
// at compile time as i16 in the low half of i32 lanes ([KH*KW, 2 Cp], C = 20
// padded to 32 channels), the bias -zx * sum_t (w_t - zf) = 2 * 27 = 54 per
// channel (0 in the padding), rows on the OpenMP team, interior rows apart
// from the border rows, 4 pixels per block (36 pmaddwd), the epilogue in
// registers, a masked last channel block, no padded copy, no generic, no
// rescale.
// CHECK-LABEL: func.func @dw
// CHECK-NOT: linalg.generic
// CHECK-NOT: linalg.fill
// CHECK-DAG: %[[BIAS:.+]] = arith.constant dense<[54, 54, 54, 54, 54, 54, 54, 54, 54, 54, 54, 54, 54, 54, 54, 54, 54, 54, 54, 54, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]> : tensor<32xi32>
// CHECK-DAG: %[[TAPS:.+]] = arith.constant dense<"0x0300000003000000{{.*}}"> : tensor<9x64xi16>
// CHECK: scf.for %[[OH:.+]] = {{.*}} -> (tensor<1x6x12x20xf32>) {
// CHECK: %[[IN:.+]] = arith.andi
// CHECK: scf.if %[[IN]]
// CHECK-COUNT-9: vector.transfer_read %[[TAPS]]{{.*}} {in_bounds = [true]} : tensor<9x64xi16>, vector<32xi16>
// CHECK: vector.transfer_read %[[BIAS]]
// Border columns: clamped reads replaced by the zero point.
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: %[[R:.+]] = vector.transfer_read %arg0{{.*}} : tensor<1x6x12x20xi8>, vector<16xi8>
// CHECK: arith.select %{{.+}}, %[[R]], %{{.+}} : vector<16xi8>
// CHECK: scf.for
// CHECK-COUNT-36: quantc.x86.pmaddwd %{{.+}}, %{{.+}} : vector<32xi16> -> vector<16xi32>
// CHECK: arith.sitofp %{{.+}} : vector<16xi32> to vector<16xf32>
// CHECK: vector.transfer_write %{{.+}} {in_bounds = [true]} : vector<16xf32>, tensor<1x6x12x20xf32>
// The last channel block (channels 16-19): masked reads and writes.
// CHECK: vector.transfer_read %arg0{{.*}} : tensor<1x6x12x20xi8>, vector<16xi8>
// CHECK: vector.transfer_write %{{.+}} : vector<16xf32>, tensor<1x6x12x20xf32>
// CHECK: } {quantc.x86_rows}
// CHECK-NOT: quantc.rescale
// AVX2-LABEL: func.func @dw
// AVX2: quantc.x86.pmaddwd %{{.+}}, %{{.+}} : vector<16xi16> -> vector<8xi32>
// AVX2-NOT: vector<16xi32>
func.func @dw(%x: tensor<1x6x12x20xi8>, %xs: tensor<1x1x1x1xf32>) -> tensor<1x6x12x20xf32> {
  %w = arith.constant dense<3> : tensor<3x3x20xi8>
  %ws = arith.constant dense<0.5> : tensor<1x1x20xf32>
  %zx = arith.constant dense<-2> : tensor<1x1x1x1xi8>
  %xd = quantc.dequantize %x, %xs zero_point %zx : tensor<1x6x12x20xi8>, tensor<1x1x1x1xf32>, tensor<1x1x1x1xi8> -> tensor<1x6x12x20xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x20xi8>, tensor<1x1x20xf32> -> tensor<3x3x20xf32>
  %zero = arith.constant 0.0 : f32
  %xp = tensor.pad %xd low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x6x12x20xf32> to tensor<1x8x14x20xf32>
  %e = tensor.empty() : tensor<1x6x12x20xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x6x12x20xf32>) -> tensor<1x6x12x20xf32>
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xp, %wd : tensor<1x8x14x20xf32>, tensor<3x3x20xf32>) outs(%init : tensor<1x6x12x20xf32>) -> tensor<1x6x12x20xf32>
  return %y : tensor<1x6x12x20xf32>
}

// -----

// The _q form with constant zero points, unpadded, stride 2: every tap
// inside the input (no border code), the filter zero point subtracted at
// compile time (3 - 1 = 2 in each tap), bias -zx * 9 * 2 = -90; no
// epilogue, the non-zero initial value added to the i32 accumulator.
// CHECK-LABEL: func.func @q_form
// CHECK-NOT: linalg.generic
// CHECK-DAG: arith.constant dense<-90> : tensor<16xi32>
// CHECK-DAG: arith.constant dense<"0x02000000{{.*}}"> : tensor<9x32xi16>
// CHECK-NOT: arith.select
// CHECK: quantc.x86.pmaddwd
// CHECK-NOT: arith.sitofp
// CHECK: %[[I:.+]] = vector.transfer_read %arg1
// CHECK: arith.addi %{{.+}}, %[[I]] : vector<16xi32>
// CHECK: } {quantc.x86_rows}
func.func @q_form(%x: tensor<2x9x9x16xi8>, %b: tensor<2x4x4x16xi32>) -> tensor<2x4x4x16xi32> {
  %w = arith.constant dense<3> : tensor<3x3x16xi8>
  %zx = arith.constant 5 : i32
  %zw = arith.constant 1 : i32
  %y = linalg.depthwise_conv_2d_nhwc_hwc_q {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
         ins(%x, %w, %zx, %zw : tensor<2x9x9x16xi8>, tensor<3x3x16xi8>, i32, i32) outs(%b : tensor<2x4x4x16xi32>) -> tensor<2x4x4x16xi32>
  return %y : tensor<2x4x4x16xi32>
}
