//===- DecodeKernel.h - int8 GEMMs of a few rows, any run-time shape -*- C++
//-*-===//
//
// The decode kernel of --quantc-lower-matmul-to-x86: a quantc.matmul of at
// most kMaxDecodeRows (static) rows against a run-time rhs, whose N, K and
// batch may be dynamic (attention's Q.K^T and P.V of one decode token over a
// KV cache of run-time length), either rhs layout read in place.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_CONVERSION_QUANTCTOX86_DECODEKERNEL_H
#define QUANTC_LIB_CONVERSION_QUANTCTOX86_DECODEKERNEL_H

#include "Plan.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace quantc::x86 {

/// The decode kernel takes at most this many (static) rows of A.
constexpr int64_t kMaxDecodeRows = 3;

/// A decode GEMM: its static rows and how its kernel reads the rhs.
struct DecodeGemm {
  /// The rows of A (of each batch), 1 .. kMaxDecodeRows.
  int64_t m = 1;
  /// The rhs is read as [batch, K, N] with N contiguous ("NN", attention's
  /// V as the cache stores it); otherwise as [batch, N, K], K contiguous.
  bool nn = false;
  /// vpdpbusd emulated with i32 arithmetic (isa=avx512-vnni emulate).
  bool emulate = false;
  /// Threads split the batch (--quantc-x86-outline-omp).
  bool parallel = false;
};

/// Whether `op` takes the decode kernel under `opts`, and if so how: an
/// avx512-vnni GEMM of rank 2 or 3 (the rhs of the lhs's rank, the lhs not
/// transposed) with i8 operands and at most kMaxDecodeRows static rows whose
/// rhs is not known before run time (not a constant, not a load-time value),
/// that is batched (rank 3) or has a dynamic N, K or batch. `nn` is left for
/// the caller, which knows how the rhs is stored. Never emits diagnostics.
std::optional<DecodeGemm> matchDecodeGemm(MatmulOp op,
                                          const LoweringOptions &opts);

/// The multiply-adds of a decode GEMM of `op`'s type for the threading
/// decision: dynamic extents count as kAssumedDynamicExtent.
uint64_t estimateDecodeMacs(MatmulOp op);

/// A dynamic extent (a KV length) as estimateDecodeMacs counts it.
constexpr int64_t kAssumedDynamicExtent = 1024;

/// Emits at `b` the body of a decode kernel (the caller adds the
/// terminator) over the batches [batchBegin, batchEnd):
///   `a`   [B, m, K] i8, unit stride along K;
///   `w`   [B, N, K] i8 (unit stride along K) or, with `spec.nn`, [B, K, N]
///         (unit stride along N), any other strides: read in place;
///   `out` [B, m, N] i32, unit stride along N.
/// N and K come from `w`'s (run-time) sizes. vpdpbusd takes W xor 0x80 as
/// its u8 operand and A as the s8 one, so that the correction
/// 128 * sum_k A[r, k] is one scalar per row, computed once per batch:
///  - NT: 16 rows of W at a time, each 64-byte chunk of a row against the
///    row of A (all 16 lanes busy), the 16 accumulators reduced by a tree of
///    lane shuffles into the 16 outputs;
///  - NN: 64 columns at a time, 4 rows of W interleaved in registers
///    (vpunpck{l,h}{bw,wd}) into 4 vectors of 16 columns x 4 K bytes, each
///    against a broadcast 4-byte word of A, the accumulators' 128-bit
///    blocks transposed once at the end.
/// K tails (K % 64 or K % 4 != 0) and N tails take masked loads and stores.
void emitDecodeKernel(mlir::OpBuilder &b, mlir::Location loc,
                      const DecodeGemm &spec, mlir::Value a, mlir::Value w,
                      mlir::Value out, mlir::Value batchBegin,
                      mlir::Value batchEnd);

/// Lowers `op`, which matchDecodeGemm took as `spec`, under `opts`: a call
/// of a decode kernel on the operands' buffers (tagged `callId`, see
/// kernelOperandBuffer), the rhs a strided view of the tensor a
/// linalg.transpose of it transposes (no copy) when K or N is the innermost
/// dimension of that tensor. Zero points are corrected in i32 after it and a
/// rescale runs after it, each with a remark; under isa=amx a remark says
/// the avx512-vnni decode kernel runs instead of the tiles.
void lowerDecodeMatmul(MatmulOp op, DecodeGemm spec,
                       const LoweringOptions &opts, int64_t callId,
                       mlir::SymbolTable &symbols);

} // namespace quantc::x86

#endif
