//===- MatmulUtils.h - operand roles and compile-time quantization -*- C++
//-*-===//
//
// Internal helpers shared by --quantc-smoothquant, --quantc-quantize and
// --quantc-outlier-split. `getContractionRoles` is the one place where these
// passes decide which operand of a contraction is the activation and which
// weight dimension is the reduction / output channel, as a view of the shared
// granularity analysis (quantc/Analysis/Granularity.h).
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_DIALECT_QUANTC_TRANSFORMS_MATMULUTILS_H
#define QUANTC_LIB_DIALECT_QUANTC_TRANSFORMS_MATMULUTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "quantc/Dialect/QuantC/Transforms/PassOptions.h"
#include "llvm/ADT/SmallVector.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace quantc {

/// The roles of the operands of `Y = X · W` as found from indexing maps.
struct ContractionRoles {
  mlir::linalg::LinalgOp op;
  unsigned actIndex = 0;    ///< operand number of the activation X
  unsigned weightIndex = 1; ///< operand number of the weight W
  int64_t actChannelDim;    ///< dimension of X that is reduced (C); last
  int64_t weightChannelDim; ///< dimension of W that is reduced (C)
  int64_t weightOutDim;     ///< dimension of W that is the output channel (D)

  mlir::Value act() const { return op->getOperand(actIndex); }
  mlir::Value weight() const { return op->getOperand(weightIndex); }
};

/// Finds the roles of a float `linalg.matmul` (any indexing maps) or
/// `linalg.batch_matmul`: one M, one N, one K dimension; the activation is
/// the input indexed by M and K with K its last dimension. Returns nullopt
/// (and the reason in `why`, if given) otherwise.
std::optional<ContractionRoles> getContractionRoles(mlir::Operation *op,
                                                    std::string *why = nullptr);

/// The roles of a float convolution (a contraction the granularity analysis
/// reads with a windowed activation dimension: the linalg convolutions
/// --quantc-conv-to-gemm takes, or a generic of that structure) without
/// zero points.
struct ConvolutionRoles {
  mlir::linalg::LinalgOp op;
  unsigned actIndex = 0, weightIndex = 1;
  /// The weight's output channel (F), or its channel when it has none (a
  /// depthwise convolution's C): a per-channel scale varies along it.
  int64_t weightOutDim = 0;
  /// The activation dimensions a dynamic scale is taken over: all but the
  /// batch (a scale along the output pixels would vary along the window, a
  /// reduction), so one scale per image.
  llvm::SmallVector<int64_t> actReduceDims;

  mlir::Value act() const { return op->getOperand(actIndex); }
  mlir::Value weight() const { return op->getOperand(weightIndex); }
};

/// Finds the roles of a float convolution on tensors; nullopt (and the
/// reason in `why`, if given) otherwise.
std::optional<ConvolutionRoles> getConvolutionRoles(mlir::Operation *op,
                                                    std::string *why = nullptr);

/// A float constant tensor read as f32 values (row-major).
struct FloatConst {
  mlir::RankedTensorType type;
  /// The values: a view of an f32 constant's own storage (its blob or
  /// attribute data, no copy), or of `owned`.
  llvm::ArrayRef<float> values;
  /// Storage of `values` when they are not a view of the constant; shared
  /// between copies of this object until one of them writes.
  std::shared_ptr<std::vector<float>> owned;
  /// The attribute it was read from: constants derived from it keep its kind
  /// (dense_resource stays dense_resource; ConstantWeights.h).
  mlir::Attribute source;
  llvm::SmallVector<int64_t> shape() const {
    return llvm::to_vector(type.getShape());
  }
  /// Makes `values` this object's own writable copy (copied on the first
  /// write) and returns it.
  llvm::MutableArrayRef<float> mutableValues();
  /// Replaces the values by `v`.
  void setValues(std::vector<float> v);
};

/// Reads `v` if it is an `arith.constant` of a static float tensor (dense or
/// dense_resource, see quantc::readFloatElements).
std::optional<FloatConst> readFloatConst(mlir::Value v);

