//===- Fuse.cpp - ZeroQuant fusion: integer GEMMs, fused epilogues --------===//
#include "CanonicalGemm.h"
#include "ConvToGemm.h"
#include "EpilogueMatch.h"
#include "quantc/Analysis/Granularity.h"
#include "quantc/Dialect/QuantC/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "quantc/Dialect/QuantC/Utils/Arithmetic.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCFUSE
#include "quantc/Dialect/QuantC/Transforms/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// The clamp range an integer value can hold: that of its quantizing
/// producer, else the full range of its type.
static std::pair<int64_t, int64_t> valueRange(Value v) {
  if (auto q = v.getDefiningOp<QuantizeOp>())
    return {q.getQuantMin(), q.getQuantMax()};
  if (auto r = v.getDefiningOp<RescaleOp>())
    if (r.getOutputScale())
      return {r.getQuantMin(), r.getQuantMax()};
  unsigned w = getElementTypeOrSelf(v.getType()).getIntOrFloatBitWidth();
  return {-(int64_t(1) << (w - 1)), (int64_t(1) << (w - 1)) - 1};
}

/// Whether `a` and `b` are one scale: the same value, equal dense
/// constants, or constants of one dense_resource blob (a blob scale,
/// ConstantWeights.h, is compared by its handle, never by its bytes).
static bool sameScale(Value a, Value b) {
  if (a == b)
    return true;
  ElementsAttr x, y;
  return matchPattern(a, m_Constant(&x)) && matchPattern(b, m_Constant(&y)) &&
         isa<DenseElementsAttr, DenseResourceElementsAttr>(x) && x == y;
}

static Value onesLike(PatternRewriter &rewriter, Location loc, int64_t rank,
                      Type elemTy) {
  auto ty = RankedTensorType::get(SmallVector<int64_t>(rank, 1), elemTy);
  return arith::ConstantOp::create(
      rewriter, loc,
      DenseElementsAttr::get(ty, rewriter.getFloatAttr(elemTy, 1.0)));
}

//===----------------------------------------------------------------------===//
// 1. QDQ float GEMM -> quantc.matmul + quantc.rescale
//===----------------------------------------------------------------------===//

struct FuseQdqMatmul : OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    // Roles of every operand dimension and the legality of the scales come
    // from the shared granularity analysis (the one --quantc-verify-gemm
    // uses); only a plain int8 or FP8 verdict is fused, whatever form the
    // contraction has (CanonicalGemm.h).
    FailureOr<ContractionInfo> info = getContractionInfo(op);
    if (failed(info))
      return rewriter.notifyMatchFailure(op, "not a contraction");
    if (!info->zeroPoints.empty())
      return rewriter.notifyMatchFailure(op, "a _q form (its own pattern)");
    GemmVerdict verdict = classifyGemm(*info, /*kTile=*/1);
    if (!isWholeKQuantizedGemm(verdict.kind))
      return rewriter.notifyMatchFailure(op, "not an int8 or FP8 GEMM");
    std::string why;
    FailureOr<CanonicalGemm> gemm = matchCanonicalGemm(op, verdict, why);
    if (failed(gemm))
      return rewriter.notifyMatchFailure(op, why);
    rewriter.replaceOp(op, buildCanonicalGemm(rewriter, op, *gemm));
    return success();
  }
};

/// Why linalg.quantized_matmul / quantized_batch_matmul `op` cannot become
/// a quantc.matmul, or an empty string.
static std::string quantizedMatmulBlocker(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1)
    return "it is not on tensors";
  auto accTy = dyn_cast<RankedTensorType>(op.getDpsInits()[0].getType());
  if (!accTy || !accTy.getElementType().isInteger(32))
    return "its accumulator is not i32";
  for (unsigned i = 0; i < 2; ++i) {
    Value v = op.getDpsInputs()[i];
    auto t = dyn_cast<RankedTensorType>(v.getType());
    auto elem = t ? dyn_cast<IntegerType>(t.getElementType()) : nullptr;
    if (!elem || elem.getWidth() > 8) {
      std::string s;
      llvm::raw_string_ostream os(s);
      os << "quantc.matmul takes integer operands of at most 8 bits, not "
         << v.getType();
      return s;
    }
    APInt c;
    if (matchPattern(op.getDpsInputs()[2 + i], m_ConstantInt(&c))) {
      int64_t lo = -(int64_t(1) << (elem.getWidth() - 1)), hi = -lo - 1;
      int64_t z = c.getSExtValue();
      if (z < lo || z > hi)
        return (Twine("the ") + (i == 0 ? "lhs" : "rhs") + " zero point " +
                Twine(z) + " is outside the operand's storage range [" +
                Twine(lo) + ", " + Twine(hi) + "]")
            .str();
    }
  }
  return "";
}

