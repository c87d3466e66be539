//===- Quantize.cpp - float matmuls to QDQ form ---------------------------===//
//
// Emits the QDQ form (quantc.quantize / quantc.dequantize feeding the float
// contraction) rather than quantc.matmul + quantc.rescale: --quantc-fuse turns
// that form into the integer GEMM, so this pass stays layout-agnostic.
//
//===----------------------------------------------------------------------===//
#include "CostModel.h"
#include "MatmulUtils.h"
#include "quantc/Analysis/Granularity.h"
#include "quantc/Dialect/QuantC/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCQUANTIZE
#include "quantc/Dialect/QuantC/Transforms/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

namespace {

/// How one GEMM is quantized.
struct GemmQuantization {
  ActGranularity act = ActGranularity::PerToken;
  /// Bits per weight (8 or 4) and the group along K (0: none).
  int64_t bits = 8, group = 0;
  /// The group comes from a `w4a16` mark's default and may shrink to fit K.
  bool defaultGroup = false;
};

/// The quantization that the `quantc.scheme` mark of --quantc-select-scheme
/// asks of `op`, or the pass options `opts` without a mark; nullopt when the
/// GEMM stays float. Emits a remark for `float`, an error (and sets
/// `failedAny`) for a mark it does not know or that contradicts
/// `activations=none`.
static std::optional<GemmQuantization>
schemeQuantization(Operation *op, const GemmQuantization &opts,
                   bool &failedAny) {
  Attribute attr = op->getAttr(kSchemeAttr);
  if (!attr)
    return opts;
  auto mark = dyn_cast<StringAttr>(attr);
  StringRef s = mark ? mark.getValue() : "";
  if (s == "float") {
    op->emitRemark("left in float: ") << kSchemeAttr << " = \"float\"";
    return std::nullopt;
  }
  GemmQuantization q;
  q.act = ActGranularity::None;
  if (s == "w8a16") {
    q.group = opts.group;
    return q;
  }
  if (s == "w4a16") {
    q.bits = 4;
    q.group = opts.group ? opts.group : 128;
    q.defaultGroup = opts.group == 0;
    return q;
  }
  if (s == "w8a8") {
    if (opts.act == ActGranularity::None) {
      op->emitError(kSchemeAttr)
          << " = \"w8a8\" asks for int8 activations, but activations=none; "
             "use activations=per-token or per-tensor";
      failedAny = true;
      return std::nullopt;
    }
    q.act = opts.act;
    return q;
  }
  op->emitError(kSchemeAttr)
      << " must be \"w8a8\", \"w8a16\", \"w4a16\" or \"float\", got " << attr;
  failedAny = true;
  return std::nullopt;
}

/// The group of `q` for a reduction dimension of `k` elements, or failure
/// after an error on `op` (an explicit group that does not divide K). A
/// `w4a16` mark's default group of 128 shrinks to the largest of 64 and 32
/// that divides K, else to none (per output channel), with a remark.
static FailureOr<int64_t> groupFor(Operation *op, const GemmQuantization &q,
                                   int64_t k) {
  if (q.group == 0 || k % q.group == 0)
    return q.group;
  if (!q.defaultGroup)
    return op->emitError("group-size=")
           << q.group << " does not divide the reduction dimension K = " << k
           << " of the weight; use a group size that divides K or "
              "group-size=0";
  int64_t g = k % 64 == 0 ? 64 : (k % 32 == 0 ? 32 : 0);
  auto remark = op->emitRemark(kSchemeAttr);
  remark << " = \"w4a16\": K = " << k << " is not a multiple of " << q.group
         << "; ";
  if (g)
    remark << "4-bit groups of " << g << " along K";
  else
    remark << "no group size in {128, 64, 32} divides K: one 4-bit scale "
              "per output channel";
  return g;
}

/// One contraction to quantize: a GEMM (getContractionRoles) or a
/// convolution (getConvolutionRoles).
struct Todo {
  Operation *op;
  unsigned actIndex, weightIndex;
  int64_t weightOutDim;
  /// The weight's reduction dimension along which groups run; -1 for a
  /// convolution (no groups).
  int64_t weightChannelDim;
  /// The dimensions a dynamic activation scale is taken over.
  SmallVector<int64_t> actReduceDims;
  GemmQuantization q;

