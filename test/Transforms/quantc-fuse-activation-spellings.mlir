// Activations are fused into the GEMM epilogue by what they compute, not by
// how they are spelled (issue 17 item 4): the elementwise ops after a
// quantc.rescale -- generic bodies, arith/math ops on tensors, named linalg
// ops, in chains -- are normalized into one generic and its body matched
// against ReLU, exact and tanh GELU and SiLU; anything else stays a generic.
// RUN: quantc-opt %s --quantc-fuse -split-input-file | FileCheck %s


// ReLU as select(t > 0, t, 0).
// CHECK-LABEL: func.func @relu_select
// CHECK: quantc.rescale {{.*}}activation = #quantc.activation<relu>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @relu_select(%x: tensor<4x8xi8>, %w: tensor<6x8xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x6xf32>) -> tensor<4x6xf32> {
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x6xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x6xi32>, tensor<1x1xf32>, tensor<1x6xf32>) -> tensor<4x6xf32>
  %e = tensor.empty() : tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%t: f32, %o: f32):
    %z = arith.constant 0.0 : f32
    %p = arith.cmpf ogt, %t, %z : f32
    %s = arith.select %p, %t, %z : f32
    linalg.yield %s : f32
  } -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}

// -----

// ReLU as select(0 > t, 0, t).
// CHECK-LABEL: func.func @relu_select_mirrored
// CHECK: quantc.rescale {{.*}}activation = #quantc.activation<relu>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @relu_select_mirrored(%x: tensor<4x8xi8>, %w: tensor<6x8xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x6xf32>) -> tensor<4x6xf32> {
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x6xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x6xi32>, tensor<1x1xf32>, tensor<1x6xf32>) -> tensor<4x6xf32>
  %e = tensor.empty() : tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%t: f32, %o: f32):
    %z = arith.constant 0.0 : f32
    %p = arith.cmpf ugt, %z, %t : f32
    %s = arith.select %p, %z, %t : f32
    linalg.yield %s : f32
  } -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}

// -----

// Exact GELU grouped as (t * (erf(c t) + 1)) * 0.5.
// CHECK-LABEL: func.func @gelu_grouped
// CHECK: quantc.rescale {{.*}}activation = #quantc.activation<gelu>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @gelu_grouped(%x: tensor<4x8xi8>, %w: tensor<6x8xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x6xf32>) -> tensor<4x6xf32> {
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x6xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x6xi32>, tensor<1x1xf32>, tensor<1x6xf32>) -> tensor<4x6xf32>
  %e = tensor.empty() : tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%t: f32, %o: f32):
    %c = arith.constant 0.70710678 : f32
    %h = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %s = arith.mulf %c, %t : f32
    %f = math.erf %s : f32
    %u = arith.addf %f, %one : f32
    %a = arith.mulf %t, %u : f32
    %r = arith.mulf %a, %h : f32
    linalg.yield %r : f32
  } -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}

// -----

// tanh GELU as PyTorch's approximate='tanh' (the frontend's spelling).
// CHECK-LABEL: func.func @gelu_tanh
// CHECK: quantc.rescale {{.*}}activation = #quantc.activation<gelu_tanh>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @gelu_tanh(%x: tensor<4x8xi8>, %w: tensor<6x8xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x6xf32>) -> tensor<4x6xf32> {
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x6xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x6xi32>, tensor<1x1xf32>, tensor<1x6xf32>) -> tensor<4x6xf32>
  %e = tensor.empty() : tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%t: f32, %o: f32):
    %a = arith.constant 0.044715 : f32
    %c = arith.constant 0.797884583 : f32
    %h = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %t2 = arith.mulf %t, %t : f32
    %t3 = arith.mulf %t2, %t : f32
    %a3 = arith.mulf %t3, %a : f32
    %in = arith.addf %t, %a3 : f32
    %u = arith.mulf %in, %c : f32
    %th = math.tanh %u : f32
    %p = arith.addf %one, %th : f32
    %ht = arith.mulf %h, %t : f32
    %r = arith.mulf %ht, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}

// -----