/// linalg.quantized_matmul / quantized_batch_matmul (upstream's integer
/// GEMMs with scalar zero points, the weight [..., K, N]) -> quantc.matmul
/// with the zero points as operands and `transpose_rhs`; a non-zero
/// accumulator is added after it. Both are i32 sums modulo 2^32 of the same
/// products, so the rewrite is exact.
template <typename OpTy> struct FuseQuantizedMatmul : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    std::string why = quantizedMatmulBlocker(op);
    if (!why.empty())
      return rewriter.notifyMatchFailure(op, why);
    Value a = op.getDpsInputs()[0], w = op.getDpsInputs()[1];
    Value init = op.getDpsInits()[0];
    auto accTy = cast<RankedTensorType>(init.getType());
    Location loc = op.getLoc();
    auto zpTy = RankedTensorType::get(SmallVector<int64_t>(accTy.getRank(), 1),
                                      accTy.getElementType());
    // A zero point as a [1, ..., 1] i32 tensor; none when it is constant 0.
    SmallVector<Value, 2> zps;
    for (unsigned i = 0; i < 2; ++i) {
      Value z = op.getDpsInputs()[2 + i];
      if (matchPattern(z, m_Zero())) {
        zps.push_back(Value());
        continue;
      }
      if (!z.getType().isInteger(32))
        z = arith::ExtSIOp::create(rewriter, loc, rewriter.getI32Type(), z);
      zps.push_back(tensor::FromElementsOp::create(rewriter, loc, zpTy, z));
    }
    Value acc = MatmulOp::create(rewriter, loc, accTy, a, w, zps[0], zps[1],
                                 /*transpose_lhs=*/false,
                                 /*transpose_rhs=*/true);
    bool zeroInit = matchPattern(init, m_Zero());
    if (auto fill = init.getDefiningOp<linalg::FillOp>())
      zeroInit = matchPattern(fill.getInputs()[0], m_Zero());
    if (!zeroInit)
      acc = arith::AddIOp::create(rewriter, loc, init, acc);
    rewriter.replaceOp(op, acc);
    return success();
  }
};

/// A contraction the analysis marks int8 that is still a float GEMM after
/// fusion says why (no int8 GEMM stays float silently).
static void remarkUnfused(Operation *root) {
  root->walk([](linalg::LinalgOp op) {
    FailureOr<ContractionInfo> info = getContractionInfo(op);
    if (failed(info))
      return;
    GemmVerdict verdict = classifyGemm(*info, /*kTile=*/1);
    if (!isWholeKQuantizedGemm(verdict.kind))
      return;
    // An unfused quantized_(batch_)matmul says why below.
    if (!info->zeroPoints.empty() && !info->isConvolution)
      return;
    std::string why;
    if (info->isConvolution || linalg::isaConvolutionOpInterface(op)) {
      // Convolutions become GEMMs in --quantc-conv-to-gemm, before fusion.
      std::string convWhy;
      if (canRewriteConvAsGemm(op, convWhy))
        why = std::string("it is a convolution; --quantc-conv-to-gemm (which "
                          "the pipelines run before --quantc-fuse) rewrites "
                          "it as ") +
              (isDepthwiseConv(op) ? "the direct int8 depthwise kernel"
                                   : "an int8 GEMM");
      else
        why = "it is a convolution that --quantc-conv-to-gemm does not "
              "rewrite as a GEMM: " +
              convWhy;
    } else if (succeeded(matchCanonicalGemm(op, verdict, why))) {
      return;
    }
    op->emitRemark() << "verified as an " << stringifyGemmKind(verdict.kind)
                     << " GEMM but stays a float GEMM: " << why;
  });
}

//===----------------------------------------------------------------------===//
// 2. Elementwise bias / ReLU / GELU after the epilogue -> into the epilogue
//===----------------------------------------------------------------------===//

