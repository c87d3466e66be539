//===- PassesScheme.td - choosing and applying a quantization scheme -*- tablegen -*-===//
//
// Included by Passes.td (one pass declaration file per library); split by
// concern.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_DIALECT_QUANTC_TRANSFORMS_PASSESSCHEME_TD
#define QUANTC_DIALECT_QUANTC_TRANSFORMS_PASSESSCHEME_TD

include "mlir/Pass/PassBase.td"

def QuantCReportCost : Pass<"quantc-report-cost", "mlir::func::FuncOp"> {
  let summary = "Per-matmul remarks: ops, bytes and arithmetic intensity of "
                "FP16, W8A8, W8A16 and fused int8 I/O, with a roofline verdict";
  let description = [{
    For every contraction (any form the granularity analysis understands:
    `linalg.matmul` plain or transposed, `linalg.batch_matmul`, contraction
    `linalg.generic`s, `quantc.matmul`) with activation `[N, C]`, weight
    `[D, C]` and B batches, emits one remark with, per scheme (B times):

    | scheme | GEMM ops | q/dq ops | bytes moved |
    |---|---|---|---|
    | FP16 | 2NCD | 0 | 2(NC + CD + ND) |
    | W8A8, FP16 activation I/O | 2NCD | NC + ND | 4NC + CD + 2ND |
    | W8A16 (weight-only) | 2NCD | CD | 2NC + CD + 2ND |
    | W4A16 (weight-only, half a byte per weight) | 2NCD | CD | 2NC + CD/2 + 2ND |
    | fused int8 I/O | 2NCD | ND | NC + CD + ND |

    W8A8 with FP16 I/O reads X in FP16 and writes it as int8 in a separate
    quantize kernel (2NC + NC), which the GEMM reads again (NC); the GEMM
    writes FP16 through a dequantizing epilogue (2ND). Fused int8 I/O reads
    int8 that the previous epilogue wrote and requantizes in its own
    epilogue. Arithmetic intensity is GEMM ops per byte, printed with one
    decimal: 1365.3 for FP16 at N = C = D = 4096.

    The roofline verdict uses the target's peaks (`target=host-cpu|h100|h200`,
    `target-file=` a JSON description written by `tools/quantc-probe`, or
    `peak-int8`, `peak-fp16` in ops/s and `bandwidth` in bytes/s overriding
    single figures): each scheme's time is max(ops / peak, bytes /
    bandwidth), int8 peak for W8A8 and fused, float peak for FP16, W8A16 and
    W4A16. The default `target=auto` follows the compile target: the target
    recorded on the function as `quantc.cost_target` (by
    `--quantc-select-scheme`, which planned for it, or by
    `--quantc-record-cost-target`, which `--quantc-cpu-pipeline{report-cost}`
    runs with the preset of its `cpu=`: `xeon-amx-2c` for the AVX-512 VNNI
    kernels, `zen3-2c` for AVX2), else `zen5-2c`. Presets are named after the
    machine they describe (`zen5-2c`, `zen3-2c`, `xeon-amx-2c`, `h100`,
    `h200`; `host-cpu` is the legacy name of `zen5-2c`); the actual host is
    described by the file `quantc-probe` writes (`target-file=`). A GEMM whose FP16 form is
    memory-bound gets the recommendation W8A16 (weight bytes halve), a
    compute-bound one fused W8A8. `format=json` prints the same as one JSON
    object per remark, for tools.

    ```mlir
    // expected-remark: quantc cost: linalg.matmul N=4096 C=4096 D=4096 ...
    //   FP16: ... intensity 1365.3 ...
    %y = linalg.matmul ins(%x, %w : tensor<4096x4096xf16>, ...) ...
    ```
  }];
  let options = [
    Option<"target", "target", "quantc::CostTarget",
           /*default=*/"quantc::CostTarget::automatic", "The machine's roofline",
           [{::llvm::cl::values(
             clEnumValN(quantc::CostTarget::automatic, "auto",
                        "the target recorded on the function "
                        "(--quantc-select-scheme, --quantc-record-cost-target, "
                        "the CPU pipeline's report-cost), else zen5-2c"),
             clEnumValN(quantc::CostTarget::zen5_2c, "zen5-2c",
                        "2 Zen 5 cores: 1736e9 int8 ops/s, 434e9 f32, "
                        "40e9 B/s"),
             clEnumValN(quantc::CostTarget::zen3_2c, "zen3-2c",
                        "2 Zen 3 cores (AVX2): 435e9 int8 ops/s, 218e9 f32, "
                        "32e9 B/s"),
             clEnumValN(quantc::CostTarget::xeonAmx2c, "xeon-amx-2c",
                        "the 2-core AVX-512 VNNI Xeon VM of "
                        "docs/BENCHMARKS.md: 1536e9 int8 ops/s, 384e9 f32, "
                        "12e9 B/s"),
             clEnumValN(quantc::CostTarget::hostCpu, "host-cpu",
                        "legacy name of zen5-2c (not the compiling host: "
                        "quantc-probe describes that)"),
             clEnumValN(quantc::CostTarget::h100, "h100",
                        "H100 SXM: 1979e12 int8 ops/s, 989.5e12 fp16, "
                        "3.35e12 B/s"),
             clEnumValN(quantc::CostTarget::h200, "h200",
                        "H200 SXM: 1979e12 int8 ops/s, 989.5e12 fp16, "
                        "4.8e12 B/s"))}]>,
    Option<"targetFile", "target-file", "std::string", /*default=*/"",
           "A JSON target description {name, peak_int8, peak_fp16, "
           "bandwidth} (tools/quantc-probe writes one); replaces target=">,
    Option<"peakInt8", "peak-int8", "double", /*default=*/"0",
           "int8 ops/s (overrides the target's)">,
    Option<"peakFp16", "peak-fp16", "double", /*default=*/"0",
           "float GEMM ops/s (overrides the target's)">,
    Option<"bandwidth", "bandwidth", "double", /*default=*/"0",
           "memory bandwidth in bytes/s (overrides the target's)">,
    Option<"format", "format", "quantc::ReportFormat",
           /*default=*/"quantc::ReportFormat::text", "Remark format",
           [{::llvm::cl::values(
             clEnumValN(quantc::ReportFormat::text, "text", "for people"),
             clEnumValN(quantc::ReportFormat::json, "json",
                        "one JSON object per remark, for tools"))}]>,
  ];
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
    * The weight becomes `W·diag(s)`: a new constant, or with
      `defer-weights` a `linalg.generic` marked `quantc.smoothed_weight`
      that multiplies the original constant by the factor (in f32, rounded
      back to the weight's type), which `--quantc-quantize` applies while it
      quantizes the weight (the smoothed float weight is never stored) and
      turns into a constant when it leaves the contraction in float.
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
           preceding linear): its output channels are divided by s;
        5. a `tensor.collapse_shape` / `tensor.expand_shape` whose last
           reassociation group is the channel dimension alone, or a
           `tensor.reshape` with the same static last size (the
           `[B, S, C] -> [B*S, C]` view before each linear of a 3-D input),
           of a value matching 1-5: the fold goes through the reshape.
      Otherwise an explicit `quantc.smooth` is inserted.
    * Constants may be `dense` or `dense_resource` (model weights as blobs);
      the rescaled ones keep the kind of the original.
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
    Option<"legalizeActivations", "legalize-activations",
           "quantc::ActGranularity", "quantc::ActGranularity::PerTensor",
           "Granularity that legalised per-channel QDQ activations get",
           [{::llvm::cl::values(
             clEnumValN(quantc::ActGranularity::PerTensor, "per-tensor",
                        "static, from the calibration statistics"),
             clEnumValN(quantc::ActGranularity::PerToken, "per-token",
                        "dynamic, one scale per row"))}]>,
    Option<"deferWeights", "defer-weights", "bool", "false",
           "Leave a float weight's smoothing pending, as `W·diag(s)` in a "
           "linalg.generic marked quantc.smoothed_weight, for a following "
           "--quantc-quantize to apply in the pass that quantizes the weight "
           "(the smoothed float weight is never stored); false: a new "
           "constant">
  ];
  let dependentDialects = ["quantc::QuantCDialect", "mlir::arith::ArithDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def QuantCQuantize : Pass<"quantc-quantize", "mlir::func::FuncOp"> {
  let summary = "Quantize float matmuls and convolutions with constant "
                "weights (QDQ form)";
  let description = [{
    Rewrites float contractions (`linalg.matmul` in both weight layouts,
    `linalg.batch_matmul`; operand roles from the indexing maps) whose weight
    is an `arith.constant` into the QDQ form: the weight is quantized at
    compile time into an `i8` constant and a scale constant, and fed through
    `quantc.dequantize`; the activation goes through `quantc.quantize` +
    `quantc.dequantize`. The float contraction itself is kept: the QDQ form
    `linalg.matmul(dequantize(xq), dequantize(wq))` is what `--quantc-fuse`
    turns into `quantc.matmul` + `quantc.rescale`.

    Convolutions (`linalg.conv_2d_nhwc_hwcf`, `nhwc_fhwc`, `nchw_fchw`,
    `depthwise_conv_2d_nhwc_hwc` and generics of that structure, as the
    granularity analysis reads them) with a constant filter get the same
    form, W8A8 only: the filter per output channel (a depthwise filter per
    channel), the activation per image at run time (`per-token`: a scale
    along the output pixels would vary along the window, a reduction) or
    per tensor from its statistics; `--quantc-conv-to-gemm` and
    `--quantc-fuse` then run them as int8. A weight-only scheme or FP8
    storage leaves a convolution in float with a remark.

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

    * `weight-bits=8` (default): `i8` weights, scales `absmax / 127`,
      values clamped to [-127, 127]; `weight-bits=4`: `i4` weights (the
      upstream storage type, signed), scales `absmax / 7`, values clamped to
      the symmetric [-7, 7] (DESIGN.md §1's rule at 4 bits: -8 stays unused,
      so that negating a weight never saturates). 4-bit weights need
      `activations=none` (W4A16: there is no int4 x int8 GEMM).
    * `group-size=32|64|128`: the weight scale also varies along the
      reduction dimension K, one per group of that many consecutive K
      elements and output channel (sub-channel / blockwise, AWQ/GPTQ-style;
      scale shape `[K / g, D]` for a `[K, D]` weight); `0` (default): no
      groups. K must be a multiple of the group (an error otherwise), and
      groups need `weights=per-channel` and `activations=none` (a scale
      that varies along K does not factor out of an int8 GEMM).

    * `storage=f8E4M3FN`: FP8 W8A8 (Hopper's other 8-bit Tensor Core
      type): weights and activations are `f8E4M3FN` tensors (builtin: MLIR's
      quant types reject FP8 storage), scales `absmax / 448`, values
      rounded to the nearest E4M3 value (ties to even) and saturated at
      +-448 (QuantCOps.h `encodeE4M3FN`); `quantc.compute_scale` gets
      `qmax = 448`. Needs weight-bits=8, no groups and int8-style
      activations (per-token or per-tensor). A `w8a16`/`w4a16` mark still
      quantizes that GEMM's weight to integers.

    Scales are in f32 (1 for an all-zero slice or group); values are
    rounded half to even. No zero points are produced (symmetric); imported
    weights (`--quantc-import-quant`) may carry them.

    A `quantc.scheme = "w4a16"` mark of `--quantc-select-scheme` makes the
    GEMM W4A16 whatever the options: 4-bit weights in groups of
    `group-size` (128 when 0) along K. When K is not a multiple of that
    group, the largest of 128, 64, 32 that divides K is taken, and when
    none does, the 4-bit scale is per output channel; a remark says so.

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
    Option<"weights", "weights", "quantc::WeightGranularity",
           "quantc::WeightGranularity::PerChannel",
           "Weight scale granularity",
           [{::llvm::cl::values(
             clEnumValN(quantc::WeightGranularity::PerChannel, "per-channel",
                        "one scale per output channel"),
             clEnumValN(quantc::WeightGranularity::PerTensor, "per-tensor",
                        "one scale"))}]>,
    Option<"activations", "activations", "quantc::ActGranularity",
           "quantc::ActGranularity::PerToken", "Activation quantization",
           [{::llvm::cl::values(
             clEnumValN(quantc::ActGranularity::PerToken, "per-token",
                        "dynamic, one scale per row"),
             clEnumValN(quantc::ActGranularity::PerTensor, "per-tensor",
                        "static, from quantc.observe"),
             clEnumValN(quantc::ActGranularity::None, "none",
                        "float activations (W8A16)"))}]>,
    Option<"weightBits", "weight-bits", "int64_t", "8",
           "Bits per weight: 8 (i8) or 4 (i4, needs activations=none)">,
    Option<"groupSize", "group-size", "int64_t", "0",
           "Weight scale groups along K: 32, 64 or 128 elements (0: none)">,
    Option<"storage", "storage", "std::string", "\"i8\"",
           "Storage of W8A8 values: i8 (default) or f8E4M3FN (FP8 E4M3, "
           "scales absmax / 448)">
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

def QuantCRecordCostTarget
    : Pass<"quantc-record-cost-target", "mlir::func::FuncOp"> {
  let summary = "Record the compile target's roofline on functions that have "
                "none (quantc.cost_target), for --quantc-report-cost";
  let description = [{
    Sets `quantc.cost_target = {name, peak_int8, peak_fp16, bandwidth}` on
    every function without one (a target `--quantc-select-scheme` planned
    for is kept), from a preset (`target=`) or a target file
    (`target-file=`, e.g. written by `quantc-probe` on the host).
    `--quantc-cpu-pipeline{report-cost=true}` runs it with the preset of its
    `cpu=` and then `--quantc-report-cost`, so that the report describes the
    machine being compiled for. Errors: an unreadable or malformed target
    file.
  }];
  let options = [
    Option<"target", "target", "quantc::CostTarget",
           /*default=*/"quantc::CostTarget::zen5_2c", "The machine's roofline",
           [{::llvm::cl::values(
             clEnumValN(quantc::CostTarget::zen5_2c, "zen5-2c",
                        "2 Zen 5 cores: 1736e9 int8 ops/s, 434e9 f32, "
                        "40e9 B/s"),
             clEnumValN(quantc::CostTarget::zen3_2c, "zen3-2c",
                        "2 Zen 3 cores (AVX2): 435e9 int8 ops/s, 218e9 f32, "
                        "32e9 B/s"),
             clEnumValN(quantc::CostTarget::xeonAmx2c, "xeon-amx-2c",
                        "the 2-core AVX-512 VNNI Xeon VM of "
                        "docs/BENCHMARKS.md: 1536e9 int8 ops/s, 384e9 f32, "
                        "12e9 B/s"),
             clEnumValN(quantc::CostTarget::hostCpu, "host-cpu",
                        "legacy name of zen5-2c (not the compiling host: "
                        "quantc-probe describes that)"),
             clEnumValN(quantc::CostTarget::h100, "h100",
                        "H100 SXM: 1979e12 int8 ops/s, 989.5e12 fp16, "
                        "3.35e12 B/s"),
             clEnumValN(quantc::CostTarget::h200, "h200",
                        "H200 SXM: 1979e12 int8 ops/s, 989.5e12 fp16, "
                        "4.8e12 B/s"))}]>,
    Option<"targetFile", "target-file", "std::string", /*default=*/"",
           "A JSON target description {name, peak_int8, peak_fp16, "
           "bandwidth} (tools/quantc-probe writes one); replaces target=">
  ];
}

def QuantCSelectScheme : Pass<"quantc-select-scheme", "mlir::func::FuncOp"> {
  let summary = "Per GEMM, pick W8A8, W8A16, W4A16 or float from the cost "
                "table evaluated with a target's peaks";
  let description = [{
    For every float contraction that `--quantc-quantize` takes
    (`linalg.matmul` in both weight layouts, `linalg.batch_matmul`; not the
    ones marked `quantc.keep_float` or whose weight already is a
    `quantc.dequantize`), evaluates the cost table of `--quantc-report-cost`
    (DESIGN.md §1, with a W4A16 row: half a byte per weight) with the
    target's peaks at each token count of `tokens=` (the GEMM's rows N per
    batch; default: the static N of the IR), and marks the GEMM with the
    scheme of least total time over those token counts:

    | mark | row of the table | what `--quantc-quantize` does |
    |---|---|---|
    | `quantc.scheme = "float"` | FP16 | leaves the GEMM in float (remark) |
    | `"w8a8"` | W8A8 (FP16 I/O), int8 peak | int8 weights and activations |
    | `"w8a16"` | W8A16, float peak | int8 weights, float activations |
    | `"w4a16"` | W4A16, float peak | 4-bit (`i4`) weights with f32 scales per group of 128 along K (`group-size` of `--quantc-quantize` when set), float activations |

    Each time is max(ops / peak, bytes / bandwidth). Ties go to the more
    accurate scheme (float, W8A16, W8A8, W4A16), so a compute-bound GEMM on
    a target whose int8 peak is not above its float peak stays float. W8A8
    is costed with FP16 activation I/O (its own quantize kernel), not the
    fused int8 I/O row: whether a neighbour hands it int8 is not known here.

    Targets are fixed descriptions, never measured by the pass, so its
    output is deterministic: `target=zen5-2c|zen3-2c|xeon-amx-2c|h100|h200`
    presets (the figures of `--quantc-report-cost`; `host-cpu` the legacy
    name of `zen5-2c`), or `target-file=` a JSON
    `{"name", "peak_int8", "peak_fp16", "bandwidth"}` (ops/s, ops/s, B/s)
    written by `tools/quantc-probe/quantc-probe.py` on the machine to
    describe. The function records the target as `quantc.cost_target`,
    which the default `--quantc-report-cost` then uses.

    One remark per GEMM gives the choice; one note per token count gives
    the table's times (and whether each scheme is compute- or memory-bound),
    and a last note the totals. A GEMM with a dynamic reduction or output
    size, or a dynamic N without `tokens=`, gets a remark and no mark.
    Errors: a token count below 1, an unreadable or malformed target file.

    ```mlir
    // --quantc-select-scheme="target=host-cpu tokens=1"
    // remark: quantc scheme: linalg.matmul C=4096 D=4096 on host-cpu -> w4a16
    %y = linalg.matmul {quantc.scheme = "w4a16"} ins(%x, %w : tensor<1x4096xf32>, tensor<4096x4096xf32>) ...
    ```
  }];
  let options = [
    Option<"target", "target", "quantc::CostTarget",
           /*default=*/"quantc::CostTarget::zen5_2c", "The machine's roofline",
           [{::llvm::cl::values(
             clEnumValN(quantc::CostTarget::zen5_2c, "zen5-2c",
                        "2 Zen 5 cores: 1736e9 int8 ops/s, 434e9 f32, "
                        "40e9 B/s"),
             clEnumValN(quantc::CostTarget::zen3_2c, "zen3-2c",
                        "2 Zen 3 cores (AVX2): 435e9 int8 ops/s, 218e9 f32, "
                        "32e9 B/s"),
             clEnumValN(quantc::CostTarget::xeonAmx2c, "xeon-amx-2c",
                        "the 2-core AVX-512 VNNI Xeon VM of "
                        "docs/BENCHMARKS.md: 1536e9 int8 ops/s, 384e9 f32, "
                        "12e9 B/s"),
             clEnumValN(quantc::CostTarget::hostCpu, "host-cpu",
                        "legacy name of zen5-2c (not the compiling host: "
                        "quantc-probe describes that)"),
             clEnumValN(quantc::CostTarget::h100, "h100",
                        "H100 SXM: 1979e12 int8 ops/s, 989.5e12 fp16, "
                        "3.35e12 B/s"),
             clEnumValN(quantc::CostTarget::h200, "h200",
                        "H200 SXM: 1979e12 int8 ops/s, 989.5e12 fp16, "
                        "4.8e12 B/s"))}]>,
    Option<"targetFile", "target-file", "std::string", /*default=*/"",
           "A JSON target description {name, peak_int8, peak_fp16, "
           "bandwidth} (tools/quantc-probe writes one); replaces target=">,
    ListOption<"tokens", "tokens", "int64_t",
               "Token counts (rows N) to plan for, e.g. 512,1 for prefill "
               "and decode; the choice minimises the total time (default: "
               "the GEMM's static N)">,
  ];
}

#endif // QUANTC_DIALECT_QUANTC_TRANSFORMS_PASSESSCHEME_TD
