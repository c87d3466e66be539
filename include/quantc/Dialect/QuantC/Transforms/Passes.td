//===- Passes.td - quantc transformation passes ------------*- tablegen -*-===//
#ifndef QUANTC_DIALECT_QUANTC_TRANSFORMS_PASSES_TD
#define QUANTC_DIALECT_QUANTC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"
// Choosing and applying a scheme: SmoothQuant, quantize, outlier split,
// cost report and scheme selection.
include "PassesScheme.td"

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
    `u8` storage is the i8 value `q - 128` (`q xor 0x80`) with zero point
    `z - 128`: the bytes stay u8 in memory, and each qcast ends and each
    dcast starts with an `arith.xori` by 0x80.

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
                           "mlir::func::FuncDialect",
                           "mlir::tensor::TensorDialect"];
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
       scale varies along the reduction dimension and the accumulator starts
       at zero. A plain-form constant weight is transposed at compile time.
       Zero points (constant along the reduction dimension) become the
       matmul's `lhs_zero_point` / `rhs_zero_point`, shaped over the result;
       a K whose corrected sum could overflow i32 stays float (remark).
       `linalg.quantized_matmul` / `quantized_batch_matmul` become
       `quantc.matmul` with their zero points the same way.
    2. Elementwise float ops after the epilogue move into it: a bias added
       along the output channels and an activation -- ReLU, exact GELU
       (`0.5 x (1 + erf(x / sqrt 2))`), tanh GELU or SiLU (`x sigmoid(x)`).
       They are matched by what they compute: the elementwise ops after a
       rescale (generic bodies, arith/math ops on tensors, named linalg ops
       and broadcasts, in chains) are first normalized into one
       `linalg.generic` per chain, and the body is matched over the common
       spellings (factors in any order and grouping, `x / sqrt 2` or
       `x * (1 / sqrt 2)`, `select(x > 0, x, 0)`, `powf(x, 3)`,
       `x / (1 + exp(-x))`, ...; see EpilogueMatch.h). A body that computes
       anything else stays a generic after the epilogue.
    3. `quantize(rescale(acc))` becomes a requantizing epilogue
       (`output_scale`), so the GEMM writes int8.
    4. `quantize(dequantize(q, s1), s2)` folds to `q` when the scales are the
       same value and the range of `q` fits, else to a requantize.
    5. `quantize` of constants folds to int8 constants (weights).
    6. `quantize` of a single-use elementwise `linalg.generic` (an
       activation, the last elementwise step of a normalisation) becomes one
       generic that writes int8: the float tensor is never stored.
    7. A dynamic per-token `quantc.compute_scale` over the last dimension of
       a 2-D tensor and its `quantize` become one `scf.for` over rows, each
       row reduced and quantized while it is in cache.

    8. A residual add (a full float tensor of the result's shape, e.g. a
       skip connection) after the epilogue becomes the epilogue's `residual`,
       added after the activation and before any requantize. The VNNI and
       Tensor Core kernels do not take a residual: there the rescale runs as
       its own op after the integer GEMM.

    Fusion is skipped (the QDQ form stays correct) when a value has several
    users that need the float form, or when scales or zero points vary along
    the reduction dimension.

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
                           "mlir::tensor::TensorDialect", "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect", "mlir::scf::SCFDialect"];
}

