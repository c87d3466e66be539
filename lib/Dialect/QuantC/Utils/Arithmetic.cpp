//===- Arithmetic.cpp - the scalar arithmetic of quantization -------------===//
#include "quantc/Dialect/QuantC/Utils/Arithmetic.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"

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

Value quantc::emitQuantize(OpBuilder &b, Location loc, Value x, Value scale,
                           Value zp, int64_t qmin, int64_t qmax, Type storage) {
  Value s = castFloat(b, loc, scale, x.getType());
  Value scaled = arith::DivFOp::create(b, loc, x, s);
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
  Value f = arith::SIToFPOp::create(b, l, ft, acc);
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