struct FoldElementwiseIntoRescale : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getNumDpsInits() != 1 ||
        op.getNumParallelLoops() != op.getNumLoops() ||
        !op.hasPureTensorSemantics())
      return failure();
    Block &body = op.getRegion().front();
    auto yield = cast<linalg::YieldOp>(body.getTerminator());
    if (yield.getNumOperands() != 1 || !body.getArguments().back().use_empty())
      return failure();

    // Peel the activation (matchActivation: ReLU, GELU, tanh GELU, SiLU in
    // their common spellings), then t = a + b (bias) or t = a. Every op of
    // the body must be part of the match.
    llvm::SmallPtrSet<Operation *, 16> matched;
    Value t = yield.getOperand(0);
    Activation act = Activation::none;
    if (std::optional<MatchedActivation> m = matchActivation(t, matched)) {
      act = m->kind;
      t = m->input;
    }
    BlockArgument accArg, biasArg;
    if (auto arg = dyn_cast<BlockArgument>(t)) {
      accArg = arg;
    } else if (auto add = t.getDefiningOp<arith::AddFOp>()) {
      matched.insert(add);
      auto a = dyn_cast<BlockArgument>(add.getLhs());
      auto b = dyn_cast<BlockArgument>(add.getRhs());
      if (!a || !b)
        return failure();
      // Whichever argument comes from a rescale is the accumulator.
      auto fromRescale = [&](BlockArgument arg) {
        return arg.getOwner() == &body &&
               arg.getArgNumber() < op.getNumDpsInputs() &&
               op.getDpsInputs()[arg.getArgNumber()].getDefiningOp<RescaleOp>();
      };
      if (fromRescale(a)) {
        accArg = a;
        biasArg = b;
      } else {
        accArg = b;
        biasArg = a;
      }
    } else {
      return failure();
    }
    if (act == Activation::none && !biasArg)
      return failure();
    if (accArg.getOwner() != &body ||
        accArg.getArgNumber() >= op.getNumDpsInputs())
      return failure();
    for (Operation &o : body.without_terminator())
      if (!matched.contains(&o) && !o.hasTrait<OpTrait::ConstantLike>())
        return failure();

    unsigned accIdx = accArg.getArgNumber();
    auto rescale = op.getDpsInputs()[accIdx].getDefiningOp<RescaleOp>();
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    if (!rescale || !rescale->hasOneUse() || rescale.getOutputScale() ||
        rescale.getResidual() || !maps[accIdx].isIdentity() ||
        !maps.back().isIdentity() ||
        op.getResult(0).getType() != rescale.getResult().getType())
      return failure();
    auto resTy = rescale.getResult().getType();
    int64_t rank = resTy.getRank();

    // A plain add of a full tensor of the result's shape is a residual (skip
    // connection): the epilogue adds it after the activation, so it may
    // follow a rescale that already has one.
    Value residual;
    if (biasArg && act == Activation::none &&
        biasArg.getArgNumber() < op.getNumDpsInputs() &&
        maps[biasArg.getArgNumber()].isIdentity() &&
        op.getDpsInputs()[biasArg.getArgNumber()].getType() == resTy) {
      residual = op.getDpsInputs()[biasArg.getArgNumber()];
      biasArg = BlockArgument();
    } else if (rescale.getActivation() != Activation::none ||
               (biasArg && rescale.getBias()) ||
               (act != Activation::none && act != Activation::relu &&
                !isa<Float32Type>(resTy.getElementType()))) {
      return failure();
    }
    if (residual)
      act = rescale.getActivation();

    Value bias;
    if (biasArg) {
      unsigned bIdx = biasArg.getArgNumber();
      if (bIdx >= op.getNumDpsInputs())
        return failure();
      // The bias must vary along the output channels (last dim) only.
      AffineMap bMap = maps[bIdx];
      Value b = op.getDpsInputs()[bIdx];
      auto bTy = dyn_cast<RankedTensorType>(b.getType());
      if (!bTy || !bTy.hasStaticShape() ||
          bTy.getElementType() != resTy.getElementType())
        return failure();
      int64_t d = resTy.getDimSize(rank - 1);
      for (auto [i, e] : llvm::enumerate(bMap.getResults())) {
        auto de = dyn_cast<AffineDimExpr>(e);
        bool last = i + 1 == bMap.getNumResults();
        if (last ? (!de || de.getPosition() != rank - 1 ||
                    bTy.getDimSize(i) != d)
                 : bTy.getDimSize(i) != 1)
          return failure();
      }
      SmallVector<int64_t> shape(rank, 1);
      shape[rank - 1] = d;
      bias = reshapeStatic(rewriter, op.getLoc(), b, shape);
    }
    auto fused = RescaleOp::create(
        rewriter, op.getLoc(), resTy, rescale.getAcc(), rescale.getXScale(),
        rescale.getWScale(), bias ? bias : rescale.getBias(), Value(),
        residual ? residual : rescale.getResidual(),
        ActivationAttr::get(op.getContext(), act), IntegerAttr(),
        IntegerAttr());
    rewriter.replaceOp(op, fused.getResult());
    return success();
  }
};

