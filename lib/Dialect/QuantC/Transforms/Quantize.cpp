//===- Quantize.cpp - float matmuls to QDQ form ---------------------------===//
//
// Emits the QDQ form (quantc.quantize / quantc.dequantize feeding the float
// contraction) rather than quantc.matmul + quantc.rescale: --quantc-fuse turns
// that form into the integer GEMM, so this pass stays layout-agnostic.
//
//===----------------------------------------------------------------------===//
#include "MatmulUtils.h"
#include "quantc/Dialect/QuantC/Transforms/Passes.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCQUANTIZE
#include "quantc/Dialect/QuantC/Transforms/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

namespace {
struct QuantizePass : quantc::impl::QuantCQuantizeBase<QuantizePass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    WeightGranularity wg = weights;
    ActGranularity ag = activations;

    SmallVector<ContractionRoles> todo;
    func.walk([&](Operation *op) {
      if (op->hasAttr("quantc.keep_float"))
        return;
      std::string why;
      if (auto roles = getContractionRoles(op, &why))
        todo.push_back(*roles);
      else if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op))
        op->emitRemark("left in float: ") << why;
    });

    bool failedAny = false;
    for (ContractionRoles &r : todo) {
      Operation *op = r.op;
      Value w = r.weight(), x = r.act();
      if (w.getDefiningOp<DequantizeOp>())
        continue; // already quantized
      std::optional<FloatConst> wc = readFloatConst(w);
      if (!wc) {
        op->emitError("cannot quantize the weight (operand #")
            << r.weightIndex << ") at compile time: it is "
            << describeProducer(w)
            << "; --quantc-quantize folds weights to "
               "i8 constants and needs their values";
        failedAny = true;
        continue;
      }
      if (failed(checkFiniteWeight(op, *wc, r.weightIndex))) {
        failedAny = true;
        continue;
      }
      bool actIsQdq = static_cast<bool>(x.getDefiningOp<DequantizeOp>());
      float absmax = 0.0f;
      if (!actIsQdq && ag == ActGranularity::PerTensor) {
        auto obs = x.getDefiningOp<ObserveOp>();
        if (!obs) {
          op->emitError("activations=per-tensor needs calibration statistics, "
                        "but the activation (operand #")
              << r.actIndex << ") is not produced by quantc.observe; "
              << "calibrate it or use activations=per-token";
          failedAny = true;
          continue;
        }
        if (failed(checkStatistics(obs, obs.getAbsmax()))) {
          failedAny = true;
          continue;
        }
        for (float v : obs.getAbsmax().getValues<float>())
          absmax = std::max(absmax, v);
      }
      OpBuilder b(op);
      Value wd = emitQuantizedWeight(b, op->getLoc(), *wc, r.weightOutDim, wg);
      Value xd = actIsQdq
                     ? x
                     : emitQuantizedActivation(b, op->getLoc(), x,
                                               r.actChannelDim, ag, absmax);
      op->setOperand(r.weightIndex, wd);
      op->setOperand(r.actIndex, xd);
      // The float weight is usually dead now; do not leave it in the IR.
      if (Operation *d = w.getDefiningOp(); d && isOpTriviallyDead(d))
        d->erase();
    }
    if (failedAny)
      signalPassFailure();
  }
};
} // namespace