  Value act() const { return op->getOperand(actIndex); }
  Value weight() const { return op->getOperand(weightIndex); }
};

} // namespace

namespace {

struct QuantizePass : quantc::impl::QuantCQuantizeBase<QuantizePass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    WeightGranularity wg = weights;
    GemmQuantization opts;
    opts.act = activations;
    opts.bits = weightBits;
    opts.group = groupSize;
    if (opts.bits != 8 && opts.bits != 4) {
      func.emitError("quantc-quantize: weight-bits must be 8 or 4, got ")
          << opts.bits;
      return signalPassFailure();
    }
    bool fp8 = storage == "f8E4M3FN";
    if (!fp8 && storage != "i8") {
      func.emitError("quantc-quantize: storage must be i8 or f8E4M3FN, got '")
          << storage << "'";
      return signalPassFailure();
    }
    if (fp8 &&
        (opts.bits != 8 || opts.group || opts.act == ActGranularity::None)) {
      func.emitError("quantc-quantize: storage=f8E4M3FN is FP8 W8A8: it "
                     "needs weight-bits=8, no group-size and activations="
                     "per-token or per-tensor");
      return signalPassFailure();
    }
    if (!llvm::is_contained({0, 32, 64, 128}, opts.group)) {
      func.emitError("quantc-quantize: group-size must be 0 (no groups), 32, "
                     "64 or 128, got ")
          << opts.group;
      return signalPassFailure();
    }
    if ((opts.bits == 4 || opts.group) && opts.act != ActGranularity::None) {
      func.emitError("quantc-quantize: ")
          << (opts.bits == 4 ? "weight-bits=4" : "group-size")
          << " needs activations=none (weight-only: a weight scale that "
             "varies along K or a 4-bit weight has no integer GEMM with "
             "int8 activations)";
      return signalPassFailure();
    }
    if (opts.group && wg != WeightGranularity::PerChannel) {
      func.emitError("quantc-quantize: group-size needs weights=per-channel "
                     "(groups are per output channel and K block)");
      return signalPassFailure();
    }

