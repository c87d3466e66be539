//===- Granularity.h - which dimensions a scale varies along ----*- C++ -*-===//
//
// The one analysis every quantc pass shares (DESIGN.md §1-2): for a value that
// feeds a contraction, find the quantization scale behind it, say along which
// of the value's dimensions that scale varies (and in blocks of how many
// elements), and decide whether the contraction can run as an integer GEMM.
//
//   traceScale(v)           value -> ScaleGranularity (in v's dimensions)
//   getContractionInfo(op)  contraction -> role of every operand dimension,
//                           derived from the indexing maps
//   classifyGemm(op, kTile) -> GemmVerdict: int8 / int8-kblocked /
//                           dequant-on-load / illegal (+ int32 overflow)
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_ANALYSIS_GRANULARITY_H
#define QUANTC_ANALYSIS_GRANULARITY_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace quantc {

//===----------------------------------------------------------------------===//
// Marks written by --quantc-verify-gemm. They record the verdict for people,
// tests and tools (FileCheck, --quantc-report-cost readers); no pass reads
// them back: a discardable attribute can be dropped by any rewrite, so every
// later pass (--quantc-fuse, the x86 and GPU lowerings) asks classifyGemm
// itself, which is the one source of truth.
//===----------------------------------------------------------------------===//

/// Discardable attribute on a contraction: the verdict, one of the
/// `stringifyGemmKind` strings ("int8", "int8-kblocked", "fp8",
/// "dequant-on-load", "illegal").
inline constexpr llvm::StringLiteral kGemmAttrName = "quantc.gemm";
/// i64: the K block of a K-blocked GEMM (integer partial sums per block,
/// rescaled and summed in float).
inline constexpr llvm::StringLiteral kGemmKBlockAttrName =
    "quantc.gemm_k_block";
/// i64: the longest reduction that cannot overflow the int32 accumulator
/// (only when the full reduction could; mode=warn).
inline constexpr llvm::StringLiteral kGemmKSplitAttrName =
    "quantc.gemm_k_split";

//===----------------------------------------------------------------------===//
// Scale granularity
//===----------------------------------------------------------------------===//

/// The quantization scale behind a value, expressed in that value's
/// dimensions. Granularity is a shape (DESIGN.md §2): a scale dimension of size
/// 1 broadcasts (does not vary), one equal to the data dimension varies
/// element by element, one that divides it varies in blocks.
struct ScaleGranularity {
  /// The scale tensor: the `quantc.dequantize` scale for a float value, the
  /// `quantc.quantize` scale for an integer value. Its dimensions are those of
  /// `source`'s operand, which may be a permutation/reshape of the traced
  /// value's dimensions.
  mlir::Value scale;
  /// The quantc.dequantize or quantc.quantize that defines the quantization.
  mlir::Operation *source = nullptr;
  /// Per-channel divisors met between `source` and the traced value
  /// (`quantc.smooth` factors): the effective scale is scale / factor.
  llvm::SmallVector<mlir::Value, 1> smoothFactors;

  /// Per dimension of the traced value: whether the effective scale varies
  /// along it.
  llvm::SmallVector<bool> varies;
  /// Per dimension of the traced value: how many consecutive elements share a
  /// scale value. 1 when the scale varies element by element, g for blocks
  /// of g, the dimension's size when it does not vary;
  /// ShapedType::kDynamic when unknown.
  llvm::SmallVector<int64_t> blockSize;

  /// Every contributing scale/factor is a compile-time constant.
  bool isConstant = false;
  /// The quantization has a zero point (affine, not symmetric).
  bool hasZeroPoint = false;
  /// Integer storage type of the quantized data (i8, i4, i32, ...).
  mlir::Type storageType;
  /// Range of the integer values: the quantize op's clamp range when known,
  /// else the whole storage range (e.g. [-128, 127] for i8).
  int64_t qmin = 0, qmax = 0;

  int64_t rank() const { return varies.size(); }
  /// Largest magnitude of a quantized value (|qmin| or |qmax|).
  int64_t maxAbs() const;
  /// Storage width in bits.
  unsigned storageBits() const;
};

/// Traces `v` back to its quantization scale through quantc.dequantize (for a
/// float value) or quantc.quantize (for an integer value), looking through
/// layout ops that keep every element: linalg.transpose, tensor.cast,
/// tensor.expand_shape, tensor.collapse_shape, and through quantc.observe
/// and quantc.smooth (whose channel factor joins the scale). Fails when `v`
/// is not quantized (a plain float or integer value) or when a reshape breaks
/// the scale blocks so that they cannot be described per dimension. A zero
/// tensor.pad (isZeroPad) is looked through where the scale does not vary
/// along a padded dimension.
mlir::FailureOr<ScaleGranularity> traceScale(mlir::Value v);

/// Whether `op` is a tensor.pad with the constant value 0.0: its padding is
/// exact on the integer side of a quantized tensor (the zero point), so the
/// analysis, --quantc-quantize and --quantc-conv-to-gemm look through it.
bool isZeroPad(mlir::Operation *op);

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

