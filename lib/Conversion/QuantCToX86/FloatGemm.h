//===- FloatGemm.h - x86 FMA kernels for float contractions -----*- C++ -*-===//
//
// The plan of one shape-specialised float GEMM kernel (f32, or f16 / bf16
// operands widened to f32 when packed; f32 accumulators) and the emitter of
// its body: BLIS-style K and M blocking, A and B packed into per-call
// scratch, an mr x nr register tile of vector.fma on 16 (AVX-512) or 8
// (AVX2) f32 lanes.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_CONVERSION_QUANTCTOX86_FLOATGEMM_H
#define QUANTC_LIB_CONVERSION_QUANTCTOX86_FLOATGEMM_H

#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

#include <functional>

namespace quantc::x86 {

/// How one float GEMM `out[m, n] (+)= sum_k A[m, k] * B[k, n]` of one batch
/// is computed. The operands are flat 1-D buffers; element (i, j) of an
/// operand lies at offset + i * stride0 + j * stride1 (any transposed layout
/// of A and B; a stride that involves a run-time N or K is
/// ShapedType::kDynamic in the plan and a kernel operand).
struct FloatGemmPlan {
  /// The GEMM's extents; each may be ShapedType::kDynamic (a run-time value
  /// passed to the kernel as an operand: the token count M, the keys of an
  /// attention as N or K).
  int64_t m = 0, n = 0, k = 0;
  /// Element strides of A over (m, k) and of B over (k, n); kDynamic: a
  /// run-time stride (FloatKernelOperands). The output is row-major [m, n].
  int64_t aStrideM = 0, aStrideK = 0, bStrideK = 0, bStrideN = 0;
  /// Element types of A, B and the output (f32, f16 or bf16).
  mlir::Type aElem, bElem, outElem;
  /// Whether the output starts at an init operand C (linalg.matmul's outs,
  /// same layout as the output) rather than at zero.
  bool accumulate = false;
  /// f32 lanes per vector (16 zmm, 8 ymm).
  int64_t lanes = 16;
  /// Register tile: mr rows by nr vectors of columns; a weight panel is
  /// nr * lanes columns.
  int64_t mr = 6, nr = 4;
  /// K block (the packed B panel, kc x nr * lanes f32, stays in L1), M block
  /// (the packed A block, mc x kc f32, stays in L2), K unroll of the
  /// micro-kernel loop.
  int64_t kc = 256, mc = 480, kunroll = 4;
  /// Weight panels packed together (one K block of them; the unit of the
  /// outer loop).
  int64_t panelBlock = 16;
  /// Split the panels across an OpenMP team (--quantc-x86-outline-omp).
  bool parallel = false;
  /// The dot-product kernel (emitFloatDotKernel) instead of the packing
  /// one: for few rows of an A and a B both contiguous along K (B stored
  /// [n, k], nn.Linear's weight). Its tile is dotMr rows of A by dotNr rows
  /// of B (dotMr * dotNr vector accumulators, each reduced once); its
  /// "panels" are the tiles of dotNr columns of the output.
  bool dot = false;
  int64_t dotMr = 4, dotNr = 6;
  /// The dot-product kernel's K block (A's rows and the tile's B rows stay
  /// in L1 while every row tile runs over them; partial sums in a per-call
  /// vector scratch between K blocks) and the most rows it is called with
  /// (the scratch's size for a run-time M).
  int64_t dotKc = 256, dotMaxM = 16;

