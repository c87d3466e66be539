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

def QuantCSmoothQuant : Pass<"quantc-smoothquant", "mlir::func::FuncOp"> {
  let summary = "Migrate per-channel activation outliers into the constant weights (SmoothQuant)";
  let description = [{
    For every float contraction (`linalg.matmul`, plain `[C, D]` or
    transposed-B `[D, C]` weight, and `linalg.batch_matmul`) whose activation
    is the result of `quantc.observe` and whose weight is an `arith.constant`,
    computes per reduction channel c

      `s_c = max(absmax_c^alpha / max(max_d |W_dc|, 1e-5)^(1-alpha), 1e-5)`

    and rewrites `X·W = (X·diag(s)^-1)·(diag(s)·W)`. Operand roles (which
    operand is the activation, which weight dimension is the reduction and
    which the output channel) come from the indexing maps, never from an
    assumed layout; the activation's channel must be its last dimension
    (the dimension `quantc.observe` describes).

    * All contractions consuming the same observed value (q/k/v
      projections) share one `s`, computed from the max over all their
      weights, as in the reference implementation.
    * The weight becomes `W·diag(s)` (a new constant).
    * `X·diag(s)^-1` is folded into the producer of the observed value when
      it is one of these patterns (the producer is cloned, so other users
      of the original value are unaffected):
        1. an all-parallel `linalg.generic` whose yielded value is
           `arith.mulf(e, %g)` with `%g` the block argument of a constant
           1-D `tensor<Cxf*>` input read through `(d0, ..., dn) -> (dn)`
           (the gamma of LayerNorm / RMSNorm): gamma becomes `gamma / s`;
        2. such a generic yielding `arith.addf(arith.mulf(e, %g), %b)` with
           `%b` a per-channel constant (fused gamma and beta): both divided;
        3. such a generic yielding `arith.addf(%a, %b)` with `%b` a
           per-channel constant (beta) and `%a` the block argument of an input
           that itself matches 1, 3 or 4 (recursively folded): beta / s;
        4. a contraction with a constant weight and a zero-filled init (a
           preceding linear): its output channels are divided by s.
      Otherwise an explicit `quantc.smooth` is inserted.
    * The statistics are updated (`absmax / s`) on a new `quantc.observe` in
      front of the smoothed contractions, so `--quantc-quantize` sees the
      smoothed range.

    Legalisation: an activation `quantc.dequantize %q, %t` whose constant
    scale has one value per reduction channel (per-channel activation
    scales cannot be factored out of an integer GEMM) is rewritten: the
    statistics are `absmax_c = qmax · max t_c` (`qmax` of the matching
    `quantc.quantize`, 127 otherwise), the smoothing is applied as
    above to the float value (the input of the matching `quantc.quantize`,
    or the dequantized value), and it is re-quantized `per-tensor` (static
    scale `max_c(absmax_c / s_c) / 127`, the default) or `per-token` (dynamic
    `quantc.compute_scale`), chosen by `legalize-activations`. A weight that
    is a float constant or `quantc.dequantize` of constant integers with a
    scale that does not vary along the reduction dimension is scaled (and in
    the latter case re-quantized with its original granularity).

    Diagnostics: negative, NaN or infinite statistics, and NaN or infinite
    weights, are errors; a float contraction without statistics, or whose
    activation's channel is not its last dimension, gets a remark and is left
    alone; a contraction to smooth whose weight is not a constant is an error
    (the factor must be folded into the weight at compile time).

    Before:
    ```mlir
    %n = linalg.generic ... ins(%xhat, %gamma : tensor<4x8xf32>, tensor<8xf32>) {
           ^bb0(%a: f32, %g: f32, %o: f32):
             %m = arith.mulf %a, %g : f32
             linalg.yield %m : f32 } -> tensor<4x8xf32>
    %o = quantc.observe %n {absmax = dense<[...]> : tensor<8xf32>} : tensor<4x8xf32>
    %y = linalg.matmul ins(%o, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
    ```
    After (`%gamma2 = gamma / s`, `%w2 = diag(s)·W`):
    ```mlir
    %n2 = linalg.generic ... ins(%xhat, %gamma2 : tensor<4x8xf32>, tensor<8xf32>) { ... }
    %o2 = quantc.observe %n2 {absmax = dense<[absmax / s]> : tensor<8xf32>} : tensor<4x8xf32>
    %y = linalg.matmul ins(%o2, %w2 : tensor<4x8xf32>, tensor<8x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
    ```
  }];
  let options = [
    Option<"alpha", "alpha", "double", "0.5",
           "Migration strength in [0, 1]: 0 keeps activations, 1 moves all of "
           "the range into the weights">,
    Option<"legalizeActivations", "legalize-activations", "std::string",
           "\"per-tensor\"",
           "Granularity that legalised per-channel QDQ activations get: "
           "per-tensor (static) or per-token (dynamic)">
  ];
  let dependentDialects = ["quantc::QuantCDialect", "mlir::arith::ArithDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def QuantCQuantize : Pass<"quantc-quantize", "mlir::func::FuncOp"> {
  let summary = "Quantize float matmuls with constant weights (QDQ form)";
  let description = [{
    Rewrites float contractions (`linalg.matmul` in both weight layouts,
    `linalg.batch_matmul`; operand roles from the indexing maps) whose weight
    is an `arith.constant` into the QDQ form: the weight is quantized at
    compile time into an `i8` constant and a scale constant, and fed through
    `quantc.dequantize`; the activation goes through `quantc.quantize` +
    `quantc.dequantize`. The float contraction itself is kept: the QDQ form
    `linalg.matmul(dequantize(xq), dequantize(wq))` is what `--quantc-fuse`
    turns into `quantc.matmul` + `quantc.rescale`.

    Options and the scale shapes they produce (all GEMM-compatible by
    construction: activation scales vary along tokens only, weight scales
    along output channels only):
    * `weights=per-channel` (default): one scale per output channel
      (`1` in every weight dimension but the output-channel one);
      `weights=per-tensor`: one scale.
    * `activations=per-token` (default): `quantc.compute_scale` over the
      channel dimension at run time; `per-tensor`: a static scale
      `max(absmax) / 127` from the `quantc.observe` statistics (an error
      without them); `none`: W8A16, only the weight is quantized and the
      contraction runs in float.

    Scales are `absmax / 127` in f32 (1 for an all-zero slice); values are
    rounded half to even and clamped to [-127, 127].

    Left alone: contractions whose weight is already a `quantc.dequantize`,
    and those marked `quantc.keep_float` (the outlier GEMM of
    `--quantc-outlier-split`). An activation that already is a
    `quantc.dequantize` is kept as is (only the weight is quantized).
    A weight that is not a constant is an error: it cannot be quantized at
    compile time; so is a NaN or infinite weight. A matmul whose activation's
    channel is not its last dimension gets a remark and stays float. The
    float weight constants left without users are removed.

    Before:
    ```mlir
    %y = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
    ```
    After (defaults):
    ```mlir
    %wq = arith.constant dense<...> : tensor<8x16xi8>
    %ws = arith.constant dense<...> : tensor<1x16xf32>
    %wd = quantc.dequantize %wq, %ws : tensor<8x16xi8>, tensor<1x16xf32> -> tensor<8x16xf32>
    %xs = quantc.compute_scale %x {dims = array<i64: 1>} : tensor<4x8xf32> -> tensor<4x1xf32>
    %xq = quantc.quantize %x, %xs : tensor<4x8xf32>, tensor<4x1xf32> -> tensor<4x8xi8>
    %xd = quantc.dequantize %xq, %xs : tensor<4x8xi8>, tensor<4x1xf32> -> tensor<4x8xf32>
    %y = linalg.matmul ins(%xd, %wd : tensor<4x8xf32>, tensor<8x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
    ```
  }];
  let options = [
    Option<"weights", "weights", "std::string", "\"per-channel\"",
           "Weight scale granularity: per-channel (per output channel) or "
           "per-tensor">,
    Option<"activations", "activations", "std::string", "\"per-token\"",
           "Activation quantization: per-token (dynamic), per-tensor (static, "
           "from quantc.observe) or none (W8A16)">
  ];
  let dependentDialects = ["quantc::QuantCDialect", "mlir::arith::ArithDialect",
                           "mlir::linalg::LinalgDialect"];
}

def QuantCOutlierSplit : Pass<"quantc-outlier-split", "mlir::func::FuncOp"> {
  let summary = "LLM.int8(): outlier channels in a float GEMM, the rest in int8";
  let description = [{
    For every float contraction (roles from the indexing maps, as in
    `--quantc-quantize`) whose activation carries `quantc.observe`
    statistics and whose weight is constant, the reduction channels with
    `absmax > threshold` are gathered (a `linalg.generic` with
    `tensor.extract` at constant channel indices) into a float contraction
    with the matching rows of the weight (marked `quantc.keep_float`); the
    other channels go to the int8 path in QDQ form (per-token activation,
    per-output-channel weight, the vector-wise scheme of LLM.int8()); the
    two results are added with `linalg.add`. The original init is the
    accumulator of the float part. Without outliers the whole contraction
    takes the int8 path; if every channel is an outlier it stays float.

    Before:
    ```mlir
    %o = quantc.observe %x {absmax = dense<[1.0, 90.0, 2.0, 1.5]> : tensor<4xf32>} : tensor<2x4xf32>
    %y = linalg.matmul ins(%o, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
    ```
    After (`threshold=6.0`: channel 1 is an outlier):
    ```mlir
    %xo = linalg.generic ... // X[:, [1]]
    %xi = linalg.generic ... // X[:, [0, 2, 3]]
    %yo = linalg.matmul {quantc.keep_float} ins(%xo, %wo : tensor<2x1xf32>, tensor<1x3xf32>) outs(%z : ...)
    %xs = quantc.compute_scale %xi ...
    ... quantize / dequantize of %xi, dequantize of the i8 weight rows ...
    %yi = linalg.matmul ins(%xid, %wid : tensor<2x3xf32>, tensor<3x3xf32>) outs(%zero : ...)
    %y = linalg.add ins(%yo, %yi : ...) outs(...)
    ```
  }];
  let options = [
    Option<"threshold", "threshold", "double", "6.0",
           "Channels whose calibrated absmax exceeds this stay in float">
  ];
  let dependentDialects = ["quantc::QuantCDialect", "mlir::arith::ArithDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

#endif // QUANTC_DIALECT_QUANTC_TRANSFORMS_PASSES_TD
