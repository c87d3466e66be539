//===- QuantCOps.cpp - quantc operations ----------------------------------===//
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir;
using namespace quantc;

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

std::optional<int64_t> quantc::getStaticNumElements(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (ShapedType::isDynamic(d) || d < 0)
      return std::nullopt;
    if (llvm::MulOverflow(n, d, n))
      return std::nullopt;
  }
  return n;
}

std::string quantc::formatDim(int64_t size) {
  return ShapedType::isDynamic(size) ? std::string("?") : std::to_string(size);
}

bool quantc::isFoldableSize(ShapedType type) {
  if (!type.hasRank())
    return false;
  std::optional<int64_t> n = getStaticNumElements(type.getShape());
  return n && *n <= kMaxFoldElements;
}

bool quantc::isFp8Storage(Type t) {
  return isa<Float8E4M3FNType>(getElementTypeOrSelf(t));
}

uint8_t quantc::encodeE4M3FN(float x) {
  if (x != x)
    return 0;
  uint32_t sign = (llvm::bit_cast<uint32_t>(x) >> 24) & 0x80u;
  float a = std::min(std::fabs(x), static_cast<float>(kE4M3Max));
  if (a < 0x1p-6f) {
    // Subnormal: a multiple of 2^-9; a * 2^9 < 8 is exact, and adding and
    // subtracting 1.5 * 2^23 rounds it half to even. 8 encodes 2^-6.
    float r = (a * 512.0f + 0x1.8p23f) - 0x1.8p23f;
    return static_cast<uint8_t>(sign | static_cast<uint32_t>(r));
  }
  // Normal: round the f32 mantissa to 3 bits, ties to even (a carry into the
  // exponent is the right result; a <= 448 cannot round past it).
  uint32_t u = llvm::bit_cast<uint32_t>(a);
  u += 0x7ffffu + ((u >> 20) & 1u);
  uint32_t e = (u >> 23) - 127 + 7, m = (u >> 20) & 7u;
  return static_cast<uint8_t>(sign | (e << 3) | m);
}

float quantc::decodeE4M3FN(uint8_t q) {
  uint32_t e = (q >> 3) & 15u, m = q & 7u;
  if (e == 15 && m == 7)
    return std::numeric_limits<float>::quiet_NaN();
  float v = e == 0 ? std::ldexp(static_cast<float>(m), -9)
                   : std::ldexp(1.0f + m / 8.0f, static_cast<int>(e) - 7);
  return q & 0x80 ? -v : v;
}

int64_t quantc::defaultQuantMax(Type storage) {
  if (isFp8Storage(storage))
    return kE4M3Max;
  unsigned width = storage.getIntOrFloatBitWidth();
  if (width >= 64)
    return INT64_MAX;
  return (int64_t(1) << (width - 1)) - 1;
}

int64_t quantc::defaultQuantMin(Type storage) {
  return -defaultQuantMax(storage);
}

LogicalResult quantc::verifyScaleShape(Operation *op, ShapedType data,
                                       ShapedType scale, StringRef what) {
  if (data.getRank() != scale.getRank())
    return op->emitOpError()
           << what << " must have the rank of the data (" << data.getRank()
           << "), got rank " << scale.getRank()
           << "; a per-tensor scale is tensor<" << (data.getRank() ? "1x" : "")
           << "...xf32>";
  for (int64_t i = 0, e = data.getRank(); i < e; ++i) {
    int64_t d = data.getDimSize(i), s = scale.getDimSize(i);
    // Equal sizes are element by element, also for an empty dimension.
    if (s == 1 || (s == d && !ShapedType::isDynamic(s)))
      continue;
    if (ShapedType::isDynamic(s) || ShapedType::isDynamic(d)) {
      if (ShapedType::isDynamic(s) && ShapedType::isDynamic(d))
        continue;
      return op->emitOpError()
             << what << " dimension " << i
             << " must be 1 or match the data dimension, which is "
             << (ShapedType::isDynamic(d) ? "dynamic" : "static");
    }
    if (s <= 0 || d % s != 0)
      return op->emitOpError()
             << what << " dimension " << i << " has size " << s
             << ", which neither is 1 nor divides the data dimension of size "
             << d;
  }
  return success();
}

