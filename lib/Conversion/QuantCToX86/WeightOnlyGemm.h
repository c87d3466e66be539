//===- WeightOnlyGemm.h - x86 weight-only (W8A16/W4A16) kernels -*- C++ -*-===//
//
// The plan of one shape-specialised weight-only GEMM kernel
// `out[m, n] (+)= sum_k A[m, k] * scale(k, n) * (q[k, n] - zp(k, n))` (f32 /
// f16 / bf16 activations, int8 or packed int4 weights widened to f32 in
// registers, f32 accumulators) and the emitter of its body.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_CONVERSION_QUANTCTOX86_WEIGHTONLYGEMM_H
#define QUANTC_LIB_CONVERSION_QUANTCTOX86_WEIGHTONLYGEMM_H

#include "FloatGemm.h"

#include "mlir/IR/Builders.h"

namespace quantc::x86 {

/// How one weight-only GEMM is computed. The operands are flat 1-D buffers.
struct WeightOnlyPlan {
  /// The GEMM's extents; M may be ShapedType::kDynamic (the token count of
  /// a prefill: a run-time operand, WeightOnlyKernelOperands::m).
  int64_t m = 0, n = 0, k = 0;
  /// Element strides of A over (m, k); the output is row-major [m, n].
  int64_t aStrideM = 0, aStrideK = 0;
  /// Element type of A (f32, f16 or bf16; widened to f32 when loaded).
  mlir::Type aElem;
  /// Whether the output starts at an init operand C (row-major [m, n])
  /// rather than at zero.
  bool accumulate = false;
  /// Consecutive K elements sharing a scale (a group); 0: the scale does not
  /// vary along K (per output channel or per tensor), applied once in the
  /// epilogue.
  int64_t group = 0;
  /// Bits per weight: 8, or 4 (constant weights packed two per byte at
  /// compile time, see getPackedRowBytes).
  int64_t weightBits = 8;
  /// The int8 weight: element (k, n) of panel jr = n / panelCols lies at
  /// jr * wStridePanel + k * wStrideK + n % panelCols. Packed:
  /// (k * panelCols, panelCols), zero-padded to whole panels; read in place
  /// from a row-major [k, n]: (panelCols, n), the last panel masked.
  /// 4-bit: bytes, (k * rowBytes, rowBytes) with rowBytes =
  /// getPackedRowBytes(); byte i of pair p = j / 2 of vectors in a row holds
  /// column 2p * lanes + i in its low nibble and (2p + 1) * lanes + i in its
  /// high nibble, each as q + 8 in [0, 15] (unpacked with vpand / vpsrlw,
  /// vpmovzxbd, and the 8 subtracted with the zero point).
  int64_t wStridePanel = 0, wStrideK = 0;
  /// Whether an i32 offset table [group][n padded to whole panels] is
  /// subtracted from the widened weight: the zero point (plus 8 for 4-bit
  /// weights). Without it, 4-bit weights subtract a constant 8.
  bool zeroPoint = false;
  /// Elements between the groups' rows of the offset table (0: one row).
  int64_t zStrideGroup = 0;
  /// Grouped: the running sums of a row tile stay in the output between
  /// groups (each group's temporaries are added as out = fma(temp, scale,
  /// out), the same arithmetic as the sums in registers), so that a tile of
  /// mr x nr temporaries fits the registers (the 4-bit kernel at
  /// 3 <= M < 16); else the sums are carried in registers.
  bool groupSumsInOutput = false;
  /// Packed weights read panel by panel: the register kernel prefetches the
  /// weight this many bytes ahead of the K row it reads, at each unrolled
  /// K step that starts a 64-byte line of the step group (so once per line
  /// when a group spans at least one line, else once per group; 0: no
  /// prefetch). Weights that come from memory (cold) then
  /// arrive before the kernel needs them.
  int64_t prefetchBytes = 0;
  /// 4-bit, AVX-512: the nibbles become f32 q = u - 8 through a 16-entry
  /// table (vpermps, which reads the low 4 bits of each i32 lane: no mask,
  /// no conversion), the zero point subtracted in f32; else q + 8 - (8 + z)
  /// in i32 and a conversion.
  bool nibbleTable = false;
  /// The f32 scale: element (group gi, n) at gi * sStrideGroup + n *
  /// sStrideN; sStrideN is 1 or 0 (one scale for all columns).
  int64_t sStrideGroup = 0, sStrideN = 1;
  /// f32 lanes per vector (16 zmm, 8 ymm).
  int64_t lanes = 16;
  /// Register tile: mr rows by nr vectors of columns.
  int64_t mr = 6, nr = 4;
  /// K block (a multiple of the group): the panel's int8 block stays in L1
  /// across the row tiles.
  int64_t kc = 256;
  /// Loop order: K blocks outside the panels (a weight read in place from
  /// a row-major [k, n]: each K block's rows are swept across all panels,
  /// page by page) or inside (a packed weight: each panel is contiguous).
  bool kBlockOuter = false;
  /// Unroll of the K loop.
  int64_t kunroll = 4;
  /// Split the panels across an OpenMP team (--quantc-x86-outline-omp).
  bool parallel = false;

