//===- ReportCost.cpp - arithmetic intensity of quantization schemes ------===//
#include "CostModel.h"
#include "quantc/Analysis/Granularity.h"
#include "quantc/Dialect/QuantC/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"
#include <array>
#include <cmath>
#include <optional>
#include <tuple>

namespace quantc {
#define GEN_PASS_DEF_QUANTCREPORTCOST
#include "quantc/Dialect/QuantC/Transforms/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

namespace {

/// In double: a product of int64 sizes may overflow int64.
static double product(const ContractionOperand &o, DimRole role) {
  double p = 1;
  for (auto [r, s] : llvm::zip(o.dims, o.shape))
    if (r == role)
      p *= static_cast<double>(s);
  return p;
}

/// The GEMM sizes {N (rows), C (reduction), D (columns), batch} of a
/// convolution from its loops, or std::nullopt when it is not a linalg op
/// with static loop ranges: the input's image dimensions are output pixels
/// plus window offsets, not loop extents. A parallel loop that indexes the
/// input only is a row (batch and output pixels), one that indexes the
/// filter only a column, one that indexes both a batch (depthwise channels);
/// every reduction loop (window, input channels) is in C.
static std::optional<std::array<double, 4>>
convolutionSizes(const ContractionInfo &info) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(info.op);
  if (!linalgOp)
    return std::nullopt;
  SmallVector<int64_t> ranges = linalgOp.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return std::nullopt;
  AffineMap lhs = linalgOp.getMatchingIndexingMap(
      &info.op->getOpOperand(info.lhs.operandNumber));
  AffineMap rhs = linalgOp.getMatchingIndexingMap(
      &info.op->getOpOperand(info.rhs.operandNumber));
  SmallVector<utils::IteratorType> iters = linalgOp.getIteratorTypesArray();
  std::array<double, 4> sizes = {1, 1, 1, 1};
  for (auto [d, range] : llvm::enumerate(ranges)) {
    bool inLhs = lhs.isFunctionOfDim(d), inRhs = rhs.isFunctionOfDim(d);
    double e = static_cast<double>(range);
    if (iters[d] == utils::IteratorType::reduction)
      sizes[1] *= e;
    else if (inLhs && inRhs)
      sizes[3] *= e;
    else if (inLhs)
      sizes[0] *= e;
    else if (inRhs)
      sizes[2] *= e;
  }
  return sizes;
}

/// Prints a size exactly while it fits int64, else in floating point.
static std::string sizeStr(double v) {
  if (v < 9.2e18)
    return std::to_string(static_cast<int64_t>(v));
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format("%.4g", v);
  return s;
}

/// Bytes of one element in memory; 0 for types the report does not count.
static uint64_t elementBytes(Type t) {
  if (auto c = dyn_cast<ComplexType>(t))
    return 2 * elementBytes(c.getElementType());
  if (auto q = dyn_cast<quant::QuantizedType>(t))
    t = q.getStorageType();
  if (!t.isIntOrIndexOrFloat() || t.isIndex())
    return t.isIndex() ? 8 : 0;
  return (t.getIntOrFloatBitWidth() + 7) / 8;
}

struct ReportCostPass : quantc::impl::QuantCReportCostBase<ReportCostPass> {
  using Base::Base;

  /// The target: `target-file`, a preset, or (auto) the one that
  /// --quantc-select-scheme or --quantc-record-cost-target recorded on the
  /// function, else zen5-2c.
  FailureOr<Roofline> resolveTarget() {
    func::FuncOp func = getOperation();
    if (target == CostTarget::automatic && targetFile.empty())
      if (auto rec = func->getAttrOfType<DictionaryAttr>(kCostTargetAttr)) {
        auto name = rec.getAs<StringAttr>("name");
        auto num = [&](StringRef k) -> double {
          auto f = rec.getAs<FloatAttr>(k);
          return f ? f.getValueAsDouble() : -1;
        };
        Roofline r{name ? name.str() : "", num("peak_int8"), num("peak_fp16"),
                   num("bandwidth")};
        if (!name || !(r.int8 > 0) || !(r.fp16 > 0) || !(r.bw > 0) ||
            !std::isfinite(r.int8) || !std::isfinite(r.fp16) ||
            !std::isfinite(r.bw)) {
          func.emitError() << kCostTargetAttr
                           << " must be {name, peak_int8, peak_fp16, "
                              "bandwidth} with finite positive float peaks";
          return failure();
        }
        return r;
      }
    return resolveRoofline(func, target, targetFile);
  }

