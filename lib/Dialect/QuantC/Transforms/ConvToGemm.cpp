//===- ConvToGemm.cpp - convolutions as im2col + one 2-D GEMM -------------===//
//
// A convolution is the GEMM [N*OH*OW, KH*KW*C] x [KH*KW*C, F] of its im2col
// matrix and its collapsed filter (DESIGN.md §1: the analysis already treats
// it as that implicit GEMM). This pass makes the GEMM explicit, so that every
// later pass sees a plain linalg.matmul: float convolutions reach the FMA
// kernels, QDQ convolutions --quantc-fuse's quantc.matmul (VNNI, Tensor
// Cores).
//
// For a QDQ convolution the gather runs on the integer tensor and the
// quantc.dequantize follows it: gathering copies elements, so it commutes
// with a scale that does not vary along the gathered dimensions (a
// per-tensor or per-batch activation scale); the filter's per-output-channel
// scale survives the collapse of [KH, KW, C] into K. A tensor.pad of zeros in
// front of the dequantize (as frontends emit a padded convolution) moves to
// the integer side first (padding with the zero point).
//
//===----------------------------------------------------------------------===//
#include "ConvToGemm.h"
#include "CanonicalGemm.h"
#include "quantc/Analysis/Granularity.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"
#include "quantc/Dialect/QuantC/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCCONVTOGEMM
#include "quantc/Dialect/QuantC/Transforms/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

namespace {

/// Where the filter keeps its dimensions: HWCF (conv_2d_nhwc_hwcf,
/// conv_1d_nwc_wcf), FHWC (conv_2d_nhwc_fhwc), FCHW (conv_2d_nchw_fchw).
enum class FilterLayout { HWCF, FHWC, FCHW };

/// The shape of a convolution the pass takes: `rank` spatial dimensions,
/// the input and output channels-last (NHWC) or channels-first (NCHW).
struct ConvGeometry {
  unsigned rank = 0;
  bool channelsFirst = false;
  /// A `_q` form: integer operands with two scalar zero points (inputs 2
  /// and 3), an i32 accumulator.
  bool zeroPointForm = false;
  FilterLayout filter = FilterLayout::HWCF;
  int64_t n = 0, c = 0, f = 0;
  SmallVector<int64_t> in, out, window, strides, dilations;

  /// Rows of the GEMM: N * prod(out).
  int64_t m() const {
    int64_t v = n;
    for (int64_t o : out)
      v *= o;
    return v;
  }
  /// The reduction: C * prod(window).
  int64_t k() const {
    int64_t v = c;
    for (int64_t w : window)
      v *= w;
    return v;
  }
  /// The filter's output-channel dimension.
  unsigned filterFDim() const {
    return filter == FilterLayout::HWCF ? rank + 1 : 0;
  }
  /// The gather is the identity: a channels-last 1x1 convolution with
  /// unit strides reads every input pixel once, in order.
  bool identityGather() const {
    if (channelsFirst)
      return false;
    for (unsigned i = 0; i < rank; ++i)
      if (window[i] != 1 || strides[i] != 1)
        return false;
    return true;
  }
};

/// Everything decided before the rewrite: the geometry, and for each input
/// the quantc.dequantize whose integer tensor is gathered (null: the float
/// value is).
struct ConvPlan {
  ConvGeometry g;
  DequantizeOp act, weight;
};

} // namespace

SmallVector<int64_t> quantc::attrOrOnes(Operation *op, StringRef name,
                                        unsigned rank) {
  SmallVector<int64_t> v(rank, 1);
  if (auto attr = op->getAttrOfType<DenseIntElementsAttr>(name))
    v = llvm::to_vector(attr.getValues<int64_t>());
  return v;
}

