//===- VerifyGemm.cpp - prove quantized matmuls are integer GEMMs ---------===//
#include "quantc/Dialect/QuantC/Transforms/Passes.h"

#include "ConvToGemm.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"
#include "quantc/Analysis/Granularity.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCVERIFYGEMM
#include "quantc/Dialect/QuantC/Transforms/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

namespace {

/// First operand dimension with the given role, for the suggested fix.
static int64_t firstDimWithRole(const ContractionOperand &o, DimRole role) {
  for (auto [i, r] : llvm::enumerate(o.dims))
    if (r == role)
      return i;
  return -1;
}

static std::string sizeStr(int64_t s) {
  return ShapedType::isDynamic(s) ? std::string("?") : std::to_string(s);
}

/// Writes the fix for a scale that varies along the reduction dimension.
static void appendScaleFix(InFlightDiagnostic &diag,
                           const ContractionOperand &o) {
  if (o.role == OperandRole::Activation) {
    diag << "migrate the per-channel factor into the weights with "
            "--quantc-smoothquant, or quantize the activation per token";
    if (int64_t m = firstDimWithRole(o, DimRole::M); m >= 0)
      diag << " (a scale varying along dimension " << m << " only)";
    return;
  }
  diag << "quantize the weight per output channel";
  if (int64_t n = firstDimWithRole(o, DimRole::N); n >= 0)
    diag << " (a scale varying along dimension " << n << " only)";
  diag << " or per tensor";
  // A right operand computed at run time (not a constant) is typically
  // attention's V in P·V, whose reduction runs over the tokens: a per-token
  // V scale (as K has) is exactly the illegal case.
  auto dq = o.value.getDefiningOp<DequantizeOp>();
  if (dq && !matchPattern(dq.getInput(), m_Constant()))
    diag << "; this operand is computed at run time: if it is attention's V "
            "in P·V (an int8 KV cache), the reduction runs over the tokens, so "
            "V cannot have a scale per token; store V with a scale per channel "
            "(head-dim) and head, or per tensor, and keep the per-token scales "
            "for K (Q·Kᵀ reduces over the head-dim)";
}

static void describeViolation(InFlightDiagnostic &diag, const GemmViolation &v,
                              const GemmVerdict &verdict, int64_t kTile,
                              StringRef target) {
  const ContractionOperand &o = v.operand;
  diag << "operand #" << o.operandNumber << " (" << stringifyOperandRole(o.role)
       << ") ";
  switch (v.kind) {
  case GemmViolation::Kind::ScaleVariesAlongReduction:
    diag << "has a " << v.granularity << " scale " << v.scaleType
         << " that varies along reduction dimension " << v.dim << " (size "
         << sizeStr(o.shape[v.dim])
         << "): it cannot be factored out of the sum over the reduction "
            "dimension, so no integer GEMM computes this product; ";
    appendScaleFix(diag, o);
    return;
  case GemmViolation::Kind::BlockNotMultipleOfKTile:
    diag << "has a " << v.granularity << " scale " << v.scaleType
         << " along reduction dimension " << v.dim << ": ";
    if (ShapedType::isDynamic(v.block))
      diag << "the block size is not static, ";
    else
      diag << "the block of " << v.block << " elements is not a multiple of ";
    diag << "the K tile " << kTile << " (target " << target
         << ") of a K-blocked integer GEMM; use blocks of a multiple of "
         << kTile << " elements along the reduction dimension, or ";
    appendScaleFix(diag, o);
    return;
  case GemmViolation::Kind::UntraceableScale:
    diag << "is quantized, but its scale cannot be followed through the "
            "reshapes or pads that produce it (the scale blocks do not align "
            "with the reshaped dimensions, or the scale varies along a padded "
            "one), so it is unknown whether it varies along the reduction "
            "dimension; quantize after the reshape or pad";
    return;
  case GemmViolation::Kind::KLayoutMismatch:
    diag << "has block scales (K block " << v.block
         << ") along the reduction dimensions, but the activation and the "
            "weight lay out their reduction dimensions in different orders, "
            "so the blocks do not cover the same elements; transpose one "
            "operand so that both flatten the reduction dimension alike";
    return;
  case GemmViolation::Kind::FloatWeightWithIntActivation: {
    diag << "is ";
    Type elem = getElementTypeOrSelf(o.value.getType());
    if (v.storageType)
      diag << elem << " dequantized from " << v.storageType;
    else
      diag << "float (" << elem << ")";
    const ContractionOperand &act = verdict.info.lhs;
    diag << " while operand #" << act.operandNumber
         << " (activation) is int8: no target has a mixed int8 x float GEMM; "
            "quantize the weight too (per output channel), or keep the "
            "activation in float (weight-only quantization)";
    return;
  }
  }
}

struct VerifyGemmPass : quantc::impl::QuantCVerifyGemmBase<VerifyGemmPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    int64_t targetTile = getTargetKTile(target);
    int64_t tile = kTile.hasValue() ? int64_t(kTile) : targetTile;
    if (tile <= 0) {
      func.emitError("--quantc-verify-gemm: k-tile must be positive, got ")
          << tile;
      return signalPassFailure();
    }
    bool warn = mode == VerifyMode::warn;
    auto report = [&](Operation *op) {
      return warn ? op->emitRemark() : op->emitError();
    };

