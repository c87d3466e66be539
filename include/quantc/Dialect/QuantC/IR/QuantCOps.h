//===- QuantCOps.h - quantc operations --------------------------*- C++ -*-===//
#ifndef QUANTC_DIALECT_QUANTC_IR_QUANTCOPS_H
#define QUANTC_DIALECT_QUANTC_IR_QUANTCOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "quantc/Dialect/QuantC/IR/QuantCDialect.h"

#include "quantc/Dialect/QuantC/IR/QuantCEnums.h.inc"

namespace quantc {
/// How a broadcast-shaped operand (a scale, a zero point, a bias) is read
/// over the iteration space of the data it applies to. This is the one
/// definition of the broadcast rule of the dialect (DESIGN.md §2): a dimension
/// of size 1 is read at index 0, a dimension equal to the data's element by
/// element, a divisor g of it in blocks of d / g consecutive elements.
struct Broadcast {
  /// The operand as a whole, seen from a [..., rows, cols] accumulator (the
  /// last two dimensions; for other ranks only Scalar, Full and Block occur).
  /// Dimensions of size 1 in the data never count as varying.
  enum class Kind {
    /// One value for every element.
    Scalar,
    /// Varies element by element along the row dimension (rank - 2) only.
    PerRow,
    /// Varies element by element along the column dimension (rank - 1) only.
    PerColumn,
    /// Varies element by element along every dimension of size > 1.
    Full,
    /// Anything else: blocks of g elements, or variation along batch
    /// dimensions. `blockSize` says how each dimension is read.
    Block,
  };
  Kind kind = Kind::Scalar;
  /// Per data dimension: how many consecutive elements share one operand
  /// value. 1: varies element by element (also for a dynamic dimension the
  /// operand matches); the data size (or ShapedType::kDynamic when that is
  /// dynamic): broadcast; a divisor in between: blocks.
  llvm::SmallVector<int64_t, 4> blockSize;

  /// Whether dimension `i` is read at index 0.
  bool isBroadcast(int64_t i) const;
  /// The index of the operand element read at data index `i` along `dim`.
  int64_t operandIndex(int64_t dim, int64_t i) const;
};
llvm::StringRef stringifyBroadcastKind(Broadcast::Kind kind);

/// The broadcast of `operand` over `data`. Both must satisfy
/// verifyScaleShape (same rank; every dimension 1, equal, or a divisor).
Broadcast getBroadcast(mlir::ShapedType data, mlir::ShapedType operand);
} // namespace quantc

#define GET_ATTRDEF_CLASSES
#include "quantc/Dialect/QuantC/IR/QuantCAttrs.h.inc"

#define GET_OP_CLASSES
#include "quantc/Dialect/QuantC/IR/QuantCOps.h.inc"

namespace quantc {
/// Compile-time folds and constant rewrites (quantize folding, weight
/// quantization, SmoothQuant, the outlier split) materialize at most this many
/// elements; larger constants are left to run time or refused with a
/// diagnostic, so a huge splat cannot exhaust memory.
constexpr int64_t kMaxFoldElements = int64_t(1) << 24;

/// The number of elements of a static shape, or nullopt when a dimension is
/// dynamic or the product overflows int64.
std::optional<int64_t> getStaticNumElements(llvm::ArrayRef<int64_t> shape);

/// Whether a constant of `type` may be materialized at compile time: static
/// and at most kMaxFoldElements elements.
bool isFoldableSize(mlir::ShapedType type);

/// A dimension size for a message: the number, or "?" when dynamic (never
/// -9223372036854775808).
std::string formatDim(int64_t size);

/// FP8 E4M3 storage (`f8E4M3FN`): q = e4m3(min(|x|, 448)) with the sign of
/// x, rounded to the nearest E4M3 value, ties to even (subnormals included),
/// NaN to +0 (emitQuantizeE4M3, Arithmetic.h, emits the same rule).

/// The largest finite E4M3FN value: the `qmax` of FP8 storage.
constexpr int64_t kE4M3Max = 448;

/// Whether `t` (or its element type) is FP8 E4M3 storage.
bool isFp8Storage(mlir::Type t);

/// The E4M3FN byte of `x` under the rule above.
uint8_t encodeE4M3FN(float x);

/// The value of the E4M3FN byte `q` (NaN for 0x7f and 0xff).
float decodeE4M3FN(uint8_t q);

/// Default symmetric (narrow) range of a signed integer storage type:
/// [-(2^(b-1)-1), 2^(b-1)-1], i.e. [-127, 127] for i8; +-448 for FP8 E4M3.
int64_t defaultQuantMin(mlir::Type storage);
int64_t defaultQuantMax(mlir::Type storage);

/// Checks that `scale` can scale `data` by broadcasting: same rank, and each
/// scale dimension is 1, equal to, or a divisor of the data dimension.
mlir::LogicalResult verifyScaleShape(mlir::Operation *op, mlir::ShapedType data,
                                     mlir::ShapedType scale,
                                     llvm::StringRef what);

/// If `scale` is a constant, checks that every value is finite and > 0, and,
/// when `computeType` (the float type the scale is used in) is given, that it
/// stays so there: an f32 scale of 7e4 on f16 data would become inf, one of
/// 1e-10 would become 0.
mlir::LogicalResult verifyConstantScaleValues(mlir::Operation *op,
                                              mlir::Value scale,
                                              llvm::StringRef what,
                                              mlir::Type computeType = {});
} // namespace quantc

#endif
