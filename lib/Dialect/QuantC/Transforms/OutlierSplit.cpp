//===- OutlierSplit.cpp - LLM.int8() outlier decomposition ----------------===//
//
// Y = X[:, O]·W[O, :] (float) + X[:, I]·W[I, :] (int8, QDQ form), where O are
// the reduction channels whose calibrated absmax exceeds the threshold.
//
//===----------------------------------------------------------------------===//
#include "MatmulUtils.h"
#include "quantc/Dialect/QuantC/Transforms/Passes.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCOUTLIERSPLIT
#include "quantc/Dialect/QuantC/Transforms/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

namespace {

/// Dynamic sizes of `v` for a tensor.empty of its shape, with dimension
/// `skip` (if any) replaced by a static size.
static SmallVector<Value> dynamicSizes(OpBuilder &b, Location loc, Value v,
                                       int64_t skip = -1) {
  auto ty = cast<RankedTensorType>(v.getType());
  SmallVector<Value> dyn;
  for (int64_t i = 0, e = ty.getRank(); i < e; ++i)
    if (i != skip && ty.isDynamicDim(i))
      dyn.push_back(tensor::DimOp::create(b, loc, v, i));
  return dyn;
}

/// x[..., idx] along `dim`: a linalg.generic reading `x` with tensor.extract
/// at the constant channel indices.
static Value gatherChannels(OpBuilder &b, Location loc, Value x, int64_t dim,
                            ArrayRef<int64_t> idx) {
  auto xTy = cast<RankedTensorType>(x.getType());
  int64_t rank = xTy.getRank();
  SmallVector<int64_t> shape = llvm::to_vector(xTy.getShape());
  shape[dim] = idx.size();
  auto outTy = RankedTensorType::get(shape, xTy.getElementType());
  Value empty = tensor::EmptyOp::create(b, loc, shape, xTy.getElementType(),
                                        dynamicSizes(b, loc, x, dim));
  auto idxTy = RankedTensorType::get({(int64_t)idx.size()}, b.getI64Type());
  Value idxConst =
      arith::ConstantOp::create(b, loc, DenseElementsAttr::get(idxTy, idx));
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank, 0, {getAffineDimExpr(dim, ctx)}, ctx),
      AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto g = linalg::GenericOp::create(
      b, loc, TypeRange{outTy}, ValueRange{idxConst}, ValueRange{empty}, maps,
      iters, [&](OpBuilder &nb, Location l, ValueRange args) {
        SmallVector<Value> indices;
        for (int64_t i = 0; i < rank; ++i)
          indices.push_back(i == dim
                                ? Value(arith::IndexCastOp::create(
                                      nb, l, nb.getIndexType(), args[0]))
                                : Value(linalg::IndexOp::create(nb, l, i)));
        Value v = tensor::ExtractOp::create(nb, l, x, indices);
        linalg::YieldOp::create(nb, l, v);
      });
  return g.getResult(0);
}

/// The constant `w` restricted to indices `idx` along `dim`.
static FloatConst sliceConst(const FloatConst &w, int64_t dim,
                             ArrayRef<int64_t> idx) {
  SmallVector<int64_t> shape = w.shape();
  int64_t inner = 1, outer = 1;
  for (int64_t d = dim + 1, e = shape.size(); d < e; ++d)
    inner *= shape[d];
  for (int64_t d = 0; d < dim; ++d)
    outer *= shape[d];
  FloatConst out;
  SmallVector<int64_t> outShape = shape;
  outShape[dim] = idx.size();
  out.type = RankedTensorType::get(outShape, w.type.getElementType());
  out.source = w.source;
  std::vector<float> values;
  values.reserve(outer * idx.size() * inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c : idx) {
      const float *row = w.values.data() + (o * shape[dim] + c) * inner;
      values.insert(values.end(), row, row + inner);
    }
  out.setValues(std::move(values));
  return out;
}

struct OutlierSplitPass
    : quantc::impl::QuantCOutlierSplitBase<OutlierSplitPass> {
  using Base::Base;

  void runOnOperation() override {
    if (!(threshold >= 0.0)) {
      getOperation().emitError("--quantc-outlier-split: threshold must be "
                               "non-negative, got ")
          << threshold;
      return signalPassFailure();
    }
    SmallVector<ContractionRoles> todo;
    getOperation().walk([&](Operation *op) {
      if (op->hasAttr("quantc.keep_float"))
        return;
      std::string why;
      if (auto r = getContractionRoles(op, &why))
        todo.push_back(*r);
      else if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op))
        op->emitRemark("the outlier split leaves this matmul alone: ") << why;
    });
    bool failedAny = false;
    for (ContractionRoles &r : todo)
      if (failed(split(r)))
        failedAny = true;
    if (failedAny)
      signalPassFailure();
  }

  LogicalResult split(ContractionRoles &r) {
    Operation *op = r.op;
    Value x = r.act(), w = r.weight();
    if (w.getDefiningOp<DequantizeOp>() || x.getDefiningOp<DequantizeOp>())
      return success(); // already quantized
    auto obs = x.getDefiningOp<ObserveOp>();
    if (!obs) {
      op->emitRemark("no calibration statistics: the activation (operand #")
          << r.actIndex
          << ") is not produced by quantc.observe, so the outlier split "
             "leaves this matmul alone";
      return success();
    }
    if (failed(checkStatistics(obs, obs.getAbsmax())))
      return failure();
    std::optional<FloatConst> wc = readFloatConst(w);
    if (!wc)
      return op->emitError("the outlier split slices the weight (operand #")
             << r.weightIndex << ") at compile time, but it is "
             << describeProducer(w);
    if (failed(checkFiniteWeight(op, *wc, r.weightIndex)))
      return failure();

    SmallVector<int64_t> outliers, inliers;
    for (auto [c, v] : llvm::enumerate(obs.getAbsmax().getValues<float>()))
      (v > threshold ? outliers : inliers).push_back(c);

    OpBuilder b(op);
    Location loc = op->getLoc();
    if (inliers.empty()) {
      op->setAttr("quantc.keep_float", b.getUnitAttr());
      return success();
    }
    if (outliers.empty()) {
      op->setOperand(r.weightIndex,
                     emitQuantizedWeight(b, loc, *wc, r.weightOutDim,
                                         WeightGranularity::PerChannel));
      op->setOperand(r.actIndex,
                     emitQuantizedActivation(b, loc, x, r.actChannelDim,
                                             ActGranularity::PerToken));
      if (Operation *d = w.getDefiningOp(); d && isOpTriviallyDead(d))
        d->erase();
      return success();
    }

    auto linalgOp = cast<linalg::LinalgOp>(op);
    Value init = linalgOp.getDpsInitOperand(0)->get();
    unsigned initIndex = linalgOp.getDpsInitOperand(0)->getOperandNumber();
    auto initTy = cast<RankedTensorType>(init.getType());

    // Float GEMM of the outlier channels, accumulating into the original init.
    Value xo = gatherChannels(b, loc, x, r.actChannelDim, outliers);
    FloatConst wo = sliceConst(*wc, r.weightChannelDim, outliers);
    Value woC = makeFloatConst(b, loc, wo.shape(), wo.values,
                               wo.type.getElementType(), wo.source, "outliers");
    Operation *fop = b.clone(*op);
    fop->setOperand(r.actIndex, xo);
    fop->setOperand(r.weightIndex, woC);
    fop->setAttr("quantc.keep_float", b.getUnitAttr());

    // int8 GEMM of the other channels, from a zero accumulator.
    Value xi = gatherChannels(b, loc, x, r.actChannelDim, inliers);
    FloatConst wi = sliceConst(*wc, r.weightChannelDim, inliers);
    Value wid = emitQuantizedWeight(b, loc, wi, r.weightOutDim,
                                    WeightGranularity::PerChannel);
    Value xid = emitQuantizedActivation(b, loc, xi, r.actChannelDim,
                                        ActGranularity::PerToken);
    Value empty = tensor::EmptyOp::create(b, loc, initTy.getShape(),
                                          initTy.getElementType(),
                                          dynamicSizes(b, loc, init));
    Value zero = arith::ConstantOp::create(
        b, loc, b.getFloatAttr(initTy.getElementType(), 0.0));
    Value zeroInit =
        linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{empty})
            .getResult(0);
    Operation *iop = b.clone(*op);
    iop->setOperand(r.actIndex, xid);
    iop->setOperand(r.weightIndex, wid);
    iop->setOperand(initIndex, zeroInit);

    auto sum = linalg::AddOp::create(
        b, loc, ValueRange{fop->getResult(0), iop->getResult(0)},
        ValueRange{empty});
    op->getResult(0).replaceAllUsesWith(sum->getResult(0));
    op->erase();
    if (Operation *d = w.getDefiningOp(); d && isOpTriviallyDead(d))
      d->erase();
    return success();
  }
};
} // namespace
