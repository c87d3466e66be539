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

static void yield(OpBuilder &b, Location l, Value v) {
  linalg::YieldOp::create(b, l, ValueRange{v});
}

static SmallVector<utils::IteratorType> parallel(int64_t n) {
  return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
}

/// An elementwise linalg.generic over the shape of `data` that reads `data`
/// and every non-null broadcast-shaped parameter (scales, zero points, bias)
/// through its broadcast map, and yields `body(b, l, data, params)`; a null
/// parameter stays null in the body.
static Value buildBroadcastGeneric(
    PatternRewriter &rewriter, Location loc, Value data, ArrayRef<Value> params,
    Type resultElem,
    function_ref<Value(OpBuilder &, Location, Value, ArrayRef<Value>)> body) {
  MLIRContext *ctx = rewriter.getContext();
  auto dataTy = cast<RankedTensorType>(data.getType());
  int64_t rank = dataTy.getRank();
  SmallVector<Value> ins = {data};
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx)};
  for (Value p : params) {
    if (!p)
      continue;
    ins.push_back(p);
    maps.push_back(getBroadcastMap(ctx, dataTy, cast<ShapedType>(p.getType())));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  Value init = emptyLike(rewriter, loc, data, resultElem);
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{init.getType()}, ins, ValueRange{init}, maps,
      parallel(rank), [&](OpBuilder &b, Location l, ValueRange args) {
        SmallVector<Value> ps;
        unsigned next = 1;
        for (Value p : params)
          ps.push_back(p ? args[next++] : Value());
        yield(b, l, body(b, l, args[0], ps));
      });
  return generic.getResult(0);
}

struct QuantizeLowering : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    Type storage = op.getOutput().getType().getElementType();
    int64_t qmin = op.getQuantMin(), qmax = op.getQuantMax();
    rewriter.replaceOp(
        op, buildBroadcastGeneric(
                rewriter, op.getLoc(), op.getInput(),
                {op.getScale(), op.getZeroPoint()}, storage,
                [&](OpBuilder &b, Location l, Value x, ArrayRef<Value> p) {
                  return emitQuantize(b, l, x, p[0], p[1], qmin, qmax, storage);
                }));
    return success();
  }
};