LogicalResult quantc::verifyConstantScaleValues(Operation *op, Value scale,
                                                StringRef what,
                                                Type computeType) {
  DenseFPElementsAttr attr;
  if (!matchPattern(scale, m_Constant(&attr)))
    return success();
  auto computeFloat = dyn_cast_or_null<FloatType>(computeType);
  if (computeFloat && computeFloat == attr.getElementType())
    computeFloat = nullptr;
  // A splat holds one value however large its type: check it once.
  auto values = attr.isSplat()
                    ? SmallVector<APFloat>{attr.getSplatValue<APFloat>()}
                    : llvm::to_vector(attr.getValues<APFloat>());
  int64_t idx = 0;
  for (const APFloat &v : values) {
    bool lost;
    APFloat wide = v;
    wide.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
    double d = wide.convertToDouble();
    if (!std::isfinite(d) || d <= 0.0)
      return op->emitOpError()
             << what << " must be finite and positive, but element " << idx
             << " is " << d;
    if (computeFloat) {
      APFloat narrow = v;
      narrow.convert(computeFloat.getFloatSemantics(),
                     APFloat::rmNearestTiesToEven, &lost);
      if (narrow.isInfinity() || narrow.isZero())
        return op->emitOpError()
               << what << " element " << idx << " is " << d << ", which "
               << (narrow.isZero() ? "underflows to 0" : "overflows to inf")
               << " in " << computeFloat
               << ", the type it is applied in; use a scale that "
               << computeFloat << " represents";
    }
    ++idx;
  }
  return success();
}

bool Broadcast::isBroadcast(int64_t i) const {
  return blockSize[i] == ShapedType::kDynamic || blockSize[i] > 1;
}

int64_t Broadcast::operandIndex(int64_t dim, int64_t i) const {
  int64_t g = blockSize[dim];
  return g == ShapedType::kDynamic ? 0 : i / g;
}

StringRef quantc::stringifyBroadcastKind(Broadcast::Kind kind) {
  switch (kind) {
  case Broadcast::Kind::Scalar:
    return "scalar";
  case Broadcast::Kind::PerRow:
    return "per-row";
  case Broadcast::Kind::PerColumn:
    return "per-column";
  case Broadcast::Kind::Full:
    return "full";
  case Broadcast::Kind::Block:
    return "block";
  }
  llvm_unreachable("unknown broadcast kind");
}

Broadcast quantc::getBroadcast(ShapedType data, ShapedType operand) {
  Broadcast b;
  int64_t rank = data.getRank();
  // Per dimension: 0 does not vary, 1 varies element by element, 2 blocks.
  SmallVector<int> varies;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t d = data.getDimSize(i), s = operand.getDimSize(i);
    if (s == 1 && d != 1) {
      b.blockSize.push_back(d);
      varies.push_back(0);
    } else if (s == d || ShapedType::isDynamic(s)) {
      b.blockSize.push_back(1);
      varies.push_back(d == 1 ? 0 : 1);
    } else {
      b.blockSize.push_back(d / s);
      varies.push_back(2);
    }
  }
  auto only = [&](int64_t dim) {
    for (int64_t i = 0; i < rank; ++i)
      if (varies[i] != (i == dim ? 1 : 0))
        return false;
    return true;
  };
  if (llvm::all_of(varies, [](int v) { return v == 0; }))
    b.kind = Broadcast::Kind::Scalar;
  else if (rank >= 2 && only(rank - 2))
    b.kind = Broadcast::Kind::PerRow;
  else if (rank >= 2 && only(rank - 1))
    b.kind = Broadcast::Kind::PerColumn;
  else if (llvm::all_of(llvm::zip(varies, data.getShape()), [](auto p) {
             return std::get<0>(p) == 1 || std::get<1>(p) == 1;
           }))
    b.kind = Broadcast::Kind::Full;
  else
    b.kind = Broadcast::Kind::Block;
  return b;
}

