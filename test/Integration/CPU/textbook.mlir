// The textbook example: X = [1.1, 4.5, 2.3, 5.6], scale = max|X| / 127
// quantizes to [25, 102, 52, 127]; out-of-range values saturate, never wrap;
// ties round to even; NaN goes to the zero point; upstream QDQ keeps its error.
// RUN: quantc-opt %s --quantc-cpu-pipeline | mlir-runner -e main -entry-point-result=void -O3 -shared-libs=%mlir_runner_libs | FileCheck %s

func.func private @printMemrefI32(memref<*xi32>) attributes { llvm.emit_c_interface }
func.func private @printMemrefF32(memref<*xf32>) attributes { llvm.emit_c_interface }

func.func @print_i8(%t: tensor<1x8xi8>) {
  %w = arith.extsi %t : tensor<1x8xi8> to tensor<1x8xi32>
  %m = bufferization.to_buffer %w : tensor<1x8xi32> to memref<1x8xi32>
  %u = memref.cast %m : memref<1x8xi32> to memref<*xi32>
  call @printMemrefI32(%u) : (memref<*xi32>) -> ()
  return
}

func.func @main() {
  %x = arith.constant dense<[[1.1, 4.5, 2.3, 5.6]]> : tensor<1x4xf32>
  %s = quantc.compute_scale %x {dims = array<i64: 0, 1>} : tensor<1x4xf32> -> tensor<1x1xf32>
  %q = quantc.quantize %x, %s : tensor<1x4xf32>, tensor<1x1xf32> -> tensor<1x4xi8>
  %qw = arith.extsi %q : tensor<1x4xi8> to tensor<1x4xi32>
  %qm = bufferization.to_buffer %qw : tensor<1x4xi32> to memref<1x4xi32>
  %qu = memref.cast %qm : memref<1x4xi32> to memref<*xi32>
  // CHECK: sizes = [1, 4]
  // CHECK-NEXT: {{\[}}[25, 102, 52, 127]]
  call @printMemrefI32(%qu) : (memref<*xi32>) -> ()

  // Saturation and ties-to-even with scale 1: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2,
  // -2.5 -> -2, 1e9 -> 127, -1e9 -> -127, inf -> 127, nan -> 0.
  %one = arith.constant dense<1.0> : tensor<1x1xf32>
  %y = arith.constant dense<[[0.5, 1.5, 2.5, -2.5, 1.0e9, -1.0e9, 0x7F800000, 0x7FC00000]]> : tensor<1x8xf32>
  %qy = quantc.quantize %y, %one : tensor<1x8xf32>, tensor<1x1xf32> -> tensor<1x8xi8>
  // CHECK: {{\[}}[0, 2, 2, -2, 127, -127, 127, 0]]
  call @print_i8(%qy) : (tensor<1x8xi8>) -> ()

  // Full i8 range with a zero point, through upstream QDQ types.
  %p = quant.qcast %y : tensor<1x8xf32> to tensor<1x8x!quant.uniform<i8:f32, 1.0:-3>>
  %pi = quant.scast %p : tensor<1x8x!quant.uniform<i8:f32, 1.0:-3>> to tensor<1x8xi8>
  // CHECK: {{\[}}[-3, -1, -1, -5, 127, -128, 127, -3]]
  call @print_i8(%pi) : (tensor<1x8xi8>) -> ()

  // dcast(qcast(x)) keeps the quantization error: 1.1 with scale 5.6/127
  // comes back as 25 * 0.0440945 = 1.10236, not 1.1.
  %f = quant.qcast %x : tensor<1x4xf32> to tensor<1x4x!quant.uniform<i8:f32, 0.04409448818897638>>
  %g = quant.dcast %f : tensor<1x4x!quant.uniform<i8:f32, 0.04409448818897638>> to tensor<1x4xf32>
  %gm = bufferization.to_buffer %g : tensor<1x4xf32> to memref<1x4xf32>
  %gu = memref.cast %gm : memref<1x4xf32> to memref<*xf32>
  // CHECK: {{\[}}[1.10236, 4.49764, 2.29291, 5.6]]
  call @printMemrefF32(%gu) : (memref<*xf32>) -> ()
  return
}