/// ReLU written on tensors, `arith.maximumf(rescale(...), 0)` (as TOSA and
/// torch-mlir lowerings leave it), becomes the epilogue's activation.
template <typename MaxOp>
struct FoldTensorReluIntoRescale : OpRewritePattern<MaxOp> {
  using OpRewritePattern<MaxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(MaxOp op,
                                PatternRewriter &rewriter) const override {
    if (!isa<RankedTensorType>(op.getType()))
      return failure();
    for (int i = 0; i < 2; ++i) {
      auto rescale = op->getOperand(i).template getDefiningOp<RescaleOp>();
      if (!rescale || !matchPattern(op->getOperand(1 - i), m_AnyZeroFloat()) ||
          !rescale->hasOneUse() || rescale.getOutputScale() ||
          rescale.getResidual() ||
          rescale.getActivation() != Activation::none ||
          rescale.getType() != op.getType())
        continue;
      rewriter.modifyOpInPlace(
          rescale, [&] { rescale.setActivation(Activation::relu); });
      rewriter.replaceOp(op, rescale.getResult());
      return success();
    }
    return failure();
  }
};

//===----------------------------------------------------------------------===//
// 3. quantize(rescale) -> requantizing epilogue
//===----------------------------------------------------------------------===//

struct FoldQuantizeIntoRescale : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp q,
                                PatternRewriter &rewriter) const override {
    auto r = q.getInput().getDefiningOp<RescaleOp>();
    if (!r || !r->hasOneUse() || r.getOutputScale() || q.getZeroPoint())
      return failure();
    auto fused =
        RescaleOp::create(rewriter, q.getLoc(), q.getOutput().getType(),
                          r.getAcc(), r.getXScale(), r.getWScale(), r.getBias(),
                          q.getScale(), r.getResidual(), r.getActivationAttr(),
                          rewriter.getI64IntegerAttr(q.getQuantMin()),
                          rewriter.getI64IntegerAttr(q.getQuantMax()));
    rewriter.replaceOp(q, fused.getResult());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// 4. quantize(dequantize(q, s1), s2) -> q or a requantize
//===----------------------------------------------------------------------===//

struct FoldDequantizeQuantize : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp q,
                                PatternRewriter &rewriter) const override {
    auto d = q.getInput().getDefiningOp<DequantizeOp>();
    if (!d || d.getZeroPoint() || q.getZeroPoint())
      return failure();
    Value src = d.getInput();
    auto srcTy = d.getInput().getType();
    auto outTy = q.getOutput().getType();
    auto [lo, hi] = valueRange(src);
    // Same scale: (q * s) / s rounds back to q exactly for |q| < 2^22.
    if (sameScale(d.getScale(), q.getScale()) &&
        srcTy.getElementType() == outTy.getElementType() &&
        lo >= q.getQuantMin() && hi <= q.getQuantMax()) {
      rewriter.replaceOp(q, src);
      return success();
    }
    // Different scales: a requantize, (f32(q) * s1 * 1) / s2 -- the same
    // arithmetic as the QDQ pair.
    int64_t rank = srcTy.getRank();
    auto s1Ty = d.getScale().getType();
    if (rank < 2 || srcTy.getElementTypeBitWidth() > 32)
      return failure();
    bool rowsOnly = s1Ty.getDimSize(rank - 1) == 1;
    bool colsOnly = llvm::all_of(s1Ty.getShape().drop_back(),
                                 [](int64_t s) { return s == 1; });
    if (!rowsOnly && !colsOnly)
      return failure();
    Location loc = q.getLoc();
    Type f32 = d.getScale().getType().getElementType();
    Value acc = src;
    if (srcTy.getElementType() != rewriter.getI32Type())
      acc = arith::ExtSIOp::create(rewriter, loc,
                                   srcTy.clone(rewriter.getI32Type()), src);
    Value ones = onesLike(rewriter, loc, rank, f32);
    Value xs = rowsOnly ? d.getScale() : ones;
    Value ws = rowsOnly ? ones : d.getScale();
    auto fused = RescaleOp::create(
        rewriter, loc, outTy, acc, xs, ws, Value(), q.getScale(), Value(),
        ActivationAttr::get(q.getContext(), Activation::none),
        rewriter.getI64IntegerAttr(q.getQuantMin()),
        rewriter.getI64IntegerAttr(q.getQuantMax()));
    rewriter.replaceOp(q, fused.getResult());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// 5. quantize(elementwise producer) -> one generic that writes int8
//===----------------------------------------------------------------------===//

struct FuseQuantizeIntoProducer : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp q,
                                PatternRewriter &rewriter) const override {
    auto g = q.getInput().getDefiningOp<linalg::GenericOp>();
    if (!g || !g->hasOneUse() || g.getNumResults() != 1 ||
        g.getNumDpsInits() != 1 || !g.hasPureTensorSemantics() ||
        g.getNumParallelLoops() != g.getNumLoops() ||
        !g.getIndexingMapsArray().back().isIdentity() ||
        !g.getRegion().front().getArguments().back().use_empty())
      return failure();
    Location loc = q.getLoc();
    MLIRContext *ctx = q.getContext();
    auto dataTy = q.getInput().getType();
    SmallVector<Value> ins(g.getDpsInputs());
    SmallVector<AffineMap> maps(g.getIndexingMapsArray());
    maps.pop_back();
    unsigned scaleIdx = ins.size();
    ins.push_back(q.getScale());
    maps.push_back(getBroadcastMap(ctx, dataTy, q.getScale().getType()));
    int zpIdx = -1;
    if (Value zp = q.getZeroPoint()) {
      zpIdx = ins.size();
      ins.push_back(zp);
      maps.push_back(
          getBroadcastMap(ctx, dataTy, cast<ShapedType>(zp.getType())));
    }
    maps.push_back(AffineMap::getMultiDimIdentityMap(dataTy.getRank(), ctx));
    auto outTy = q.getOutput().getType();
    Value init = emptyLike(rewriter, loc, q.getInput(), outTy.getElementType());
    int64_t qmin = q.getQuantMin(), qmax = q.getQuantMax();
    Block &oldBody = g.getRegion().front();
    auto fused = linalg::GenericOp::create(
        rewriter, loc, TypeRange{outTy}, ins, ValueRange{init}, maps,
        g.getIteratorTypesArray(),
        [&](OpBuilder &b, Location l, ValueRange args) {
          IRMapping map;
          for (unsigned i = 0, e = g.getNumDpsInputs(); i < e; ++i)
            map.map(oldBody.getArgument(i), args[i]);
          for (Operation &o : oldBody.without_terminator())
            b.clone(o, map);
          Value v = map.lookup(oldBody.getTerminator()->getOperand(0));
          Value zp = zpIdx >= 0 ? args[zpIdx] : Value();
          linalg::YieldOp::create(
              b, l,
              ValueRange{emitQuantize(b, l, v, args[scaleIdx], zp, qmin, qmax,
                                      outTy.getElementType())});
        });
    rewriter.replaceOp(q, fused.getResults());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// 6. quantize(x, compute_scale(x) per row) -> one pass over each row
//===----------------------------------------------------------------------===//

/// Dynamic per-token quantization reads each row twice (absmax, then
/// quantize); looping over rows keeps the row in cache between the two.
struct RowWiseDynamicQuantize : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp q,
                                PatternRewriter &rewriter) const override {
    auto cs = q.getScale().getDefiningOp<ComputeScaleOp>();
    auto xTy = q.getInput().getType();
    if (!cs || cs.getInput() != q.getInput() || q.getZeroPoint() ||
        xTy.getRank() != 2 || cs.getDims().size() != 1 ||
        cs.getDims()[0] != 1 || xTy.isDynamicDim(1) ||
        q->getParentOfType<scf::ForOp>())
      return failure();
    // Empty rows: nothing to keep in cache, and a slice at offset 0 of the
    // 0-size dimension is invalid IR.
    if (xTy.getDimSize(1) == 0)
      return failure();
    // Every user of the scale must come after the quantize, which replaces it.
    for (Operation *user : cs->getUsers())
      if (user != q && !q->isBeforeInBlock(user))
        return failure();
    Location loc = q.getLoc();
    int64_t c = xTy.getDimSize(1);
    Value x = q.getInput();
    auto sTy = cs.getScale().getType();
    auto qTy = q.getOutput().getType();
    Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value n = tensor::DimOp::create(rewriter, loc, x, 0);
    SmallVector<Value> dyn;
    if (xTy.isDynamicDim(0))
      dyn.push_back(n);
    Value qInit = tensor::EmptyOp::create(rewriter, loc, qTy.getShape(),
                                          qTy.getElementType(), dyn);
    Value sInit = tensor::EmptyOp::create(rewriter, loc, sTy.getShape(),
                                          sTy.getElementType(), dyn);
    auto rowTy = RankedTensorType::get({1, c}, xTy.getElementType());
    auto rowQTy = RankedTensorType::get({1, c}, qTy.getElementType());
    auto rowSTy = RankedTensorType::get({1, 1}, sTy.getElementType());
    int64_t qmin = q.getQuantMin(), qmax = q.getQuantMax();
    auto loop = scf::ForOp::create(
        rewriter, loc, c0, n, c1, ValueRange{qInit, sInit},
        [&](OpBuilder &b, Location l, Value i, ValueRange iter) {
          SmallVector<OpFoldResult> offs = {i, b.getIndexAttr(0)};
          SmallVector<OpFoldResult> ones = {b.getIndexAttr(1),
                                            b.getIndexAttr(1)};
          SmallVector<OpFoldResult> rowSize = {b.getIndexAttr(1),
                                               b.getIndexAttr(c)};
          Value row = tensor::ExtractSliceOp::create(b, l, rowTy, x, offs,
                                                     rowSize, ones);
          Value s = ComputeScaleOp::create(b, l, rowSTy, row, cs.getDimsAttr(),
                                           cs.getQmaxAttr());
          // FP8 storage has no clamp attributes (its range is E4M3's).
          bool fp8 = isFp8Storage(rowQTy);
          Value rq = QuantizeOp::create(
              b, l, rowQTy, row, s, Value(),
              fp8 ? IntegerAttr() : b.getI64IntegerAttr(qmin),
              fp8 ? IntegerAttr() : b.getI64IntegerAttr(qmax));
          Value q2 = tensor::InsertSliceOp::create(b, l, rq, iter[0], offs,
                                                   rowSize, ones);
          Value s2 =
              tensor::InsertSliceOp::create(b, l, s, iter[1], offs, ones, ones);
          scf::YieldOp::create(b, l, ValueRange{q2, s2});
        });
    rewriter.replaceAllUsesWith(cs.getScale(), loop.getResult(1));
    rewriter.replaceOp(q, loop.getResult(0));
    rewriter.eraseOp(cs);
    return success();
  }
};

