//===- SmoothQuant.cpp - migrate activation outliers into the weights -----===//
//
// X·W = (X·diag(s)^-1)·(diag(s)·W) with s_c = absmax_c^a / wmax_c^(1-a):
// the weight side is folded into the constant weight, the activation side
// into the producer (norm gamma/beta, a preceding linear) or a quantc.smooth.
//
//===----------------------------------------------------------------------===//
#include "MatmulUtils.h"
#include "quantc/Dialect/QuantC/Transforms/Passes.h"
#include "quantc/Dialect/QuantC/Utils/ConstantWeights.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/MapVector.h"

#include <cmath>

namespace quantc {
#define GEN_PASS_DEF_QUANTCSMOOTHQUANT
#include "quantc/Dialect/QuantC/Transforms/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

namespace {

/// A constant weight, possibly given as dequantize(int constant, scale).
struct WeightInfo {
  FloatConst w;
  bool requantize = false; // was quantc.dequantize of a constant
  WeightGranularity granularity = WeightGranularity::PerChannel;
  /// Bits of the re-quantized weight: those of the dequantized constant.
  int64_t bits = 8;
  /// `w` holds the values of its source attribute (a float constant read
  /// as it is), so a deferred smoothing can refer to that constant.
  bool isSource = false;
};

/// Reads the weight of `r` as float values. On failure, `why` says why.
static std::optional<WeightInfo> readWeight(const ContractionRoles &r,
                                            std::string &why) {
  Value w = r.weight();
  if (std::optional<FloatConst> c = readFloatConst(w)) {
    WeightInfo info{*c};
    info.isSource = true;
    return info;
  }
  // A weight smoothed before with its smoothing deferred: its values.
  if (std::optional<FloatConst> c = readFloatConstOrSmoothed(w))
    return WeightInfo{*c};
  auto dq = w.getDefiningOp<DequantizeOp>();
  if (!dq) {
    why = "it is " + describeProducer(w);
    return std::nullopt;
  }
  std::optional<FloatConst> scale = readFloatConst(dq.getScale());
  ElementsAttr q = getConstantWeight(dq.getInput());
  // Sub-byte (i4) weights are read from their dense attribute below.
  bool readable = q && (isReadableConstant(q) ||
                        (isa<DenseIntElementsAttr>(q) &&
                         isFoldableSize(cast<ShapedType>(q.getType()))));
  if (q ? !readable : !isFoldableSize(dq.getInput().getType())) {
    why = "it is a quantc.dequantize of " + describeProducer(dq.getInput());
    return std::nullopt;
  }
  if (!q || !isa<IntegerType>(q.getElementType()) || !scale ||
      dq.getZeroPoint()) {
    why = "it is a quantc.dequantize of a non-constant or zero-point value";
    return std::nullopt;
  }
  auto sTy = scale->type;
  auto wTy = cast<RankedTensorType>(w.getType());
  for (int64_t d = 0, e = wTy.getRank(); d < e; ++d) {
    int64_t sd = sTy.getDimSize(d);
    if (sd != 1 && (sd != wTy.getDimSize(d) || d != r.weightOutDim)) {
      why = "its dequantize scale varies along dimension " + std::to_string(d) +
            "; only per-tensor and per-output-channel weights can be "
            "re-quantized after smoothing";
      return std::nullopt;
    }
  }
  WeightInfo info;
  info.w.type = wTy;
  info.requantize = true;
  info.bits = q.getElementType().getIntOrFloatBitWidth() == 4 ? 4 : 8;
  bool perChannel = sTy.getDimSize(r.weightOutDim) != 1;
  info.granularity =
      perChannel ? WeightGranularity::PerChannel : WeightGranularity::PerTensor;
  SmallVector<int64_t> shape = llvm::to_vector(wTy.getShape());
  int64_t inner = 1;
  for (int64_t d = r.weightOutDim + 1, e = shape.size(); d < e; ++d)
    inner *= shape[d];
  SmallVector<int64_t> qv;
  if (q.getElementType().isInteger(8)) {
    FailureOr<std::vector<int8_t>> bytes = readInt8Elements(q);
    if (failed(bytes)) {
      why = "it is a quantc.dequantize of an unreadable constant";
      return std::nullopt;
    }
    qv.assign(bytes->begin(), bytes->end());
  } else if (auto dense = dyn_cast<DenseIntElementsAttr>(q)) {
    for (APInt v : dense.getValues<APInt>())
      qv.push_back(v.getSExtValue());
  } else {
    why = "it is a quantc.dequantize of a non-i8 dense_resource constant";
    return std::nullopt;
  }
  info.w.source = q;
  std::vector<float> values;
  values.reserve(qv.size());
  for (auto [i, v] : llvm::enumerate(qv)) {
    int64_t at = static_cast<int64_t>(i);
    float s = perChannel ? scale->values[(at / inner) % shape[r.weightOutDim]]
                         : scale->values[0];
    values.push_back(static_cast<float>(v) * s);
  }
  info.w.setValues(std::move(values));
  return info;
}

/// If `v` is the body argument of a per-channel constant input of `g` (a 1-D
/// float constant read through `(d0, ..., dn) -> (dn)`) with a single use,
/// returns that input's operand number.
static std::optional<unsigned> perChannelConstInput(linalg::GenericOp g,
                                                    Value v) {
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg || arg.getOwner() != g.getBody() ||
      arg.getArgNumber() >= g.getNumDpsInputs() || !arg.hasOneUse())
    return std::nullopt;
  OpOperand *operand = g.getDpsInputOperand(arg.getArgNumber());
  AffineMap map = g.getMatchingIndexingMap(operand);
  unsigned loops = g.getNumLoops();
  if (map.getNumResults() != 1 ||
      map.getResult(0) != getAffineDimExpr(loops - 1, g.getContext()))
    return std::nullopt;
  std::optional<FloatConst> c = readFloatConst(operand->get());
  if (!c || c->type.getRank() != 1)
    return std::nullopt;
  return operand->getOperandNumber();
}

static Value dividedConst(OpBuilder &b, Location loc, Value c,
                          ArrayRef<float> s) {
  FloatConst fc = *readFloatConst(c);
  divideAlong(fc, 0, s);
  return makeFloatConst(b, loc, fc.shape(), fc.values, fc.type.getElementType(),
                        fc.source, "smooth");
}

static bool isZeroFill(Value init) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
  return matchPattern(init, m_AnyZeroFloat());
}