static LogicalResult verifyRange(Operation *op, Type storage,
                                 std::optional<int64_t> qmin,
                                 std::optional<int64_t> qmax, int64_t lo,
                                 int64_t hi) {
  unsigned width = storage.getIntOrFloatBitWidth();
  int64_t typeMin = width >= 64 ? INT64_MIN : -(int64_t(1) << (width - 1));
  int64_t typeMax = width >= 64 ? INT64_MAX : (int64_t(1) << (width - 1)) - 1;
  if (lo < typeMin || hi > typeMax)
    return op->emitOpError() << "clamp range [" << lo << ", " << hi
                             << "] does not fit the storage type " << storage;
  if (lo >= hi)
    return op->emitOpError()
           << "qmin (" << lo << ") must be smaller than qmax (" << hi << ")";
  (void)qmin;
  (void)qmax;
  return success();
}

/// A zero point has the scale's shape and, when constant, lies in the range
/// of the integer data [lo, hi]: outside it no stored value means 0.0.
static LogicalResult verifyZeroPoint(Operation *op, Value zp,
                                     ShapedType scaleTy, int64_t lo,
                                     int64_t hi) {
  if (!zp)
    return success();
  auto zpTy = cast<ShapedType>(zp.getType());
  if (zpTy.getShape() != scaleTy.getShape())
    return op->emitOpError("zero_point must have the shape of the scale");
  DenseIntElementsAttr attr;
  if (!matchPattern(zp, m_Constant(&attr)))
    return success();
  auto values = attr.isSplat() ? SmallVector<APInt>{attr.getSplatValue<APInt>()}
                               : llvm::to_vector(attr.getValues<APInt>());
  for (auto [idx, v] : llvm::enumerate(values)) {
    int64_t z = v.getSExtValue();
    if (z < lo || z > hi)
      return op->emitOpError("zero_point element ")
             << idx << " is " << z << ", outside the range [" << lo << ", "
             << hi << "] of the quantized values";
  }
  return success();
}

/// The full range of a signed integer type of `width` bits.
static std::pair<int64_t, int64_t> signedRange(unsigned width) {
  if (width >= 64)
    return {INT64_MIN, INT64_MAX};
  return {-(int64_t(1) << (width - 1)), (int64_t(1) << (width - 1)) - 1};
}

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

int64_t QuantizeOp::getQuantMin() {
  return getQminAttr()
             ? getQminAttr().getInt()
             : defaultQuantMin(getOutput().getType().getElementType());
}
int64_t QuantizeOp::getQuantMax() {
  return getQmaxAttr()
             ? getQmaxAttr().getInt()
             : defaultQuantMax(getOutput().getType().getElementType());
}

LogicalResult QuantizeOp::verify() {
  auto inTy = getInput().getType();
  auto outTy = getOutput().getType();
  if (inTy.getShape() != outTy.getShape())
    return emitOpError("result shape must equal the input shape");
  Type storage = outTy.getElementType();
  if (isFp8Storage(storage)) {
    // FP8: the clamp is E4M3's own range, and there is no zero point.
    if (getZeroPoint() || getQmin() || getQmax())
      return emitOpError("FP8 (f8E4M3FN) storage takes no zero_point, qmin or "
                         "qmax: it saturates at +-448");
    return failure(
        failed(verifyScaleShape(*this, inTy, getScale().getType(), "scale")) ||
        failed(verifyConstantScaleValues(*this, getScale(), "scale",
                                         inTy.getElementType())));
  }
  if (storage.getIntOrFloatBitWidth() > 32 ||
      storage.getIntOrFloatBitWidth() < 2)
    return emitOpError("storage type must be a 2- to 32-bit integer, got ")
           << storage;
  if (failed(verifyScaleShape(*this, inTy, getScale().getType(), "scale")) ||
      failed(verifyZeroPoint(*this, getZeroPoint(), getScale().getType(),
                             getQuantMin(), getQuantMax())) ||
      failed(verifyConstantScaleValues(*this, getScale(), "scale",
                                       inTy.getElementType())))
    return failure();
  return verifyRange(*this, storage, getQmin(), getQmax(), getQuantMin(),
                     getQuantMax());
}

