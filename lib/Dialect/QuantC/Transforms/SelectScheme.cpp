//===- SelectScheme.cpp - per-GEMM quantization scheme planner ------------===//
//
// Evaluates the cost table of CostModel.h with a target's fixed peaks at the
// requested token counts and marks each float GEMM with the cheapest scheme
// (`quantc.scheme`), which --quantc-quantize then honours.
//
//===----------------------------------------------------------------------===//
#include "CostModel.h"
#include "MatmulUtils.h"
#include "quantc/Analysis/Granularity.h"
#include "quantc/Dialect/QuantC/Transforms/Passes.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

namespace quantc {
#define GEN_PASS_DEF_QUANTCSELECTSCHEME
#define GEN_PASS_DEF_QUANTCRECORDCOSTTARGET
#include "quantc/Dialect/QuantC/Transforms/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

namespace {

/// A scheme the planner can choose: the row of the table that costs it and
/// the value of the `quantc.scheme` mark. In tie-break order (most accurate
/// first).
struct Candidate {
  Scheme row;
  const char *mark;
};
constexpr Candidate kCandidates[] = {{Scheme::fp16, "float"},
                                     {Scheme::w8a16, "w8a16"},
                                     {Scheme::w8a8Fp16Io, "w8a8"},
                                     {Scheme::w4a16, "w4a16"}};

/// Product of the sizes of `o`'s dimensions with `role`; nullopt if one is
/// dynamic. In double: a product of int64 sizes may overflow int64.
static std::optional<double> product(const ContractionOperand &o,
                                     DimRole role) {
  double p = 1;
  for (auto [r, s] : llvm::zip(o.dims, o.shape)) {
    if (r != role)
      continue;
    if (ShapedType::isDynamic(s))
      return std::nullopt;
    p *= static_cast<double>(s);
  }
  return p;
}

static const SchemeCost &row(ArrayRef<SchemeCost> costs, Scheme s) {
  return *llvm::find_if(costs,
                        [&](const SchemeCost &c) { return c.scheme == s; });
}

/// Microseconds with three significant digits.
static std::string us(double seconds) {
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format("%.3g", seconds * 1e6) << " us";
  return s;
}

struct SelectSchemePass
    : quantc::impl::QuantCSelectSchemeBase<SelectSchemePass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    FailureOr<Roofline> roof = resolveRoofline(func, target, targetFile);
    if (failed(roof))
      return signalPassFailure();
    for (int64_t t : tokens)
      if (t < 1) {
        func.emitError() << "tokens must be token counts of at least 1, got "
                         << t;
        return signalPassFailure();
      }

    // Record the target, so that --quantc-report-cost describes the same
    // machine by default.
    recordCostTarget(func, *roof);

    func.walk([&](Operation *op) {
      if (op->hasAttr("quantc.keep_float"))
        return;
      std::string why;
      std::optional<ContractionRoles> roles = getContractionRoles(op, &why);
      if (!roles) {
        if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op))
          op->emitRemark("quantc scheme: none chosen: ") << why;
        return;
      }
      if (roles->weight().getDefiningOp<DequantizeOp>()) {
        op->emitRemark("quantc scheme: none chosen: the weight is already "
                       "quantized");
        return;
      }
      plan(op, *roof);
    });
  }

  /// Chooses and marks the scheme of one float GEMM.
  void plan(Operation *op, const Roofline &r) {
    FailureOr<ContractionInfo> info = getContractionInfo(op);
    if (failed(info))
      return; // getContractionRoles already asked the same analysis.
    std::optional<double> n = product(info->lhs, DimRole::M);
    std::optional<double> c = product(info->lhs, DimRole::K);
    std::optional<double> d = product(info->rhs, DimRole::N);
    std::optional<double> batch = product(info->lhs, DimRole::Batch);
    if (!c || !d || !batch) {
      op->emitRemark("quantc scheme: none chosen: the reduction, output or "
                     "batch size is dynamic");
      return;
    }
    SmallVector<double> counts;
    for (int64_t t : tokens)
      counts.push_back(static_cast<double>(t));
    if (counts.empty()) {
      if (!n) {
        op->emitRemark("quantc scheme: none chosen: the token count is "
                       "dynamic; give tokens=");
        return;
      }
      counts.push_back(*n);
    }

    double total[std::size(kCandidates)] = {};
    SmallVector<std::string> lines;
    for (double t : counts) {
      SmallVector<SchemeCost, 5> costs = schemeCosts(t, *c, *d, *batch);
      std::string line;
      llvm::raw_string_ostream ls(line);
      ls << "tokens=" << llvm::format("%.0f", t) << ":";
      size_t best = 0;
      for (auto [i, cand] : llvm::enumerate(kCandidates)) {
        const SchemeCost &s = row(costs, cand.row);
        double time = s.time(r);
        total[i] += time;
        if (time < row(costs, kCandidates[best].row).time(r))
          best = i;
        ls << (i ? ", " : " ") << s.name << " " << us(time) << " ("
           << (s.computeBound(r) ? "compute" : "memory") << ")";
      }
      ls << " -> " << kCandidates[best].mark;
      lines.push_back(line);
    }
    size_t choice = 0;
    for (size_t i = 1; i < std::size(kCandidates); ++i)
      if (total[i] < total[choice])
        choice = i;

    const char *mark = kCandidates[choice].mark;
    op->setAttr(kSchemeAttr, StringAttr::get(op->getContext(), mark));

    std::string head;
    llvm::raw_string_ostream hs(head);
    hs << "quantc scheme: " << op->getName()
       << " C=" << llvm::format("%.0f", *c)
       << " D=" << llvm::format("%.0f", *d);
    if (*batch != 1)
      hs << " batch=" << llvm::format("%.0f", *batch);
    hs << " on " << r.name << " -> " << mark;
    InFlightDiagnostic diag = op->emitRemark(head);
    for (const std::string &l : lines)
      diag.attachNote(op->getLoc()) << l;
    std::string sum;
    llvm::raw_string_ostream ss(sum);
    ss << "total:";
    for (auto [i, cand] : llvm::enumerate(kCandidates))
      ss << (i ? ", " : " ") << cand.mark << " " << us(total[i]);
    diag.attachNote(op->getLoc()) << sum;
  }
};

struct RecordCostTargetPass
    : quantc::impl::QuantCRecordCostTargetBase<RecordCostTargetPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func->hasAttr(kCostTargetAttr))
      return;
    FailureOr<Roofline> roof = resolveRoofline(func, target, targetFile);
    if (failed(roof))
      return signalPassFailure();
    recordCostTarget(func, *roof);
  }
};

} // namespace