/// Whether `op` is a reshape that keeps the channel (last) dimension last and
/// alone: a collapse_shape or expand_shape whose last reassociation group is
/// that one dimension, or a tensor.reshape between shapes with the same
/// static last size (row-major, element (..., c) stays in channel c). Such a
/// reshape ([B, S, C] -> [B*S, C] before each nn.Linear of a 3-D input)
/// commutes with `· diag(s)^-1`.
static bool keepsChannelLast(Operation *op) {
  auto lastGroupIsLastDim = [](ArrayRef<ReassociationIndices> groups,
                               int64_t rank) {
    return !groups.empty() && groups.back().size() == 1 &&
           groups.back().front() == rank - 1;
  };
  if (auto c = dyn_cast<tensor::CollapseShapeOp>(op))
    return lastGroupIsLastDim(c.getReassociationIndices(),
                              c.getSrcType().getRank());
  if (auto e = dyn_cast<tensor::ExpandShapeOp>(op))
    return lastGroupIsLastDim(e.getReassociationIndices(),
                              e.getResultType().getRank());
  if (auto r = dyn_cast<tensor::ReshapeOp>(op)) {
    auto src = dyn_cast<RankedTensorType>(r.getSource().getType());
    auto dst = dyn_cast<RankedTensorType>(r.getResult().getType());
    return src && dst && src.getRank() > 0 && dst.getRank() > 0 &&
           !src.isDynamicDim(src.getRank() - 1) &&
           src.getShape().back() == dst.getShape().back();
  }
  return false;
}