  void runOnOperation() override {
    FailureOr<Roofline> resolved = resolveTarget();
    if (failed(resolved))
      return signalPassFailure();
    Roofline roof = *resolved;
    // 0 means "the target's"; anything else must be a finite positive rate.
    auto valid = [](double v) { return v >= 0 && std::isfinite(v); };
    if (!valid(peakInt8) || !valid(peakFp16) || !valid(bandwidth)) {
      emitError(getOperation().getLoc())
          << "peak-int8, peak-fp16 and bandwidth must be finite and positive "
             "(0: the target's)";
      return signalPassFailure();
    }
    if (peakInt8 > 0)
      roof.int8 = peakInt8;
    if (peakFp16 > 0)
      roof.fp16 = peakFp16;
    if (bandwidth > 0)
      roof.bw = bandwidth;

    getOperation().walk([&](Operation *op) {
      FailureOr<ContractionInfo> info = getContractionInfo(op);
      if (failed(info))
        return;
      if (llvm::any_of(info->lhs.shape, ShapedType::isDynamic) ||
          llvm::any_of(info->rhs.shape, ShapedType::isDynamic)) {
        op->emitRemark("quantc cost: dynamic shape, cost unknown");
        return;
      }
      report(op, *info, roof);
    });
    reportTraffic();
  }

  /// Bytes that flow between the function's ops, counted from the IR: every
  /// op that computes is one kernel that reads each tensor operand and
  /// writes each tensor result once. Constants, empty tensors and reshapes
  /// (views) move nothing by themselves.
  void reportTraffic() {
    func::FuncOp func = getOperation();
    // Saturating unsigned arithmetic: a shape whose byte count overflows
    // 64 bits reports UINT64_MAX instead of wrapping.
    auto bytes = [](Type t) -> uint64_t {
      auto st = dyn_cast<RankedTensorType>(t);
      if (!st || !st.hasStaticShape())
        return 0;
      uint64_t n = elementBytes(st.getElementType());
      for (int64_t d : st.getShape())
        n = llvm::SaturatingMultiply(n, static_cast<uint64_t>(d));
      return n;
    };
    auto add = [](uint64_t a, uint64_t b) { return llvm::SaturatingAdd(a, b); };
    uint64_t reads = 0, writes = 0, kernels = 0, floatBytes = 0;
    func.walk([&](Operation *op) {
      if (op == func.getOperation() || op->hasTrait<OpTrait::IsTerminator>() ||
          op->hasTrait<OpTrait::ConstantLike>() ||
          isa<tensor::EmptyOp, tensor::CollapseShapeOp, tensor::ExpandShapeOp,
              tensor::CastOp, ObserveOp, func::CallOp>(op) ||
          op->getParentOfType<linalg::LinalgOp>())
        return;
      uint64_t r = 0, w = 0;
      // linalg ops take their output tensor as an operand that is written,
      // not read, unless the body reads it (a reduction or an accumulation).
      auto l = dyn_cast<linalg::LinalgOp>(op);
      for (OpOperand &operand : op->getOpOperands())
        if (!l || !l.isDpsInit(&operand) ||
            l.payloadUsesValueFromOperand(&operand))
          r = add(r, bytes(operand.get().getType()));
      for (Value v : op->getResults()) {
        w = add(w, bytes(v.getType()));
        if (auto t = dyn_cast<RankedTensorType>(v.getType()))
          if (isa<FloatType>(t.getElementType()))
            floatBytes = add(floatBytes, bytes(t));
      }
      if (r == 0 && w == 0)
        return;
      reads = add(reads, r);
      writes = add(writes, w);
      ++kernels;
    });
    func.emitRemark() << "quantc cost: function @" << func.getSymName()
                      << " moves " << add(reads, writes)
                      << " bytes between ops (" << reads << " read, " << writes
                      << " written, " << floatBytes
                      << " of them float results) in " << kernels << " kernels";
  }

