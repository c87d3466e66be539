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
/// iteration space of `data` (the rule of quantc::getBroadcast): size-1 scale
/// dims read index 0, equal ones the loop index, blocks of g elements
/// `d floordiv g`.
mlir::AffineMap getBroadcastMap(mlir::MLIRContext *ctx, mlir::ShapedType data,
                                mlir::ShapedType scale);

/// A `tensor.empty` of `shapeSource`'s shape (dynamic sizes read from it)
/// with element type `elemTy`: the destination of an elementwise result.
mlir::Value emptyLike(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::Value shapeSource, mlir::Type elemTy);

/// A float constant of type `t`: a scalar, or a splat when `t` is a vector.
mlir::Value floatConstant(mlir::OpBuilder &b, mlir::Location loc, mlir::Type t,
                          double v);

/// Extends or truncates a float (scalar or vector) to element type `to`.
mlir::Value castFloat(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                      mlir::Type to);

/// `clamp(roundeven(scaled) + zp, qmin, qmax)` converted to `storage`; NaN
/// goes to the zero point. `scaled` is x / scale, `zp` an integer (any width)
/// or null.
mlir::Value emitQuantizeScaled(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Value scaled, mlir::Value zp, int64_t qmin,
                               int64_t qmax, mlir::Type storage);

/// `x / scale` (in x's float type) followed by emitQuantizeScaled.
mlir::Value emitQuantize(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                         mlir::Value scale, mlir::Value zp, int64_t qmin,
                         int64_t qmax, mlir::Type storage);

//===----------------------------------------------------------------------===//
// FP8 E4M3 storage (`f8E4M3FN`: 1 sign, 4 exponent bits with bias 7, 3
// mantissa bits; no infinities, 0x7f/0xff are NaN; largest finite 448).
// One rule, in C++ for constants and emitted as arith for run-time values:
// q = e4m3(min(|x|, 448)) with the sign of x, rounded to the nearest E4M3
// value with ties to even (subnormals, multiples of 2^-9, included); NaN
// quantizes to +0 like an integer quantize's NaN to its zero point
// (encodeE4M3FN, QuantCOps.h, is the C++ definition).
//===----------------------------------------------------------------------===//

/// The rule above on `scaled` (x / scale: an f32 scalar or vector) in integer
/// arithmetic, whose result is bitcast to f8E4M3FN (`storage`, element type
/// or shaped like `scaled`): hosts have no f8 conversion instruction.
mlir::Value emitQuantizeE4M3(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value scaled);

/// The exact f32 value of an f8E4M3FN scalar or vector, in integer
/// arithmetic.
mlir::Value emitDecodeE4M3(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value q);

/// The zero-point correction of an integer GEMM of stored values (i32
/// scalars or vectors of one shape, arithmetic modulo 2^32):
/// `acc - zx * sumW - zw * sumX + k * zx * zw` = sum_c (x - zx) (w - zw),
/// where sumW = sum_c w and sumX = sum_c x. Null terms are absent (zx and
/// sumW come together, as do zw and sumX; `k` is used when both are given).
/// Kernels that fold `-zx * sumW` into their compensation pass zx = null and
/// sumX - k * zx as sumX.
mlir::Value emitZeroPointCorrection(mlir::OpBuilder &b, mlir::Location loc,
                                    mlir::Value acc, mlir::Value zx,
                                    mlir::Value sumW, mlir::Value zw,
                                    mlir::Value sumX, mlir::Value k);

/// Applies an epilogue activation to a float value (scalar or vector).
mlir::Value emitActivation(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value f, Activation act);

//===----------------------------------------------------------------------===//
// The rescale epilogue: the one definition of quantc.rescale's arithmetic,
// emitted by the linalg lowering (scalars in a linalg.generic body), the x86
// micro-kernels (vectors of 8 or 16 lanes) and the Tensor Core kernels
// (vectors of 2). Each backend reads the operands its own way (asking
// RescaleOp::getOperandBroadcast how) and hands them over already read.
//===----------------------------------------------------------------------===//

/// What a rescale computes, independent of how its operands are read.
struct EpilogueSpec {
  /// The float type the arithmetic runs in: f32, or f64 for f64 scales
  /// (never narrower: the accumulator is converted once, exactly enough).
  mlir::Type computeType;
  /// The element type written: a float, or the integer of a requantization.
  mlir::Type resultType;
  Activation activation = Activation::none;
  bool hasBias = false;
  bool hasResidual = false;
  /// Requantize with output_scale to resultType, clamped to [qmin, qmax].
  bool requantize = false;
  int64_t qmin = 0, qmax = 0;

  /// The epilogue of `op`.
  static EpilogueSpec get(RescaleOp op);
};

/// The operand values at the element(s) being computed: scalars, or vectors
/// of the accumulator's shape. A null value is an absent operand.
struct EpilogueValues {
  mlir::Value xScale, wScale, bias, outputScale, residual;
};

/// `q(act(ct(acc) * xs * ws + bias) + residual)` in that order (every
/// backend rounds the same way, so results are bit-identical): `acc` is an
/// i32 scalar or vector; the result has spec.resultType as its element type
/// and acc's shape. Operands of another float type are converted to
/// spec.computeType.
mlir::Value emitRescaleEpilogue(mlir::OpBuilder &b, mlir::Location loc,
                                const EpilogueSpec &spec, mlir::Value acc,
                                const EpilogueValues &v);

} // namespace quantc

#endif
