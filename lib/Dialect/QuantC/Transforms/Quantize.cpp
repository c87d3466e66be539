//===- Quantize.cpp - float matmuls to QDQ form ---------------------------===//
//
// Emits the QDQ form (quantc.quantize / quantc.dequantize feeding the float
// contraction) rather than quantc.matmul + quantc.rescale: --quantc-fuse turns
// that form into the integer GEMM, so this pass stays layout-agnostic.
//
//===----------------------------------------------------------------------===//
#include "CostModel.h"
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

/// The activation quantization that the `quantc.scheme` mark of
/// --quantc-select-scheme asks of `op`, or the pass option `ag` without a
/// mark; nullopt when the GEMM stays float. Emits a remark for `float` and
/// for the `w4a16` fallback, an error (and sets `failedAny`) for a mark it
/// does not know or that contradicts `activations=none`.
static std::optional<ActGranularity>
schemeActivations(Operation *op, ActGranularity ag, bool &failedAny) {
  Attribute attr = op->getAttr(kSchemeAttr);
  if (!attr)
    return ag;
  auto mark = dyn_cast<StringAttr>(attr);
  StringRef s = mark ? mark.getValue() : "";
  if (s == "float") {
    op->emitRemark("left in float: ") << kSchemeAttr << " = \"float\"";
    return std::nullopt;
  }
  if (s == "w8a16")
    return ActGranularity::None;
  if (s == "w4a16") {
    op->emitRemark(kSchemeAttr)
        << " = \"w4a16\" falls back to W8A16: --quantc-quantize produces "
           "8-bit weights only (per-channel or per-tensor, no 4-bit groups)";
    return ActGranularity::None;
  }
  if (s == "w8a8") {
    if (ag == ActGranularity::None) {
      op->emitError(kSchemeAttr)
          << " = \"w8a8\" asks for int8 activations, but activations=none; "
             "use activations=per-token or per-tensor";
      failedAny = true;
      return std::nullopt;
    }
    return ag;
  }
  op->emitError(kSchemeAttr)
      << " must be \"w8a8\", \"w8a16\", \"w4a16\" or \"float\", got " << attr;
  failedAny = true;
  return std::nullopt;
}

struct QuantizePass : quantc::impl::QuantCQuantizeBase<QuantizePass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    WeightGranularity wg = weights;
    ActGranularity ag = activations;

    bool failedAny = false;
    SmallVector<std::pair<ContractionRoles, ActGranularity>> todo;
    func.walk([&](Operation *op) {
      if (op->hasAttr("quantc.keep_float"))
        return;
      std::string why;
      if (auto roles = getContractionRoles(op, &why)) {
        if (auto opAg = schemeActivations(op, ag, failedAny))
          todo.push_back({*roles, *opAg});
      } else if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op))
        op->emitRemark("left in float: ") << why;
    });

    for (auto &[r, gemmAg] : todo) {
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
      if (!actIsQdq && gemmAg == ActGranularity::PerTensor) {
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
                                               r.actChannelDim, gemmAg, absmax);
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
