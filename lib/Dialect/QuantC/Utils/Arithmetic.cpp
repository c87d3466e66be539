//===- Arithmetic.cpp - the scalar arithmetic of quantization -------------===//
#include "quantc/Dialect/QuantC/Utils/Arithmetic.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace quantc;

AffineMap quantc::getBroadcastMap(MLIRContext *ctx, ShapedType data,
                                  ShapedType scale) {
  Broadcast bc = getBroadcast(data, scale);
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0, e = data.getRank(); i < e; ++i) {
    int64_t g = bc.blockSize[i];
    if (g == 1)
      exprs.push_back(getAffineDimExpr(i, ctx));
    else if (scale.getDimSize(i) == 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(i, ctx).floorDiv(g));
  }
  return AffineMap::get(data.getRank(), 0, exprs, ctx);
}

Value quantc::emptyLike(OpBuilder &b, Location loc, Value shapeSource,
                        Type elemTy) {
  auto ty = cast<RankedTensorType>(shapeSource.getType());
  SmallVector<Value> dyn;
  for (int64_t i = 0, e = ty.getRank(); i < e; ++i)
    if (ty.isDynamicDim(i))
      dyn.push_back(tensor::DimOp::create(b, loc, shapeSource, i));
  return tensor::EmptyOp::create(b, loc, ty.getShape(), elemTy, dyn);
}

/// `elem`, or a vector of `elem` shaped like `like` when that is a vector.
static Type shapedLike(Type like, Type elem) {
  if (auto vt = dyn_cast<VectorType>(like))
    return vt.clone(elem);
  return elem;
}

Value quantc::castFloat(OpBuilder &b, Location loc, Value v, Type to) {
  Type fromElem = getElementTypeOrSelf(v.getType());
  to = getElementTypeOrSelf(to);
  if (fromElem == to)
    return v;
  Type toTy = shapedLike(v.getType(), to);
  if (cast<FloatType>(fromElem).getWidth() < cast<FloatType>(to).getWidth())
    return arith::ExtFOp::create(b, loc, toTy, v);
  return arith::TruncFOp::create(b, loc, toTy, v);
}

Value quantc::floatConstant(OpBuilder &b, Location loc, Type t, double v) {
  Attribute a = b.getFloatAttr(getElementTypeOrSelf(t), v);
  if (auto vt = dyn_cast<VectorType>(t))
    a = DenseElementsAttr::get(vt, a);
  return arith::ConstantOp::create(b, loc, cast<TypedAttr>(a));
}

/// An integer constant of type `t` (scalar or splat vector).
static Value intConstant(OpBuilder &b, Location loc, Type t, int64_t v) {
  Attribute a = b.getIntegerAttr(getElementTypeOrSelf(t), v);
  if (auto vt = dyn_cast<VectorType>(t))
    a = DenseElementsAttr::get(vt, a);
  return arith::ConstantOp::create(b, loc, cast<TypedAttr>(a));
}

/// The float of `ft` nearest `v` towards zero: for qmax the largest value
/// <= qmax, for qmin the smallest >= qmin (both convert to integers exactly).
/// `exact` says whether it is `v` itself.
static double boundTowardZero(FloatType ft, int64_t v, bool &exact) {
  APFloat f(ft.getFloatSemantics());
  APFloat::opStatus st =
      f.convertFromAPInt(APInt(64, v, /*isSigned=*/true), /*IsSigned=*/true,
                         APFloat::rmTowardZero);
  exact = st == APFloat::opOK;
  bool lost;
  f.convert(APFloat::IEEEdouble(), APFloat::rmTowardZero, &lost);
  return f.convertToDouble();
}

Value quantc::emitQuantizeScaled(OpBuilder &b, Location loc, Value scaled,
                                 Value zp, int64_t qmin, int64_t qmax,
                                 Type storage) {
  Type ft = scaled.getType();
  Value r = math::RoundEvenOp::create(b, loc, scaled);
  Value zpf = zp ? Value(arith::SIToFPOp::create(b, loc, ft, zp))
                 : floatConstant(b, loc, ft, 0.0);
  storage = shapedLike(ft, getElementTypeOrSelf(storage));
  if (zp)
    r = arith::AddFOp::create(b, loc, r, zpf);
  Value isNan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, r, r);
  r = arith::SelectOp::create(b, loc, isNan, zpf, r);
  // Saturation is exact for every storage type: the float clamp uses bounds
  // that ft represents exactly (2147483647 is no f32, 32767 no f16: rounded
  // to nearest they would be 2^31 and 32768, whose fptosi is poison). Where a
  // bound had to move inwards, a value beyond it is beyond qmin/qmax too and
  // gets the integer bound itself.
  auto fty = cast<FloatType>(getElementTypeOrSelf(ft));
  bool loExact, hiExact;
  Value lo = floatConstant(b, loc, ft, boundTowardZero(fty, qmin, loExact));
  Value hi = floatConstant(b, loc, ft, boundTowardZero(fty, qmax, hiExact));
  Value c = arith::MaxNumFOp::create(b, loc, r, lo);
  c = arith::MinNumFOp::create(b, loc, c, hi);
  Value q = arith::FPToSIOp::create(b, loc, storage, c);
  if (!hiExact) {
    Value above =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, r, hi);
    q = arith::SelectOp::create(b, loc, above,
                                intConstant(b, loc, storage, qmax), q);
  }
  if (!loExact) {
    Value below =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, r, lo);
    q = arith::SelectOp::create(b, loc, below,
                                intConstant(b, loc, storage, qmin), q);
  }
  return q;
}