/// Returns a value equal to `x · diag(s)^-1` computed by a clone of the
/// producer of `x` with rescaled constants, or null if the producer is not
/// one of the patterns documented in Passes.td.
static Value foldIntoProducer(OpBuilder &b, Value x, ArrayRef<float> s) {
  Operation *def = x.getDefiningOp();
  if (!def)
    return {};
  Location loc = def->getLoc();
  // Through reshapes that keep the channel last: fold into their source and
  // reshape the result the same way.
  if (keepsChannelLast(def)) {
    Value inner = foldIntoProducer(b, def->getOperand(0), s);
    if (!inner)
      return {};
    Operation *c = b.clone(*def);
    c->setOperand(0, inner);
    return c->getResult(0);
  }
  if (auto g = dyn_cast<linalg::GenericOp>(def)) {
    if (g.getNumDpsInits() != 1 || g->getNumResults() != 1 ||
        g.getNumParallelLoops() != g.getNumLoops() ||
        !g.getMatchingIndexingMap(g.getDpsInitOperand(0)).isIdentity() ||
        !g.hasPureTensorSemantics())
      return {};
    auto yield = cast<linalg::YieldOp>(g.getBody()->getTerminator());
    Value v = yield.getOperand(0);
    auto cloneWith =
        [&](ArrayRef<std::pair<unsigned, Value>> replacements) -> Value {
      Operation *c = b.clone(*g);
      for (auto [idx, val] : replacements)
        c->setOperand(idx, val);
      return c->getResult(0);
    };
    // Pattern 1: e * gamma.
    if (auto mul = v.getDefiningOp<arith::MulFOp>()) {
      for (Value cand : {mul.getRhs(), mul.getLhs()})
        if (std::optional<unsigned> gi = perChannelConstInput(g, cand))
          return cloneWith(
              {{*gi, dividedConst(b, loc, g->getOperand(*gi), s)}});
      return {};
    }
    auto add = v.getDefiningOp<arith::AddFOp>();
    if (!add)
      return {};
    for (auto [bv, other] : {std::make_pair(add.getRhs(), add.getLhs()),
                             std::make_pair(add.getLhs(), add.getRhs())}) {
      std::optional<unsigned> bi = perChannelConstInput(g, bv);
      if (!bi)
        continue;
      // Pattern 2: e * gamma + beta in one body.
      if (auto mul = other.getDefiningOp<arith::MulFOp>()) {
        if (!other.hasOneUse())
          return {};
        for (Value cand : {mul.getRhs(), mul.getLhs()})
          if (std::optional<unsigned> gi = perChannelConstInput(g, cand))
            return cloneWith(
                {{*gi, dividedConst(b, loc, g->getOperand(*gi), s)},
                 {*bi, dividedConst(b, loc, g->getOperand(*bi), s)}});
        return {};
      }
      // Pattern 3: a + beta with `a` an input folded recursively.
      auto arg = dyn_cast<BlockArgument>(other);
      if (!arg || arg.getOwner() != g.getBody() ||
          arg.getArgNumber() >= g.getNumDpsInputs())
        return {};
      OpOperand *in = g.getDpsInputOperand(arg.getArgNumber());
      if (!g.getMatchingIndexingMap(in).isIdentity())
        return {};
      Value inner = foldIntoProducer(b, in->get(), s);
      if (!inner)
        return {};
      return cloneWith({{in->getOperandNumber(), inner},
                        {*bi, dividedConst(b, loc, g->getOperand(*bi), s)}});
    }
    return {};
  }
  // Pattern 4: a preceding linear; divide its output channels.
  std::optional<ContractionRoles> r = getContractionRoles(def);
  if (!r)
    return {};
  auto linalgOp = cast<linalg::LinalgOp>(def);
  std::optional<FloatConst> w = readFloatConstOrSmoothed(r->weight());
  if (!w || !isZeroFill(linalgOp.getDpsInitOperand(0)->get()))
    return {};
  // The output channel of the producer must be the last result dimension.
  AffineMap outMap =
      linalgOp.getMatchingIndexingMap(linalgOp.getDpsInitOperand(0));
  AffineMap wMap =
      linalgOp.getMatchingIndexingMap(&def->getOpOperand(r->weightIndex));
  if (outMap.getResult(outMap.getNumResults() - 1) !=
      wMap.getResult(r->weightOutDim))
    return {};
  // Divide rather than multiply by 1/s, as the gamma fold does.
  SmallVector<int64_t> shape = w->shape();
  divideAlong(*w, r->weightOutDim, s);
  Value nw = makeFloatConst(b, loc, shape, w->values, w->type.getElementType(),
                            w->source, "smooth");
  Operation *c = b.clone(*def);
  c->setOperand(r->weightIndex, nw);
  return c->getResult(0);
}

/// Erases `op` and, transitively, the producers it leaves without users.
static void eraseIfDead(Operation *op) {
  SmallVector<Operation *> work{op};
  while (!work.empty()) {
    Operation *o = work.pop_back_val();
    if (!o || !isOpTriviallyDead(o))
      continue;
    SmallVector<Operation *> defs;
    for (Value v : o->getOperands())
      if (Operation *d = v.getDefiningOp())
        defs.push_back(d);
    o->erase();
    for (Operation *d : defs)
      if (llvm::find(work, d) == work.end())
        work.push_back(d);
  }
}

