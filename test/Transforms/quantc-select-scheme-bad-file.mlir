// An unreadable target file is an error at the function, before any GEMM.
// RUN: quantc-opt %s --quantc-select-scheme="target-file=/nonexistent/quantc-target.json" -verify-diagnostics -o /dev/null
// RUN: quantc-opt %s --quantc-report-cost="target-file=/nonexistent/quantc-target.json" -verify-diagnostics -o /dev/null

// expected-error @+1 {{target file '/nonexistent/quantc-target.json': cannot read it: No such file or directory}}
func.func @f(%x: tensor<1x8xf32>, %w: tensor<8x16xf32>, %i: tensor<1x16xf32>) -> tensor<1x16xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<1x8xf32>, tensor<8x16xf32>) outs(%i : tensor<1x16xf32>) -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}