namespace {

/// The geometry of a convolution form the pass takes, or the reason why not.
static FailureOr<ConvGeometry> getGeometry(linalg::LinalgOp op,
                                           std::string &why) {
  ConvGeometry g;
  g.zeroPointForm = isa<linalg::Conv2DNhwcHwcfQOp, linalg::Conv2DNhwcFhwcQOp,
                        linalg::Conv2DNchwFchwQOp>(op);
  if (isa<linalg::Conv2DNhwcHwcfOp, linalg::Conv2DNhwcHwcfQOp>(op)) {
    g.rank = 2;
  } else if (isa<linalg::Conv1DNwcWcfOp>(op)) {
    g.rank = 1;
  } else if (isa<linalg::Conv2DNhwcFhwcOp, linalg::Conv2DNhwcFhwcQOp>(op)) {
    g.rank = 2;
    g.filter = FilterLayout::FHWC;
  } else if (isa<linalg::Conv2DNchwFchwOp, linalg::Conv2DNchwFchwQOp>(op)) {
    g.rank = 2;
    g.channelsFirst = true;
    g.filter = FilterLayout::FCHW;
  } else if (op->getName().getStringRef().contains("depthwise")) {
    why = "a depthwise convolution is one single-column GEMM per channel, "
          "which no GEMM kernel runs well; it runs on the reference lowering";
    return failure();
  } else {
    why = op->getName().getStringRef().str() +
          " is not one of the forms taken (linalg.conv_1d_nwc_wcf, "
          "conv_2d_nhwc_hwcf, conv_2d_nhwc_fhwc, conv_2d_nchw_fchw and the "
          "_q forms of the 2-D ones)";
    return failure();
  }
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumDpsInputs() != (g.zeroPointForm ? 4u : 2u)) {
    why = "it is not a convolution on tensors with two inputs and one result";
    return failure();
  }
  if (op.hasDynamicShape()) {
    why = "its shapes are not static";
    return failure();
  }
  auto inTy = cast<RankedTensorType>(op.getDpsInputs()[0].getType());
  auto wTy = cast<RankedTensorType>(op.getDpsInputs()[1].getType());
  auto outTy = cast<RankedTensorType>(op.getDpsInits()[0].getType());
  unsigned r = g.rank;
  g.n = inTy.getDimSize(0);
  unsigned sp = g.channelsFirst ? 2 : 1;
  g.c = inTy.getDimSize(g.channelsFirst ? 1 : r + 1);
  g.f = outTy.getDimSize(g.channelsFirst ? 1 : r + 1);
  for (unsigned i = 0; i < r; ++i) {
    g.in.push_back(inTy.getDimSize(sp + i));
    g.out.push_back(outTy.getDimSize(sp + i));
    g.window.push_back(wTy.getDimSize((g.filter == FilterLayout::HWCF   ? 0
                                       : g.filter == FilterLayout::FHWC ? 1
                                                                        : 2) +
                                      i));
  }
  g.strides = attrOrOnes(op, "strides", r);
  g.dilations = attrOrOnes(op, "dilations", r);
  if (g.strides.size() != r || g.dilations.size() != r ||
      llvm::any_of(g.strides, [](int64_t v) { return v < 1; }) ||
      llvm::any_of(g.dilations, [](int64_t v) { return v < 1; })) {
    why = "its strides or dilations are not one positive value per spatial "
          "dimension";
    return failure();
  }
  for (auto ty : {inTy, wTy, outTy})
    if (llvm::is_contained(ty.getShape(), 0)) {
      why = "it has an empty dimension";
      return failure();
    }
  return g;
}

/// True if `scale` (a scale or zero point of a tensor of its rank) has size
/// 1 along every dimension except `keep` (-1: every dimension).
static bool unitExcept(Value scale, int64_t keep) {
  if (!scale)
    return true;
  auto ty = cast<ShapedType>(scale.getType());
  for (int64_t d = 0; d < ty.getRank(); ++d)
    if (d != keep && ty.getDimSize(d) != 1)
      return false;
  return ty.hasStaticShape();
}