    bool failedAny = false;
    Builder b(func.getContext());
    func.walk([&](Operation *op) {
      FailureOr<ContractionInfo> info = getContractionInfo(op);
      if (failed(info))
        return;
      // A `_q` form's zero points must be values its operands can store.
      std::string zpError;
      if (!info->zeroPoints.empty() &&
          failed(checkZeroPointRanges(cast<linalg::LinalgOp>(op), zpError))) {
        report(op) << zpError;
        if (warn)
          op->setAttr(kGemmAttrName,
                      b.getStringAttr(stringifyGemmKind(GemmKind::Illegal)));
        failedAny |= !warn;
        return;
      }
      GemmVerdict verdict = classifyGemm(*info, tile);
      switch (verdict.kind) {
      case GemmKind::NotQuantized:
        return;
      case GemmKind::Illegal:
        for (const GemmViolation &v : verdict.violations) {
          InFlightDiagnostic diag = report(op);
          describeViolation(diag, v, verdict, tile,
                            stringifyGemmTarget(target));
        }
        if (warn)
          op->setAttr(kGemmAttrName,
                      b.getStringAttr(stringifyGemmKind(GemmKind::Illegal)));
        failedAny |= !warn;
        return;
      default:
        break;
      }
      op->setAttr(kGemmAttrName,
                  b.getStringAttr(stringifyGemmKind(verdict.kind)));
      if (verdict.kind == GemmKind::Int8KBlocked)
        op->setAttr(kGemmKBlockAttrName, b.getI64IntegerAttr(verdict.kBlock));
      if (const std::optional<GemmOverflow> &of = verdict.overflow) {
        InFlightDiagnostic diag = report(op);
        diag << "int32 accumulator can overflow: "
             << (verdict.kind == GemmKind::Int8KBlocked
                     ? "a K block along the reduction dimension"
                     : "the reduction dimension")
             << " of " << of->accumulationLength << " elements x |qmax| "
             << of->maxAbsLhs << " (activation) x |qmax| " << of->maxAbsRhs
             << " (weight) = "
             << of->accumulationLength * of->maxAbsLhs * of->maxAbsRhs
             << " >= 2^31; split the reduction dimension into " << of->numChunks
             << " chunks of at most " << of->maxSplit
             << " elements, accumulate each in int32 and sum the partial "
                "results in float";
        if (warn)
          op->setAttr(kGemmKSplitAttrName, b.getI64IntegerAttr(of->maxSplit));
        failedAny |= !warn;
      }
    });
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace
