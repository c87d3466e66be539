//===- MatmulUtils.cpp - operand roles and compile-time quantization ------===//
#include "MatmulUtils.h"
#include "quantc/Dialect/QuantC/Utils/ConstantWeights.h"

#include "quantc/Analysis/Granularity.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace quantc;

/// Why `op` is not a linalg op on ranked float tensors with two inputs and
/// one init (the float contractions --quantc-quantize takes), or "".
static StringRef notFloatTwoInputOnTensors(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || !linalgOp.hasPureTensorSemantics() ||
      linalgOp.getNumDpsInputs() != 2 || linalgOp.getNumDpsInits() != 1)
    return "not a two-input contraction on tensors";
  for (Value v : op->getOperands()) {
    auto ty = dyn_cast<RankedTensorType>(v.getType());
    if (!ty || !isa<FloatType>(ty.getElementType()))
      return "operands are not ranked float tensors";
  }
  return "";
}

/// The dimensions of `o` with role `r`.
static SmallVector<int64_t> dimsOf(const ContractionOperand &o, DimRole r) {
  SmallVector<int64_t> ds;
  for (auto [i, role] : llvm::enumerate(o.dims))
    if (role == r)
      ds.push_back(i);
  return ds;
}

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
  if (StringRef no = notFloatTwoInputOnTensors(op); !no.empty())
    return fail(no);
  // Roles come from the shared granularity analysis (indexing maps).
  FailureOr<ContractionInfo> info = getContractionInfo(op);
  if (failed(info))
    return fail("not a contraction the granularity analysis understands");
  const ContractionOperand &x = info->lhs, &w = info->rhs;
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

std::optional<ConvolutionRoles> quantc::getConvolutionRoles(Operation *op,
                                                            std::string *why) {
  auto fail = [&](const Twine &msg) -> std::optional<ConvolutionRoles> {
    if (why)
      *why = msg.str();
    return std::nullopt;
  };
  if (StringRef no = notFloatTwoInputOnTensors(op); !no.empty())
    return fail(no);
  auto linalgOp = cast<linalg::LinalgOp>(op);
  FailureOr<ContractionInfo> info = getContractionInfo(op);
  if (failed(info) || !info->isConvolution)
    return fail("not a convolution the granularity analysis understands");
  // A generic of convolution structure must also compute one: acc + x * w
  // (a max or a sum of the window is no contraction to quantize).
  if (isa<linalg::GenericOp>(op) &&
      !linalg::detail::isContractionBody(
          *linalgOp.getBlock(), [](Operation *mul, Operation *add) {
            return isa<arith::MulFOp>(mul) && isa<arith::AddFOp>(add);
          }))
    return fail("a generic of convolution structure whose body is not a "
                "multiply-accumulate");
  if (!info->zeroPoints.empty())
    return fail("a convolution with zero points");
  const ContractionOperand &x = info->lhs, &w = info->rhs;
  ConvolutionRoles roles;
  roles.op = linalgOp;
  roles.actIndex = x.operandNumber;
  roles.weightIndex = w.operandNumber;
  SmallVector<int64_t> out = dimsOf(w, DimRole::N),
                       batch = dimsOf(w, DimRole::Batch);
  if (out.size() == 1)
    roles.weightOutDim = out[0];
  else if (out.empty() && batch.size() == 1)
    roles.weightOutDim = batch[0];
  else
    return fail("not a convolution with one output-channel dimension");
  for (auto [i, role] : llvm::enumerate(x.dims))
    if (role != DimRole::M || (!x.windowed.empty() && x.windowed[i]))
      roles.actReduceDims.push_back(i);
  return roles;
}

MutableArrayRef<float> FloatConst::mutableValues() {
  if (!owned || owned.use_count() != 1 || values.data() != owned->data()) {
    owned = std::make_shared<std::vector<float>>(values.begin(), values.end());
    values = *owned;
  }
  return MutableArrayRef<float>(owned->data(), owned->size());
}

void FloatConst::setValues(std::vector<float> v) {
  owned = std::make_shared<std::vector<float>>(std::move(v));
  values = *owned;
}