/// Plans the rewrite of `op`, or says why it is not taken.
static FailureOr<ConvPlan> planConv(linalg::LinalgOp op, std::string &why) {
  FailureOr<ConvGeometry> g = getGeometry(op, why);
  if (failed(g))
    return failure();
  ConvPlan plan;
  plan.g = *g;
  if (g->zeroPointForm) {
    // Integer operands and zero points, summed in i32 as the GEMM does:
    // gathering and collapsing copy the integers (a padded input keeps the
    // pad the program wrote; padded with the input zero point, its
    // elements contribute 0 to every correction term).
    auto isInt8 = [](Value v) {
      auto t = dyn_cast<IntegerType>(getElementTypeOrSelf(v.getType()));
      return t && t.getWidth() <= 8;
    };
    if (!isInt8(op.getDpsInputs()[0]) || !isInt8(op.getDpsInputs()[1]) ||
        !getElementTypeOrSelf(op.getDpsInits()[0].getType()).isInteger(32)) {
      why = "its operands are not integers of at most 8 bits with an i32 "
            "accumulator";
      return failure();
    }
    if (failed(checkZeroPointRanges(op, why)))
      return failure();
    return plan;
  }
  FailureOr<ContractionInfo> info = getContractionInfo(op);
  if (failed(info)) {
    why = "the granularity analysis does not read it as an implicit GEMM";
    return failure();
  }
  GemmVerdict verdict = classifyGemm(*info, /*kTile=*/1);
  Value x = op.getDpsInputs()[0], w = op.getDpsInputs()[1];
  auto takeWeight = [&]() -> LogicalResult {
    plan.weight = w.getDefiningOp<DequantizeOp>();
    if (!plan.weight) {
      why = "the filter's quantization is reached through ops the rewrite "
            "does not look through (only a quantc.dequantize is)";
      return failure();
    }
    if (!unitExcept(plan.weight.getScale(), plan.g.filterFDim()) ||
        !unitExcept(plan.weight.getZeroPoint(), plan.g.filterFDim())) {
      why = "the filter's scale or zero point varies along a dimension other "
            "than the output channels";
      return failure();
    }
    return success();
  };
  switch (verdict.kind) {
  case GemmKind::NotQuantized:
    return plan;
  case GemmKind::Int8:
  case GemmKind::Fp8: {
    // An integer convolution (int8 tensors, no dequantize) is gathered as it
    // is.
    if (!isa<FloatType>(getElementTypeOrSelf(x.getType())) &&
        !isa<FloatType>(getElementTypeOrSelf(w.getType())))
      return plan;
    plan.act = x.getDefiningOp<DequantizeOp>();
    if (!plan.act) {
      why = "the activation's quantization is reached through ops the "
            "rewrite does not look through (only a quantc.dequantize, or a "
            "zero tensor.pad of one, is)";
      return failure();
    }
    // Gathering commutes with a scale (and zero point) constant along every
    // dimension but the batch.
    if (!unitExcept(plan.act.getScale(), 0) ||
        !unitExcept(plan.act.getZeroPoint(), 0)) {
      why = "the activation's scale or zero point varies along a dimension "
            "other than the batch";
      return failure();
    }
    if (failed(takeWeight()))
      return failure();
    return plan;
  }
  case GemmKind::DequantOnLoad:
    if (x.getDefiningOp<DequantizeOp>()) {
      why = "the activation is dequantized but not from an int8 tensor the "
            "GEMM can read";
      return failure();
    }
    if (failed(takeWeight()))
      return failure();
    return plan;
  case GemmKind::Int8KBlocked:
    why = "its scales vary along the input channels in blocks (a K-blocked "
          "GEMM), which the im2col rewrite does not take";
    return failure();
  case GemmKind::Illegal:
    why = "it is not a legal int8 GEMM (see --quantc-verify-gemm); it stays "
          "a convolution so that the verifier's error names it";
    return failure();
  }
  llvm_unreachable("unknown GemmKind");
}

