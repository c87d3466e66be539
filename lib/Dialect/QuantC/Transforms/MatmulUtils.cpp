//===- MatmulUtils.cpp - operand roles and compile-time quantization ------===//
#include "MatmulUtils.h"
#include "quantc/Dialect/QuantC/Utils/ConstantWeights.h"

#include "quantc/Analysis/Granularity.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;
using namespace quantc;

std::optional<ContractionRoles> quantc::getContractionRoles(Operation *op,
                                                            std::string *why) {
  auto fail = [&](const Twine &msg) -> std::optional<ContractionRoles> {
    if (why)
      *why = msg.str();
    return std::nullopt;
  };
  if (!isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op))
    return fail("not a linalg.matmul or linalg.batch_matmul");
  auto linalgOp = cast<linalg::LinalgOp>(op);
  if (!linalgOp.hasPureTensorSemantics() || linalgOp.getNumDpsInputs() != 2 ||
      linalgOp.getNumDpsInits() != 1)
    return fail("not a two-input contraction on tensors");
  for (Value v : op->getOperands()) {
    auto ty = dyn_cast<RankedTensorType>(v.getType());
    if (!ty || !isa<FloatType>(ty.getElementType()))
      return fail("operands are not ranked float tensors");
  }
  // Roles come from the shared granularity analysis (indexing maps).
  FailureOr<ContractionInfo> info = getContractionInfo(op);
  if (failed(info))
    return fail("not a contraction the granularity analysis understands");
  const ContractionOperand &x = info->lhs, &w = info->rhs;
  auto dimsOf = [](const ContractionOperand &o, DimRole r) {
    SmallVector<int64_t> ds;
    for (auto [i, role] : llvm::enumerate(o.dims))
      if (role == r)
        ds.push_back(i);
    return ds;
  };
  SmallVector<int64_t> xk = dimsOf(x, DimRole::K), xm = dimsOf(x, DimRole::M);
  SmallVector<int64_t> wk = dimsOf(w, DimRole::K), wn = dimsOf(w, DimRole::N);
  if (xk.size() != 1 || xm.size() != 1 || wk.size() != 1 || wn.size() != 1)
    return fail("not a contraction with one M, one N and one K dimension");
  if (xk[0] != (int64_t)x.dims.size() - 1)
    return fail("the activation's reduction dimension is not its last one");
  ContractionRoles roles;
  roles.op = linalgOp;
  roles.actIndex = x.operandNumber;
  roles.weightIndex = w.operandNumber;
  roles.actChannelDim = xk[0];
  roles.weightChannelDim = wk[0];
  roles.weightOutDim = wn[0];
  return roles;
}

std::optional<FloatConst> quantc::readFloatConst(Value v) {
  ElementsAttr attr = getConstantWeight(v);
  if (!attr || !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  FailureOr<SmallVector<float>> values = readFloatElements(attr);
  if (failed(values))
    return std::nullopt;
  FloatConst c;
  c.type = cast<RankedTensorType>(attr.getType());
  c.values = std::move(*values);
  c.source = attr;
  return c;
}

Value quantc::makeFloatConst(OpBuilder &b, Location loc,
                             ArrayRef<int64_t> shape, ArrayRef<float> values,
                             Type elemType, Attribute like, StringRef suffix) {
  if (!elemType)
    elemType = b.getF32Type();
  auto ty = RankedTensorType::get(shape, elemType);
  if (isa_and_nonnull<DenseResourceElementsAttr>(like))
    return arith::ConstantOp::create(
        b, loc,
        cast<TypedAttr>(makeFloatElementsLike(
            like, ty, values, derivedResourceName(like, suffix))));
  auto &sem = cast<FloatType>(elemType).getFloatSemantics();
  SmallVector<APFloat> vals;
  vals.reserve(values.size());
  for (float v : values) {
    APFloat f(v);
    bool lost;
    f.convert(sem, APFloat::rmNearestTiesToEven, &lost);
    vals.push_back(f);
  }
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(ty, vals));
}

/// Row-major strides and the index along `dim` of flat element `i`.
static int64_t indexAlong(ArrayRef<int64_t> shape, int64_t dim, int64_t i) {
  int64_t inner = 1;
  for (int64_t d = dim + 1, e = shape.size(); d < e; ++d)
    inner *= shape[d];
  return (i / inner) % shape[dim];
}

SmallVector<float> quantc::absmaxAlong(const FloatConst &c, int64_t keepDim) {
  SmallVector<int64_t> shape = c.shape();
  SmallVector<float> out(shape[keepDim], 0.0f);
  for (int64_t i = 0, e = c.values.size(); i < e; ++i) {
    float &m = out[indexAlong(shape, keepDim, i)];
    m = std::max(m, std::fabs(c.values[i]));
  }
  return out;
}

void quantc::scaleAlong(FloatConst &c, int64_t dim, ArrayRef<float> factor) {
  SmallVector<int64_t> shape = c.shape();
  for (int64_t i = 0, e = c.values.size(); i < e; ++i)
    c.values[i] = c.values[i] * factor[indexAlong(shape, dim, i)];
}

/// `absmax / qmax`, 1 for an all-zero slice (quantize never divides by 0).
static float scaleFromAbsmax(float m, float qmax = 127.0f) {
  return m == 0.0f ? 1.0f : m / qmax;
}

