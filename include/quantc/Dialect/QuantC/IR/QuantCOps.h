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

/// Default symmetric (narrow) range of a signed integer storage type:
/// [-(2^(b-1)-1), 2^(b-1)-1], i.e. [-127, 127] for i8.
int64_t defaultQuantMin(mlir::Type storage);
int64_t defaultQuantMax(mlir::Type storage);

/// Checks that `scale` can scale `data` by broadcasting: same rank, and each
/// scale dimension is 1, equal to, or a divisor of the data dimension.
mlir::LogicalResult verifyScaleShape(mlir::Operation *op, mlir::ShapedType data,
                                     mlir::ShapedType scale,
                                     llvm::StringRef what);

/// If `scale` is a constant, checks that every value is finite and > 0.
mlir::LogicalResult verifyConstantScaleValues(mlir::Operation *op,
                                              mlir::Value scale,
                                              llvm::StringRef what);
} // namespace quantc

#endif