//===----------------------------------------------------------------------===//
// Building the GEMM
//===----------------------------------------------------------------------===//

static SmallVector<ReassociationIndices> twoGroups(unsigned first,
                                                   unsigned rank) {
  ReassociationIndices a, b;
  for (unsigned i = 0; i < rank; ++i)
    (i < first ? a : b).push_back(i);
  return {a, b};
}

} // namespace

// An insert_slice into the filled buffer: empty-tensor elimination makes the
// source's producer write the interior in place (a linalg.copy into the
// interior, the earlier form, kept that producer's own buffer and a copy).
// A source that no op in the function produces (an argument) is copied with
// memref.copy, whose strided form calls memrefCopy (lib/Runtime/MemRefCopy.cpp,
// in every runtime and resolved by the JIT).
Value quantc::padAsFillAndInsert(RewriterBase &rw, tensor::PadOp pad) {
  Value value = pad.getConstantPaddingValue();
  RankedTensorType ty = pad.getResultType();
  if (!value || !ty.hasStaticShape() ||
      llvm::any_of(pad.getStaticLow(), ShapedType::isDynamic))
    return pad.getResult();
  Location loc = pad.getLoc();
  OpBuilder::InsertionGuard guard(rw);
  rw.setInsertionPoint(pad);
  Value empty =
      tensor::EmptyOp::create(rw, loc, ty.getShape(), ty.getElementType());
  Value filled =
      linalg::FillOp::create(rw, loc, ValueRange{value}, ValueRange{empty})
          .getResult(0);
  auto srcTy = cast<RankedTensorType>(pad.getSource().getType());
  SmallVector<OpFoldResult> offsets, sizes, strides;
  for (auto [lo, size] : llvm::zip(pad.getStaticLow(), srcTy.getShape())) {
    offsets.push_back(rw.getIndexAttr(lo));
    sizes.push_back(rw.getIndexAttr(size));
    strides.push_back(rw.getIndexAttr(1));
  }
  return tensor::InsertSliceOp::create(rw, loc, pad.getSource(), filled,
                                       offsets, sizes, strides);
}

namespace {

/// The im2col matrix [N * prod(out), K] of `in` (integer or float, in the
/// convolution's input layout), K ordered like the collapsed filter:
/// (window..., C) for HWCF/FHWC filters, (C, window...) for FCHW. One
/// linalg.generic over [N, out..., K dims] whose input map reads the window
/// position `o * stride + w * dilation` (the only definition of the
/// gather): a single op that the CPU pipeline runs as vector copies along
/// its innermost dimension (C channels-last, the window's last dimension
/// channels-first) on the thread team, one image per row.
static Value gather(RewriterBase &rw, Location loc, const ConvGeometry &g,
                    Value in) {
  unsigned r = g.rank;
  if (auto pad = in.getDefiningOp<tensor::PadOp>())
    in = padAsFillAndInsert(rw, pad);
  if (g.identityGather())
    return tensor::CollapseShapeOp::create(rw, loc, in,
                                           twoGroups(r + 1, r + 2));
  auto inTy = cast<RankedTensorType>(in.getType());
  Type elem = inTy.getElementType();
  bool cFirst = g.filter == FilterLayout::FCHW;
  unsigned rank = 2 + 2 * r;
  // Loop dimensions: n, out..., then C and the window in the filter's order.
  unsigned outDim = 1, winDim = cFirst ? 2 + r : 1 + r,
           cDim = cFirst ? 1 + r : 1 + 2 * r;
  SmallVector<int64_t> shape = {g.n};
  llvm::append_range(shape, g.out);
  if (cFirst)
    shape.push_back(g.c);
  llvm::append_range(shape, g.window);
  if (!cFirst)
    shape.push_back(g.c);
  MLIRContext *ctx = rw.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> spatial;
  for (unsigned i = 0; i < r; ++i)
    spatial.push_back(d(outDim + i) * g.strides[i] +
                      d(winDim + i) * g.dilations[i]);
  SmallVector<AffineExpr> read = {d(0)};
  if (g.channelsFirst)
    read.push_back(d(cDim));
  llvm::append_range(read, spatial);
  if (!g.channelsFirst)
    read.push_back(d(cDim));
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, read, ctx),
                                 AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  Value empty = tensor::EmptyOp::create(rw, loc, shape, elem);
  Value cols =
      linalg::GenericOp::create(rw, loc, TypeRange{empty.getType()},
                                ValueRange{in}, ValueRange{empty}, maps, iters,
                                [](OpBuilder &b, Location l, ValueRange args) {
                                  linalg::YieldOp::create(b, l, args[0]);
                                })
          .getResult(0);
  return tensor::CollapseShapeOp::create(rw, loc, cols, twoGroups(r + 1, rank));
}