Value quantc::emitQuantizeE4M3(OpBuilder &b, Location loc, Value scaled) {
  Value x = castFloat(b, loc, scaled, b.getF32Type());
  Type ft = x.getType();
  Type i32 = shapedLike(ft, b.getI32Type());
  auto ic = [&](int64_t v) { return intConstant(b, loc, i32, v); };
  auto shr = [&](Value v, int64_t n) {
    return arith::ShRUIOp::create(b, loc, v, ic(n));
  };
  auto band = [&](Value v, int64_t m) {
    return arith::AndIOp::create(b, loc, v, ic(m));
  };
  Value isNan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x);
  Value bits = arith::BitcastOp::create(b, loc, i32, x);
  Value sign = band(shr(bits, 24), 0x80);
  Value a = math::AbsFOp::create(b, loc, x);
  a = arith::MinNumFOp::create(b, loc, a,
                               floatConstant(b, loc, ft, double(kE4M3Max)));
  // Subnormal: round_half_even(a * 2^9).
  Value sub = math::RoundEvenOp::create(
      b, loc, arith::MulFOp::create(b, loc, a, floatConstant(b, loc, ft, 512)));
  Value qs = arith::FPToUIOp::create(b, loc, i32, sub);
  // Normal: the f32 mantissa rounded to 3 bits, ties to even.
  Value u = arith::BitcastOp::create(b, loc, i32, a);
  Value bias = arith::AddIOp::create(b, loc, band(shr(u, 20), 1), ic(0x7ffff));
  u = arith::AddIOp::create(b, loc, u, bias);
  Value e = arith::SubIOp::create(b, loc, shr(u, 23), ic(120));
  Value qn = arith::OrIOp::create(
      b, loc, arith::ShLIOp::create(b, loc, e, ic(3)), band(shr(u, 20), 7));
  Value isSub = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, a,
                                      floatConstant(b, loc, ft, 0x1p-6));
  Value q = arith::SelectOp::create(b, loc, isSub, qs, qn);
  q = arith::OrIOp::create(b, loc, q, sign);
  q = arith::SelectOp::create(b, loc, isNan, ic(0), q);
  Value q8 = arith::TruncIOp::create(b, loc, shapedLike(ft, b.getI8Type()), q);
  return arith::BitcastOp::create(
      b, loc, shapedLike(ft, b.getType<Float8E4M3FNType>()), q8);
}

Value quantc::emitDecodeE4M3(OpBuilder &b, Location loc, Value q) {
  Type qt = q.getType();
  Type i32 = shapedLike(qt, b.getI32Type());
  Type ft = shapedLike(qt, b.getF32Type());
  auto ic = [&](int64_t v) { return intConstant(b, loc, i32, v); };
  Value q8 = arith::BitcastOp::create(b, loc, shapedLike(qt, b.getI8Type()), q);
  Value v = arith::ExtUIOp::create(b, loc, i32, q8);
  Value e = arith::AndIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, v, ic(3)), ic(15));
  Value m = arith::AndIOp::create(b, loc, v, ic(7));
  // Normal: exponent e - 7 + 127, the mantissa's 3 bits on top of f32's.
  Value normal = arith::OrIOp::create(
      b, loc,
      arith::ShLIOp::create(b, loc, arith::AddIOp::create(b, loc, e, ic(120)),
                            ic(23)),
      arith::ShLIOp::create(b, loc, m, ic(20)));
  // Subnormal: m * 2^-9.
  Value sub = arith::BitcastOp::create(
      b, loc, i32,
      arith::MulFOp::create(b, loc, arith::UIToFPOp::create(b, loc, ft, m),
                            floatConstant(b, loc, ft, 0x1p-9)));
  Value isSub =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, e, ic(0));
  Value mag = arith::SelectOp::create(b, loc, isSub, sub, normal);
  Value sign = arith::ShLIOp::create(
      b, loc, arith::AndIOp::create(b, loc, v, ic(0x80)), ic(24));
  Value f = arith::BitcastOp::create(b, loc, ft,
                                     arith::OrIOp::create(b, loc, mag, sign));
  Value isNan = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::eq,
      arith::AndIOp::create(b, loc, v, ic(0x7f)), ic(0x7f));
  return arith::SelectOp::create(
      b, loc, isNan,
      floatConstant(b, loc, ft, std::numeric_limits<double>::quiet_NaN()), f);
}

Value quantc::emitQuantize(OpBuilder &b, Location loc, Value x, Value scale,
                           Value zp, int64_t qmin, int64_t qmax, Type storage) {
  Value s = castFloat(b, loc, scale, x.getType());
  Value scaled = arith::DivFOp::create(b, loc, x, s);
  if (isFp8Storage(storage))
    return emitQuantizeE4M3(b, loc, scaled);
  // The zero point (any integer width) is converted to float directly.
  return emitQuantizeScaled(b, loc, scaled, zp, qmin, qmax, storage);
}