/// Creates an `arith.constant` of `type`'s shape holding `values` (converted
/// to `elemType`, f32 when null), of the kind of `like` (a dense_resource
/// blob named `like`'s key + "_" + `suffix` when `like` is one, else dense).
mlir::Value makeFloatConst(mlir::OpBuilder &b, mlir::Location loc,
                           llvm::ArrayRef<int64_t> shape,
                           llvm::ArrayRef<float> values,
                           mlir::Type elemType = {}, mlir::Attribute like = {},
                           llvm::StringRef suffix = "");

/// Creates the f32 `arith.constant` of a scale or smoothing factor: a
/// dense_resource blob (named `nameLike`'s key + "_" + `suffix`, or
/// `suffix`) above kMaxTextConstantElements elements, so that the IR text
/// stays O(structure), a textual `dense<...>` at or below.
mlir::Value makeScaleConst(mlir::OpBuilder &b, mlir::Location loc,
                           llvm::ArrayRef<int64_t> shape,
                           llvm::ArrayRef<float> values,
                           mlir::Attribute nameLike = {},
                           llvm::StringRef suffix = "scale");

/// max |v| over every dimension except `keepDim` (result has its size).
llvm::SmallVector<float> absmaxAlong(const FloatConst &c, int64_t keepDim);

/// Multiplies every element by `factor[index along dim]`.
void scaleAlong(FloatConst &c, int64_t dim, llvm::ArrayRef<float> factor);

/// Creates the `arith.constant` of `c` with every element multiplied by
/// `factor[index along dim]`, in `c`'s element type and kind (a blob named
/// after `c`'s + "_" + `suffix` when `c` came from one), written straight
/// into the new constant's storage (one pass, no copy of `c`).
mlir::Value makeScaledFloatConst(mlir::OpBuilder &b, mlir::Location loc,
                                 const FloatConst &c, int64_t dim,
                                 llvm::ArrayRef<float> factor,
                                 llvm::StringRef suffix);

/// Divides every element by `factor[index along dim]`.
void divideAlong(FloatConst &c, int64_t dim, llvm::ArrayRef<float> factor);

/// A weight scale still to be applied: the weight it belongs to stands for
/// `round_elem(w · factor[index along dim])`, the product taken in f32 and
/// rounded to the weight's element type (what makeScaledFloatConst stores).
struct PendingScale {
  int64_t dim = -1;
  llvm::ArrayRef<float> factor;
};

/// A constant weight whose smoothing (--quantc-smoothquant with
/// defer-weights) is still pending: `w` unscaled, `scale` to apply.
struct SmoothedWeight {
  FloatConst w;
  FloatConst factor; ///< the 1-D f32 factor; `scale.factor` views it
  PendingScale scale;
};

/// The attribute that marks the `linalg.generic` of a deferred smoothing.
constexpr llvm::StringLiteral kSmoothedWeightAttr = "quantc.smoothed_weight";

/// Emits `w · diag(factor)` along `dim` as a `linalg.generic` (marked
/// kSmoothedWeightAttr) of the constant `w` and a 1-D f32 factor constant:
/// extf to f32, mulf, truncf back for a non-f32 weight, so that computing it
/// at run time gives what makeScaledFloatConst would store. The weight
/// itself is not written: --quantc-quantize applies the factor in the pass
/// that quantizes it (readSmoothedWeight), and materializes any it does not
/// quantize.
mlir::Value emitSmoothedWeight(mlir::OpBuilder &b, mlir::Location loc,
                               const FloatConst &w, int64_t dim,
                               llvm::ArrayRef<float> factor);

/// Reads `v` if it is the result of emitSmoothedWeight with both constants
/// readable; nullopt otherwise.
std::optional<SmoothedWeight> readSmoothedWeight(mlir::Value v);

/// The f32 values of a smoothed weight (`round_elem(w · s)`), as a
/// FloatConst of `sw.w`'s type and source.
FloatConst materializeValues(const SmoothedWeight &sw);