def QuantCVerifyGemm : Pass<"quantc-verify-gemm", "mlir::func::FuncOp"> {
  let summary = "Prove that every quantized matmul can run as an integer GEMM";
  let description = [{
    For every contraction (`linalg.matmul` plain or with `indexing_maps`,
    `linalg.batch_matmul`, contraction `linalg.generic`s, `quantc.matmul`)
    the pass reads the role of each operand dimension from the indexing maps,
    traces each operand back to its quantization scale (through
    `quantc.dequantize`/`quantc.quantize`, `quantc.smooth`, transposes and
    exact reshapes; `include/quantc/Analysis/Granularity.h`) and decides how
    the contraction can run.

    `Σ_c (p_n x̂_nc)(r_d ŵ_dc) = p_n r_d Σ_c x̂_nc ŵ_dc`: an int8 × int8 GEMM is
    legal iff no scale varies along a reduction dimension. Per-tensor,
    per-token (activation) and per-output-channel (weight) scales are legal;
    per-channel activation scales and per-element scales are not. Block scales
    along the reduction dimension are legal when the block is a multiple of
    the target's K tile (integer partial sums per block, rescaled in float).
    A float activation × quantized weight (W8A16) is legal with any weight
    granularity and is dequantized on load; an int8 activation × float weight
    is rejected (no target has a mixed GEMM). For int8 GEMMs the int32
    accumulator must not overflow: `K · |qmax_x| · |qmax_w| < 2^31`, where K
    is the reduction length (the block for K-blocked GEMMs).

    Legal contractions get a discardable `quantc.gemm` mark recording the
    verdict (for people, tests and tools; later passes ask the shared
    analysis again rather than trust a discardable attribute): `"int8"`, `"int8-kblocked"` (with `quantc.gemm_k_block`), `"fp8"` (f8E4M3FN storage) or
    `"dequant-on-load"`. An illegal one is an error naming the operand, the
    dimension, the granularity found and the fix. With `mode=warn` the errors
    become remarks and the contraction is marked `"illegal"` (and an
    overflowing one gets `quantc.gemm_k_split`, the longest safe reduction).

    Before:
    ```mlir
    %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<4x1xf32> -> tensor<4x64xf32>
    %wd = quantc.dequantize %wq, %ws : tensor<16x64xi8>, tensor<16x1xf32> -> tensor<16x64xf32>
    %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                        affine_map<(m, n, k) -> (n, k)>,
                                        affine_map<(m, n, k) -> (m, n)>]
           ins(%xd, %wd : tensor<4x64xf32>, tensor<16x64xf32>)
           outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
    ```
    After (per-token × per-output-channel):
    ```mlir
    %y = linalg.matmul {quantc.gemm = "int8"} indexing_maps = [...] ins(%xd, %wd ...) ...
    ```
    With a per-channel activation scale `tensor<1x64xf32>` instead:
    ```
    error: 'linalg.matmul' op operand #0 (activation) has a per-channel scale
    tensor<1x64xf32> that varies along reduction dimension 1 (size 64): it
    cannot be factored out of the sum over the reduction dimension, so no
    integer GEMM computes this product; migrate the per-channel factor into
    the weights with --quantc-smoothquant, or quantize the activation per
    token (a scale varying along dimension 0 only)
    ```
    See docs/GEMM-COMPATIBILITY.md.
  }];
  let options = [
    Option<"mode", "mode", "quantc::VerifyMode",
           /*default=*/"quantc::VerifyMode::error",
           "What an illegal matmul does",
           [{::llvm::cl::values(
             clEnumValN(quantc::VerifyMode::error, "error",
                        "the pass fails with an error"),
             clEnumValN(quantc::VerifyMode::warn, "warn",
                        "a remark and an \"illegal\" mark instead"))}]>,
    Option<"target", "target", "quantc::GemmTarget",
           /*default=*/"quantc::GemmTarget::generic",
           "The int8 kernel: sets the K tile unless k-tile is given",
           [{::llvm::cl::values(
             clEnumValN(quantc::GemmTarget::generic, "generic",
                        "K tile 32 (the reference lowering)"),
             clEnumValN(quantc::GemmTarget::vnni, "vnni",
                        "K tile 4 (one vpdpbusd lane)"),
             clEnumValN(quantc::GemmTarget::nvvm, "nvvm",
                        "K tile 32 (mma.m16n8k32)"))}]>,
    Option<"kTile", "k-tile", "int64_t", /*default=*/"32",
           "K tile of the int8 kernel; K-block scales must be a multiple of "
           "it (default: the target's)">,
  ];
  let dependentDialects = ["quantc::QuantCDialect"];
}