Value quantc::emitActivation(OpBuilder &b, Location l, Value f,
                             Activation act) {
  Type ft = f.getType();
  switch (act) {
  case Activation::none:
    return f;
  case Activation::relu:
    return arith::MaximumFOp::create(b, l, f, floatConstant(b, l, ft, 0.0));
  case Activation::gelu: {
    // Exact GELU: 0.5 * x * (1 + erf(x / sqrt(2))).
    Value t = arith::MulFOp::create(
        b, l, f, floatConstant(b, l, ft, 0.70710678118654752));
    Value e = math::ErfOp::create(b, l, t);
    Value one = arith::AddFOp::create(b, l, e, floatConstant(b, l, ft, 1.0));
    Value h = arith::MulFOp::create(b, l, f, floatConstant(b, l, ft, 0.5));
    return arith::MulFOp::create(b, l, h, one);
  }
  case Activation::gelu_tanh: {
    // GELU, tanh approximation:
    // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))).
    Value x3 =
        arith::MulFOp::create(b, l, arith::MulFOp::create(b, l, f, f), f);
    Value inner = arith::AddFOp::create(
        b, l, f,
        arith::MulFOp::create(b, l, x3, floatConstant(b, l, ft, 0.044715)));
    Value t = math::TanhOp::create(
        b, l,
        arith::MulFOp::create(b, l, inner,
                              floatConstant(b, l, ft, 0.79788456080286536)));
    Value one = arith::AddFOp::create(b, l, t, floatConstant(b, l, ft, 1.0));
    Value h = arith::MulFOp::create(b, l, f, floatConstant(b, l, ft, 0.5));
    return arith::MulFOp::create(b, l, h, one);
  }
  case Activation::silu: {
    // SiLU (swish): x / (1 + exp(-x)).
    Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, f));
    Value d = arith::AddFOp::create(b, l, e, floatConstant(b, l, ft, 1.0));
    return arith::DivFOp::create(b, l, f, d);
  }
  }
  llvm_unreachable("unknown activation");
}

EpilogueSpec EpilogueSpec::get(RescaleOp op) {
  EpilogueSpec spec;
  // f32 at least: an f16 accumulator of a 4096-long reduction overflows
  // (65504), and bf16 keeps 8 bits. Narrow scales are widened, the result
  // rounds once at the end. f64 scales keep f64.
  Type scaleTy = op.getXScale().getType().getElementType();
  spec.computeType = cast<FloatType>(scaleTy).getWidth() > 32
                         ? scaleTy
                         : Float32Type::get(op.getContext());
  spec.resultType = op.getResult().getType().getElementType();
  spec.activation = op.getActivation();
  spec.hasBias = static_cast<bool>(op.getBias());
  spec.hasResidual = static_cast<bool>(op.getResidual());
  spec.requantize = static_cast<bool>(op.getOutputScale());
  if (spec.requantize) {
    spec.qmin = op.getQuantMin();
    spec.qmax = op.getQuantMax();
  }
  return spec;
}

Value quantc::emitRescaleEpilogue(OpBuilder &b, Location l,
                                  const EpilogueSpec &spec, Value acc,
                                  const EpilogueValues &v) {
  Type ft = shapedLike(acc.getType(), spec.computeType);
  // An FP8 GEMM's accumulator is f32 already.
  Value f = isa<FloatType>(getElementTypeOrSelf(acc.getType()))
                ? castFloat(b, l, acc, ft)
                : Value(arith::SIToFPOp::create(b, l, ft, acc));
  f = arith::MulFOp::create(b, l, f, castFloat(b, l, v.xScale, ft));
  f = arith::MulFOp::create(b, l, f, castFloat(b, l, v.wScale, ft));
  if (spec.hasBias)
    f = arith::AddFOp::create(b, l, f, castFloat(b, l, v.bias, ft));
  f = emitActivation(b, l, f, spec.activation);
  if (spec.hasResidual)
    f = arith::AddFOp::create(b, l, f, castFloat(b, l, v.residual, ft));
  if (!spec.requantize)
    return castFloat(b, l, f, spec.resultType);
  return emitQuantize(b, l, f, v.outputScale, Value(), spec.qmin, spec.qmax,
                      spec.resultType);
}

Value quantc::emitZeroPointCorrection(OpBuilder &b, Location loc, Value acc,
                                      Value zx, Value sumW, Value zw,
                                      Value sumX, Value k) {
  Value r = acc;
  if (zx)
    r = arith::SubIOp::create(b, loc, r,
                              arith::MulIOp::create(b, loc, zx, sumW));
  if (zw)
    r = arith::SubIOp::create(b, loc, r,
                              arith::MulIOp::create(b, loc, zw, sumX));
  if (zx && zw)
    r = arith::AddIOp::create(
        b, loc, r,
        arith::MulIOp::create(b, loc, k,
                              arith::MulIOp::create(b, loc, zx, zw)));
  return r;
}