/// Role of one dimension of a contraction operand, from the indexing maps:
/// batch (in both inputs and the result), M (lhs and result), N (rhs and
/// result), K (both inputs, reduced).
enum class DimRole { Batch, M, N, K };
llvm::StringRef stringifyDimRole(DimRole role);

/// Which operand of Y = X · Wᵀ an input is. By linalg's convention the input
/// carrying the M dimensions (operand 0) is the activation and the one
/// carrying the N dimensions (operand 1) is the weight.
enum class OperandRole { Activation, Weight };
llvm::StringRef stringifyOperandRole(OperandRole role);

struct ContractionOperand {
  mlir::Value value;
  unsigned operandNumber = 0;
  OperandRole role = OperandRole::Activation;
  /// Per dimension of `value`: its role in the contraction.
  llvm::SmallVector<DimRole> dims;
  /// Per dimension of `value`: the loop dimension that indexes it.
  llvm::SmallVector<unsigned> loopDims;
  /// Static shape of `value` (ShapedType::kDynamic where unknown).
  llvm::SmallVector<int64_t> shape;
  /// Per dimension: indexed by a sum of loops (a convolution's output pixel
  /// + window offset), so a scale varying along it varies along the
  /// reduction element by element, whatever its block. Empty when none is.
  llvm::SmallVector<bool> windowed;
  /// Per dimension of `value`: the static extent of the loop `loopDims[i]`
  /// (ShapedType::kDynamic where unknown). The dimension's size, except for a
  /// windowed dimension, whose reduction loop runs over the window only.
  llvm::SmallVector<int64_t> loopExtents;
  /// The reduced dimensions in the order the GEMM flattens the reduction:
  /// the operand's layout order for a contraction; for a convolution, the
  /// window dimensions, then the input channels (the order of the implicit
  /// im2col GEMM, whatever the layout), so both operands agree. Empty: the
  /// layout order.
  llvm::SmallVector<unsigned> reductionOrder;
  /// The zero point subtracted from `value` before the products (a `_q`
  /// form's scalar, a quantc.matmul's tensor); null when none. It widens
  /// the range of the factors, hence the int32 overflow bound.
  mlir::Value zeroPoint;

  /// Operand dimensions that are reduced, in the order the GEMM flattens
  /// the reduction (`reductionOrder`).
  llvm::SmallVector<unsigned> reductionDims() const;
};

/// A contraction understood from its indexing maps, never from an assumed
/// layout: linalg.matmul (plain, or with `indexing_maps`, e.g. transposed B),
/// linalg.batch_matmul, any linalg op (e.g. linalg.generic) for which
/// linalg::isaContractionOpInterface holds, a linalg convolution (as an
/// implicit-im2col GEMM: batch and output pixels are rows, output channels
/// columns, the window and input channels the reduction, a depthwise channel
/// a batch dimension; an input dimension indexed by pixel + offset counts as
/// a reduction dimension), the `_q` forms of these (linalg.quantized_matmul,
/// quantized_batch_matmul, conv_2d_{nhwc_hwcf,nhwc_fhwc,nchw_fchw}_q,
/// depthwise_conv_2d_nhwc_hwc_q: integer operands with two scalar zero
/// points, their roles read from the indexing maps and iterator types), and
/// quantc.matmul ([..., N, C] x [..., D, C]).
struct ContractionInfo {
  mlir::Operation *op = nullptr;
  ContractionOperand lhs, rhs;
  /// A convolution (some lhs dimension is windowed).
  bool isConvolution = false;
  /// The scalar zero points of a `_q` form (lhs, rhs); empty for the other
  /// forms. A pass that rewrites the contraction must carry them.
  llvm::SmallVector<mlir::Value, 2> zeroPoints;
  /// Product of the reduction loop extents; ShapedType::kDynamic if unknown.
  int64_t reductionSize = 0;
};

/// Fails (silently) when `op` is not a contraction.
mlir::FailureOr<ContractionInfo> getContractionInfo(mlir::Operation *op);

/// Human-readable granularity of a scale on a contraction operand:
/// "per-tensor", "per-batch", "per-token", "per-output-channel",
/// "per-channel" (activation, along the reduction dimension),
/// "per-input-channel" (weight, along the reduction dimension),
/// "per-block(g)", "per-element", "per-pixel" (a convolution input's scale
/// varying along a windowed dimension: along the output pixels and the
/// window).
std::string describeGranularity(const ScaleGranularity &g,
                                const ContractionOperand &operand);

/// Number of consecutive elements of the flattened reduction (the operand's
/// K dimensions in the GEMM's reduction order, `reductionDims()`, each
/// spanning its loop extent) that share a scale value: 0 when the
/// scale does not vary along any K dimension, 1 when it varies element by
/// element, g for blocks of g; ShapedType::kDynamic when a varying block is
/// not static.
int64_t reductionBlock(const ScaleGranularity &g,
                       const ContractionOperand &operand);