def QuantCSplitK : Pass<"quantc-split-k", "mlir::func::FuncOp"> {
  let summary = "Split int8 GEMMs whose int32 accumulator could overflow";
  let description = [{
    A `quantc.matmul` accumulates in int32. When the granularity analysis
    proves that `K · |qmax_x| · |qmax_w|` can reach 2^31 (with the operands'
    actual ranges: 133,144 elements for [-127, 127] x [-127, 127], fewer for
    -128 or wider ranges), or K exceeds `max-chunk` (the longest reduction a
    target kernel accumulates safely), the reduction is split into chunks of
    at most that length, each an int32 GEMM, and the partial results are
    summed exactly in int64; the `quantc.rescale` epilogues read the int64
    sum. Constant weights are sliced at compile time (so kernels that need a
    constant weight still take every chunk).

    Before (K = 140000, operands in [-127, 127]):
    ```mlir
    %acc = quantc.matmul %x, %w : tensor<1x140000xi8>, tensor<1x140000xi8> -> tensor<1x1xi32>
    %y = quantc.rescale %acc, %s, %s : (tensor<1x1xi32>, ...) -> tensor<1x1xf32>
    ```
    After:
    ```mlir
    %a0 = quantc.matmul %x0, %w0 : tensor<1x131072xi8>, ... -> tensor<1x1xi32>
    %a1 = quantc.matmul %x1, %w1 : tensor<1x8928xi8>, ... -> tensor<1x1xi32>
    %acc = arith.addi (arith.extsi %a0), (arith.extsi %a1) : tensor<1x1xi64>
    %y = quantc.rescale %acc, %s, %s : (tensor<1x1xi64>, ...) -> tensor<1x1xf32>
    ```
    A GEMM whose int32 result has users other than `quantc.rescale` cannot
    take a wider accumulator: that is an error naming the user. The chunks
    are unrolled, so a split into more than 4096 chunks (K beyond about
    5.4e8 for int8, or a tiny `max-chunk`) is an error naming the count.

    A reduction size known only at run time (a KV cache's length in P.V,
    a prompt's) is checked at run time unless the IR bounds it (value-bounds
    analysis, e.g. a slice of a static buffer): each `quantc.rescale` of the
    GEMM moves into an `scf.if` on `K <= limit` whose first branch is the
    GEMM and the epilogue as they were (the kernels' fused path), and whose
    second runs the GEMM in an `scf.for` over chunks of K, summed in int64.
    A dynamic-K GEMM whose int32 result is used by anything else gets a
    warning that names the limit beyond which its int32 result wraps.
  }];
  let options = [
    Option<"maxChunk", "max-chunk", "int64_t", "0",
           "Also split reductions longer than this (a target kernel's "
           "limit); 0: only where the analysis proves an overflow">,
  ];
  let dependentDialects = ["quantc::QuantCDialect", "mlir::arith::ArithDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect"];
}

def QuantCConvToGemm : Pass<"quantc-conv-to-gemm", "mlir::func::FuncOp"> {
  let summary = "Rewrite convolutions as an im2col gather and one 2-D GEMM "
                "(QDQ convolutions gathered on their integer tensor)";
  let description = [{
    Rewrites `linalg.conv_2d_nhwc_hwcf`, `conv_2d_nhwc_fhwc`,
    `conv_2d_nchw_fchw` and `conv_1d_nwc_wcf` (static shapes, any strides
    and dilations) into

    1. an im2col gather into `[N, OH, OW, KH, KW, C]` (`[N, OH, OW, C, KH,
       KW]` for an FCHW filter): for each window offset (kh, kw), the strided
       input slice `in[:, kh*dh :: sh, kw*dw :: sw, :]` is copied
       (`linalg.copy`, a `linalg.transpose` for NCHW) into that offset's
       slice; the result is collapsed to the matrix `[N*OH*OW, K]` (K =
       KH*KW*C, ordered like the filter). A channels-last 1x1 convolution
       with unit strides is only a `tensor.collapse_shape`. A padded input
       (`tensor.pad` with a constant) becomes a fill and a copy into its
       interior (tensor.pad would bufferize into a run-time library call);
    2. the filter collapsed to `[K, F]` (HWCF: a pure collapse; FHWC and FCHW
       are transposed first, at compile time for constants);
    3. one `linalg.matmul` `[N*OH*OW, K] x [K, F]` into the accumulator laid
       out as rows, expanded back to the convolution's result layout
       (transposed back for NCHW).

    A QDQ convolution (operands `quantc.dequantize`d, as --quantc-import-quant
    produces them) is gathered on the integer tensor, then dequantized: the
    gather commutes with a per-tensor or per-batch activation scale (and zero
    point), and the filter's per-output-channel scale survives the collapse,
    so --quantc-fuse sees an ordinary int8 GEMM and emits `quantc.matmul`. A
    zero `tensor.pad` between the dequantize and the convolution (how
    frontends pad) first moves to the integer side, padding with the zero
    point. A float activation with a quantized filter (weight-only) keeps
    the filter's dequantize after the collapse.

    The GEMM has the convolution's verdict (the shared analysis, as
    --quantc-verify-gemm reports it); marks of a --quantc-verify-gemm that ran
    first move to the matmul. A float `linalg.depthwise_conv_2d_nhwc_hwc`
    (no channel reduction, so no GEMM) becomes one all-parallel
    `linalg.generic` over the output that reads the KH x KW strided input
    windows as slices and the filter taps broadcast along the pixels,
    summed in the convolution's order, channels innermost (vectorized by
    --quantc-x86-vectorize-elementwise). A convolution that is not
    rewritten stays as it is with a remark saying why: quantized depthwise
    convolutions, other forms,
    dynamic shapes, scales varying along the input channels or the pixels
    (illegal, left for the verifier's error) or in K blocks.

    Before:
    ```mlir
    %y = linalg.conv_2d_nhwc_hwcf {strides = dense<2> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>}
           ins(%x, %w : tensor<1x9x9x3xf32>, tensor<3x3x3x8xf32>) outs(%z : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
    ```
    After:
    ```mlir
    // For each (kh, kw) of the 3x3 window:
    %s = tensor.extract_slice %x[0, kh, kw, 0] [1, 4, 4, 3] [1, 2, 2, 1] : tensor<1x9x9x3xf32> to tensor<1x4x4x3xf32>
    %d = tensor.extract_slice %g[0, 0, 0, kh, kw, 0] [1, 4, 4, 1, 1, 3] [1, 1, 1, 1, 1, 1] : tensor<1x4x4x3x3x3xf32> to tensor<1x4x4x3xf32>
    %c = linalg.copy ins(%s) outs(%d)
    %g2 = tensor.insert_slice %c into %g[0, 0, 0, kh, kw, 0] [1, 4, 4, 1, 1, 3] [1, 1, 1, 1, 1, 1]
    // ...
    %a = tensor.collapse_shape %g9 [[0, 1, 2], [3, 4, 5]] : tensor<1x4x4x3x3x3xf32> into tensor<16x27xf32>
    %b = tensor.collapse_shape %w [[0, 1, 2], [3]] : ... into tensor<27x8xf32>
    %m = linalg.matmul ins(%a, %b) outs(%z2 : tensor<16x8xf32>) -> tensor<16x8xf32>
    %y = tensor.expand_shape %m [[0, 1, 2], [3]] output_shape [1, 4, 4, 8] ...
    ```
  }];
  let dependentDialects = ["quantc::QuantCDialect", "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect", "mlir::arith::ArithDialect"];
}

