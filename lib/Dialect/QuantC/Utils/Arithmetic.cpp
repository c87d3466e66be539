//===- Arithmetic.cpp - the scalar arithmetic of quantization -------------===//
#include "quantc/Dialect/QuantC/Utils/Arithmetic.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace quantc;

AffineMap quantc::getBroadcastMap(MLIRContext *ctx, ShapedType data,
                                  ShapedType scale) {
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0, e = data.getRank(); i < e; ++i) {
    int64_t d = data.getDimSize(i), s = scale.getDimSize(i);
    if (s == 1 && d != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else if (s == d || ShapedType::isDynamic(s))
      exprs.push_back(getAffineDimExpr(i, ctx));
    else
      exprs.push_back(getAffineDimExpr(i, ctx).floorDiv(d / s));
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

Value quantc::castFloat(OpBuilder &b, Location loc, Value v, Type to) {
  Type from = v.getType();
  if (from == to)
    return v;
  if (cast<FloatType>(from).getWidth() < cast<FloatType>(to).getWidth())
    return arith::ExtFOp::create(b, loc, to, v);
  return arith::TruncFOp::create(b, loc, to, v);
}

static Value floatConst(OpBuilder &b, Location loc, Type t, double v) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(t, v));
}

Value quantc::emitQuantizeScaled(OpBuilder &b, Location loc, Value scaled,
                                 Value zp, int64_t qmin, int64_t qmax,
                                 Type storage) {
  Type ft = scaled.getType();
  Value r = math::RoundEvenOp::create(b, loc, scaled);
  Value zpf = zp ? Value(arith::SIToFPOp::create(b, loc, ft, zp))
                 : floatConst(b, loc, ft, 0.0);
  if (zp)
    r = arith::AddFOp::create(b, loc, r, zpf);
  Value isNan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, r, r);
  r = arith::SelectOp::create(b, loc, isNan, zpf, r);
  r = arith::MaxNumFOp::create(b, loc, r, floatConst(b, loc, ft, qmin));
  r = arith::MinNumFOp::create(b, loc, r, floatConst(b, loc, ft, qmax));
  return arith::FPToSIOp::create(b, loc, storage, r);
}

Value quantc::emitQuantize(OpBuilder &b, Location loc, Value x, Value scale,
                           Value zp, int64_t qmin, int64_t qmax, Type storage) {
  Value s = castFloat(b, loc, scale, x.getType());
  Value scaled = arith::DivFOp::create(b, loc, x, s);
  if (zp && zp.getType() != b.getI32Type())
    zp = arith::ExtSIOp::create(b, loc, b.getI32Type(), zp);
  return emitQuantizeScaled(b, loc, scaled, zp, qmin, qmax, storage);
}

Value quantc::emitActivation(OpBuilder &b, Location l, Value f,
                             Activation act) {
  Type ft = f.getType();
  switch (act) {
  case Activation::none:
    return f;
  case Activation::relu:
    return arith::MaximumFOp::create(b, l, f, floatConst(b, l, ft, 0.0));
  case Activation::gelu: {
    // Exact GELU: 0.5 * x * (1 + erf(x / sqrt(2))).
    Value t = arith::MulFOp::create(b, l, f,
                                    floatConst(b, l, ft, 0.70710678118654752));
    Value e = math::ErfOp::create(b, l, t);
    Value one = arith::AddFOp::create(b, l, e, floatConst(b, l, ft, 1.0));
    Value h = arith::MulFOp::create(b, l, f, floatConst(b, l, ft, 0.5));
    return arith::MulFOp::create(b, l, h, one);
  }
  }
  llvm_unreachable("unknown activation");
}

Value quantc::emitEpilogue(OpBuilder &b, Location l, Type ft, Value acc,
                           Value xs, Value ws, Value bias, Activation act) {
  Value f = arith::SIToFPOp::create(b, l, ft, acc);
  f = arith::MulFOp::create(b, l, f, castFloat(b, l, xs, ft));
  f = arith::MulFOp::create(b, l, f, castFloat(b, l, ws, ft));
  if (bias)
    f = arith::AddFOp::create(b, l, f, castFloat(b, l, bias, ft));
  return emitActivation(b, l, f, act);
}