/// readFloatConst, or the materialized values of a deferred smoothing
/// (readSmoothedWeight).
std::optional<FloatConst> readFloatConstOrSmoothed(mlir::Value v);

/// Replaces `generic`, an emitSmoothedWeight result, by the constant of its
/// values (makeScaledFloatConst) and erases it and its dead operands.
void materializeSmoothedWeight(mlir::linalg::GenericOp generic);

/// Quantizes a constant weight at compile time and returns
/// `quantc.dequantize(integer constant, scale constant)`. `bits` = 8: i8
/// values clamped to [-127, 127], scale `absmax / 127`; `bits` = 4: i4 values
/// clamped to [-7, 7], scale `absmax / 7` (symmetric like the 8-bit rule of
/// DESIGN.md §1: -8 is left unused so that q and -q are both
/// representable). Round half to even. The scale is one per output channel
/// `outDim` or per tensor (`g`); with `group` > 0 it also varies along the
/// reduction dimension `reduceDim` in blocks of `group` elements (which must
/// divide that dimension: the caller checks). The weight must be finite
/// (checkFiniteWeight). emitCheckedQuantizedWeight's `fp8` (with `bits` = 8)
/// makes f8E4M3FN values (encodeE4M3FN) with scales `absmax / 448`.
mlir::Value emitQuantizedWeight(mlir::OpBuilder &b, mlir::Location loc,
                                const FloatConst &w, int64_t outDim,
                                WeightGranularity g, int64_t bits = 8,
                                int64_t group = 0, int64_t reduceDim = -1);

/// emitQuantizedWeight that also checks the weight is finite in the same
/// pass over it (its absmax): on an infinity or NaN it emits
/// checkFiniteWeight's error at `op` (about operand `operandIndex`), creates
/// nothing and fails.
/// With `pre`, the weight quantized is `w` with `pre` applied (the smoothed
/// weight of a deferred SmoothQuant), computed row by row in both passes
/// and never stored: bit-identical to quantizing the materialized weight.
mlir::FailureOr<mlir::Value> emitCheckedQuantizedWeight(
    mlir::OpBuilder &b, mlir::Location loc, const FloatConst &w, int64_t outDim,
    WeightGranularity g, int64_t bits, int64_t group, int64_t reduceDim,
    mlir::Operation *op, unsigned operandIndex,
    const PendingScale *pre = nullptr, bool fp8 = false);

/// `quantc.dequantize(quantc.quantize(x, s), s)` with `s` per token (dynamic
/// `quantc.compute_scale` over `channelDim`) or per tensor (static, from
/// `staticAbsmax`). `fp8`: f8E4M3FN storage, `s = absmax / 448`.
mlir::Value emitQuantizedActivation(mlir::OpBuilder &b, mlir::Location loc,
                                    mlir::Value x, int64_t channelDim,
                                    ActGranularity g, float staticAbsmax = 0,
                                    bool fp8 = false);
/// The same with a dynamic scale over the dimensions `reduceDims` (a
/// convolution's per-image scale).
mlir::Value emitQuantizedActivation(mlir::OpBuilder &b, mlir::Location loc,
                                    mlir::Value x,
                                    llvm::ArrayRef<int64_t> reduceDims,
                                    ActGranularity g, float staticAbsmax = 0,
                                    bool fp8 = false);

/// Checks calibration statistics; emits an error at `op` and fails on a
/// NaN, infinite or negative value.
mlir::LogicalResult checkStatistics(mlir::Operation *op,
                                    mlir::DenseElementsAttr absmax);

/// Emits an error at `op` and fails if the constant weight holds a NaN or an
/// infinity (it cannot be quantized or smoothed meaningfully).
mlir::LogicalResult checkFiniteWeight(mlir::Operation *op, const FloatConst &w,
                                      unsigned operandIndex);

/// A short description of where a non-constant value comes from.
std::string describeProducer(mlir::Value v);

} // namespace quantc

#endif
