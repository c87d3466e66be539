// RUN: quantc-opt %s --convert-quantc-to-gpu="chip=sm_90a tma=1" --mlir-print-debuginfo --mlir-print-local-scope | sed -n '/gpu.func @gemm_0/,/gpu.return/p' | FileCheck %s
// RUN: quantc-opt %s --convert-quantc-to-gpu="chip=sm_90a tma=1" --mlir-print-debuginfo --mlir-print-local-scope | sed -n '/gpu.func @gemm_0/,/gpu.return/p' | grep 'loc(' | not grep -v 'locations.mlir":15:10)'
// RUN: quantc-opt %s --convert-quantc-to-gpu="chip=sm_90" --mlir-print-debuginfo --mlir-print-local-scope | sed -n '/gpu.func @gemm_0/,/gpu.return/p' | grep 'loc(' | not grep -v 'locations.mlir":15:10)'

// The kernels are built at the user's quantc.matmul (line 15): every op of
// the kernel, epilogue included, carries its location (RUN lines 2 and 3: no
// line of the kernel names another), so whatever a later pass says about the
// kernel points at the matmul.

// CHECK:     nvgpu.tma.async.load {{.+}} loc("{{.+}}locations.mlir":15:10)
// CHECK:     nvvm.wgmma.mma_async {{.+}} loc("{{.+}}locations.mlir":15:10)
// CHECK:     math.erf {{.+}} loc("{{.+}}locations.mlir":15:10)
// CHECK:     gpu.return loc("{{.+}}locations.mlir":15:10)
func.func @gemm(%x: tensor<256x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<256x1xf32>, %ws: tensor<1x512xf32>) -> tensor<256x512xf16> {
  %acc = quantc.matmul %x, %w : tensor<256x256xi8>, tensor<512x256xi8> -> tensor<256x512xi32>
  %y = quantc.rescale %acc, %xs, %ws {activation = #quantc.activation<gelu>} : (tensor<256x512xi32>, tensor<256x1xf32>, tensor<1x512xf32>) -> tensor<256x512xf16>
  return %y : tensor<256x512xf16>
}
