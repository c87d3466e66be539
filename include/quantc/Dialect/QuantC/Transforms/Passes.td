//===- Passes.td - quantc transformation passes ------------*- tablegen -*-===//
#ifndef QUANTC_DIALECT_QUANTC_TRANSFORMS_PASSES_TD
#define QUANTC_DIALECT_QUANTC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def QuantCImportQuant : Pass<"quantc-import-quant", "mlir::ModuleOp"> {
  let summary = "Convert upstream quant QDQ IR into quantc ops";
  let description = [{
    Rewrites `quant.qcast`, `quant.dcast` and `quant.scast` on tensors of
    `!quant.uniform` types (per-tensor, per-axis and sub-channel) into
    `quantc.quantize` / `quantc.dequantize` with constant scale tensors of the
    broadcast shape (DESIGN.md §2), zero points where the type has non-zero
    ones, and the clamp range of the type's storage (`i8` is [-128, 127]
    unless the type narrows it, e.g. `i8<-127:127>`). Function signatures
    carrying quantized tensor types are converted to their storage type.

    Unlike upstream `lower-quant-ops`, the result rounds half to even and
    saturates, and a `dcast(qcast(x))` pair keeps its quantization error.

    Before:
    ```mlir
    %q = quant.qcast %x : tensor<4x8xf32> to tensor<4x8x!quant.uniform<i8:f32:1, {0.1, 0.2, ...}>>
    %y = quant.dcast %q : tensor<4x8x!quant.uniform<i8:f32:1, {...}>> to tensor<4x8xf32>
    ```
    After:
    ```mlir
    %s = arith.constant dense<[[0.1, 0.2, ...]]> : tensor<1x8xf32>
    %q = quantc.quantize %x, %s {qmax = 127 : i64, qmin = -128 : i64} : tensor<4x8xf32>, tensor<1x8xf32> -> tensor<4x8xi8>
    %y = quantc.dequantize %q, %s : tensor<4x8xi8>, tensor<1x8xf32> -> tensor<4x8xf32>
    ```
  }];
  let dependentDialects = ["quantc::QuantCDialect", "mlir::arith::ArithDialect",
                           "mlir::func::FuncDialect"];
}

#endif // QUANTC_DIALECT_QUANTC_TRANSFORMS_PASSES_TD
