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

def QuantCFuse : Pass<"quantc-fuse", "mlir::func::FuncOp"> {
  let summary = "ZeroQuant fusion: integer GEMMs with fused epilogues, int8 between ops";
  let description = [{
    Turns fake-quantized (QDQ) float GEMMs into integer GEMMs and moves the
    remaining (de)quantization into neighbouring ops, so that int8 flows
    between layers:

    1. `linalg.matmul(dequantize(xq, xs), dequantize(wq, ws))` (plain and
       transposed-B forms, `linalg.batch_matmul`) becomes
       `quantc.matmul(xq, wqᵀ)` + `quantc.rescale(acc, xs, ws)` when neither
       scale varies along the reduction dimension, there are no zero points
       and the accumulator starts at zero. A plain-form constant weight is
       transposed at compile time.
    2. Elementwise float ops after the epilogue move into it: a bias added
       along the output channels, ReLU (`max(x, 0)`), and both in one
       `linalg.generic`.
    3. `quantize(rescale(acc))` becomes a requantizing epilogue
       (`output_scale`), so the GEMM writes int8.
    4. `quantize(dequantize(q, s1), s2)` folds to `q` when the scales are the
       same value and the range of `q` fits, else to a requantize.
    5. `quantize` of constants folds to int8 constants (weights).

    Fusion is skipped (the QDQ form stays correct) when a value has several
    users that need the float form, when scales vary along the reduction
    dimension, or when zero points are present.

    Before:
    ```mlir
    %x = quantc.dequantize %xq, %xs : tensor<4x16xi8>, tensor<1x1xf32> -> tensor<4x16xf32>
    %w = quantc.dequantize %wq, %ws : tensor<32x16xi8>, tensor<32x1xf32> -> tensor<32x16xf32>
    %y = linalg.matmul indexing_maps = [(m,n,k)->(m,k), (m,n,k)->(n,k), (m,n,k)->(m,n)]
           ins(%x, %w) outs(%zero) -> tensor<4x32xf32>
    %h = linalg.generic {bias add + relu} ins(%y, %b) ...
    %hq = quantc.quantize %h, %hs : tensor<4x32xf32>, tensor<1x1xf32> -> tensor<4x32xi8>
    ```
    After:
    ```mlir
    %acc = quantc.matmul %xq, %wq : tensor<4x16xi8>, tensor<32x16xi8> -> tensor<4x32xi32>
    %hq = quantc.rescale %acc, %xs, %ws_row bias %b_row output_scale %hs
            {activation = #quantc.activation<relu>} : (...) -> tensor<4x32xi8>
    ```
  }];
  let dependentDialects = ["quantc::QuantCDialect", "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect", "mlir::arith::ArithDialect"];
}

#endif // QUANTC_DIALECT_QUANTC_TRANSFORMS_PASSES_TD