/// Index of the scale element that data element `linear` (row-major in
/// `data`) reads under the broadcast rule `bc`.
static int64_t broadcastIndex(ArrayRef<int64_t> data, ArrayRef<int64_t> scale,
                              const Broadcast &bc, int64_t linear) {
  int64_t idx = 0, stride = 1;
  for (int64_t i = data.size() - 1; i >= 0; --i) {
    idx += bc.operandIndex(i, linear % data[i]) * stride;
    linear /= data[i];
    stride *= scale[i];
  }
  return idx;
}

OpFoldResult QuantizeOp::fold(FoldAdaptor adaptor) {
  auto input = dyn_cast_or_null<DenseFPElementsAttr>(adaptor.getInput());
  auto scale = dyn_cast_or_null<DenseFPElementsAttr>(adaptor.getScale());
  auto inTy = getInput().getType();
  if (!input || !scale || getZeroPoint() || !inTy.hasStaticShape() ||
      !getScale().getType().hasStaticShape())
    return {};
  // A splat of a splat stays a splat whatever its size; anything else is
  // materialized element by element, so it is bounded (kMaxFoldElements).
  bool splat = input.isSplat() && scale.isSplat();
  if (!splat &&
      (!isFoldableSize(inTy) || !isFoldableSize(getScale().getType())))
    return {};
  // Same arithmetic as the lowering (QuantCToLinalg): x / s in the input's
  // float type, round half to even, NaN -> 0, clamp, convert.
  const llvm::fltSemantics &sem =
      cast<FloatType>(inTy.getElementType()).getFloatSemantics();
  SmallVector<APFloat> scales;
  auto scaleValues = scale.isSplat()
                         ? SmallVector<APFloat>{scale.getSplatValue<APFloat>()}
                         : llvm::to_vector(scale.getValues<APFloat>());
  for (APFloat s : scaleValues) {
    bool lost;
    s.convert(sem, APFloat::rmNearestTiesToEven, &lost);
    scales.push_back(s);
  }
  auto outTy = getOutput().getType();
  if (isFp8Storage(outTy)) {
    // x / s in the input's float type, then encodeE4M3FN (of its f32 value).
    auto quantizeFp8 = [&](APFloat q, const APFloat &s) {
      q.divide(s, APFloat::rmNearestTiesToEven);
      bool lost;
      q.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
      return APFloat(APFloat::Float8E4M3FN(),
                     APInt(8, encodeE4M3FN(q.convertToFloat())));
    };
    if (splat)
      return DenseElementsAttr::get(
          outTy, quantizeFp8(input.getSplatValue<APFloat>(), scales.front()));
    SmallVector<APFloat> out;
    out.reserve(inTy.getNumElements());
    Broadcast bc = getBroadcast(inTy, getScale().getType());
    int64_t i = 0;
    for (APFloat x : input.getValues<APFloat>())
      out.push_back(quantizeFp8(
          x, scales[broadcastIndex(inTy.getShape(),
                                   getScale().getType().getShape(), bc, i++)]));
    return DenseElementsAttr::get(outTy, out);
  }
  unsigned width = outTy.getElementType().getIntOrFloatBitWidth();
  int64_t qlo = getQuantMin(), qhi = getQuantMax();
  ArrayRef<int64_t> dataShape = inTy.getShape();
  ArrayRef<int64_t> scaleShape = getScale().getType().getShape();
  auto quantizeOne = [&](APFloat q, const APFloat &s) {
    q.divide(s, APFloat::rmNearestTiesToEven);
    q.roundToIntegral(APFloat::rmNearestTiesToEven);
    bool lost;
    q.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
    double v = q.isNaN() ? 0.0 : q.convertToDouble();
    // Clamp on the integers (v is integral; outside [-2^63, 2^63) its
    // conversion to int64 would be undefined).
    constexpr double two63 = 9223372036854775808.0;
    int64_t i = v >= two63 ? qhi : v < -two63 ? qlo : static_cast<int64_t>(v);
    return APInt(width, std::clamp(i, qlo, qhi), /*isSigned=*/true);
  };
  if (splat)
    return DenseElementsAttr::get(
        outTy, quantizeOne(input.getSplatValue<APFloat>(), scales.front()));
  SmallVector<APInt> out;
  out.reserve(inTy.getNumElements());
  Broadcast bc = getBroadcast(inTy, getScale().getType());
  int64_t i = 0;
  for (APFloat x : input.getValues<APFloat>())
    out.push_back(
        quantizeOne(x, scales[broadcastIndex(dataShape, scaleShape, bc, i++)]));
  return DenseElementsAttr::get(outTy, out);
}

