//===- QuantCToLinalg.cpp - quantc to linalg on tensors -------------------===//
#include "quantc/Conversion/QuantCToLinalg/QuantCToLinalg.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"
#include "quantc/Dialect/QuantC/Utils/Arithmetic.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace quantc {
#define GEN_PASS_DEF_CONVERTQUANTCTOLINALG
#include "quantc/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

namespace {

static Value emptyLike(OpBuilder &b, Location loc, Value shapeSource,
                       Type elemTy) {
  auto ty = cast<RankedTensorType>(shapeSource.getType());
  SmallVector<Value> dyn;
  for (int64_t i = 0, e = ty.getRank(); i < e; ++i)
    if (ty.isDynamicDim(i))
      dyn.push_back(tensor::DimOp::create(b, loc, shapeSource, i));
  return tensor::EmptyOp::create(b, loc, ty.getShape(), elemTy, dyn);
}

static Value floatConst(OpBuilder &b, Location loc, Type t, double v) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(t, v));
}

static void yield(OpBuilder &b, Location l, Value v) {
  linalg::YieldOp::create(b, l, ValueRange{v});
}

static SmallVector<utils::IteratorType> parallel(int64_t n) {
  return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
}

struct QuantizeLowering : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto inTy = op.getInput().getType();
    auto outTy = op.getOutput().getType();
    Type storage = outTy.getElementType();
    int64_t qmin = op.getQuantMin(), qmax = op.getQuantMax();
    SmallVector<Value> ins = {op.getInput(), op.getScale()};
    SmallVector<AffineMap> maps = {
        AffineMap::getMultiDimIdentityMap(inTy.getRank(), ctx),
        getBroadcastMap(ctx, inTy, op.getScale().getType())};
    bool hasZp = static_cast<bool>(op.getZeroPoint());
    if (hasZp) {
      ins.push_back(op.getZeroPoint());
      maps.push_back(getBroadcastMap(
          ctx, inTy, cast<ShapedType>(op.getZeroPoint().getType())));
    }
    maps.push_back(AffineMap::getMultiDimIdentityMap(inTy.getRank(), ctx));
    Value init = emptyLike(rewriter, loc, op.getInput(), storage);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{outTy}, ins, ValueRange{init}, maps,
        parallel(inTy.getRank()),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value zp = hasZp ? args[2] : Value();
          yield(b, l, emitQuantize(b, l, args[0], args[1], zp, qmin, qmax,
                                   storage));
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

struct DequantizeLowering : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto inTy = op.getInput().getType();
    auto outTy = op.getOutput().getType();
    SmallVector<Value> ins = {op.getInput(), op.getScale()};
    SmallVector<AffineMap> maps = {
        AffineMap::getMultiDimIdentityMap(inTy.getRank(), ctx),
        getBroadcastMap(ctx, inTy, op.getScale().getType())};
    bool hasZp = static_cast<bool>(op.getZeroPoint());
    if (hasZp) {
      ins.push_back(op.getZeroPoint());
      maps.push_back(getBroadcastMap(
          ctx, inTy, cast<ShapedType>(op.getZeroPoint().getType())));
    }
    maps.push_back(AffineMap::getMultiDimIdentityMap(inTy.getRank(), ctx));
    Value init = emptyLike(rewriter, loc, op.getInput(), outTy.getElementType());
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{outTy}, ins, ValueRange{init}, maps,
        parallel(inTy.getRank()),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Type ft = outTy.getElementType();
          Value q = args[0];
          if (hasZp) {
            Type i32 = b.getI32Type();
            Value qi = q.getType() == i32
                           ? q
                           : Value(arith::ExtSIOp::create(b, l, i32, q));
            Value zi = args[2].getType() == i32
                           ? args[2]
                           : Value(arith::ExtSIOp::create(b, l, i32, args[2]));
            q = arith::SubIOp::create(b, l, qi, zi);
          }
          Value f = arith::SIToFPOp::create(b, l, ft, q);
          Value s = castFloat(b, l, args[1], ft);
          yield(b, l, arith::MulFOp::create(b, l, f, s));
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