Value quantc::emitQuantizedWeight(OpBuilder &b, Location loc,
                                  const FloatConst &w, int64_t outDim,
                                  WeightGranularity g, int64_t bits,
                                  int64_t group, int64_t reduceDim) {
  assert((bits == 8 || bits == 4) && "8- or 4-bit weights");
  float qmax = bits == 4 ? 7.0f : 127.0f;
  SmallVector<int64_t> shape = w.shape();
  SmallVector<int64_t> scaleShape(shape.size(), 1);
  if (g == WeightGranularity::PerChannel)
    scaleShape[outDim] = shape[outDim];
  if (group > 0) {
    assert(reduceDim >= 0 && shape[reduceDim] % group == 0 &&
           "the group divides the reduction dimension");
    scaleShape[reduceDim] = shape[reduceDim] / group;
  }
  // Row-major position in the scale of flat weight element i.
  int64_t rank = shape.size();
  auto scaleIndex = [&](int64_t i) {
    int64_t at = 0;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t v = indexAlong(shape, d, i);
      if (scaleShape[d] == 1)
        v = 0;
      else if (d == reduceDim && group > 0)
        v /= group;
      at = at * scaleShape[d] + v;
    }
    return at;
  };
  int64_t numScales = 1;
  for (int64_t s : scaleShape)
    numScales *= s;
  SmallVector<float> absmax(numScales, 0.0f);
  SmallVector<int64_t> at(w.values.size());
  for (int64_t i = 0, e = w.values.size(); i < e; ++i) {
    at[i] = scaleIndex(i);
    absmax[at[i]] = std::max(absmax[at[i]], std::fabs(w.values[i]));
  }
  SmallVector<float> scales;
  for (float m : absmax)
    scales.push_back(scaleFromAbsmax(m, qmax));
  SmallVector<int8_t> q;
  q.reserve(w.values.size());
  for (int64_t i = 0, e = w.values.size(); i < e; ++i) {
    // Same order as the run-time quantize: f32 divide, round half to even.
    float r = std::nearbyint(w.values[i] / scales[at[i]]);
    r = std::min(qmax, std::max(-qmax, r));
    q.push_back(static_cast<int8_t>(r));
  }
  Value qc;
  if (bits == 8) {
    // Same kind as the float weight: a dense_resource stays a blob.
    auto qTy = RankedTensorType::get(shape, b.getI8Type());
    qc = arith::ConstantOp::create(
        b, loc,
        cast<TypedAttr>(makeElementsLike(
            w.source, qTy,
            ArrayRef<char>(reinterpret_cast<const char *>(q.data()), q.size()),
            derivedResourceName(w.source, "q"))));
  } else {
    // 4-bit weights stay dense attributes (the packers read i4 from them).
    auto qTy = RankedTensorType::get(shape, b.getIntegerType(bits));
    SmallVector<APInt> q4;
    q4.reserve(q.size());
    for (int8_t v : q)
      q4.push_back(APInt(bits, v, /*isSigned=*/true));
    qc = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(qTy, q4));
  }
  Value sc = makeFloatConst(b, loc, scaleShape, scales);
  return DequantizeOp::create(b, loc, w.type, qc, sc, Value());
}

Value quantc::emitQuantizedActivation(OpBuilder &b, Location loc, Value x,
                                      int64_t channelDim, ActGranularity g,
                                      float staticAbsmax) {
  if (g == ActGranularity::None)
    return x;
  auto xTy = cast<RankedTensorType>(x.getType());
  Value scale;
  if (g == ActGranularity::PerToken) {
    SmallVector<int64_t> sShape = llvm::to_vector(xTy.getShape());
    sShape[channelDim] = 1;
    auto sTy = RankedTensorType::get(sShape, b.getF32Type());
    scale = ComputeScaleOp::create(b, loc, sTy, x,
                                   b.getDenseI64ArrayAttr({channelDim}),
                                   b.getI64IntegerAttr(127));
  } else {
    SmallVector<int64_t> sShape(xTy.getRank(), 1);
    scale = makeFloatConst(b, loc, sShape, {scaleFromAbsmax(staticAbsmax)});
  }
  auto qTy = RankedTensorType::get(xTy.getShape(), b.getI8Type());
  Value q = QuantizeOp::create(b, loc, qTy, x, scale, Value(), IntegerAttr(),
                               IntegerAttr());
  return DequantizeOp::create(b, loc, xTy, q, scale, Value());
}

LogicalResult quantc::checkStatistics(Operation *op, DenseElementsAttr absmax) {
  int64_t idx = 0;
  auto values = absmax.isSplat()
                    ? SmallVector<APFloat>{absmax.getSplatValue<APFloat>()}
                    : llvm::to_vector(absmax.getValues<APFloat>());
  for (const APFloat &f : values) {
    if (f.isNaN() || f.isInfinity() || (f.isNegative() && !f.isZero()))
      return op->emitError("calibration statistics must be finite and "
                           "non-negative, but channel ")
             << idx << " has absmax " << f.convertToDouble()
             << "; re-run calibration";
    ++idx;
  }
  return success();
}

LogicalResult quantc::checkFiniteWeight(Operation *op, const FloatConst &w,
                                        unsigned operandIndex) {
  for (auto [i, v] : llvm::enumerate(w.values))
    if (!std::isfinite(v))
      return op->emitError("the constant weight (operand #")
             << operandIndex << ") holds " << v << " at flat index " << i
             << "; only finite weights can be quantized or smoothed";
  return success();
}

std::string quantc::describeProducer(Value v) {
  std::string s;
  llvm::raw_string_ostream os(s);
  std::string why;
  if (ElementsAttr attr = getConstantWeight(v);
      attr && !isReadableConstant(attr, &why))
    os << why;
  else if (auto arg = dyn_cast<BlockArgument>(v))
    os << "block argument #" << arg.getArgNumber() << ", not an arith.constant";
  else
    os << "the result of '" << v.getDefiningOp()->getName()
       << "', not an arith.constant";
  return s;
}