//===----------------------------------------------------------------------===//
// DequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult DequantizeOp::verify() {
  auto inTy = getInput().getType();
  auto outTy = getOutput().getType();
  if (inTy.getShape() != outTy.getShape())
    return emitOpError("result shape must equal the input shape");
  if (isFp8Storage(inTy)) {
    if (getZeroPoint())
      return emitOpError("FP8 (f8E4M3FN) storage takes no zero_point");
    return failure(
        failed(verifyScaleShape(*this, inTy, getScale().getType(), "scale")) ||
        failed(verifyConstantScaleValues(*this, getScale(), "scale",
                                         outTy.getElementType())));
  }
  if (inTy.getElementType().getIntOrFloatBitWidth() > 32)
    return emitOpError("input must be an integer of at most 32 bits, got ")
           << inTy.getElementType();
  auto [lo, hi] = signedRange(inTy.getElementType().getIntOrFloatBitWidth());
  if (failed(verifyScaleShape(*this, inTy, getScale().getType(), "scale")) ||
      failed(
          verifyZeroPoint(*this, getZeroPoint(), getScale().getType(), lo, hi)))
    return failure();
  return verifyConstantScaleValues(*this, getScale(), "scale",
                                   outTy.getElementType());
}

//===----------------------------------------------------------------------===//
// ComputeScaleOp
//===----------------------------------------------------------------------===//

