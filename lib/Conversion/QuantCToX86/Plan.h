//===- Plan.h - x86 GEMM kernel plans ---------------------------*- C++ -*-===//
//
// Which quantc.matmul takes an x86 kernel, and with which plan: the lowering's
// options with their per-ISA defaults, and the choice of a
// #quantc.x86_gemm_plan for one matmul.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_CONVERSION_QUANTCTOX86_PLAN_H
#define QUANTC_LIB_CONVERSION_QUANTCTOX86_PLAN_H

#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "mlir/IR/Diagnostics.h"

#include <optional>

namespace quantc::x86 {

/// The knobs of --quantc-lower-matmul-to-x86 (0: the ISA's default).
struct LoweringOptions {
  X86Isa isa = X86Isa::avx512_vnni;
  int64_t mr = 0, nr = 0, kunroll = 0, panelBlockKib = 0;
  /// GEMMs of at least this many multiply-adds run in parallel; -1: never.
  int64_t parallelMinMacs = int64_t(1) << 24;
  /// avx512-vnni run-time-weight GEMMs of at most this many rows (at most
  /// X86GemmPlanAttr::kMaxSmallM) get a small_m plan; 0: none. Those of 1-3
  /// static rows take the decode kernel before (matchDecodeGemm).
  int64_t smallM = 32;
  /// A GEMM with a run-time number of rows runs as chunks of this many rows
  /// (a power of two), then one kernel per set bit of the remainder; 0: the
  /// ISA's default.
  int64_t dynamicMChunk = 0;
  /// isa=amx: GEMMs of fewer rows take the avx512-vnni kernels.
  int64_t amxMinM = 32;
  bool emulate = false;
};

/// Replaces the 0 (default) options by the ISA's defaults and checks them
/// (bounds, register budget); on failure reports through `emitError`.
mlir::LogicalResult
resolveOptions(LoweringOptions &opts,
               llvm::function_ref<mlir::InFlightDiagnostic()> emitError);

/// Checks a pass's parallel-min-macs option
/// (X86GemmPlanAttr::isValidParallelMinMacs); on failure reports through
/// `emitError`, whose message the caller has started with the pass name.
mlir::LogicalResult
checkParallelMinMacs(int64_t macs,
                     llvm::function_ref<mlir::InFlightDiagnostic()> emitError);

/// The spelling of an ISA in options and remarks: "avx512-vnni", "avx2",
/// "amx".
llvm::StringRef getIsaOptionName(X86Isa isa);

/// A remark on `op` that starts "runs on the reference lowering, not the
/// <isa> kernel: "; the caller appends the reason.
mlir::InFlightDiagnostic remarkNotLowered(MatmulOp op, X86Isa isa);

/// The static sizes of one block of a GEMM whose sizes are known only at
/// run time: the kernel of a block computes [m, n] over k.
struct GemmBlock {
  int64_t m, n, k;
};

/// The plan of `op` under resolved `opts`, or failure after a remark on `op`
/// saying why it does not fit a kernel (batched over more than one
/// dimension, non-i8 operands, empty, i32 overflow, a constant weight too
/// large to pack). A
/// weight that is not a compile-time constant gets a runtime_weight plan; so
/// does a rank-3 (batched) matmul, whose plan is that of one batch. With
/// `rows`, the plan is that of `rows` rows of a 2-D matmul whose M is dynamic
/// (N and K static): one of the kernels a run-time M is split into. With
/// `block`, the plan is that of one static block (with a run-time weight)
/// of a rank-3 `op` of any dynamic sizes (batch, M, N, K) or a 2-D one of a
/// dynamic N or K: the caller loops over the blocks. A dynamic shape comes
/// with `rows` or `block`. (GEMMs of 1-3 rows against a run-time rhs never
/// get here: matchDecodeGemm gives them the decode kernel.)
mlir::FailureOr<X86GemmPlanAttr>
selectPlan(MatmulOp op, const LoweringOptions &opts,
           std::optional<int64_t> rows = std::nullopt,
           std::optional<GemmBlock> block = std::nullopt);

} // namespace quantc::x86

#endif