// tanh GELU with powf(t, 3) and sqrt(2/pi) distributed over the sum.
// CHECK-LABEL: func.func @gelu_tanh_pow_distributed
// CHECK: quantc.rescale {{.*}}activation = #quantc.activation<gelu_tanh>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @gelu_tanh_pow_distributed(%x: tensor<4x8xi8>, %w: tensor<6x8xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x6xf32>) -> tensor<4x6xf32> {
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x6xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x6xi32>, tensor<1x1xf32>, tensor<1x6xf32>) -> tensor<4x6xf32>
  %e = tensor.empty() : tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%t: f32, %o: f32):
    %three = arith.constant 3.0 : f32
    %ca = arith.constant 0.0356774081 : f32
    %c = arith.constant 0.797884583 : f32
    %h = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %t3 = math.powf %t, %three : f32
    %a3 = arith.mulf %ca, %t3 : f32
    %ct = arith.mulf %c, %t : f32
    %u = arith.addf %ct, %a3 : f32
    %th = math.tanh %u : f32
    %p = arith.addf %th, %one : f32
    %ht = arith.mulf %t, %p : f32
    %r = arith.mulf %ht, %h : f32
    linalg.yield %r : f32
  } -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}

// -----

// SiLU as t * sigmoid(t) (the frontend's spelling).
// CHECK-LABEL: func.func @silu_sigmoid
// CHECK: quantc.rescale {{.*}}activation = #quantc.activation<silu>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @silu_sigmoid(%x: tensor<4x8xi8>, %w: tensor<6x8xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x6xf32>) -> tensor<4x6xf32> {
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x6xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x6xi32>, tensor<1x1xf32>, tensor<1x6xf32>) -> tensor<4x6xf32>
  %e = tensor.empty() : tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%t: f32, %o: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %t : f32
    %ex = math.exp %n : f32
    %d = arith.addf %one, %ex : f32
    %s = arith.divf %one, %d : f32
    %r = arith.mulf %t, %s : f32
    linalg.yield %r : f32
  } -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}

// -----

// SiLU as t / (exp(0 - t) + 1).
// CHECK-LABEL: func.func @silu_div
// CHECK: quantc.rescale {{.*}}activation = #quantc.activation<silu>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @silu_div(%x: tensor<4x8xi8>, %w: tensor<6x8xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x6xf32>) -> tensor<4x6xf32> {
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x6xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x6xi32>, tensor<1x1xf32>, tensor<1x6xf32>) -> tensor<4x6xf32>
  %e = tensor.empty() : tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%t: f32, %o: f32):
    %one = arith.constant 1.0 : f32
    %z = arith.constant 0.0 : f32
    %n = arith.subf %z, %t : f32
    %ex = math.exp %n : f32
    %d = arith.addf %ex, %one : f32
    %r = arith.divf %t, %d : f32
    linalg.yield %r : f32
  } -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}

// -----

// SiLU of a bias add, -t as t * -1: the bias and SiLU both fuse.
// CHECK-LABEL: func.func @silu_bias
// CHECK: quantc.rescale {{.*}}activation = #quantc.activation<silu>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @silu_bias(%x: tensor<4x8xi8>, %w: tensor<6x8xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x6xf32>, %bias: tensor<6xf32>) -> tensor<4x6xf32> {
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x6xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x6xi32>, tensor<1x1xf32>, tensor<1x6xf32>) -> tensor<4x6xf32>
  %e = tensor.empty() : tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y, %bias : tensor<4x6xf32>, tensor<6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%t: f32, %b: f32, %o: f32):
    %one = arith.constant 1.0 : f32
    %m = arith.constant -1.0 : f32
    %tb = arith.addf %t, %b : f32
    %n = arith.mulf %tb, %m : f32
    %ex = math.exp %n : f32
    %d = arith.addf %one, %ex : f32
    %r = arith.divf %tb, %d : f32
    linalg.yield %r : f32
  } -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}

// -----