  /// Whether M is a run-time value (FloatKernelOperands::m).
  bool isDynamicM() const { return mlir::ShapedType::isDynamic(m); }
  /// Whether N or K is a run-time value (FloatKernelOperands::n, k).
  bool isDynamicN() const { return mlir::ShapedType::isDynamic(n); }
  bool isDynamicK() const { return mlir::ShapedType::isDynamic(k); }
  int64_t getPanelCols() const { return nr * lanes; }
  /// The panel count of a static N.
  int64_t getNumPanels() const {
    return llvm::divideCeil(n, dot ? dotNr : getPanelCols());
  }
};

/// The values (block arguments) a float kernel body works on.
struct FloatKernelOperands {
  /// Flat A, B, init C (null unless the plan accumulates) and output.
  mlir::Value a, b, c, out;
  /// The run-time M, N and K (index); null where the plan's is static.
  mlir::Value m, n, k;
  /// The run-time strides (index) of A over M and K and of B over K and N;
  /// null where the plan's is static.
  mlir::Value aStrideM, aStrideK, bStrideK, bStrideN;
  /// Element offsets of this batch's A, B and C / output (index).
  mlir::Value aOffset, bOffset, outOffset;
  /// The weight panels [panelBegin, panelEnd) this call computes (index).
  mlir::Value panelBegin, panelEnd;
  /// When set, fills the B scratch of one K block instead of packing `b`
  /// (which is then unused): called at the builder's insertion point with
  /// the scratch (f32 [panelBlock][kc rows][nr * lanes], panel jr of the
  /// block at index jr - jb), the block's panels [jb, jbEnd) and the K block
  /// [pc, pc + kcur) (kcurStatic its length when static, else -1). The
  /// weight-only kernels widen their int8 / int4 weights into it
  /// (emitWeightOnlyBlockedKernel).
  std::function<void(mlir::OpBuilder &, mlir::Value bPacked, mlir::Value jb,
                     mlir::Value jbEnd, mlir::Value pc, mlir::Value kcur,
                     int64_t kcurStatic)>
      packB;
};

/// Emits the kernel body at `b`'s insertion point (the caller adds the
/// terminator):
///
///   for each block of panelBlock panels in [panelBegin, panelEnd):
///     for each K block of kc:
///       pack B[K block, block columns] -> f32 scratch
///         [panelBlock][kc][nr * lanes] (one panel stays in L1)
///       for each M block of mc rows (a run-time bound for a dynamic M):
///         pack A[block rows, K block] -> f32 scratch [mc][kc + pad]
///         for each panel of the block, each tile of mr rows (for a
///         dynamic M: a loop over the whole tiles, then the M mod mr tail
///         rows through scf.index_switch over tail tiles of 1..mr-1 rows):
///           mr x nr f32 vector accumulators start at 0 / C (first K block)
///           or at the output, the next row tile's output lines are
///           prefetched, the accumulators run vector.fma over the K block,
///           and are stored (masked in the N tail).
///
/// A run-time N or K (plan.n / plan.k kDynamic): the panel count comes from
/// the caller, the tail panel of N mod (nr * lanes) columns is selected by
/// scf.index_switch on its vector count (its last vector masked by
/// vector.create_mask), and the K blocks run to max(K, 1) with run-time
/// lengths min(kc, K - pc).
void emitFloatGemmKernel(mlir::OpBuilder &b, mlir::Location loc,
                         const FloatGemmPlan &plan,
                         const FloatKernelOperands &operands);

/// Emits the body of a dot-product kernel (plan.dot; A and B contiguous
/// along K) at `b`'s insertion point (the caller adds the terminator):
///
///   for each tile of dotNr output columns in [panelBegin, panelEnd):
///     for each K block of dotKc (one block when K <= dotKc):
///       for each tile of dotMr rows (a run-time M: the whole tiles in a
///       loop, the M mod dotMr tail by scf.index_switch):
///         dotMr x dotNr f32 vector accumulators (from the scratch of
///         partial sums after the first K block) over the K block: vectors
///         of A's rows and of B's rows (read where they lie, no packing;
///         the K tail masked), vector.fma lane by lane; stored to the
///         scratch, or, in the last K block, each reduced once
///         (vector.reduction, reassociated), plus C when the plan
///         accumulates, and stored as one output element.
void emitFloatDotKernel(mlir::OpBuilder &b, mlir::Location loc,
                        const FloatGemmPlan &plan,
                        const FloatKernelOperands &operands);

/// Whether the body of `op` yields `addf(out, mulf(a, b))`, `a` and `b` the
/// two input block arguments (either order), each optionally widened by
/// arith.extf: the plain sum of products.
bool isMultiplyAccumulate(mlir::linalg::LinalgOp op);

/// The element stride of loop dimension `dim` in a row-major operand of
/// `shape` read through `map` (a projected permutation); 0 when the map does
/// not use `dim`.
int64_t strideOf(mlir::AffineMap map, llvm::ArrayRef<int64_t> shape,
                 unsigned dim);

/// Whether the stride of loop dimension `dim` in an operand of `shape` read
/// through `map` involves no dynamic extent (a dimension `map` does not use
/// has stride 0, which is static).
bool isStaticStride(mlir::AffineMap map, llvm::ArrayRef<int64_t> shape,
                    unsigned dim);

/// Whether the init of a contraction is +0.0 everywhere (a zero linalg.fill
/// or a zero splat constant): the kernels then never read it.
bool isZeroInit(mlir::Value init);

/// A ranked tensor (static or dynamic extents) as the flat, row-major 1-D
/// buffer the kernels index (bufferization.to_buffer +
/// memref.collapse_shape). With `callId`, the to_buffer carries
/// `quantc.kernel_call = callId`: the to_buffer ops of different kernel calls
/// on the same tensor then differ, so that CSE cannot merge them into the
/// first one, which would hide the later calls' reads from one-shot
/// bufferization (an op between the calls could then overwrite the tensor's
/// buffer in place before the later call reads it).
mlir::Value flatBuffer(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value tensor,
                       std::optional<int64_t> callId = std::nullopt);

} // namespace quantc::x86

#endif