struct Group {
  SmallVector<ContractionRoles> consumers;
  bool fromQdq = false;
};

struct SmoothQuantPass : quantc::impl::QuantCSmoothQuantBase<SmoothQuantPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (!(alpha >= 0.0 && alpha <= 1.0)) {
      func.emitError("--quantc-smoothquant: alpha must be in [0, 1], got ")
          << alpha;
      return signalPassFailure();
    }
    ActGranularity legalG = legalizeActivations;

    // Group the contractions by activation: consumers of one observed (or
    // per-channel QDQ) value share one smoothing factor.
    llvm::MapVector<Value, Group> groups;
    func.walk([&](Operation *op) {
      if (op->hasAttr("quantc.keep_float"))
        return;
      std::string why;
      std::optional<ContractionRoles> r = getContractionRoles(op, &why);
      if (!r) {
        if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op))
          op->emitRemark("SmoothQuant leaves this matmul alone: ") << why;
        return;
      }
      Value x = r->act();
      if (x.getDefiningOp<ObserveOp>()) {
        groups[x].consumers.push_back(*r);
        return;
      }
      if (auto dq = x.getDefiningOp<DequantizeOp>()) {
        auto sTy = dq.getScale().getType();
        int64_t c = sTy.getDimSize(r->actChannelDim);
        if (c != 1 &&
            c == dq.getInput().getType().getDimSize(r->actChannelDim) &&
            readFloatConst(dq.getScale())) {
          Group &g = groups[x];
          g.fromQdq = true;
          g.consumers.push_back(*r);
        }
        return; // a GEMM-compatible QDQ activation needs no smoothing
      }
      if (r->weight().getDefiningOp<DequantizeOp>())
        return; // already quantized
      op->emitRemark("no calibration statistics: the activation (operand #")
          << r->actIndex
          << ") is not produced by quantc.observe, so SmoothQuant leaves this "
             "matmul alone";
    });

    bool failedAny = false;
    for (auto &[x, group] : groups)
      if (failed(smooth(x, group, legalG)))
        failedAny = true;
    if (failedAny)
      signalPassFailure();
  }

  LogicalResult smooth(Value x, Group &group, ActGranularity legalG) {
    int64_t chanDim = group.consumers.front().actChannelDim;
    int64_t channels = cast<ShapedType>(x.getType()).getDimSize(chanDim);
    Operation *xDef = x.getDefiningOp();

    if (ShapedType::isDynamic(channels) || channels > kMaxFoldElements)
      return group.consumers.front().op->emitError(
                 "SmoothQuant needs a static channel count of at most ")
             << kMaxFoldElements << " in the activation (dimension " << chanDim
             << " of " << x.getType() << ")";
    // Activation statistics.
    SmallVector<float> absmax(channels, 0.0f);
    if (!group.fromQdq) {
      auto obs = cast<ObserveOp>(xDef);
      if (failed(checkStatistics(obs, obs.getAbsmax())))
        return failure();
      absmax = llvm::to_vector(obs.getAbsmax().getValues<float>());
    } else {
      auto dq = cast<DequantizeOp>(xDef);
      FloatConst t = *readFloatConst(dq.getScale());
      int64_t qmax = 127;
      if (auto q = dq.getInput().getDefiningOp<QuantizeOp>())
        qmax = std::max(std::abs(q.getQuantMax()), std::abs(q.getQuantMin()));
      for (auto [i, m] : llvm::enumerate(absmaxAlong(t, chanDim)))
        absmax[i] = m * static_cast<float>(qmax);
    }

    // Weights, and their per-channel max over every consumer.
    SmallVector<WeightInfo> weights;
    SmallVector<float> wmax(channels, 0.0f);
    for (ContractionRoles &r : group.consumers) {
      std::string why;
      std::optional<WeightInfo> w = readWeight(r, why);
      if (!w)
        return r.op->emitError("SmoothQuant must fold diag(s) into the "
                               "weight (operand #")
               << r.weightIndex << ") at compile time, but " << why
               << "; the weight of a smoothed matmul must be constant";
      // An infinity or NaN shows in the absmax: one pass finds both, the
      // finite check reports where.
      SmallVector<float> m = absmaxAlong(w->w, r.weightChannelDim);
      if (!llvm::all_of(m, [](float v) { return std::isfinite(v); })) {
        (void)checkFiniteWeight(r.op, w->w, r.weightIndex);
        return failure();
      }
      for (auto [i, v] : llvm::enumerate(m))
        wmax[i] = std::max(wmax[i], v);
      weights.push_back(std::move(*w));
    }

    // s_c = max(absmax_c^a / max(wmax_c, 1e-5)^(1-a), 1e-5), in double;
    // 1 (nothing migrated) for a channel the calibration never saw nonzero:
    // floored at 1e-5, a value it takes at run time would be multiplied by
    // 1e5 and take over the token's scale.
    SmallVector<float> s(channels);
    for (int64_t c = 0; c < channels; ++c) {
      if (absmax[c] == 0.0f) {
        s[c] = 1.0f;
        continue;
      }
      double wm = std::max<double>(wmax[c], 1e-5);
      double v = std::pow(static_cast<double>(absmax[c]), alpha.getValue()) /
                 std::pow(wm, 1.0 - alpha.getValue());
      s[c] = static_cast<float>(std::max(v, 1e-5));
    }
    SmallVector<float> newAbsmax(channels);
    for (int64_t c = 0; c < channels; ++c) {
      newAbsmax[c] = absmax[c] / s[c];
      // absmax_c / s_c = absmax_c^(1-a) * wmax_c^(1-a): with a = 0 and both
      // near FLT_MAX it leaves f32. A smoothed model must stay finite.
      if (!std::isfinite(s[c]) || !std::isfinite(newAbsmax[c]))
        return group.consumers.front().op->emitError(
                   "SmoothQuant with alpha = ")
               << alpha.getValue() << " overflows f32 on channel " << c
               << " (activation absmax " << absmax[c] << ", weight absmax "
               << wmax[c] << ", factor " << s[c]
               << "); choose an alpha between 0 and 1 that keeps both "
                  "ranges finite";
    }

    // Activation side.
    OpBuilder b(xDef->getContext());
    b.setInsertionPointAfter(xDef);
    Location loc = xDef->getLoc();
    Value src = xDef->getOperand(0);
    if (group.fromQdq) {
      auto dq = cast<DequantizeOp>(xDef);
      auto q = dq.getInput().getDefiningOp<QuantizeOp>();
      src = q && q.getScale() == dq.getScale() && !q.getZeroPoint()
                ? q.getInput()
                : dq.getResult();
    }
    Value smoothed = foldIntoProducer(b, src, s);
    if (!smoothed) {
      auto srcTy = cast<RankedTensorType>(src.getType());
      SmallVector<int64_t> sShape(srcTy.getRank(), 1);
      sShape.back() = channels;
      Value factor = makeScaleConst(b, loc, sShape, s, {}, "smooth_factor");
      smoothed = SmoothOp::create(b, loc, srcTy, src, factor);
    }
    Value newX;
    if (!group.fromQdq) {
      auto statsTy = RankedTensorType::get({channels}, b.getF32Type());
      newX = ObserveOp::create(b, loc, smoothed.getType(), smoothed,
                               cast<DenseFPElementsAttr>(DenseElementsAttr::get(
                                   statsTy, ArrayRef<float>(newAbsmax))));
    } else {
      float m = 0.0f;
      for (float v : newAbsmax)
        m = std::max(m, v);
      newX = emitQuantizedActivation(b, loc, smoothed, chanDim, legalG, m);
    }

    // Weight side.
    for (auto [r, w] : llvm::zip(group.consumers, weights)) {
      OpBuilder wb(r.op);
      Value nw;
      if (w.requantize) {
        scaleAlong(w.w, r.weightChannelDim, s);
        nw = emitQuantizedWeight(wb, r.op->getLoc(), w.w, r.weightOutDim,
                                 w.granularity, w.bits);
      } else if (deferWeights && w.isSource) {
        // --quantc-quantize applies `s` while it quantizes the weight.
        nw = emitSmoothedWeight(wb, r.op->getLoc(), w.w, r.weightChannelDim, s);
      } else {
        nw = makeScaledFloatConst(wb, r.op->getLoc(), w.w, r.weightChannelDim,
                                  s, "smooth");
      }
      Value oldW = r.weight();
      r.op->setOperand(r.weightIndex, nw);
      r.op->setOperand(r.actIndex, newX);
      if (Operation *d = oldW.getDefiningOp())
        eraseIfDead(d);
    }
    eraseIfDead(xDef);
    return success();
  }
};
} // namespace