def QuantCBindParams : Pass<"quantc-bind-params", "mlir::ModuleOp"> {
  let summary = "Turn large dense_resource constants into parameters bound "
                "at load time";
  let description = [{
    Replaces every `arith.constant` holding a `dense_resource` blob of more
    than `min-bytes` bytes (a model's weights) with a `quantc.param` of the
    same type, without reading the blob's bytes: no later pass folds, copies
    or packs the weight at compile time, so compile time and memory follow
    the program, not its weight bytes. Constants of one blob become one
    parameter; parameters are numbered in order of first use. The module
    gets `quantc.params`, one `{name, type}` dictionary per parameter in
    index order (the blob's key and its tensor type), which the lowering and
    the JIT read. Smaller constants (scales, biases) and textual `dense`
    constants stay constants. A blob of i4 holds one byte per element,
    sign-extended (`storageBytes`), and binds like i8; a blob whose element
    type has no byte storage (i1) stays a constant, with a remark.

    Before:
    ```mlir
    %w = arith.constant dense_resource<fc.weight> : tensor<4096x4096xi8>
    ```
    After:
    ```mlir
    %w = quantc.param "fc.weight" index 0 : tensor<4096x4096xi8>
    // and the module's quantc.params lists {name = "fc.weight",
    // type = tensor<4096x4096xi8>} at index 0
    ```
  }];
  let options = [
    Option<"minBytes", "min-bytes", "int64_t", "256",
           "Constants of at most this many bytes stay constants">,
  ];
  let dependentDialects = ["quantc::QuantCDialect"];
}

#endif // QUANTC_DIALECT_QUANTC_TRANSFORMS_PASSES_TD
