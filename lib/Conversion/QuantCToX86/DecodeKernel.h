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

#include "MicroKernel.h"
#include "Plan.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace quantc::x86 {

/// The decode kernel takes at most this many (static) rows of A.
constexpr int64_t kMaxDecodeRows = 3;

/// A decode GEMM: its static rows, its ISA and how its kernel reads the rhs.
struct DecodeGemm {
  /// The rows of A (of each batch), 1 .. kMaxDecodeRows.
  int64_t m = 1;
  /// avx512_vnni (vpdpbusd, also under isa=amx) or avx2 (vpmaddwd on
  /// sign-extended i16, exact: the rule of the AVX2 micro-kernels).
  X86Isa isa = X86Isa::avx512_vnni;
  /// The rhs is read as [batch, K, N] with N contiguous ("NN", attention's
  /// V as the cache stores it); otherwise as [batch, N, K], K contiguous.
  bool nn = false;
  /// vpdpbusd emulated with i32 arithmetic (isa=avx512-vnni emulate).
  bool emulate = false;
  /// Threads split the work units (--quantc-x86-outline-omp).
  bool parallel = false;
  /// The output columns of one work unit (decodeBlockColumns).
  int64_t blockCols = 0;

  /// The i32 lanes of one vector: 16 (zmm) or 8 (ymm).
  int64_t lanes() const { return isa == X86Isa::avx2 ? 8 : 16; }
};

/// Whether `op` takes the decode kernel under `opts`, and if so how: an
/// avx512-vnni (or amx, below amx-min-m) or avx2 GEMM of rank 2 or 3 (the
/// rhs of the lhs's rank, the lhs not transposed) with i8 operands and at
/// most kMaxDecodeRows static rows whose rhs is not known before run time
/// (not a constant, not a load-time value), static or with a dynamic N, K
/// or batch: the one rule that gives GEMMs of 1-3 rows the decode kernel
/// (the small_m and packing kernels take the rest), except a static 2-D
/// GEMM with zero points, which keeps a kernel that takes them (a remark
/// says so; the only diagnostic). `nn` and `blockCols` are left for the
/// caller, which knows how the rhs is stored.
std::optional<DecodeGemm> matchDecodeGemm(MatmulOp op,
                                          const LoweringOptions &opts);

/// The multiply-adds of a decode GEMM of `op`'s type for the threading
/// decision: dynamic extents count as kAssumedDynamicExtent.
uint64_t estimateDecodeMacs(MatmulOp op);

/// A dynamic extent (a KV length) as estimateDecodeMacs counts it.
constexpr int64_t kAssumedDynamicExtent = 1024;

/// The output columns of one work unit of a decode kernel of `spec` (its
/// `nn` set) whose rhs has `staticN` columns (or a dynamic N): NT 256
/// (16 or 32 panels of rows of W), NN one pass over K (the columns whose
/// accumulators fit the registers, at most N rounded up to a chunk).
int64_t decodeBlockColumns(const DecodeGemm &spec, int64_t staticN);

/// The work units of a decode kernel: batch x ceil(N / blockCols), the
/// range its call passes (threads split it). `n` is the run-time N.
mlir::Value emitDecodeUnits(mlir::OpBuilder &b, mlir::Location loc,
                            const DecodeGemm &spec, mlir::Value batch,
                            mlir::Value n);

/// The buffers a decode kernel works on (block arguments).
struct DecodeOperands {
  /// `a`   [B, m, K] i8, unit stride along K;
  /// `w`   [B, N, K] i8 (unit stride along K) or, with `spec.nn`, [B, K, N]
  ///       (unit stride along N), any other strides: read in place;
  /// `out` [B, m, N], unit stride along N: i32, or the epilogue's result.
  mlir::Value a, w, out;
  /// The fused rescale: its operands [B or 1, m or 1, N or 1] (unit stride
  /// along the last dimension), each dimension of size 1 read at index 0,
  /// any other at the output's index (per-token x per-channel or per-head
  /// scales, bias, residual). Absent: `out` is the i32 accumulator.
  std::optional<KernelEpilogue> epilogue;
  /// The work units [unitBegin, unitEnd) (emitDecodeUnits) this call runs.
  mlir::Value unitBegin, unitEnd;
};

/// Emits at `b` the body of a decode kernel (the caller adds the
/// terminator) over the work units [unitBegin, unitEnd): unit u is batch
/// u / U, output columns [(u % U) * blockCols, ..) with U = ceil(N /
/// blockCols). N and K come from `w`'s (run-time) sizes.
///
/// avx512-vnni: vpdpbusd takes W xor 0x80 as its u8 operand and A as the s8
/// one, so that the correction 128 * sum_k A[r, k] is one scalar per row,
/// computed once per unit:
///  - NT: 16 rows of W at a time, each 64-byte chunk of a row against the
///    row of A (all 16 lanes busy), the 16 accumulators reduced by a tree of
///    lane shuffles into the 16 outputs;
///  - NN: 64 columns at a time, 4 rows of W interleaved in registers
///    (vpunpck{l,h}{bw,wd}) into 4 vectors of 16 columns x 4 K bytes, each
///    against a broadcast 4-byte word of A, the accumulators' 128-bit
///    blocks transposed once at the end.
/// avx2 (ymm only, no AVX-512 instruction): both operands sign-extended to
/// i16 (vpmovsxbw), vpmaddwd + vpaddd, exact, no correction:
///  - NT: 8 rows of W at a time, 32-byte chunks of a row against A's row,
///    the 8 accumulators reduced by the same shuffle tree;
///  - NN: 16-column chunks of 2 rows of W byte-interleaved (vpunpck{l,h}bw)
///    and sign-extended into 8 columns x 2 K words, against a broadcast
///    pair of A's values; the output columns in order, no transpose.
/// K tails (and N tails) take masked loads; each output vector goes through
/// the epilogue and a store masked to N (one helper for both layouts).
void emitDecodeKernel(mlir::OpBuilder &b, mlir::Location loc,
                      const DecodeGemm &spec, const DecodeOperands &ops);

/// Lowers `op`, which matchDecodeGemm took as `spec`, under `opts`: a call
/// of a decode kernel on the operands' buffers (tagged `callId`, see
/// kernelOperandBuffer), the rhs a strided view of the tensor a
/// linalg.transpose of it transposes (no copy) when K or N is the innermost
/// dimension of that tensor. The rescale of the accumulator (matchEpilogue,
/// operands varying along the batch too) is fused into the kernel; zero
/// points are corrected in i32 after it, with a remark (the rescale then
/// runs after it too); under isa=amx a remark says the avx512-vnni decode
/// kernel runs instead of the tiles.
void lowerDecodeMatmul(MatmulOp op, DecodeGemm spec,
                       const LoweringOptions &opts, int64_t callId,
                       mlir::SymbolTable &symbols);

} // namespace quantc::x86

#endif
