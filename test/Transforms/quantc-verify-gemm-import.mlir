// RUN: quantc-opt %s --quantc-import-quant --quantc-verify-gemm -split-input-file -verify-diagnostics | FileCheck %s

// Upstream QDQ IR (quant.qcast/quant.dcast with !quant.uniform types),
// imported with --quantc-import-quant and then checked. A per-axis type on the
// reduction axis is rejected; on the token axis of the activation or the
// output-channel axis of the weight it is accepted. The transposed-B form has
// the weight [D, C] (reduction axis 1); the plain linalg.matmul form has it
// [C, D] (reduction axis 0).

!xpt = !quant.uniform<i8:f32, 0.05>
!xtok = !quant.uniform<i8:f32:0, {0.1, 0.2, 0.3, 0.4}>
!wout = !quant.uniform<i8:f32:0, {0.01, 0.02}>

// Transposed-B: per-token activation (axis 0), per-output-channel weight
// [D, C] (axis 0).
// CHECK-LABEL: func.func @tb_token_axis_out_channel_axis
// CHECK: linalg.matmul
// CHECK-SAME: {quantc.gemm = "int8"}
func.func @tb_token_axis_out_channel_axis(%x: tensor<4x8xf32>, %w: tensor<2x8xf32>) -> tensor<4x2xf32> {
  %xq = quant.qcast %x : tensor<4x8xf32> to tensor<4x8x!xtok>
  %xd = quant.dcast %xq : tensor<4x8x!xtok> to tensor<4x8xf32>
  %wq = quant.qcast %w : tensor<2x8xf32> to tensor<2x8x!wout>
  %wd = quant.dcast %wq : tensor<2x8x!wout> to tensor<2x8xf32>
  %init = tensor.empty() : tensor<4x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%xd, %wd : tensor<4x8xf32>, tensor<2x8xf32>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

!xpt = !quant.uniform<i8:f32, 0.05>
!wred = !quant.uniform<i8:f32:1, {0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08}>

// Transposed-B: a weight [D, C] quantized per axis 1 varies along C.
func.func @tb_weight_reduction_axis(%x: tensor<4x8xf32>, %w: tensor<2x8xf32>) -> tensor<4x2xf32> {
  %xq = quant.qcast %x : tensor<4x8xf32> to tensor<4x8x!xpt>
  %xd = quant.dcast %xq : tensor<4x8x!xpt> to tensor<4x8xf32>
  %wq = quant.qcast %w : tensor<2x8xf32> to tensor<2x8x!wred>
  %wd = quant.dcast %wq : tensor<2x8x!wred> to tensor<2x8xf32>
  %init = tensor.empty() : tensor<4x2xf32>
  // expected-error @+1 {{operand #1 (weight) has a per-input-channel scale 'tensor<1x8xf32>' that varies along reduction dimension 1 (size 8)}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%xd, %wd : tensor<4x8xf32>, tensor<2x8xf32>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

!xch = !quant.uniform<i8:f32:1, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}>
!wout = !quant.uniform<i8:f32:0, {0.01, 0.02}>

// Transposed-B: an activation quantized per axis 1 (channels) varies along C.
func.func @tb_activation_channel_axis(%x: tensor<4x8xf32>, %w: tensor<2x8xf32>) -> tensor<4x2xf32> {
  %xq = quant.qcast %x : tensor<4x8xf32> to tensor<4x8x!xch>
  %xd = quant.dcast %xq : tensor<4x8x!xch> to tensor<4x8xf32>
  %wq = quant.qcast %w : tensor<2x8xf32> to tensor<2x8x!wout>
  %wd = quant.dcast %wq : tensor<2x8x!wout> to tensor<2x8xf32>
  %init = tensor.empty() : tensor<4x2xf32>
  // expected-error @+1 {{operand #0 (activation) has a per-channel scale 'tensor<1x8xf32>' that varies along reduction dimension 1 (size 8): it cannot be factored out of the sum over the reduction dimension}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%xd, %wd : tensor<4x8xf32>, tensor<2x8xf32>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

!xtok = !quant.uniform<i8:f32:0, {0.1, 0.2, 0.3, 0.4}>
!wout = !quant.uniform<i8:f32:1, {0.01, 0.02}>

// Plain matmul: per-token activation (axis 0), weight [C, D] per axis 1
// (output channels).
// CHECK-LABEL: func.func @plain_token_axis_out_channel_axis
// CHECK: linalg.matmul {quantc.gemm = "int8"}
func.func @plain_token_axis_out_channel_axis(%x: tensor<4x8xf32>, %w: tensor<8x2xf32>) -> tensor<4x2xf32> {
  %xq = quant.qcast %x : tensor<4x8xf32> to tensor<4x8x!xtok>
  %xd = quant.dcast %xq : tensor<4x8x!xtok> to tensor<4x8xf32>
  %wq = quant.qcast %w : tensor<8x2xf32> to tensor<8x2x!wout>
  %wd = quant.dcast %wq : tensor<8x2x!wout> to tensor<8x2xf32>
  %init = tensor.empty() : tensor<4x2xf32>
  %y = linalg.matmul ins(%xd, %wd : tensor<4x8xf32>, tensor<8x2xf32>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

!xpt = !quant.uniform<i8:f32, 0.05>
!wred = !quant.uniform<i8:f32:0, {0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08}>

// Plain matmul: the weight [C, D] quantized per axis 0 varies along C.
func.func @plain_weight_reduction_axis(%x: tensor<4x8xf32>, %w: tensor<8x2xf32>) -> tensor<4x2xf32> {
  %xq = quant.qcast %x : tensor<4x8xf32> to tensor<4x8x!xpt>
  %xd = quant.dcast %xq : tensor<4x8x!xpt> to tensor<4x8xf32>
  %wq = quant.qcast %w : tensor<8x2xf32> to tensor<8x2x!wred>
  %wd = quant.dcast %wq : tensor<8x2x!wred> to tensor<8x2xf32>
  %init = tensor.empty() : tensor<4x2xf32>
  // expected-error @+1 {{operand #1 (weight) has a per-input-channel scale 'tensor<8x1xf32>' that varies along reduction dimension 0 (size 8)}}
  %y = linalg.matmul ins(%xd, %wd : tensor<4x8xf32>, tensor<8x2xf32>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

!xch = !quant.uniform<i8:f32:1, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}>
!wout = !quant.uniform<i8:f32:1, {0.01, 0.02}>

// Plain matmul: per-channel activation.
func.func @plain_activation_channel_axis(%x: tensor<4x8xf32>, %w: tensor<8x2xf32>) -> tensor<4x2xf32> {
  %xq = quant.qcast %x : tensor<4x8xf32> to tensor<4x8x!xch>
  %xd = quant.dcast %xq : tensor<4x8x!xch> to tensor<4x8xf32>
  %wq = quant.qcast %w : tensor<8x2xf32> to tensor<8x2x!wout>
  %wd = quant.dcast %wq : tensor<8x2x!wout> to tensor<8x2xf32>
  %init = tensor.empty() : tensor<4x2xf32>
  // expected-error @+1 {{operand #0 (activation) has a per-channel scale 'tensor<1x8xf32>' that varies along reduction dimension 1 (size 8)}}
  %y = linalg.matmul ins(%xd, %wd : tensor<4x8xf32>, tensor<8x2xf32>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

!xtok = !quant.uniform<i8:f32:0, {0.1, 0.2, 0.3, 0.4}>
!wblk = !quant.uniform<i8:f32:{0:1, 1:32}, {{0.01, 0.02}, {0.03, 0.04}}>

// Sub-channel (block) weight [D, C] with blocks of 32 along C: K-blocked.
// Weights arrive as quantized function arguments.
// CHECK-LABEL: func.func @tb_subchannel_blocks
// CHECK: linalg.matmul
// CHECK-SAME: {quantc.gemm = "int8-kblocked", quantc.gemm_k_block = 32 : i64}
func.func @tb_subchannel_blocks(%x: tensor<4x64xf32>, %wq: tensor<2x64x!wblk>) -> tensor<4x2xf32> {
  %xq = quant.qcast %x : tensor<4x64xf32> to tensor<4x64x!xtok>
  %xd = quant.dcast %xq : tensor<4x64x!xtok> to tensor<4x64xf32>
  %wd = quant.dcast %wq : tensor<2x64x!wblk> to tensor<2x64xf32>
  %init = tensor.empty() : tensor<4x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%xd, %wd : tensor<4x64xf32>, tensor<2x64xf32>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