  /// Whether M is a run-time value.
  bool isDynamicM() const { return mlir::ShapedType::isDynamic(m); }
  int64_t getPanelCols() const { return nr * lanes; }
  int64_t getNumPanels() const { return llvm::divideCeil(n, getPanelCols()); }
  int64_t getNumGroups() const { return group ? k / group : 1; }
  /// Bytes of one K row of a packed 4-bit panel (pairs of vectors).
  int64_t getPackedRowBytes() const { return llvm::divideCeil(nr, 2) * lanes; }
};

/// The values (block arguments) a weight-only kernel body works on.
struct WeightOnlyKernelOperands {
  /// Flat A, int8 (or packed 4-bit) weight, f32 scale, i32 offset table
  /// (null unless the plan has a zero point), init C (null unless the plan
  /// accumulates) and f32 output.
  mlir::Value a, w, scale, zp, c, out;
  /// The run-time M (index); null where the plan's is static.
  mlir::Value m;
  /// The weight panels [panelBegin, panelEnd) this call computes (index).
  mlir::Value panelBegin, panelEnd;
};

/// Emits the kernel body at `b`'s insertion point (the caller adds the
/// terminator):
///
///   for each panel in [panelBegin, panelEnd), each K block of kc (or each
///   K block, each panel: kBlockOuter), each tile of mr rows:
///     mr x nr f32 accumulators start at 0 (first K block) or at the
///     partial sums in the output; per K step, nr int8 vectors of the panel
///     (nr / 2 byte vectors of 4-bit pairs) are loaded, widened (extsi or
///     the nibbles extui, minus the offset, sitofp) and multiplied into the
///     accumulators by the broadcast A elements (vector.fma). Grouped: each
///     group is summed in temporaries and added as fma(temp, scale, acc).
///     The last K block scales the sums per channel (not grouped), adds C
///     (accumulating) and stores; other blocks store the partial sums.
void emitWeightOnlyKernel(mlir::OpBuilder &b, mlir::Location loc,
                          const WeightOnlyPlan &plan,
                          const WeightOnlyKernelOperands &operands);

/// Emits the body of a blocked weight-only kernel, for GEMMs with enough
/// rows to amortize the dequantization (at `b`'s insertion point; the caller
/// adds the terminator): the float kernel of `floatPlan`
/// (emitFloatGemmKernel: blocks of panels, K blocks, A packed, an mr x nr
/// register tile of vector.fma over every row tile), whose B scratch is
/// filled, per K block and block of panels, by widening the int8 / int4
/// weight of `plan` (the same packed or in-place layout the register kernel
/// reads) into f32, each weight dequantized once as
/// `(float(q - offset)) * scale(group, n)` (offset: the zero point, plus 8
/// for 4-bit weights) -- the value quantc.dequantize defines, rounded once.
/// Accumulation order: out[m, n] = C (or 0), then fma(A[m, k], w[k, n],
/// acc) for k = 0, 1, ..., K - 1 in order (a plain f32 GEMM of the
/// dequantized weight). `floatPlan` must have plan's n, k, lanes and nr,
/// and kc a multiple of plan's group; `plan.groupSumsInOutput` must be
/// false.
void emitWeightOnlyBlockedKernel(mlir::OpBuilder &b, mlir::Location loc,
                                 const WeightOnlyPlan &plan,
                                 const FloatGemmPlan &floatPlan,
                                 const WeightOnlyKernelOperands &operands);

} // namespace quantc::x86

#endif
