//===- MicroKernel.h - the body of an x86 GEMM kernel -----------*- C++ -*-===//
//
// Emits the loops, vector ops and quantc.x86 intrinsic ops of one
// shape-specialised GEMM kernel from its #quantc.x86_gemm_plan, the fused
// rescale epilogue included (emitRescaleEpilogue on vectors of 16 or 8 lanes).
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_CONVERSION_QUANTCTOX86_MICROKERNEL_H
#define QUANTC_LIB_CONVERSION_QUANTCTOX86_MICROKERNEL_H

#include "quantc/Dialect/QuantC/IR/QuantCOps.h"
#include "quantc/Dialect/QuantC/Utils/Arithmetic.h"

#include "mlir/IR/Builders.h"

#include <optional>

namespace quantc::x86 {

/// The packed activation tile stays on the stack up to this size (K up to
/// about 10,900 for 6 rows of i16, 21,800 of i8), on the heap above.
constexpr int64_t kMaxStackTileBytes = 128 * 1024;

/// One epilogue operand of a kernel: a 2-D buffer and how it is read over the
/// [m, n] output (RescaleOp::getOperandBroadcast). Null when absent.
struct EpilogueOperand {
  mlir::Value buffer;
  Broadcast::Kind kind = Broadcast::Kind::Scalar;
};

/// A fused quantc.rescale: what it computes and where its operands are.
struct KernelEpilogue {
  EpilogueSpec spec;
  EpilogueOperand xScale, wScale, bias, outputScale, residual;
};

/// The zero points of a quantc.matmul a kernel takes, and how A is stored.
struct KernelZeroPoints {
  /// A holds u8 bytes (the i8 values of the matmul xor 0x80, as u8 storage
  /// imports): vpdpbusd and amx's tdpbusd read them as they are, without
  /// the +128 of packing; the compensation is vpdpbusd's.
  bool unsignedActivations = false;
  /// The per-tensor activation zero point zx (a constant): in the
  /// compensation with vpdpbusd (compensationFactor), subtracted from A when
  /// packing for vpmaddwd (A - zx fits i16).
  int32_t lhs = 0;
  /// The weight zero point zw, a [1, 1] or [1, n] i32 buffer (null when
  /// absent): the epilogue subtracts zw * (sum_k A - K * zx), the row sums
  /// taken while packing A.
  EpilogueOperand rhs;
};

/// The factor of colsum(W) the accumulators of `isa` get: for vpdpbusd (and
/// amx's tdpbusd on u8 activations) the +128 of the u8 operand and the
/// activation zero point, -(128 + zx); for amx's tdpbssd (s8 x s8) the
/// activation zero point alone, -zx. The one definition for the
/// compile-time and the run-time packers.
inline int32_t compensationFactor(const KernelZeroPoints &zp, X86Isa isa) {
  return isa == X86Isa::amx && !zp.unsignedActivations ? -zp.lhs
                                                       : -(128 + zp.lhs);
}

/// The values (block arguments) a kernel body works on.
struct KernelOperands {
  /// [m, k] i8 activations.
  mlir::Value activations;
  /// The packed weights (getPackedWeightType) and, for vpdpbusd, the
  /// compensation (getCompensationType). Null with a runtime_weight plan.
  mlir::Value packedWeights, compensation;
  /// runtime_weight plans only: the [n, k] i8 weights ([k, n] with
  /// weight_kn), packed by the kernel.
  mlir::Value weights;
  KernelZeroPoints zeroPoints;
  std::optional<KernelEpilogue> epilogue;
  /// [m, n] output: i32 without an epilogue, else the epilogue's result.
  mlir::Value output;
  /// The weight panels [panelBegin, panelEnd) this call computes (index).
  mlir::Value panelBegin, panelEnd;
};

/// Whether the micro-kernel reads an epilogue operand broadcast as `kind`
/// (scalar, per-row, per-column and full are; block is not: such a rescale
/// runs after the GEMM).
bool canReadEpilogueOperand(Broadcast::Kind kind);

/// Emits the kernel body at `b`'s insertion point (the caller adds the
/// terminator):
///
///   for each block of `panel_block` weight panels in [panelBegin, panelEnd):
///     (runtime_weight: pack the block's panels and compensation into a
///      scratch buffer allocated once per call)
///     for each tile of `mr` rows:
///       pack the rows' activations (all of K) into an L1-resident tile
///       for each panel of the block:
///         mr x nr accumulators over K (packed tile x packed panel)
///         epilogue in registers, (masked) stores
void emitGemmKernel(mlir::OpBuilder &b, mlir::Location loc,
                    X86GemmPlanAttr plan, const KernelOperands &operands);

/// Emits at `b` the packing of all of `weights` ([n, k] i8, any row stride)
/// into `packed` (getPackedWeightType(plan)) and, for vpdpbusd,
/// `compensation` (getCompensationType(plan)): the run-time packer of
/// runtime_weight kernels run over every panel, which gives the layout of
/// compile-time packing (WeightPacking.cpp). Load-time weights are packed
/// with it once, in the prepare function.
void emitWeightPacker(mlir::OpBuilder &b, mlir::Location loc,
                      X86GemmPlanAttr plan, mlir::Value weights,
                      mlir::Value packed, mlir::Value compensation,
                      const KernelZeroPoints &zeroPoints = {});

/// emitWeightPacker for `weights` given [k, n] (i8, any row stride; the
/// layout of a traced nn.Linear weight, read in place, not transposed
/// first): the same `packed` and `compensation` (compFactor * colsum(W)),
/// vectorized over 16 (or 8) columns: the `group` rows of a K group are
/// loaded a vector each, interleaved with shuffles into the group-major
/// panel layout and stored whole; the column sums accumulate in a vector.
void emitWeightPackerFromKN(mlir::OpBuilder &b, mlir::Location loc,
                            X86GemmPlanAttr plan, mlir::Value weights,
                            mlir::Value packed, mlir::Value compensation,
                            int32_t compFactor);

} // namespace quantc::x86

#endif