    bool failedAny = false;
    SmallVector<Todo> todo;
    func.walk([&](Operation *op) {
      if (op->hasAttr("quantc.keep_float"))
        return;
      std::string why;
      if (auto roles = getContractionRoles(op, &why)) {
        if (auto q = schemeQuantization(op, opts, failedAny))
          todo.push_back({roles->op,
                          roles->actIndex,
                          roles->weightIndex,
                          roles->weightOutDim,
                          roles->weightChannelDim,
                          {roles->actChannelDim},
                          *q});
      } else if (auto conv = getConvolutionRoles(op)) {
        std::optional<GemmQuantization> q =
            schemeQuantization(op, opts, failedAny);
        if (!q)
          return;
        if (q->act == ActGranularity::None || q->bits != 8 || q->group)
          op->emitRemark("left in float: a convolution is quantized as W8A8 "
                         "(int8 activations per image or per tensor, int8 "
                         "weights): weight-only schemes (activations=none, "
                         "4-bit weights, groups) take matmuls only");
        else if (fp8)
          op->emitRemark("left in float: storage=f8E4M3FN takes matmuls only");
        else
          todo.push_back({conv->op, conv->actIndex, conv->weightIndex,
                          conv->weightOutDim, /*weightChannelDim=*/-1,
                          conv->actReduceDims, *q});
      } else if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op))
        op->emitRemark("left in float: ") << why;
    });

    for (Todo &r : todo) {
      const GemmQuantization &gemmQ = r.q;
      ActGranularity gemmAg = gemmQ.act;
      Operation *op = r.op;
      Value w = r.weight(), x = r.act();
      if (w.getDefiningOp<DequantizeOp>())
        continue; // already quantized
      std::optional<FloatConst> wc = readFloatConst(w);
      // A deferred SmoothQuant: its factor is applied as the weight is
      // quantized (the smoothed float weight is never stored).
      std::optional<SmoothedWeight> sw;
      if (!wc && (sw = readSmoothedWeight(w)))
        wc = sw->w;
      if (!wc) {
        op->emitError("cannot quantize the weight (operand #")
            << r.weightIndex << ") at compile time: it is "
            << describeProducer(w)
            << "; --quantc-quantize folds weights to "
               "i8 constants and needs their values";
        failedAny = true;
        continue;
      }
      // A convolution's zero-padded input (tensor.pad of 0.0): the
      // activation under the pad is quantized and the pad re-applied to its
      // dequantized value (zeros change no absmax and quantize to 0), so
      // that --quantc-conv-to-gemm pads the int8 tensor, not the float one.
      tensor::PadOp zeroPad;
      if (r.weightChannelDim < 0 && isZeroPad(x.getDefiningOp()) &&
          !x.getDefiningOp<tensor::PadOp>().getNofold()) {
        zeroPad = x.getDefiningOp<tensor::PadOp>();
        x = zeroPad.getSource();
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
        // No static scale fits values never seen: scale 1 would round every
        // run-time value to an integer.
        if (absmax == 0.0f) {
          op->emitError("activations=per-tensor: the calibration statistics "
                        "of the activation (operand #")
              << r.actIndex
              << ") are all zero, so no static scale fits its run-time "
                 "values; calibrate it on representative inputs or use "
                 "activations=per-token";
          failedAny = true;
          continue;
        }
      }
      FailureOr<int64_t> group =
          r.weightChannelDim < 0
              ? FailureOr<int64_t>(0)
              : groupFor(op, gemmQ, wc->shape()[r.weightChannelDim]);
      if (failed(group)) {
        failedAny = true;
        continue;
      }
      OpBuilder b(op);
      // A w4a16 mark quantizes per output channel and group.
      auto mark = op->getAttrOfType<StringAttr>(kSchemeAttr);
      WeightGranularity gemmWg = mark && mark.getValue() == "w4a16"
                                     ? WeightGranularity::PerChannel
                                     : wg;
      // The finite-weight check is part of the quantization's first pass.
      FailureOr<Value> wd = emitCheckedQuantizedWeight(
          b, op->getLoc(), *wc, r.weightOutDim, gemmWg, gemmQ.bits, *group,
          r.weightChannelDim, op, r.weightIndex, sw ? &sw->scale : nullptr,
          fp8 && gemmQ.act != ActGranularity::None);
      if (failed(wd)) {
        failedAny = true;
        continue;
      }
      Value xd = actIsQdq ? x
                          : emitQuantizedActivation(b, op->getLoc(), x,
                                                    r.actReduceDims, gemmAg,
                                                    absmax, fp8);
      if (zeroPad) {
        // The same pad (sizes, value, region) of the dequantized value.
        IRMapping map;
        map.map(zeroPad.getSource(), xd);
        xd = b.clone(*zeroPad, map)->getResult(0);
      }
      op->setOperand(r.weightIndex, *wd);
      op->setOperand(r.actIndex, xd);
      // The float weight is usually dead now; do not leave it in the IR
      // (nor, for a deferred smoothing, its constants).
      if (Operation *d = w.getDefiningOp(); d && isOpTriviallyDead(d)) {
        SmallVector<Operation *> defs;
        for (Value v : d->getOperands())
          if (Operation *dd = v.getDefiningOp())
            defs.push_back(dd);
        d->erase();
        for (Operation *dd : defs)
          if (isOpTriviallyDead(dd))
            dd->erase();
      }
    }
    // A deferred smoothing of a contraction this run was to quantize but
    // left in float (a `float` mark) becomes its constant; one whose users
    // are all held in float (quantc.keep_float) waits for a later run.
    SmallVector<linalg::GenericOp> pending;
    func.walk([&](linalg::GenericOp g) {
      if (g->hasAttr(kSmoothedWeightAttr) &&
          llvm::any_of(
              g->getUsers(),
              [](Operation *u) { return !u->hasAttr("quantc.keep_float"); }) &&
          readSmoothedWeight(g.getResult(0)))
        pending.push_back(g);
    });
    for (linalg::GenericOp g : pending)
      materializeSmoothedWeight(g);
    if (failedAny)
      signalPassFailure();
  }
};
} // namespace