// Not GELU (erf(0.8 t)): stays a generic after the rescale.
// CHECK-LABEL: func.func @not_gelu
// CHECK: quantc.rescale
// CHECK-NOT: activation
// CHECK: linalg.generic
func.func @not_gelu(%x: tensor<4x8xi8>, %w: tensor<6x8xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x6xf32>) -> tensor<4x6xf32> {
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x6xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x6xi32>, tensor<1x1xf32>, tensor<1x6xf32>) -> tensor<4x6xf32>
  %e = tensor.empty() : tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%t: f32, %o: f32):
    %c = arith.constant 0.8 : f32
    %h = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %s = arith.mulf %t, %c : f32
    %f = math.erf %s : f32
    %u = arith.addf %one, %f : f32
    %a = arith.mulf %h, %t : f32
    %r = arith.mulf %a, %u : f32
    linalg.yield %r : f32
  } -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}

// -----

// Not SiLU (-t / (1 + exp(-t))): stays a generic.
// CHECK-LABEL: func.func @not_silu
// CHECK: quantc.rescale
// CHECK-NOT: activation
// CHECK: linalg.generic
func.func @not_silu(%x: tensor<4x8xi8>, %w: tensor<6x8xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x6xf32>) -> tensor<4x6xf32> {
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x6xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x6xi32>, tensor<1x1xf32>, tensor<1x6xf32>) -> tensor<4x6xf32>
  %e = tensor.empty() : tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%t: f32, %o: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %t : f32
    %ex = math.exp %n : f32
    %d = arith.addf %one, %ex : f32
    %r = arith.divf %n, %d : f32
    linalg.yield %r : f32
  } -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}

// -----

// ReLU6 is not ReLU: stays a generic.
// CHECK-LABEL: func.func @relu6
// CHECK: quantc.rescale
// CHECK-NOT: activation
// CHECK: linalg.generic
func.func @relu6(%x: tensor<4x8xi8>, %w: tensor<6x8xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x6xf32>) -> tensor<4x6xf32> {
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x6xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x6xi32>, tensor<1x1xf32>, tensor<1x6xf32>) -> tensor<4x6xf32>
  %e = tensor.empty() : tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%t: f32, %o: f32):
    %z = arith.constant 0.0 : f32
    %six = arith.constant 6.0 : f32
    %a = arith.maximumf %t, %z : f32
    %r = arith.minimumf %a, %six : f32
    linalg.yield %r : f32
  } -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}

// -----

// SiLU written with arith/math ops on tensors (as TOSA and elementwise
// lowerings leave it), a splat constant as the 1: one generic, fused.
// CHECK-LABEL: func.func @silu_on_tensors
// CHECK: quantc.rescale {{.*}}activation = #quantc.activation<silu>
// CHECK-NOT: math.exp
// CHECK: return
func.func @silu_on_tensors(%x: tensor<4x8xi8>, %w: tensor<6x8xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x6xf32>) -> tensor<4x6xf32> {
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x6xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x6xi32>, tensor<1x1xf32>, tensor<1x6xf32>) -> tensor<4x6xf32>
  %ones = arith.constant dense<1.0> : tensor<4x6xf32>
  %n = arith.negf %y : tensor<4x6xf32>
  %ex = math.exp %n : tensor<4x6xf32>
  %d = arith.addf %ex, %ones : tensor<4x6xf32>
  %r = arith.divf %y, %d : tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}

// -----

// A bias add and a ReLU as two named linalg ops: generalized, fused into one
// body, then into the epilogue.
// CHECK-LABEL: func.func @named_chain
// CHECK: quantc.rescale {{.*}} bias %{{.*}}activation = #quantc.activation<relu>
// CHECK-NOT: linalg.
// CHECK: return
func.func @named_chain(%x: tensor<4x8xi8>, %w: tensor<6x8xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x6xf32>, %bias: tensor<6xf32>) -> tensor<4x6xf32> {
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<6x8xi8> -> tensor<4x6xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x6xi32>, tensor<1x1xf32>, tensor<1x6xf32>) -> tensor<4x6xf32>
  %e = tensor.empty() : tensor<4x6xf32>
  %zeros = arith.constant dense<0.0> : tensor<4x6xf32>
  %bb = linalg.broadcast ins(%bias : tensor<6xf32>) outs(%e : tensor<4x6xf32>) dimensions = [0]
  %a = linalg.add ins(%y, %bb : tensor<4x6xf32>, tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) -> tensor<4x6xf32>
  %r = linalg.max ins(%a, %zeros : tensor<4x6xf32>, tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}