struct ComputeScaleLowering : OpRewritePattern<ComputeScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ComputeScaleOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto inTy = op.getInput().getType();
    auto outTy = op.getScale().getType();
    Type ft = outTy.getElementType();
    int64_t rank = inTy.getRank();
    llvm::SmallDenseSet<int64_t> reduced(op.getDims().begin(),
                                         op.getDims().end());
    SmallVector<AffineExpr> outExprs;
    SmallVector<utils::IteratorType> iters;
    SmallVector<Value> dyn;
    for (int64_t i = 0; i < rank; ++i) {
      bool red = reduced.contains(i);
      outExprs.push_back(red ? getAffineConstantExpr(0, ctx)
                             : getAffineDimExpr(i, ctx));
      iters.push_back(red ? utils::IteratorType::reduction
                          : utils::IteratorType::parallel);
      if (!red && inTy.isDynamicDim(i))
        dyn.push_back(tensor::DimOp::create(rewriter, loc, op.getInput(), i));
    }
    Value empty =
        tensor::EmptyOp::create(rewriter, loc, outTy.getShape(), ft, dyn);
    Value zero = floatConst(rewriter, loc, ft, 0.0);
    Value init =
        linalg::FillOp::create(rewriter, loc, zero, empty).getResult(0);
    SmallVector<AffineMap> maps = {
        AffineMap::getMultiDimIdentityMap(rank, ctx),
        AffineMap::get(rank, 0, outExprs, ctx)};
    auto absmax = linalg::GenericOp::create(
        rewriter, loc, TypeRange{outTy}, ValueRange{op.getInput()},
        ValueRange{init}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = castFloat(b, l, args[0], ft);
          Value a = math::AbsFOp::create(b, l, x);
          yield(b, l,
                                  arith::MaxNumFOp::create(b, l, args[1], a));
        });
    double qmax = static_cast<double>(op.getQmax());
    auto id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    auto scale = linalg::GenericOp::create(
        rewriter, loc, TypeRange{outTy}, ValueRange{absmax.getResult(0)},
        ValueRange{empty}, SmallVector<AffineMap>{id, id}, parallel(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value m = args[0];
          Value isZero = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                               m, floatConst(b, l, ft, 0.0));
          Value s =
              arith::DivFOp::create(b, l, m, floatConst(b, l, ft, qmax));
          yield(b, l,
              arith::SelectOp::create(b, l, isZero, floatConst(b, l, ft, 1.0),
                                      s));
        });
    rewriter.replaceOp(op, scale.getResults());
    return success();
  }
};

struct MatmulLowering : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto resTy = op.getResult().getType();
    int64_t rank = resTy.getRank(); // loops: batch..., n, d, c
    int64_t nb = rank - 2;
    auto dim = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> lhs, rhs, out;
    for (int64_t i = 0; i < nb; ++i) {
      lhs.push_back(dim(i));
      rhs.push_back(dim(i));
      out.push_back(dim(i));
    }
    lhs.append({dim(nb), dim(nb + 2)});
    rhs.append({dim(nb + 1), dim(nb + 2)});
    out.append({dim(nb), dim(nb + 1)});
    SmallVector<AffineMap> maps = {AffineMap::get(rank + 1, 0, lhs, ctx),
                                   AffineMap::get(rank + 1, 0, rhs, ctx),
                                   AffineMap::get(rank + 1, 0, out, ctx)};
    SmallVector<utils::IteratorType> iters = parallel(rank);
    iters.push_back(utils::IteratorType::reduction);

    SmallVector<Value> dyn;
    for (int64_t i = 0; i < rank; ++i) {
      if (!resTy.isDynamicDim(i))
        continue;
      Value src = i == rank - 1 ? op.getRhs() : op.getLhs();
      int64_t srcDim = i == rank - 1 ? rank - 2 : i;
      dyn.push_back(tensor::DimOp::create(rewriter, loc, src, srcDim));
    }
    Type i32 = rewriter.getI32Type();
    Value empty =
        tensor::EmptyOp::create(rewriter, loc, resTy.getShape(), i32, dyn);
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getI32IntegerAttr(0));
    Value init =
        linalg::FillOp::create(rewriter, loc, zero, empty).getResult(0);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resTy}, ValueRange{op.getLhs(), op.getRhs()},
        ValueRange{init}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value a = arith::ExtSIOp::create(b, l, i32, args[0]);
          Value w = arith::ExtSIOp::create(b, l, i32, args[1]);
          Value p = arith::MulIOp::create(b, l, a, w);
          yield(b, l, arith::AddIOp::create(b, l, args[2], p));
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