struct DequantizeLowering : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    Type ft = op.getOutput().getType().getElementType();
    rewriter.replaceOp(
        op, buildBroadcastGeneric(
                rewriter, op.getLoc(), op.getInput(),
                {op.getScale(), op.getZeroPoint()}, ft,
                [&](OpBuilder &b, Location l, Value q, ArrayRef<Value> p) {
                  if (Value zp = p[1]) {
                    // In i64: q - zp of i32 storage (or an i64 zero point)
                    // does not fit i32.
                    Type i64 = b.getI64Type();
                    auto widen = [&](Value v) {
                      return v.getType() == i64
                                 ? v
                                 : Value(arith::ExtSIOp::create(b, l, i64, v));
                    };
                    q = arith::SubIOp::create(b, l, widen(q), widen(zp));
                  }
                  // FP8: the exact f32 value (integer arithmetic: hosts
                  // have no f8 conversion).
                  Value f = isFp8Storage(q.getType())
                                ? castFloat(b, l, emitDecodeE4M3(b, l, q), ft)
                                : Value(arith::SIToFPOp::create(b, l, ft, q));
                  return Value(arith::MulFOp::create(
                      b, l, f, castFloat(b, l, p[0], ft)));
                }));
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
    Value zero = floatConstant(rewriter, loc, ft, 0.0);
    Value init =
        linalg::FillOp::create(rewriter, loc, zero, empty).getResult(0);
    SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx),
                                   AffineMap::get(rank, 0, outExprs, ctx)};
    auto absmax = linalg::GenericOp::create(
        rewriter, loc, TypeRange{outTy}, ValueRange{op.getInput()},
        ValueRange{init}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = castFloat(b, l, args[0], ft);
          Value a = math::AbsFOp::create(b, l, x);
          yield(b, l, arith::MaxNumFOp::create(b, l, args[1], a));
        });
    double qmax = static_cast<double>(op.getQmax());
    double smallest =
        APFloat::getSmallest(cast<FloatType>(ft).getFloatSemantics())
            .convertToDouble();
    auto id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    auto scale = linalg::GenericOp::create(
        rewriter, loc, TypeRange{outTy}, ValueRange{absmax.getResult(0)},
        ValueRange{empty}, SmallVector<AffineMap>{id, id}, parallel(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value m = args[0];
          Value isZero = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                               m, floatConstant(b, l, ft, 0.0));
          Value s =
              arith::DivFOp::create(b, l, m, floatConstant(b, l, ft, qmax));
          // A quotient that underflows (f16 absmax below qmax x 2^-24) gets
          // the type's smallest positive value instead of 0, which would
          // zero the whole row.
          Value under = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                              s, floatConstant(b, l, ft, 0.0));
          s = arith::SelectOp::create(b, l, under,
                                      floatConstant(b, l, ft, smallest), s);
          yield(b, l,
                arith::SelectOp::create(b, l, isZero,
                                        floatConstant(b, l, ft, 1.0), s));
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
    auto resTy = op.getResult().getType();
    int64_t rank = resTy.getRank(); // loops: batch..., n, d, c
    SmallVector<AffineMap> maps = llvm::to_vector(op.getIndexingMaps());
    SmallVector<utils::IteratorType> iters = parallel(rank);
    iters.push_back(utils::IteratorType::reduction);

    SmallVector<Value> dyn;
    for (int64_t i = 0; i < rank; ++i) {
      if (!resTy.isDynamicDim(i))
        continue;
      Value src = i == rank - 1 ? op.getRhs() : op.getLhs();
      int64_t srcDim = i == rank - 1   ? op.getRhsColumnDim()
                       : i == rank - 2 ? op.getLhsRowDim()
                                       : i;
      dyn.push_back(tensor::DimOp::create(rewriter, loc, src, srcDim));
    }
    // FP8: the host reference, products of the decoded values summed in
    // f32 in order of c (the Tensor Core kernel's order is its own).
    const bool fp8 = isFp8Storage(op.getLhs().getType());
    Type i32 = rewriter.getI32Type();
    Type accElem = fp8 ? Type(rewriter.getF32Type()) : i32;
    Value empty =
        tensor::EmptyOp::create(rewriter, loc, resTy.getShape(), accElem, dyn);
    Value zero =
        arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(accElem));
    Value init =
        linalg::FillOp::create(rewriter, loc, zero, empty).getResult(0);
    // Zero points (shaped over the result) are read at the result's
    // indices of the loops: sum_c (x - zx) * (w - zw).
    SmallVector<Value> ins = {op.getLhs(), op.getRhs()};
    AffineMap outMap = maps.back();
    maps.pop_back();
    int zxIdx = -1, zwIdx = -1;
    for (auto [zp, idx] :
         {std::pair<Value, int *>{op.getLhsZeroPoint(), &zxIdx},
          {op.getRhsZeroPoint(), &zwIdx}}) {
      if (!zp)
        continue;
      *idx = ins.size();
      ins.push_back(zp);
      maps.push_back(getBroadcastMap(rewriter.getContext(), resTy,
                                     cast<ShapedType>(zp.getType()))
                         .compose(outMap));
    }
    maps.push_back(outMap);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resTy}, ins, ValueRange{init}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          if (fp8) {
            Value p = arith::MulFOp::create(b, l, emitDecodeE4M3(b, l, args[0]),
                                            emitDecodeE4M3(b, l, args[1]));
            yield(b, l, arith::AddFOp::create(b, l, args.back(), p));
            return;
          }
          Value a = arith::ExtSIOp::create(b, l, i32, args[0]);
          Value w = arith::ExtSIOp::create(b, l, i32, args[1]);
          if (zxIdx >= 0)
            a = arith::SubIOp::create(b, l, a, args[zxIdx]);
          if (zwIdx >= 0)
            w = arith::SubIOp::create(b, l, w, args[zwIdx]);
          Value p = arith::MulIOp::create(b, l, a, w);
          yield(b, l, arith::AddIOp::create(b, l, args.back(), p));
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

struct RescaleLowering : OpRewritePattern<RescaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RescaleOp op,
                                PatternRewriter &rewriter) const override {
    EpilogueSpec spec = EpilogueSpec::get(op);
    rewriter.replaceOp(
        op, buildBroadcastGeneric(
                rewriter, op.getLoc(), op.getAcc(),
                {op.getXScale(), op.getWScale(), op.getBias(),
                 op.getOutputScale(), op.getResidual()},
                spec.resultType,
                [&](OpBuilder &b, Location l, Value acc, ArrayRef<Value> p) {
                  return emitRescaleEpilogue(b, l, spec, acc,
                                             {p[0], p[1], p[2], p[3], p[4]});
                }));
    return success();
  }
};

struct SmoothLowering : OpRewritePattern<SmoothOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SmoothOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, buildBroadcastGeneric(
                rewriter, op.getLoc(), op.getInput(), {op.getFactor()},
                op.getInput().getType().getElementType(),
                [&](OpBuilder &b, Location l, Value x, ArrayRef<Value> p) {
                  return Value(arith::DivFOp::create(
                      b, l, x, castFloat(b, l, p[0], x.getType())));
                }));
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
    // The tensor-level ops; target ops (quantc.x86.*, in generated kernels)
    // are lowered by their backends.
    WalkResult r = getOperation()->walk([](Operation *op) {
      if (isa<QuantizeOp, DequantizeOp, ComputeScaleOp, MatmulOp, RescaleOp,
              SmoothOp, ObserveOp>(op)) {
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
  patterns
      .add<QuantizeLowering, DequantizeLowering, ComputeScaleLowering,
           MatmulLowering, RescaleLowering, SmoothLowering, ObserveLowering>(
          patterns.getContext());
}
