//===- KernelLayout.h - quantc.matmul in the kernels' operand layout -*- C++
//-*-===//
//
// The x86 and GPU int8 kernels read a [..., N, C] lhs and a [..., D, C] rhs
// of the lhs's rank. toKernelLayout brings any quantc.matmul into that form
// for them: a transposed operand is copied (linalg.transpose), and a rank-2
// rhs broadcast over a rank-3 lhs becomes one 2-D GEMM over the batch's rows,
// its rescale flattened with it when the rescale's operands allow.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_DIALECT_QUANTC_UTILS_KERNELLAYOUT_H
#define QUANTC_DIALECT_QUANTC_UTILS_KERNELLAYOUT_H

#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

namespace quantc {

/// The unit attribute on the linalg.generic of the direct int8 depthwise
/// kernel (its i32 accumulator; --quantc-conv-to-gemm, Depthwise.cpp): the
/// x86 lowering fuses the kernel's quantc.rescale into it, and tests count
/// it with the GEMMs.
inline constexpr llvm::StringLiteral kDepthwiseInt8AttrName =
    "quantc.depthwise_int8";

/// The window of such a generic, when both zero points are constants, as an
/// i64 array [kh, kw, stride_h, stride_w, dilation_h, dilation_w, zx, zf]:
/// its inputs are then the (input slice, filter slice) pair of each tap in
/// row-major window order, and the x86 lowering may replace it by the direct
/// depthwise kernel (DepthwiseKernel.cpp).
inline constexpr llvm::StringLiteral kDepthwiseWindowAttrName =
    "quantc.depthwise_window";

/// What toKernelLayout did, for the caller's remarks.
struct KernelLayout {
  /// The matmul to lower (the original when nothing changed).
  MatmulOp matmul;
  /// A transposed operand was copied into the kernels' layout.
  bool copiedLhs = false, copiedRhs = false;
  /// Rescales of a flattened broadcast GEMM whose operands vary along the
  /// batch or the rows alone: they run after the GEMM, not fused.
  llvm::SmallVector<RescaleOp, 1> unfusedRescales;
};

/// Rewrites `op` (erased when replaced) into the kernels' operand layout,
/// with a remark on each copy and on each rescale that is no longer fused,
/// naming the kernel `kernelName` (e.g. "avx512-vnni", "Tensor Core").
/// Zero points stay on the matmul when `takesZeroPoints` and the GEMM is not
/// flattened; otherwise they are expanded (expandZeroPoints) with a remark.
/// With `readsRuntimeRhsKN` (the x86 kernels' weight_kn plans), a transposed
/// rhs computed per call (not a constant, not a load-time value) stays
/// `[..., C, D]` under transpose_rhs, uncopied: the kernel packs it from
/// that layout. A rank-3 lhs of dynamic sizes against a broadcast rank-2 rhs
/// is flattened only with `flattensDynamicBatch` (the x86 kernels' run-time
/// M; the caller checks that the batch's rows are contiguous, so that the
/// collapse is a view): its [B * M, K] rows and result have a dynamic M.
KernelLayout toKernelLayout(MatmulOp op, llvm::StringRef kernelName,
                            bool takesZeroPoints = false,
                            bool readsRuntimeRhsKN = false,
                            bool flattensDynamicBatch = false);

/// The one decomposition of a quantc.matmul with zero points into the GEMM
/// of the stored values and an i32 correction after it
/// (emitZeroPointCorrection with the operands' sums over the reduction),
/// for a kernel that does not take zero points. Replaces `op` (erased) and
/// returns the new zero-point-free matmul; a rescale of the result then
/// reads the correction, so it runs after the kernel.
MatmulOp expandZeroPoints(MatmulOp op);

/// Whether the rows of a rank-3 lhs `[B, M, K]` lie one after the other in
/// its buffer (row stride K' >= K, batch stride M * K'), so that collapsing
/// B x M into the rows of one GEMM is a view of it, not a copy; else `why`
/// says which view breaks that. A fresh tensor (an op's result, a function
/// argument: identity layouts) is contiguous; a slice is when it takes whole
/// rows of every batch (M whole, unit strides), a buffer when its layout
/// collapses.
bool rowsCollapseInPlace(mlir::Value lhs, std::string &why);

} // namespace quantc

#endif
