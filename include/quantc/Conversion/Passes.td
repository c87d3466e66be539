//===- Passes.td - quantc conversion passes ----------------*- tablegen -*-===//
#ifndef QUANTC_CONVERSION_PASSES_TD
#define QUANTC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertQuantCToLinalg : Pass<"convert-quantc-to-linalg"> {
  let summary = "Lower quantc ops to linalg on tensors (target independent)";
  let description = [{
    Every quantc op becomes a `linalg.generic` whose indexing maps implement
    the broadcast of its scales: a scale dimension of size 1 maps to the
    constant 0, an equal one to the loop index, and a block of size g to
    `d floordiv g`.

    - `quantize`: `fptosi(clamp(roundeven(x / s) + zp, qmin, qmax))`; the
      clamp happens in float, so out-of-range values saturate and never wrap,
      and NaN becomes the zero point.
    - `dequantize`: `sitofp(q - zp) * s`.
    - `compute_scale`: an absmax reduction, then `m == 0 ? 1 : m / qmax`.
    - `matmul`: sign-extending i32 multiply-accumulate over C.
    - `rescale`: `((f32(acc) * xs) * ws) + bias`, activation, optional
      requantization as in `quantize`.
    - `smooth`: `x / s`; `observe`: its input.

    Before:
    ```mlir
    %q = quantc.quantize %x, %s : tensor<4xf32>, tensor<1xf32> -> tensor<4xi8>
    ```
    After:
    ```mlir
    %q = linalg.generic {indexing_maps = [(d0) -> (d0), (d0) -> (0), (d0) -> (d0)], ...}
        ins(%x, %s : tensor<4xf32>, tensor<1xf32>) outs(%e : tensor<4xi8>) {
      %r = math.roundeven (%x / %s) ; clamp to [-127, 127] ; arith.fptosi
    }
    ```
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect"];
}

#endif // QUANTC_CONVERSION_PASSES_TD
