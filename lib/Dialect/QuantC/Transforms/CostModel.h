//===- CostModel.h - roofline targets and the scheme cost table -*- C++ -*-===//
//
// The one definition of the arithmetic-intensity table of DESIGN.md §1
// (extended with W4A16) and of the machine descriptions it is evaluated
// with. --quantc-report-cost prints it; --quantc-select-scheme acts on it.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_DIALECT_QUANTC_TRANSFORMS_COSTMODEL_H
#define QUANTC_LIB_DIALECT_QUANTC_TRANSFORMS_COSTMODEL_H

#include "quantc/Dialect/QuantC/Transforms/PassOptions.h"

#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace quantc {

/// A machine as the roofline sees it: fixed peaks, never measured by a pass.
struct Roofline {
  std::string name;
  double int8; ///< int8 GEMM ops/s
  double fp16; ///< float GEMM ops/s (FP16 on GPUs, f32 FMA on CPUs)
  double bw;   ///< memory bandwidth, bytes/s
};

/// The preset of `target` (datasheet or documented per-core figures).
Roofline getPresetRoofline(CostTarget target);

/// Records `r` on `func` as kCostTargetAttr ({name, peak_int8, peak_fp16,
/// bandwidth}), which --quantc-report-cost target=auto reads.
void recordCostTarget(mlir::Operation *func, const Roofline &r);

/// Reads a target description written by tools/quantc-probe (or by hand):
/// a JSON object {"name": str, "peak_int8": ops/s, "peak_fp16": ops/s,
/// "bandwidth": B/s}, every number finite and positive. On failure returns
/// false and a message naming the file and the problem in `error`.
bool readRooflineFile(llvm::StringRef path, Roofline &out, std::string &error);

/// Resolves the target of a pass: `targetFile` when not empty, else the
/// preset. Emits an error at `op` and fails when the file is unusable.
mlir::FailureOr<Roofline> resolveRoofline(mlir::Operation *op,
                                          CostTarget target,
                                          llvm::StringRef targetFile);

/// The schemes of the table, in the order it is printed.
enum class Scheme { fp16, w8a8Fp16Io, w8a16, w4a16, fusedInt8Io };

/// One row of the table for one GEMM.
struct SchemeCost {
  Scheme scheme;
  const char *key;  ///< JSON key
  const char *name; ///< printed name
  double ops, qdq, bytes;
  bool int8; ///< runs at the int8 peak (else the float peak)

  /// max(ops / peak, bytes / bandwidth).
  double time(const Roofline &r) const;
  /// Whether the compute term of `time` dominates.
  bool computeBound(const Roofline &r) const;
};

/// The table for `[n, c] x [d, c]` times `b` batches: ops, q/dq ops and
/// bytes of FP16, W8A8 with FP16 I/O, W8A16, W4A16 (half a byte per weight)
/// and fused int8 I/O.
llvm::SmallVector<SchemeCost, 5> schemeCosts(double n, double c, double d,
                                             double b);

/// The discardable attribute with which --quantc-select-scheme marks a
/// float GEMM and --quantc-quantize reads it.
inline constexpr llvm::StringLiteral kSchemeAttr = "quantc.scheme";
/// The discardable attribute with which --quantc-select-scheme records on a
/// function the target it planned for (read by --quantc-report-cost).
inline constexpr llvm::StringLiteral kCostTargetAttr = "quantc.cost_target";

} // namespace quantc

#endif