/// The filter as [K, F], K in the gather's order.
static Value filterToKF(RewriterBase &rw, Location loc, const ConvGeometry &g,
                        Value w) {
  unsigned rank = g.rank + 2;
  if (g.filter != FilterLayout::HWCF) {
    // [F, ...] -> [..., F].
    SmallVector<int64_t> perm;
    for (unsigned i = 1; i < rank; ++i)
      perm.push_back(i);
    perm.push_back(0);
    w = permute(rw, loc, w, perm);
  }
  if (matchPattern(w, m_Constant()))
    return reshapeStatic(rw, loc, w, {g.k(), g.f});
  return tensor::CollapseShapeOp::create(rw, loc, w, twoGroups(rank - 1, rank));
}

/// An activation scale or zero point ([N or 1, 1, ...]) as one value per
/// row of the im2col matrix: [1, 1] when it is per tensor, else [M, 1].
static Value actParamToRows(RewriterBase &rw, Location loc,
                            const ConvGeometry &g, Value s) {
  if (!s)
    return s;
  auto ty = cast<RankedTensorType>(s.getType());
  if (ty.getDimSize(0) == 1)
    return reshapeStatic(rw, loc, s, {1, 1});
  // Per batch: broadcast each batch's value over its output pixels.
  MLIRContext *ctx = rw.getContext();
  int64_t pixels = g.m() / g.n;
  SmallVector<AffineExpr> inExprs = {getAffineDimExpr(0, ctx)};
  for (int64_t d = 1; d < ty.getRank(); ++d)
    inExprs.push_back(getAffineConstantExpr(0, ctx));
  SmallVector<AffineMap> maps = {AffineMap::get(3, 0, inExprs, ctx),
                                 AffineMap::getMultiDimIdentityMap(3, ctx)};
  Value init = tensor::EmptyOp::create(
      rw, loc, ArrayRef<int64_t>{g.n, pixels, 1}, ty.getElementType());
  auto bcast = linalg::GenericOp::create(
      rw, loc, TypeRange{init.getType()}, ValueRange{s}, ValueRange{init}, maps,
      SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
      [](OpBuilder &b, Location l, ValueRange args) {
        linalg::YieldOp::create(b, l, args[0]);
      });
  return tensor::CollapseShapeOp::create(rw, loc, bcast.getResult(0),
                                         twoGroups(2, 3));
}

/// The GEMM's accumulator [M, F]: a fill of the convolution's init value, or
/// the init itself laid out as rows.
static Value accumulatorRows(RewriterBase &rw, Location loc,
                             const ConvGeometry &g, Value init) {
  auto ty = cast<RankedTensorType>(init.getType());
  if (auto fill = init.getDefiningOp<linalg::FillOp>()) {
    Value empty = tensor::EmptyOp::create(
        rw, loc, ArrayRef<int64_t>{g.m(), g.f}, ty.getElementType());
    return linalg::FillOp::create(rw, loc, fill.getInputs(), ValueRange{empty})
        .getResult(0);
  }
  unsigned rank = g.rank + 2;
  if (g.channelsFirst) {
    // [N, F, out...] -> [N, out..., F].
    SmallVector<int64_t> perm = {0};
    for (unsigned i = 2; i < rank; ++i)
      perm.push_back(i);
    perm.push_back(1);
    init = permute(rw, loc, init, perm);
  }
  return tensor::CollapseShapeOp::create(rw, loc, init,
                                         twoGroups(rank - 1, rank));
}