//===----------------------------------------------------------------------===//
// The verdict
//===----------------------------------------------------------------------===//

enum class GemmKind {
  /// Neither operand is quantized: nothing to prove.
  NotQuantized,
  /// int8 x int8 -> i32; every scale factors out of the sum over K.
  Int8,
  /// int8 x int8 with block scales along K whose block is a multiple of the K
  /// tile: integer partial sums per block, rescaled and summed in float.
  Int8KBlocked,
  /// FP8 (E4M3) x FP8 under the integer rule (every scale factors out of
  /// the sum over K), accumulated in f32: no overflow to check.
  Fp8,
  /// Float activation x quantized weight (W8A16/W4A16): the weight is
  /// dequantized on load and the GEMM runs in float.
  DequantOnLoad,
  /// No integer GEMM can compute this (see the violations).
  Illegal,
};
llvm::StringRef stringifyGemmKind(GemmKind kind);

/// Whether `kind` is one GEMM over the whole K with every scale in the
/// epilogue (int8 or FP8 storage): what --quantc-fuse turns into a
/// quantc.matmul + rescale.
inline bool isWholeKQuantizedGemm(GemmKind kind) {
  return kind == GemmKind::Int8 || kind == GemmKind::Fp8;
}

/// Why one operand makes the integer GEMM impossible.
struct GemmViolation {
  enum class Kind {
    /// The scale varies along a reduction dimension (element by element).
    ScaleVariesAlongReduction,
    /// Block scales along K whose block is not a multiple of the K tile (or
    /// not static).
    BlockNotMultipleOfKTile,
    /// A reshape made the scale impossible to describe per dimension.
    UntraceableScale,
    /// Block scales along K, but the two operands lay their K dimensions out
    /// in different orders, so their blocks do not cover the same elements.
    KLayoutMismatch,
    /// int8 activation x float weight: no target has a mixed GEMM.
    FloatWeightWithIntActivation,
  };
  Kind kind;
  ContractionOperand operand;
  /// Operand dimension concerned (-1 when none).
  int64_t dim = -1;
  /// Granularity found, e.g. "per-channel", "per-block(16)".
  std::string granularity;
  /// Effective K block for BlockNotMultipleOfKTile.
  int64_t block = 0;
  /// Type of the scale (for messages).
  mlir::Type scaleType;
  /// FloatWeightWithIntActivation: the integer storage the weight was
  /// dequantized from (e.g. i16), null for a plain float weight.
  mlir::Type storageType;
};

/// int32 accumulator overflow of an integer GEMM.
struct GemmOverflow {
  /// Length of one integer accumulation: the reduction size, or the K block
  /// of a K-blocked GEMM.
  int64_t accumulationLength = 0;
  int64_t maxAbsLhs = 0, maxAbsRhs = 0;
  /// Longest accumulation that cannot overflow, rounded down to a multiple of
  /// the K tile when that is possible.
  int64_t maxSplit = 0;
  /// Number of chunks of at most `maxSplit` covering the accumulation.
  int64_t numChunks = 0;
};

struct GemmVerdict {
  GemmKind kind = GemmKind::NotQuantized;
  ContractionInfo info;
  /// Scales of the operands (absent for float or unscaled integer operands).
  std::optional<ScaleGranularity> lhsScale, rhsScale;
  /// For Int8KBlocked: the GEMM's K block (a multiple of the K tile).
  int64_t kBlock = 0;
  /// For Illegal.
  llvm::SmallVector<GemmViolation, 2> violations;
  /// For Int8/Int8KBlocked when K · |qmax_x| · |qmax_w| >= 2^31 (|q - z|
  /// for an operand with a zero point z).
  std::optional<GemmOverflow> overflow;
  /// For Int8 with a reduction size known only at run time: the longest K
  /// whose int32 accumulation cannot overflow (rounded down to a multiple of
  /// the K tile), the bound the run time must check (--quantc-split-k).
  std::optional<int64_t> dynamicMaxAccumulation;
};

/// The int8 kernel a GEMM is verified for (--quantc-verify-gemm target=).
enum class GemmTarget { generic, vnni, nvvm };
llvm::StringRef stringifyGemmTarget(GemmTarget target);

/// The K tile of a target: the reduction step of its int8 kernel
/// (generic and nvvm: 32 (mma.m16n8k32), vnni: 4 (one vpdpbusd lane sums 4
/// products)).
int64_t getTargetKTile(GemmTarget target);

/// Decides how the contraction `info` can run (DESIGN.md §1): an int8 GEMM
/// is legal iff no scale of either operand varies along a reduction
/// dimension, or varies there in blocks that are multiples of `kTile`.
GemmVerdict classifyGemm(const ContractionInfo &info, int64_t kTile);

} // namespace quantc

#endif // QUANTC_ANALYSIS_GRANULARITY_H
