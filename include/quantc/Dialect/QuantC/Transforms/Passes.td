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

    Legal contractions get a discardable `quantc.gemm` mark that later passes
    read: `"int8"`, `"int8-kblocked"` (with `quantc.gemm_k_block`) or
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
    Option<"mode", "mode", "std::string", /*default=*/"\"error\"",
           "error: an illegal matmul fails the pass; warn: a remark and an "
           "\"illegal\" mark instead">,
    Option<"target", "target", "std::string", /*default=*/"\"generic\"",
           "generic | vnni | nvvm: sets the K tile (32, 4, 32) unless k-tile "
           "is given">,
    Option<"kTile", "k-tile", "int64_t", /*default=*/"32",
           "K tile of the int8 kernel; K-block scales must be a multiple of "
           "it (default: the target's)">,
  ];
  let dependentDialects = ["quantc::QuantCDialect"];
}

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
    | fused int8 I/O | 2NCD | ND | NC + CD + ND |

    W8A8 with FP16 I/O reads X in FP16 and writes it as int8 in a separate
    quantize kernel (2NC + NC), which the GEMM reads again (NC); the GEMM
    writes FP16 through a dequantizing epilogue (2ND). Fused int8 I/O reads
    int8 that the previous epilogue wrote and requantizes in its own
    epilogue. Arithmetic intensity is GEMM ops per byte, printed with one
    decimal: 1365.3 for FP16 at N = C = D = 4096.

    The roofline verdict uses the target's peaks (`target=h100|host-cpu`, or
    `peak-int8`, `peak-fp16` in ops/s and `bandwidth` in bytes/s): each
    scheme's time is max(ops / peak, bytes / bandwidth), int8 peak for W8A8
    and fused, float peak for FP16 and W8A16. A GEMM whose FP16 form is
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
    Option<"target", "target", "std::string", /*default=*/"\"h100\"",
           "h100 (H100 SXM: 1979e12 int8 ops/s, 989.5e12 fp16, 3.35e12 B/s) or "
           "host-cpu (2 Zen 5 cores: 1736e9 int8 ops/s, 434e9 f32, 40e9 B/s)">,
    Option<"peakInt8", "peak-int8", "double", /*default=*/"0",
           "int8 ops/s (overrides the target's)">,
    Option<"peakFp16", "peak-fp16", "double", /*default=*/"0",
           "float GEMM ops/s (overrides the target's)">,
    Option<"bandwidth", "bandwidth", "double", /*default=*/"0",
           "memory bandwidth in bytes/s (overrides the target's)">,
    Option<"format", "format", "std::string", /*default=*/"\"text\"",
           "text or json">,
  ];
}

#endif // QUANTC_DIALECT_QUANTC_TRANSFORMS_PASSES_TD