/// Replaces the convolution by its GEMM (a linalg.matmul, or for a `_q`
/// form a linalg.quantized_matmul with its zero points); returns the GEMM.
static linalg::LinalgOp rewriteConv(RewriterBase &rw, linalg::LinalgOp op,
                                    ConvPlan plan) {
  const ConvGeometry &g = plan.g;
  Location loc = op.getLoc();
  rw.setInsertionPoint(op);
  int64_t m = g.m(), k = g.k();

  Value x = op.getDpsInputs()[0];
  Value a;
  if (plan.act) {
    Value cols = gather(rw, loc, g, plan.act.getInput());
    auto fTy = cast<RankedTensorType>(x.getType()).getElementType();
    a = DequantizeOp::create(
        rw, loc, RankedTensorType::get({m, k}, fTy), cols,
        actParamToRows(rw, loc, g, plan.act.getScale()),
        actParamToRows(rw, loc, g, plan.act.getZeroPoint()));
  } else {
    a = gather(rw, loc, g, x);
  }

  Value w = op.getDpsInputs()[1];
  Value b;
  if (plan.weight) {
    Value kf = filterToKF(rw, loc, g, plan.weight.getInput());
    auto fTy = cast<RankedTensorType>(w.getType()).getElementType();
    auto perChannel = [&](Value s) -> Value {
      if (!s)
        return s;
      int64_t cols = cast<ShapedType>(s.getType()).getNumElements();
      return reshapeStatic(rw, loc, s, {1, cols});
    };
    b = DequantizeOp::create(rw, loc, RankedTensorType::get({k, g.f}, fTy), kf,
                             perChannel(plan.weight.getScale()),
                             perChannel(plan.weight.getZeroPoint()));
  } else {
    b = filterToKF(rw, loc, g, w);
  }

  Value init = op.getDpsInits()[0];
  auto outTy = cast<RankedTensorType>(init.getType());
  Value acc = accumulatorRows(rw, loc, g, init);
  linalg::LinalgOp mm;
  if (g.zeroPointForm)
    mm = linalg::QuantizedMatmulOp::create(
        rw, loc, TypeRange{acc.getType()},
        ValueRange{a, b, op.getDpsInputs()[2], op.getDpsInputs()[3]},
        ValueRange{acc});
  else
    mm = linalg::MatmulOp::create(rw, loc, TypeRange{acc.getType()},
                                  ValueRange{a, b}, ValueRange{acc});

  unsigned rank = g.rank + 2;
  SmallVector<int64_t> nhwc = {g.n};
  llvm::append_range(nhwc, g.out);
  nhwc.push_back(g.f);
  Value y = tensor::ExpandShapeOp::create(
      rw, loc, RankedTensorType::get(nhwc, outTy.getElementType()),
      mm->getResult(0), twoGroups(rank - 1, rank));
  if (g.channelsFirst) {
    // [N, out..., F] -> [N, F, out...].
    SmallVector<int64_t> perm = {0, rank - 1};
    for (unsigned i = 1; i + 1 < rank; ++i)
      perm.push_back(i);
    y = permute(rw, loc, y, perm);
  }
  SmallVector<Value> oldInputs(op.getDpsInputs());
  if (plan.act)
    oldInputs.push_back(plan.act.getInput());
  rw.replaceOp(op, y);
  // The convolution's float operands (and pads) nothing else reads.
  while (!oldInputs.empty()) {
    Operation *def = oldInputs.pop_back_val().getDefiningOp();
    if (!def || !def->use_empty() ||
        !isa<DequantizeOp, tensor::PadOp, linalg::TransposeOp>(def))
      continue;
    llvm::append_range(oldInputs, def->getOperands());
    rw.eraseOp(def);
  }
  return mm;
}