struct RescaleLowering : OpRewritePattern<RescaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RescaleOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto accTy = op.getAcc().getType();
    auto resTy = op.getResult().getType();
    int64_t rank = accTy.getRank();
    SmallVector<Value> ins = {op.getAcc(), op.getXScale(), op.getWScale()};
    SmallVector<AffineMap> maps = {
        AffineMap::getMultiDimIdentityMap(rank, ctx),
        getBroadcastMap(ctx, accTy, op.getXScale().getType()),
        getBroadcastMap(ctx, accTy, op.getWScale().getType())};
    int biasIdx = -1, osIdx = -1;
    if (Value bias = op.getBias()) {
      biasIdx = ins.size();
      ins.push_back(bias);
      maps.push_back(getBroadcastMap(ctx, accTy, cast<ShapedType>(bias.getType())));
    }
    if (Value os = op.getOutputScale()) {
      osIdx = ins.size();
      ins.push_back(os);
      maps.push_back(getBroadcastMap(ctx, accTy, cast<ShapedType>(os.getType())));
    }
    maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
    Type ft = op.getXScale().getType().getElementType();
    Type outElem = resTy.getElementType();
    int64_t qmin = 0, qmax = 0;
    if (osIdx >= 0) {
      qmin = op.getQuantMin();
      qmax = op.getQuantMax();
    }
    Activation act = op.getActivation();
    Value init = emptyLike(rewriter, loc, op.getAcc(), outElem);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resTy}, ins, ValueRange{init}, maps,
        parallel(rank), [&](OpBuilder &b, Location l, ValueRange args) {
          Value bias = biasIdx >= 0 ? args[biasIdx] : Value();
          Value f = emitEpilogue(b, l, ft, args[0], args[1], args[2], bias, act);
          if (osIdx >= 0) {
            Value q = arith::DivFOp::create(b, l, f,
                                            castFloat(b, l, args[osIdx], ft));
            yield(b, l, emitQuantizeScaled(b, l, q, Value(), qmin, qmax, outElem));
            return;
          }
          yield(b, l, castFloat(b, l, f, outElem));
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

struct SmoothLowering : OpRewritePattern<SmoothOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SmoothOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto inTy = op.getInput().getType();
    SmallVector<AffineMap> maps = {
        AffineMap::getMultiDimIdentityMap(inTy.getRank(), ctx),
        getBroadcastMap(ctx, inTy, op.getFactor().getType()),
        AffineMap::getMultiDimIdentityMap(inTy.getRank(), ctx)};
    Value init =
        emptyLike(rewriter, loc, op.getInput(), inTy.getElementType());
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{inTy}, ValueRange{op.getInput(), op.getFactor()},
        ValueRange{init}, maps, parallel(inTy.getRank()),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value s = castFloat(b, l, args[1], args[0].getType());
          yield(b, l, arith::DivFOp::create(b, l, args[0], s));
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

struct ObserveLowering : OpRewritePattern<ObserveOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ObserveOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, op.getInput());
    return success();
  }
};

struct ConvertQuantCToLinalgPass
    : quantc::impl::ConvertQuantCToLinalgBase<ConvertQuantCToLinalgPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateQuantCToLinalgPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns)))) {
      signalPassFailure();
      return;
    }
    WalkResult r = getOperation()->walk([](Operation *op) {
      if (isa<QuantCDialect>(op->getDialect())) {
        op->emitOpError("could not be lowered to linalg");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (r.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace

void quantc::populateQuantCToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<QuantizeLowering, DequantizeLowering, ComputeScaleLowering,
               MatmulLowering, RescaleLowering, SmoothLowering,
               ObserveLowering>(patterns.getContext());
}
