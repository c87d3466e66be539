//===- Arithmetic.h - the scalar arithmetic of quantization ----*- C++ -*-===//
//
// One definition of quantize / dequantize / epilogue arithmetic, emitted by
// every lowering and fusion so that all of them round the same way.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_DIALECT_QUANTC_UTILS_ARITHMETIC_H
#define QUANTC_DIALECT_QUANTC_UTILS_ARITHMETIC_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

namespace quantc {

/// The indexing map through which a broadcast-shaped scale is read over the
/// iteration space of `data`: size-1 scale dims read index 0, equal ones the
/// loop index, blocks of g elements `d floordiv g`.
mlir::AffineMap getBroadcastMap(mlir::MLIRContext *ctx, mlir::ShapedType data,
                                mlir::ShapedType scale);

/// A `tensor.empty` of `shapeSource`'s shape (dynamic sizes read from it)
/// with element type `elemTy`: the destination of an elementwise result.
mlir::Value emptyLike(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::Value shapeSource, mlir::Type elemTy);

/// Extends or truncates a float to `to`.
mlir::Value castFloat(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                      mlir::Type to);

/// `clamp(roundeven(scaled) + zp, qmin, qmax)` converted to `storage`; NaN
/// goes to the zero point. `scaled` is x / scale, `zp` an i32 or null.
mlir::Value emitQuantizeScaled(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Value scaled, mlir::Value zp, int64_t qmin,
                               int64_t qmax, mlir::Type storage);

/// `x / scale` (in x's float type) followed by emitQuantizeScaled.
mlir::Value emitQuantize(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                         mlir::Value scale, mlir::Value zp, int64_t qmin,
                         int64_t qmax, mlir::Type storage);

/// Applies an epilogue activation to a float value.
mlir::Value emitActivation(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value f, Activation act);

/// The GEMM epilogue: `((ft(acc) * xs) * ws) + bias`, then the activation.
mlir::Value emitEpilogue(mlir::OpBuilder &b, mlir::Location loc, mlir::Type ft,
                         mlir::Value acc, mlir::Value xs, mlir::Value ws,
                         mlir::Value bias, Activation act);

} // namespace quantc

#endif