//===----------------------------------------------------------------------===//
// tensor.pad in front of a dequantize
//===----------------------------------------------------------------------===//

/// `pad(dequantize(q, s, zp), 0.0)` -> `dequantize(pad(q, zp), s, zp)` for
/// the convolution's input `use`, when the scale and zero point do not vary
/// along the padded dimensions and the zero point is one constant (0 without
/// one): the padded elements dequantize to 0.0 either way.
static void padOnIntegerSide(RewriterBase &rw, OpOperand &use) {
  auto pad = use.get().getDefiningOp<tensor::PadOp>();
  if (!pad)
    return;
  auto dq = pad.getSource().getDefiningOp<DequantizeOp>();
  if (!dq || !isZeroPad(pad) || !pad.getResultType().hasStaticShape())
    return;
  SmallVector<int64_t> low(pad.getStaticLow()), high(pad.getStaticHigh());
  if (llvm::any_of(low, ShapedType::isDynamic) ||
      llvm::any_of(high, ShapedType::isDynamic))
    return;
  auto constantAlongPads = [&](Value s) {
    if (!s)
      return true;
    auto ty = cast<ShapedType>(s.getType());
    if (ty.getRank() != static_cast<int64_t>(low.size()))
      return false;
    for (int64_t d = 0; d < ty.getRank(); ++d)
      if ((low[d] || high[d]) && ty.getDimSize(d) != 1)
        return false;
    return true;
  };
  if (!constantAlongPads(dq.getScale()))
    return;
  auto qTy = cast<RankedTensorType>(dq.getInput().getType());
  Type qElem = qTy.getElementType();
  APInt zp(qElem.getIntOrFloatBitWidth(), 0);
  if (Value z = dq.getZeroPoint()) {
    DenseIntElementsAttr attr;
    if (!matchPattern(z, m_Constant(&attr)) || !attr.isSplat())
      return;
    APInt v = attr.getSplatValue<APInt>();
    if (!v.isSignedIntN(zp.getBitWidth()))
      return;
    zp = v.sextOrTrunc(zp.getBitWidth());
  }
  Location loc = pad.getLoc();
  rw.setInsertionPoint(pad);
  Value zpValue =
      arith::ConstantOp::create(rw, loc, rw.getIntegerAttr(qElem, zp));
  auto padTy = pad.getResultType().clone(qElem);
  auto intPad = tensor::PadOp::create(
      rw, loc, padTy, dq.getInput(),
      getAsIndexOpFoldResult(rw.getContext(), low),
      getAsIndexOpFoldResult(rw.getContext(), high), zpValue);
  Value scale = dq.getScale(), zpT = dq.getZeroPoint();
  auto newDq = DequantizeOp::create(rw, loc, pad.getResultType(),
                                    intPad.getResult(), scale, zpT);
  rw.modifyOpInPlace(use.getOwner(), [&] { use.set(newDq.getResult()); });
  if (pad->use_empty())
    rw.eraseOp(pad);
  if (dq->use_empty())
    rw.eraseOp(dq);
}