struct FusePass : quantc::impl::QuantCFuseBase<FusePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<FuseQdqMatmul, FoldElementwiseIntoRescale,
                 FoldTensorReluIntoRescale<arith::MaximumFOp>,
                 FoldTensorReluIntoRescale<arith::MaxNumFOp>,
                 FoldQuantizeIntoRescale, FoldDequantizeQuantize,
                 FuseQuantizedMatmul<linalg::QuantizedMatmulOp>,
                 FuseQuantizedMatmul<linalg::QuantizedBatchMatmulOp>>(ctx);
    FrozenRewritePatternSet frozen(std::move(patterns));
    if (failed(applyPatternsGreedily(getOperation(), frozen)))
      return signalPassFailure();
    // The elementwise code after the new rescales, in whatever spelling, as
    // one generic per chain; then the epilogue patterns again.
    normalizeEpilogueChains(getOperation());
    if (failed(applyPatternsGreedily(getOperation(), frozen)))
      return signalPassFailure();
    // Producer fusion and the row loops only once the GEMM epilogues took
    // everything they can: a quantize fused into its producer would hide a
    // bias/activation/requantize chain from the epilogue.
    RewritePatternSet producers(ctx);
    producers.add<FuseQuantizeIntoProducer>(ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(producers))))
      return signalPassFailure();
    RewritePatternSet rows(ctx);
    rows.add<RowWiseDynamicQuantize>(ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(rows))))
      return signalPassFailure();
    remarkUnfused(getOperation());
    getOperation()->walk([](linalg::LinalgOp op) {
      if (isa<linalg::QuantizedMatmulOp, linalg::QuantizedBatchMatmulOp>(op))
        op->emitRemark() << "stays a linalg op: " << quantizedMatmulBlocker(op);
    });
  }
};

} // namespace