  void report(Operation *op, const ContractionInfo &info, const Roofline &r) {
    double n = product(info.lhs, DimRole::M);
    double c = product(info.lhs, DimRole::K);
    double d = product(info.rhs, DimRole::N);
    double b = product(info.lhs, DimRole::Batch);
    if (info.isConvolution)
      if (std::optional<std::array<double, 4>> conv = convolutionSizes(info))
        std::tie(n, c, d, b) =
            std::tie((*conv)[0], (*conv)[1], (*conv)[2], (*conv)[3]);
    SmallVector<SchemeCost, 5> costs = schemeCosts(n, c, d, b);
    // FP16's bound decides the recommendation.
    bool fp16MemoryBound = costs[0].ops / costs[0].bytes < r.fp16 / r.bw;
    const char *recommend = fp16MemoryBound ? "w8a16" : "fused-w8a8";

    auto time = [&](const SchemeCost &s) { return s.time(r); };
    auto bound = [&](const SchemeCost &s) {
      return s.computeBound(r) ? "compute" : "memory";
    };

    std::string text;
    llvm::raw_string_ostream os(text);
    if (format == ReportFormat::json) {
      llvm::json::Object schemes;
      // JSON has no inf or NaN (an empty GEMM has 0 / 0 intensity): null.
      auto num = [](double v) -> llvm::json::Value {
        if (!std::isfinite(v))
          return nullptr;
        return v;
      };
      for (const SchemeCost &s : costs)
        schemes[s.key] = llvm::json::Object{
            {"gemm_ops", num(s.ops)}, {"qdq_ops", num(s.qdq)},
            {"bytes", num(s.bytes)},  {"intensity", num(s.ops / s.bytes)},
            {"time_s", num(time(s))}, {"bound", bound(s)}};
      llvm::json::Object obj{
          {"op", op->getName().getStringRef()},
          {"N", num(n)},
          {"C", num(c)},
          {"D", num(d)},
          {"batch", num(b)},
          {"target", llvm::json::Object{{"name", r.name},
                                        {"peak_int8", num(r.int8)},
                                        {"peak_fp16", num(r.fp16)},
                                        {"bandwidth", num(r.bw)}}},
          {"schemes", std::move(schemes)},
          {"fp16_bound", fp16MemoryBound ? "memory" : "compute"},
          {"recommend", recommend}};
      os << llvm::json::Value(std::move(obj));
      op->emitRemark(text);
      return;
    }
    os << "quantc cost: " << op->getName() << " N=" << sizeStr(n)
       << " C=" << sizeStr(c) << " D=" << sizeStr(d);
    if (b != 1)
      os << " batch=" << sizeStr(b);
    // One remark per GEMM, one note per scheme and one for the verdict.
    InFlightDiagnostic diag = op->emitRemark(text);
    for (const SchemeCost &s : costs) {
      std::string line;
      llvm::raw_string_ostream ls(line);
      ls << llvm::left_justify(std::string(s.name) + ":", 17) << "GEMM ops "
         << llvm::format("%.4g", s.ops) << ", q/dq ops "
         << llvm::format("%.4g", s.qdq) << ", bytes "
         << llvm::format("%.4g", s.bytes) << ", intensity "
         << llvm::format("%.1f", s.ops / s.bytes) << " ops/byte, "
         << llvm::format("%.3g", time(s) * 1e6) << " us (" << bound(s)
         << "-bound)";
      diag.attachNote(op->getLoc()) << line;
    }
    std::string verdict;
    llvm::raw_string_ostream vs(verdict);
    vs << "roofline " << r.name << ": ridge int8 "
       << llvm::format("%.1f", r.int8 / r.bw) << ", fp16 "
       << llvm::format("%.1f", r.fp16 / r.bw) << " ops/byte; FP16 is "
       << (fp16MemoryBound ? "memory-bound -> recommend W8A16 (weight-only)"
                           : "compute-bound -> recommend fused W8A8");
    diag.attachNote(op->getLoc()) << verdict;
  }
};

} // namespace