struct ConvToGemmPass : quantc::impl::QuantCConvToGemmBase<ConvToGemmPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> convs;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (linalg::isaConvolutionOpInterface(op) &&
          op->getName().getStringRef().contains("conv"))
        convs.push_back(op);
    });
    IRRewriter rw(&getContext());
    for (linalg::LinalgOp op : convs) {
      // A constant zero point outside its operand's storage range is an
      // error whatever runs the convolution.
      std::string zpError;
      if (failed(checkZeroPointRanges(op, zpError))) {
        op->emitError() << zpError;
        return signalPassFailure();
      }
      if (isDepthwiseConv(op)) {
        padOnIntegerSide(rw, op->getOpOperand(0));
        std::string why;
        if (failed(rewriteDepthwise(rw, op, why)))
          op->emitRemark() << "stays a depthwise convolution (not rewritten "
                              "as vector code): "
                           << why;
        continue;
      }
      padOnIntegerSide(rw, op->getOpOperand(0));
      std::string why;
      FailureOr<ConvPlan> plan = planConv(op, why);
      if (failed(plan)) {
        op->emitRemark() << "stays a convolution (not rewritten as an im2col "
                            "GEMM): "
                         << why;
        continue;
      }
      // A `_q` form becomes a linalg.quantized_matmul, which --quantc-fuse
      // turns into quantc.matmul with the zero points. The verdict must survive
      // the rewrite: --quantc-verify-gemm's mark on the convolution (if it ran
      // first) is the GEMM's.
      FailureOr<ContractionInfo> before = getContractionInfo(op);
      GemmKind kind = classifyGemm(*before, 1).kind;
      Operation *conv = op;
      SmallVector<NamedAttribute> marks;
      for (NamedAttribute attr : conv->getDiscardableAttrs())
        marks.push_back(attr);
      linalg::LinalgOp mm = rewriteConv(rw, op, *plan);
      FailureOr<ContractionInfo> after = getContractionInfo(mm);
      if (failed(after) || classifyGemm(*after, 1).kind != kind) {
        mm->emitError("internal error: --quantc-conv-to-gemm changed the "
                      "convolution's GEMM verdict from ")
            << stringifyGemmKind(kind);
        return signalPassFailure();
      }
      // The marks move to the GEMM; the verdict is restated, since moving a
      // zero pad to the integer side can have made it int8.
      for (NamedAttribute attr : marks)
        if (attr.getName().strref().starts_with("quantc.gemm"))
          mm->setAttr(attr.getName(), attr.getValue());
      if (mm->hasAttr(kGemmAttrName))
        mm->setAttr(kGemmAttrName, rw.getStringAttr(stringifyGemmKind(kind)));
    }
  }
};

} // namespace

LogicalResult quantc::checkZeroPointRanges(linalg::LinalgOp op,
                                           std::string &why) {
  bool matmul =
      isa<linalg::QuantizedMatmulOp, linalg::QuantizedBatchMatmulOp>(op);
  if (!matmul &&
      !isa<linalg::Conv2DNhwcHwcfQOp, linalg::Conv2DNhwcFhwcQOp,
           linalg::Conv2DNchwFchwQOp, linalg::DepthwiseConv2DNhwcHwcQOp>(op))
    return success();
  for (unsigned i = 0; i < 2; ++i) {
    auto elem = dyn_cast<IntegerType>(
        getElementTypeOrSelf(op.getDpsInputs()[i].getType()));
    APInt z;
    if (!elem || !matchPattern(op.getDpsInputs()[2 + i], m_ConstantInt(&z)))
      continue;
    unsigned bits = elem.getWidth();
    int64_t lo = elem.isUnsigned() ? 0 : -(int64_t(1) << (bits - 1));
    int64_t hi = elem.isUnsigned() ? (int64_t(1) << bits) - 1
                                   : (int64_t(1) << (bits - 1)) - 1;
    int64_t v = z.getSExtValue();
    if (v < lo || v > hi) {
      StringRef name =
          matmul ? (i == 0 ? "lhs" : "rhs") : (i == 0 ? "input" : "filter");
      why = (Twine("the ") + name + " zero point " + Twine(v) +
             " is outside the storage range [" + Twine(lo) + ", " + Twine(hi) +
             "] of its " + Twine(bits) +
             "-bit operand: (q - zero point) would not be the value the "
             "operand stores")
                .str();
      return failure();
    }
  }
  return success();
}

bool quantc::canRewriteConvAsGemm(linalg::LinalgOp op, std::string &why) {
  if (isDepthwiseConv(op))
    return canRewriteDepthwise(op, why);
  return succeeded(planConv(op, why));
}