std::optional<FloatConst> quantc::readFloatConst(Value v) {
  ElementsAttr attr = getConstantWeight(v);
  if (!attr || !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  FloatConst c;
  c.type = cast<RankedTensorType>(attr.getType());
  c.source = attr;
  // An f32 weight is read in place (no copy of its bytes).
  if (std::optional<ArrayRef<float>> view = getF32Elements(attr)) {
    c.values = *view;
    return c;
  }
  FailureOr<SmallVector<float>> values = readFloatElements(attr);
  if (failed(values))
    return std::nullopt;
  c.setValues(std::vector<float>(values->begin(), values->end()));
  return c;
}

Value quantc::makeFloatConst(OpBuilder &b, Location loc,
                             ArrayRef<int64_t> shape, ArrayRef<float> values,
                             Type elemType, Attribute like, StringRef suffix) {
  if (!elemType)
    elemType = b.getF32Type();
  auto ty = RankedTensorType::get(shape, elemType);
  return arith::ConstantOp::create(
      b, loc,
      cast<TypedAttr>(makeFloatElementsLike(
          like, ty, values, derivedResourceName(like, suffix))));
}

Value quantc::makeScaleConst(OpBuilder &b, Location loc,
                             ArrayRef<int64_t> shape, ArrayRef<float> values,
                             Attribute nameLike, StringRef suffix) {
  auto ty = RankedTensorType::get(shape, b.getF32Type());
  bool asResource = ty.getNumElements() > kMaxTextConstantElements;
  std::string name = derivedResourceName(nameLike, suffix);
  return arith::ConstantOp::create(
      b, loc,
      cast<TypedAttr>(
          makeElements(ty, asResource, name, [&](MutableArrayRef<char> out) {
            floatsToRaw(ty.getElementType(), values.data(), values.size(),
                        out.data());
          })));
}

namespace {
/// Calls `fn(rowStart, keepBase)` for every row (run along the last
/// dimension) of a row-major tensor of `shape`: the offset of the row's
/// first element, and the row-major offset of that element's entry in a
/// "keep" tensor of shape `keep` (a scale or a reduction result), whose
/// every dimension is 1 (all elements to entry 0), the full size, or a
/// divisor of it (blocks of shape / keep elements to one entry). A rank-0
/// tensor is one row of one element.
template <typename Fn>
void forEachRow(ArrayRef<int64_t> shape, ArrayRef<int64_t> keep, Fn fn) {
  int64_t rank = shape.size();
  if (rank == 0)
    return fn(int64_t(0), int64_t(0));
  int64_t numel = 1;
  for (int64_t d : shape)
    numel *= d;
  if (numel == 0)
    return;
  SmallVector<int64_t> keepStride(rank, 1), idx(rank, 0);
  for (int64_t d = rank - 2; d >= 0; --d)
    keepStride[d] = keepStride[d + 1] * keep[d + 1];
  for (int64_t row = 0, rows = numel / shape.back(); row < rows; ++row) {
    int64_t base = 0;
    for (int64_t d = 0; d + 1 < rank; ++d)
      if (keep[d] != 1)
        base += idx[d] / (shape[d] / keep[d]) * keepStride[d];
    fn(row * shape.back(), base);
    for (int64_t d = rank - 2; d >= 0; --d) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
}

/// The length of a row of `shape` and how it maps onto `keep` (see
/// forEachRow): block 0 when the row maps to one entry, else the elements
/// per entry. Rows of length 0 (where `keep` may be 0 too: a weight of 0
/// output channels) are block 0; forEachRow visits none.
std::pair<int64_t, int64_t> rowBlock(ArrayRef<int64_t> shape,
                                     ArrayRef<int64_t> keep) {
  if (shape.empty())
    return {1, 0};
  if (keep.back() == 1 || shape.back() == 0)
    return {shape.back(), 0};
  return {shape.back(), shape.back() / keep.back()};
}

/// The shape that keeps dimension `keepDim` of `shape` and is 1 elsewhere.
SmallVector<int64_t> keepOnly(ArrayRef<int64_t> shape, int64_t keepDim) {
  SmallVector<int64_t> keep(shape.size(), 1);
  keep[keepDim] = shape[keepDim];
  return keep;
}

/// Bits of |x| as an unsigned integer: ordered like |x| for non-NaN floats,
/// and at least 0x7f800000 exactly when x is infinite or NaN. Integer max
/// reductions vectorize where float ones (without fast-math) do not.
inline uint32_t absBits(float x) {
  return llvm::bit_cast<uint32_t>(x) & 0x7fffffffu;
}

/// y[j] = x[j] * s.
void scaleRow(const float *__restrict x, float s, float *__restrict y,
              int64_t n) {
  for (int64_t j = 0; j < n; ++j)
    y[j] = x[j] * s;
}

/// y[j] = x[j] * s[j].
void scaleRow(const float *__restrict x, const float *__restrict s,
              float *__restrict y, int64_t n) {
  for (int64_t j = 0; j < n; ++j)
    y[j] = x[j] * s[j];
}

/// The rows (runs along the last dimension) of a weight's f32 values, with
/// a pending scale applied when there is one: a row is then computed into a
/// scratch row (`x · s` in f32, rounded to the weight's element type and
/// back, as the materialized weight would hold it), so that the scaled
/// weight is never stored whole.
class WeightRows {
public:
  WeightRows(const FloatConst &w, const PendingScale *pre)
      : data(w.values.data()), pre(pre) {
    if (!pre)
      return;
    shape = w.shape();
    elem = w.type.getElementType();
    assert(!shape.empty() && pre->dim >= 0 &&
           pre->dim < static_cast<int64_t>(shape.size()) &&
           static_cast<int64_t>(pre->factor.size()) == shape[pre->dim] &&
           "a pending scale along a dimension of the weight");
    for (int64_t d = pre->dim + 1, e = shape.size(); d < e; ++d)
      stride *= shape[d];
    tmp.resize(shape.back());
    if (!elem.isF32())
      raw.resize(shape.back() * ((elem.getIntOrFloatBitWidth() + 7) / 8));
  }

  /// The `len` values of the row that starts at flat offset `start`.
  const float *operator()(int64_t start, int64_t len) {
    const float *x = data + start;
    if (!pre)
      return x;
    float *y = tmp.data();
    if (pre->dim + 1 == static_cast<int64_t>(shape.size()))
      scaleRow(x, pre->factor.data(), y, len);
    else
      scaleRow(x, pre->factor[(start / stride) % shape[pre->dim]], y, len);
    if (!elem.isF32()) {
      floatsToRaw(elem, y, len, raw.data());
      floatsFromRaw(elem, raw.data(), len, y);
    }
    return y;
  }

private:
  const float *data;
  const PendingScale *pre;
  SmallVector<int64_t> shape;
  Type elem;
  int64_t stride = 1;
  std::vector<float> tmp;
  std::vector<char> raw;
};

/// Per-entry max of absBits over the elements of `w` (of `shape`, rows from
/// `rows`) mapped to each entry of `keep`.
std::vector<uint32_t> absmaxBits(WeightRows &rows, ArrayRef<int64_t> shape,
                                 ArrayRef<int64_t> keep) {
  int64_t n = 1;
  for (int64_t k : keep)
    n *= k;
  std::vector<uint32_t> out(n, 0);
  uint32_t *o = out.data();
  int64_t len, block;
  std::tie(len, block) = rowBlock(shape, keep);
  forEachRow(shape, keep, [&](int64_t start, int64_t base) {
    const float *x = rows(start, len);
    if (block == 0) {
      uint32_t mx = 0;
      for (int64_t j = 0; j < len; ++j)
        mx = std::max(mx, absBits(x[j]));
      o[base] = std::max(o[base], mx);
    } else if (block == 1) {
      uint32_t *ob = o + base;
      for (int64_t j = 0; j < len; ++j)
        ob[j] = std::max(ob[j], absBits(x[j]));
    } else {
      for (int64_t j0 = 0, e = 0; j0 < len; j0 += block, ++e) {
        uint32_t mx = 0;
        for (int64_t j = j0; j < j0 + block; ++j)
          mx = std::max(mx, absBits(x[j]));
        o[base + e] = std::max(o[base + e], mx);
      }
    }
  });
  return out;
}

/// Applies `op(x, factor[entry])` to every element of `in` (of `shape`),
/// writing `out`, with `factor` indexed like the keep tensor `keep`.
template <typename Op>
void applyAlong(ArrayRef<float> in, float *out, ArrayRef<int64_t> shape,
                ArrayRef<int64_t> keep, ArrayRef<float> factor, Op op) {
  const float *data = in.data(), *f = factor.data();
  int64_t len, block;
  std::tie(len, block) = rowBlock(shape, keep);
  forEachRow(shape, keep, [&](int64_t start, int64_t base) {
    const float *x = data + start;
    float *y = out + start;
    if (block == 0) {
      float s = f[base];
      for (int64_t j = 0; j < len; ++j)
        y[j] = op(x[j], s);
    } else if (block == 1) {
      const float *fb = f + base;
      for (int64_t j = 0; j < len; ++j)
        y[j] = op(x[j], fb[j]);
    } else {
      for (int64_t j0 = 0, e = 0; j0 < len; j0 += block, ++e) {
        float s = f[base + e];
        for (int64_t j = j0; j < j0 + block; ++j)
          y[j] = op(x[j], s);
      }
    }
  });
}
} // namespace

SmallVector<float> quantc::absmaxAlong(const FloatConst &c, int64_t keepDim) {
  SmallVector<int64_t> shape = c.shape();
  WeightRows rows(c, nullptr);
  std::vector<uint32_t> bits =
      absmaxBits(rows, shape, keepOnly(shape, keepDim));
  SmallVector<float> out;
  out.reserve(bits.size());
  for (uint32_t m : bits)
    out.push_back(llvm::bit_cast<float>(m));
  return out;
}

void quantc::scaleAlong(FloatConst &c, int64_t dim, ArrayRef<float> factor) {
  SmallVector<int64_t> shape = c.shape();
  MutableArrayRef<float> v = c.mutableValues();
  applyAlong(v, v.data(), shape, keepOnly(shape, dim), factor,
             [](float x, float s) { return x * s; });
}

void quantc::divideAlong(FloatConst &c, int64_t dim, ArrayRef<float> factor) {
  SmallVector<int64_t> shape = c.shape();
  MutableArrayRef<float> v = c.mutableValues();
  applyAlong(v, v.data(), shape, keepOnly(shape, dim), factor,
             [](float x, float s) { return x / s; });
}

Value quantc::makeScaledFloatConst(OpBuilder &b, Location loc,
                                   const FloatConst &c, int64_t dim,
                                   ArrayRef<float> factor, StringRef suffix) {
  SmallVector<int64_t> shape = c.shape();
  SmallVector<int64_t> keep = keepOnly(shape, dim);
  Type elem = c.type.getElementType();
  auto mul = [](float x, float s) { return x * s; };
  ElementsAttr attr = makeElements(
      c.type, isa_and_nonnull<DenseResourceElementsAttr>(c.source),
      derivedResourceName(c.source, suffix), [&](MutableArrayRef<char> out) {
        if (elem.isF32()) {
          applyAlong(c.values, reinterpret_cast<float *>(out.data()), shape,
                     keep, factor, mul);
          return;
        }
        std::vector<float> tmp(c.values.size());
        applyAlong(c.values, tmp.data(), shape, keep, factor, mul);
        floatsToRaw(elem, tmp.data(), tmp.size(), out.data());
      });
  return arith::ConstantOp::create(b, loc, cast<TypedAttr>(attr));
}

Value quantc::emitSmoothedWeight(OpBuilder &b, Location loc,
                                 const FloatConst &w, int64_t dim,
                                 ArrayRef<float> factor) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = w.type.getRank();
  Type elem = w.type.getElementType();
  Value wc = arith::ConstantOp::create(b, loc, cast<TypedAttr>(w.source));
  Value fc = makeScaleConst(b, loc, {static_cast<int64_t>(factor.size())},
                            factor, w.source, "smooth_factor");
  Value init = tensor::EmptyOp::create(b, loc, w.type.getShape(), elem);
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(rank, ctx),
      AffineMap::get(rank, 0, getAffineDimExpr(dim, ctx)),
      AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto g = linalg::GenericOp::create(
      b, loc, TypeRange{w.type}, ValueRange{wc, fc}, ValueRange{init}, maps,
      iters, [&](OpBuilder &nb, Location l, ValueRange args) {
        Value x = args[0];
        if (!elem.isF32())
          x = arith::ExtFOp::create(nb, l, nb.getF32Type(), x);
        Value m = arith::MulFOp::create(nb, l, x, args[1]);
        if (!elem.isF32())
          m = arith::TruncFOp::create(nb, l, elem, m);
        linalg::YieldOp::create(nb, l, m);
      });
  g->setAttr(kSmoothedWeightAttr, b.getUnitAttr());
  return g.getResult(0);
}

/// Whether the body of `g` is emitSmoothedWeight's: yield of
/// [truncf] mulf([extf] arg0, arg1).
static bool hasSmoothedWeightBody(linalg::GenericOp g) {
  Block *body = g.getBody();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  if (yield.getNumOperands() != 1)
    return false;
  Value v = yield.getOperand(0);
  if (auto t = v.getDefiningOp<arith::TruncFOp>())
    v = t.getIn();
  auto mul = v.getDefiningOp<arith::MulFOp>();
  if (!mul || mul.getRhs() != body->getArgument(1))
    return false;
  Value x = mul.getLhs();
  if (auto e = x.getDefiningOp<arith::ExtFOp>())
    x = e.getIn();
  return x == body->getArgument(0);
}

std::optional<SmoothedWeight> quantc::readSmoothedWeight(Value v) {
  auto g = v ? v.getDefiningOp<linalg::GenericOp>() : linalg::GenericOp();
  if (!g || !g->hasAttr(kSmoothedWeightAttr) || g.getNumDpsInputs() != 2 ||
      g.getNumDpsInits() != 1 || g->getNumResults() != 1 ||
      g.getNumParallelLoops() != g.getNumLoops() || !hasSmoothedWeightBody(g))
    return std::nullopt;
  std::optional<FloatConst> w = readFloatConst(g.getDpsInputs()[0]);
  std::optional<FloatConst> f = readFloatConst(g.getDpsInputs()[1]);
  AffineMap wMap = g.getIndexingMapsArray()[0];
  AffineMap fMap = g.getIndexingMapsArray()[1];
  if (!w || !f || w->type != v.getType() || !f->type.getElementType().isF32() ||
      f->type.getRank() != 1 || !wMap.isIdentity() ||
      fMap.getNumResults() != 1 || !isa<AffineDimExpr>(fMap.getResult(0)))
    return std::nullopt;
  int64_t dim = cast<AffineDimExpr>(fMap.getResult(0)).getPosition();
  if (f->type.getDimSize(0) != w->type.getDimSize(dim))
    return std::nullopt;
  SmoothedWeight sw{*w, *f, {}};
  sw.scale.dim = dim;
  sw.scale.factor = sw.factor.values;
  return sw;
}

FloatConst quantc::materializeValues(const SmoothedWeight &sw) {
  FloatConst c;
  c.type = sw.w.type;
  c.source = sw.w.source;
  std::vector<float> out(sw.w.values.size());
  SmallVector<int64_t> shape = sw.w.shape();
  WeightRows rows(sw.w, &sw.scale);
  int64_t len = shape.back();
  for (int64_t start = 0, e = out.size(); start < e; start += len)
    std::memcpy(out.data() + start, rows(start, len), len * sizeof(float));
  c.setValues(std::move(out));
  return c;
}

std::optional<FloatConst> quantc::readFloatConstOrSmoothed(Value v) {
  if (std::optional<FloatConst> c = readFloatConst(v))
    return c;
  if (std::optional<SmoothedWeight> sw = readSmoothedWeight(v))
    return materializeValues(*sw);
  return std::nullopt;
}

void quantc::materializeSmoothedWeight(linalg::GenericOp generic) {
  std::optional<SmoothedWeight> sw = readSmoothedWeight(generic.getResult(0));
  assert(sw && "an emitSmoothedWeight result");
  OpBuilder b(generic);
  Value c = makeScaledFloatConst(b, generic.getLoc(), sw->w, sw->scale.dim,
                                 sw->scale.factor, "smooth");
  generic.getResult(0).replaceAllUsesWith(c);
  SmallVector<Operation *> defs;
  for (Value v : generic->getOperands())
    if (Operation *d = v.getDefiningOp())
      defs.push_back(d);
  generic.erase();
  for (Operation *d : defs)
    if (isOpTriviallyDead(d))
      d->erase();
}

/// `absmax / qmax`, 1 for an all-zero slice (quantize never divides by 0).
static float scaleFromAbsmax(float m, float qmax = 127.0f) {
  return m == 0.0f ? 1.0f : m / qmax;
}

/// round_half_even(r) clamped to [-qmax, qmax], NaN to 0 (the rule of
/// quantc.quantize and of the NumPy reference), without a libm call: the
/// clamp to +-(qmax + 1) first keeps |r| small enough that adding and
/// subtracting 1.5 * 2^23 rounds it to the nearest even integer.
static inline int8_t roundClamp(float r, float qmax) {
  r = r != r ? 0.0f : r;
  r = std::min(std::max(r, -qmax - 1.0f), qmax + 1.0f);
  r = (r + 0x1.8p23f) - 0x1.8p23f;
  r = std::min(std::max(r, -qmax), qmax);
  return static_cast<int8_t>(static_cast<int32_t>(r));
}

/// y[j] = roundClamp(x[j] / s, qmax) for one scale `s` (a function of its
/// own, with restrict pointers and the bounds in registers, so that it
/// vectorizes: an int8 store may alias anything a lambda captured).
static void quantizeRow(const float *__restrict x, float s,
                        int8_t *__restrict y, int64_t n, float qmax) {
  for (int64_t j = 0; j < n; ++j)
    y[j] = roundClamp(x[j] / s, qmax);
}

/// y[j] = roundClamp(x[j] / s[j], qmax).
static void quantizeRow(const float *__restrict x, const float *__restrict s,
                        int8_t *__restrict y, int64_t n, float qmax) {
  for (int64_t j = 0; j < n; ++j)
    y[j] = roundClamp(x[j] / s[j], qmax);
}

Value quantc::emitQuantizedWeight(OpBuilder &b, Location loc,
                                  const FloatConst &w, int64_t outDim,
                                  WeightGranularity g, int64_t bits,
                                  int64_t group, int64_t reduceDim) {
  FailureOr<Value> v = emitCheckedQuantizedWeight(
      b, loc, w, outDim, g, bits, group, reduceDim, /*op=*/nullptr, 0);
  assert(succeeded(v) && "a finite weight (checkFiniteWeight)");
  return *v;
}

FailureOr<Value> quantc::emitCheckedQuantizedWeight(
    OpBuilder &b, Location loc, const FloatConst &w, int64_t outDim,
    WeightGranularity g, int64_t bits, int64_t group, int64_t reduceDim,
    Operation *op, unsigned operandIndex, const PendingScale *pre, bool fp8) {
  assert((bits == 8 || bits == 4) && "8- or 4-bit weights");
  assert((!fp8 || bits == 8) && "FP8 weights have 8 bits");
  float qmax = fp8 ? float(kE4M3Max) : bits == 4 ? 7.0f : 127.0f;
  SmallVector<int64_t> shape = w.shape();
  SmallVector<int64_t> scaleShape(shape.size(), 1);
  if (g == WeightGranularity::PerChannel)
    scaleShape[outDim] = shape[outDim];
  if (group > 0) {
    assert(reduceDim >= 0 && shape[reduceDim] % group == 0 &&
           "the group divides the reduction dimension");
    scaleShape[reduceDim] = shape[reduceDim] / group;
  }
  // Pass 1: absmax per scale entry; then the scales.
  WeightRows rows(w, pre);
  std::vector<uint32_t> absmax = absmaxBits(rows, shape, scaleShape);
  // An infinity or NaN shows as an absmax of at least 0x7f800000: the pass
  // over the weight that finds the absmax also checks it is finite.
  if (llvm::any_of(absmax, [](uint32_t m) { return m >= 0x7f800000u; })) {
    if (!op)
      return failure();
    // Rare: the scaled weight is materialized only to say where.
    LogicalResult r =
        pre ? checkFiniteWeight(
                  op, materializeValues(SmoothedWeight{w, FloatConst(), *pre}),
                  operandIndex)
            : checkFiniteWeight(op, w, operandIndex);
    assert(failed(r) && "a non-finite absmax comes from a non-finite weight");
    return r;
  }
  SmallVector<float> scales;
  scales.reserve(absmax.size());
  for (uint32_t m : absmax)
    scales.push_back(scaleFromAbsmax(llvm::bit_cast<float>(m), qmax));
  // Pass 2: q = clamp(round_half_even(w / s)), the run-time quantize's order
  // (f32 divide), written straight into the new constant's storage.
  auto quantizeInto = [&](int8_t *q) {
    const float *sc = scales.data();
    int64_t len, block;
    std::tie(len, block) = rowBlock(shape, scaleShape);
    forEachRow(shape, scaleShape, [&](int64_t start, int64_t base) {
      const float *x = rows(start, len);
      int8_t *y = q + start;
      if (fp8) {
        // The scale of element j (a block's, one per element, or the row's).
        for (int64_t j = 0; j < len; ++j) {
          float s = block == 0   ? sc[base]
                    : block == 1 ? sc[base + j]
                                 : sc[base + j / block];
          y[j] = static_cast<int8_t>(encodeE4M3FN(x[j] / s));
        }
        return;
      }
      if (block == 0) {
        quantizeRow(x, sc[base], y, len, qmax);
      } else if (block == 1) {
        quantizeRow(x, sc + base, y, len, qmax);
      } else {
        for (int64_t j0 = 0, e = 0; j0 < len; j0 += block, ++e)
          quantizeRow(x + j0, sc[base + e], y + j0, block, qmax);
      }
    });
  };
  // Same kind as the float weight: a dense_resource stays a blob (i4 one
  // byte per element, sign-extended: storageBytes), bound at load time like
  // an i8 one.
  auto qTy =
      RankedTensorType::get(shape, fp8 ? Type(b.getType<Float8E4M3FNType>())
                                       : b.getIntegerType(bits));
  Value qc = arith::ConstantOp::create(
      b, loc,
      cast<TypedAttr>(makeElements(
          qTy, isa_and_nonnull<DenseResourceElementsAttr>(w.source),
          derivedResourceName(w.source, "q"), [&](MutableArrayRef<char> out) {
            quantizeInto(reinterpret_cast<int8_t *>(out.data()));
          })));
  Value sc = makeScaleConst(b, loc, scaleShape, scales, w.source, "scale");
  return Value(DequantizeOp::create(b, loc, w.type, qc, sc, Value()));
}

Value quantc::emitQuantizedActivation(OpBuilder &b, Location loc, Value x,
                                      int64_t channelDim, ActGranularity g,
                                      float staticAbsmax, bool fp8) {
  return emitQuantizedActivation(b, loc, x, ArrayRef<int64_t>{channelDim}, g,
                                 staticAbsmax, fp8);
}

Value quantc::emitQuantizedActivation(OpBuilder &b, Location loc, Value x,
                                      ArrayRef<int64_t> reduceDims,
                                      ActGranularity g, float staticAbsmax,
                                      bool fp8) {
  if (g == ActGranularity::None)
    return x;
  auto xTy = cast<RankedTensorType>(x.getType());
  Value scale;
  if (g == ActGranularity::PerToken) {
    SmallVector<int64_t> sShape = llvm::to_vector(xTy.getShape());
    for (int64_t d : reduceDims)
      sShape[d] = 1;
    auto sTy = RankedTensorType::get(sShape, b.getF32Type());
    scale = ComputeScaleOp::create(b, loc, sTy, x,
                                   b.getDenseI64ArrayAttr(reduceDims),
                                   b.getI64IntegerAttr(fp8 ? kE4M3Max : 127));
  } else {
    SmallVector<int64_t> sShape(xTy.getRank(), 1);
    scale = makeFloatConst(
        b, loc, sShape,
        {scaleFromAbsmax(staticAbsmax, fp8 ? float(kE4M3Max) : 127.0f)});
  }
  auto qTy = RankedTensorType::get(xTy.getShape(),
                                   fp8 ? Type(b.getType<Float8E4M3FNType>())
                                       : Type(b.getI8Type()));
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
  // An integer OR over the exponent bits (vectorizes); the slow search for
  // the index runs only when there is something to report.
  uint32_t all = 0;
  for (float v : w.values)
    all |= (llvm::bit_cast<uint32_t>(v) & 0x7f800000u) == 0x7f800000u;
  if (!all)
    return success();
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