LogicalResult ComputeScaleOp::verify() {
  auto inTy = getInput().getType();
  auto outTy = getScale().getType();
  if (inTy.getRank() != outTy.getRank())
    return emitOpError("result must have the rank of the input");
  llvm::SmallSet<int64_t, 4> seen;
  for (int64_t d : getDims()) {
    if (d < 0 || d >= inTy.getRank())
      return emitOpError("reduction dimension ")
             << d << " is out of range for rank " << inTy.getRank();
    if (!seen.insert(d).second)
      return emitOpError("reduction dimension ") << d << " is repeated";
  }
  for (int64_t i = 0, e = inTy.getRank(); i < e; ++i) {
    int64_t expected = seen.count(i) ? 1 : inTy.getDimSize(i);
    if (outTy.getDimSize(i) != expected)
      return emitOpError("result dimension ")
             << i << " must be "
             << (seen.count(i) ? "1 (reduced)" : "the input dimension");
  }
  if (getQmax() <= 0)
    return emitOpError("qmax must be positive");
  // The scale is absmax / qmax in the result type: a qmax that rounds to
  // infinity there makes every scale 0.
  auto ft = cast<FloatType>(outTy.getElementType());
  APFloat q(ft.getFloatSemantics());
  (void)q.convertFromAPInt(APInt(64, getQmax(), /*isSigned=*/true),
                           /*IsSigned=*/true, APFloat::rmNearestTiesToEven);
  if (!q.isFinite())
    return emitOpError("qmax (")
           << getQmax() << ") is not finite in " << ft << " (the largest is "
           << static_cast<int64_t>(
                  APFloat::getLargest(ft.getFloatSemantics()).convertToDouble())
           << "): every scale would be 0";
  return success();
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

unsigned MatmulOp::getLhsRowDim() {
  unsigned nb = getNumBatchDims();
  return getTransposeLhs() ? nb + 1 : nb;
}
unsigned MatmulOp::getLhsReductionDim() {
  unsigned nb = getNumBatchDims();
  return getTransposeLhs() ? nb : nb + 1;
}
unsigned MatmulOp::getRhsColumnDim() {
  unsigned nb = getRhs().getType().getRank() - 2;
  return getTransposeRhs() ? nb + 1 : nb;
}
unsigned MatmulOp::getRhsReductionDim() {
  unsigned nb = getRhs().getType().getRank() - 2;
  return getTransposeRhs() ? nb : nb + 1;
}

SmallVector<AffineMap, 3> MatmulOp::getIndexingMaps() {
  MLIRContext *ctx = getContext();
  int64_t nb = getNumBatchDims();
  auto dim = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  AffineExpr n = dim(nb), d = dim(nb + 1), c = dim(nb + 2);
  SmallVector<AffineExpr> batch, lhs, rhs, out;
  for (int64_t i = 0; i < nb; ++i)
    batch.push_back(dim(i));
  lhs = batch;
  out = batch;
  if (!isRhsBroadcast())
    rhs = batch;
  lhs.append(getTransposeLhs() ? SmallVector<AffineExpr>{c, n}
                               : SmallVector<AffineExpr>{n, c});
  rhs.append(getTransposeRhs() ? SmallVector<AffineExpr>{c, d}
                               : SmallVector<AffineExpr>{d, c});
  out.append({n, d});
  unsigned loops = nb + 3;
  return {AffineMap::get(loops, 0, lhs, ctx),
          AffineMap::get(loops, 0, rhs, ctx),
          AffineMap::get(loops, 0, out, ctx)};
}

LogicalResult MatmulOp::verify() {
  auto lhsTy = getLhs().getType();
  auto rhsTy = getRhs().getType();
  auto resTy = getResult().getType();
  int64_t rank = lhsTy.getRank();
  if (rank < 2 || resTy.getRank() != rank ||
      (rhsTy.getRank() != rank && rhsTy.getRank() != 2))
    return emitOpError("lhs and result must have the same rank >= 2, and "
                       "the rhs that rank or rank 2 (broadcast over the "
                       "batch); got ranks ")
           << rank << ", " << rhsTy.getRank() << " -> " << resTy.getRank();
  // FP8 W8A8: both operands E4M3, an f32 result, no zero points; integers
  // accumulate in i32.
  bool fp8 = isFp8Storage(lhsTy);
  if (fp8 != isFp8Storage(rhsTy))
    return emitOpError("operands must both be integers or both FP8 "
                       "(f8E4M3FN), got ")
           << lhsTy.getElementType() << " and " << rhsTy.getElementType();
  if (fp8 != resTy.getElementType().isF32())
    return emitOpError(fp8 ? "an FP8 (f8E4M3FN) GEMM accumulates in f32: the "
                             "result must be f32, got "
                           : "an integer GEMM accumulates in i32: the result "
                             "must be i32, got ")
           << resTy.getElementType();
  if (fp8 && hasZeroPoints())
    return emitOpError("an FP8 (f8E4M3FN) GEMM takes no zero points");
  for (Type t : {lhsTy.getElementType(), rhsTy.getElementType()})
    if (!fp8 && t.getIntOrFloatBitWidth() > 8)
      return emitOpError("operands must be integers of at most 8 bits, got ")
             << t << "; an i32 x i32 product can overflow the accumulator";
  auto compatible = [](int64_t a, int64_t b) {
    return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
  };
  bool broadcast = isRhsBroadcast();
  for (int64_t i = 0; i < rank - 2; ++i)
    if ((!broadcast && !compatible(lhsTy.getDimSize(i), rhsTy.getDimSize(i))) ||
        !compatible(lhsTy.getDimSize(i), resTy.getDimSize(i)))
      return emitOpError("batch dimension ") << i << " does not match";
  int64_t lhsK = lhsTy.getDimSize(getLhsReductionDim());
  int64_t rhsK = rhsTy.getDimSize(getRhsReductionDim());
  if (!compatible(lhsK, rhsK))
    return emitOpError("reduction dimension mismatch: lhs has ")
           << formatDim(lhsK) << " and rhs has " << formatDim(rhsK) << " (lhs "
           << (getTransposeLhs() ? "[C, N]" : "[N, C]") << ", rhs "
           << (getTransposeRhs() ? "[C, D] (transpose_rhs)"
                                 : "[D, C], transposed")
           << ")";
  if (!compatible(resTy.getDimSize(rank - 2),
                  lhsTy.getDimSize(getLhsRowDim())) ||
      !compatible(resTy.getDimSize(rank - 1),
                  rhsTy.getDimSize(getRhsColumnDim())))
    return emitOpError("result shape must be [..., N, D]");
  // Zero points: shaped over the result, constant along the operand's
  // other side (the lhs's along the columns, the rhs's along the rows), and
  // inside the operand's storage range, where a stored value means 0.0.
  for (auto [zp, name, operandTy, fixedDim] :
       {std::tuple{getLhsZeroPoint(), "lhs_zero_point", lhsTy, rank - 1},
        std::tuple{getRhsZeroPoint(), "rhs_zero_point", rhsTy, rank - 2}}) {
    if (!zp)
      continue;
    auto zpTy = cast<RankedTensorType>(zp.getType());
    if (zpTy.getRank() != rank)
      return emitOpError() << name << " must have the result's rank " << rank
                           << ", got " << zpTy;
    for (int64_t i = 0; i < rank; ++i) {
      int64_t z = zpTy.getDimSize(i);
      if (z == 1)
        continue;
      if (i == fixedDim)
        return emitOpError()
               << name << " must have size 1 along dimension " << i << " ("
               << (i == rank - 1 ? "the columns" : "the rows") << "), got "
               << zpTy;
      if (!compatible(z, resTy.getDimSize(i)))
        return emitOpError() << name << " dimension " << i << " is "
                             << formatDim(z) << ", neither 1 nor the result's "
                             << formatDim(resTy.getDimSize(i));
    }
    auto [lo, hi] =
        signedRange(operandTy.getElementType().getIntOrFloatBitWidth());
    DenseIntElementsAttr attr;
    if (!matchPattern(zp, m_Constant(&attr)))
      continue;
    for (auto [idx, v] : llvm::enumerate(attr.getValues<APInt>())) {
      int64_t z = v.getSExtValue();
      if (z < lo || z > hi)
        return emitOpError() << name << " element " << idx << " is " << z
                             << ", outside the storage range [" << lo << ", "
                             << hi << "] of " << operandTy.getElementType();
      if (attr.isSplat())
        break;
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// RescaleOp
//===----------------------------------------------------------------------===//

int64_t RescaleOp::getQuantMin() {
  Type t = getResult().getType().getElementType();
  return getQminAttr() ? getQminAttr().getInt() : defaultQuantMin(t);
}
int64_t RescaleOp::getQuantMax() {
  Type t = getResult().getType().getElementType();
  return getQmaxAttr() ? getQmaxAttr().getInt() : defaultQuantMax(t);
}

Broadcast RescaleOp::getOperandBroadcast(Value v) {
  assert(v && llvm::is_contained(getOperands().drop_front(), v) &&
         "not an epilogue operand of this rescale");
  return getBroadcast(getAcc().getType(), cast<ShapedType>(v.getType()));
}

LogicalResult RescaleOp::verify() {
  auto accTy = getAcc().getType();
  auto resTy = getResult().getType();
  int64_t rank = accTy.getRank();
  if (rank < 2)
    return emitOpError("accumulator must have rank >= 2 ([..., N, D])");
  if (resTy.getShape() != accTy.getShape())
    return emitOpError("result shape must equal the accumulator shape");
  auto xsTy = getXScale().getType(), wsTy = getWScale().getType();
  if (failed(verifyScaleShape(*this, accTy, xsTy, "x_scale")) ||
      failed(verifyScaleShape(*this, accTy, wsTy, "w_scale")))
    return failure();
  if (xsTy.getDimSize(rank - 1) != 1)
    return emitOpError("x_scale varies along the output-channel dimension; an "
                       "activation scale may vary along the rows only");
  if (wsTy.getDimSize(rank - 2) != 1)
    return emitOpError("w_scale varies along the row dimension; a weight scale "
                       "may vary along the output channels only");
  if (failed(verifyConstantScaleValues(*this, getXScale(), "x_scale")) ||
      failed(verifyConstantScaleValues(*this, getWScale(), "w_scale")))
    return failure();
  if (Value bias = getBias()) {
    auto bTy = cast<ShapedType>(bias.getType());
    if (failed(verifyScaleShape(*this, accTy, bTy, "bias")))
      return failure();
    for (int64_t i = 0; i < rank - 1; ++i)
      if (bTy.getDimSize(i) != 1)
        return emitOpError("bias must vary along the last dimension only");
  }
  if (Value res = getResidual())
    if (cast<ShapedType>(res.getType()).getShape() != accTy.getShape())
      return emitOpError("residual must have the accumulator's shape");
  bool intResult = isa<IntegerType>(resTy.getElementType());
  if (Value os = getOutputScale()) {
    if (!intResult)
      return emitOpError("with output_scale the result must be an integer "
                         "(requantized) type");
    if (failed(verifyScaleShape(*this, accTy, cast<ShapedType>(os.getType()),
                                "output_scale")) ||
        failed(verifyConstantScaleValues(*this, os, "output_scale")))
      return failure();
    return verifyRange(*this, resTy.getElementType(), getQmin(), getQmax(),
                       getQuantMin(), getQuantMax());
  }
  if (intResult)
    return emitOpError("an integer result needs an output_scale to requantize");
  return success();
}

//===----------------------------------------------------------------------===//
// SmoothOp
//===----------------------------------------------------------------------===//

LogicalResult SmoothOp::verify() {
  auto inTy = getInput().getType();
  auto sTy = getFactor().getType();
  if (inTy != getOutput().getType())
    return emitOpError("result type must equal the input type");
  if (inTy.getRank() < 1 || sTy.getRank() != inTy.getRank())
    return emitOpError("smoothing factor must have the rank of the input");
  int64_t rank = inTy.getRank();
  for (int64_t i = 0; i < rank - 1; ++i)
    if (sTy.getDimSize(i) != 1)
      return emitOpError("smoothing factor must have size 1 in every "
                         "dimension but the channel (last) one");
  if (sTy.getDimSize(rank - 1) != inTy.getDimSize(rank - 1))
    return emitOpError("smoothing factor has ")
           << formatDim(sTy.getDimSize(rank - 1)) << " channels, the input has "
           << formatDim(inTy.getDimSize(rank - 1));
  return verifyConstantScaleValues(*this, getFactor(), "smoothing factor",
                                   inTy.getElementType());
}

//===----------------------------------------------------------------------===//
// ObserveOp
//===----------------------------------------------------------------------===//

LogicalResult ObserveOp::verify() {
  auto inTy = getInput().getType();
  auto stats = getAbsmax();
  if (inTy.getRank() < 1)
    return emitOpError("input must have rank >= 1");
  if (stats.getType().getRank() != 1 ||
      stats.getType().getDimSize(0) != inTy.getDimSize(inTy.getRank() - 1))
    return emitOpError("absmax must be a 1-D tensor with one value per "
                       "channel (last dimension, size ")
           << formatDim(inTy.getDimSize(inTy.getRank() - 1)) << ")";
  int64_t idx = 0;
  auto values = stats.isSplat()
                    ? SmallVector<float>{stats.getSplatValue<float>()}
                    : llvm::to_vector(stats.getValues<float>());
  for (float v : values) {
    if (!std::isfinite(v) || v < 0.0f)
      return emitOpError("absmax statistics must be finite and non-negative, "
                         "but channel ")
             << idx << " is " << v;
    ++idx;
  }
  return success();
}

#define GET_OP_CLASSES
#include "quantc/Dialect/QuantC/IR/QuantCOps.cpp.inc"

LogicalResult ParamOp::verify() {
  // I64Attr's getter is unsigned: the sign is in the attribute.
  int64_t index = getIndexAttr().getInt();
  if (index < 0)
    return emitOpError("index must be >= 0, got ") << index;
  if (getName().empty())
    return emitOpError("name must not be empty");
  return success();
}
