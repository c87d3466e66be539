//===- KernelEmitter.h - the emitter of one x86 GEMM kernel -----*- C++ -*-===//
//
// Private to lib/Conversion/QuantCToX86: the state and steps of the emitter
// behind emitGemmKernel (MicroKernel.h). Its definitions are split by
// concern: the packing kernel's main loop, activation packing and epilogue
// (MicroKernel.cpp), the small_m kernel that reads W in place
// (SmallMKernel.cpp), and the run-time weight packers
// (RuntimeWeightPacking.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_CONVERSION_QUANTCTOX86_KERNELEMITTER_H
#define QUANTC_LIB_CONVERSION_QUANTCTOX86_KERNELEMITTER_H

#include "MicroKernel.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace quantc::x86::detail {

using namespace mlir;

/// The multiply-accumulate step of each ISA, on the same packed layout:
///  - avx512_vnni: `vpdpbusd zmm` sums 4 u8 x s8 products per i32 lane. The
///    activations are packed with +128 (xor 0x80), the accumulators start at
///    the -128 * colsum(W) compensation.
///  - avx2: `vpmaddwd ymm` sums 2 s16 x s16 products per i32 lane, then
///    `vpaddd`. Activations and weights are sign-extended to i16 when packed:
///    exact for every int8 input, no compensation.
class KernelEmitter {
public:
  KernelEmitter(OpBuilder &b, Location loc, X86GemmPlanAttr plan,
                const KernelOperands &ops)
      : b(b), loc(loc), p(plan), ops(ops) {
    i8 = b.getI8Type();
    i32 = b.getI32Type();
    elem = b.getIntegerType(p.getElementBits());
    int64_t lanes = p.getLanes();
    accTy = VectorType::get({lanes}, i32);
    wTy = VectorType::get({lanes * p.getGroup()}, elem);
    if (ops.epilogue) {
      const KernelEpilogue &e = *ops.epilogue;
      epilogueOperands = {e.xScale, e.wScale, e.bias, e.outputScale,
                          e.residual};
    }
    compFactor = compensationFactor(ops.zeroPoints, p.getIsa());
  }

  void emit();

  /// Every panel of ops.weights into `packedBuf` and `compBuf` (null
  /// without compensation), as emitWeightPacker describes.
  void emitPackAll(Value packedBuf, Value compBuf);

private:
  OpBuilder &b;
  Location loc;
  X86GemmPlanAttr p;
  const KernelOperands &ops;
  /// x_scale, w_scale, bias, output_scale, residual (null when absent).
  SmallVector<EpilogueOperand, 5> epilogueOperands;
  Value tile;
  /// The packed weights and compensation the K loop reads: the globals, or
  /// (runtime_weight) the scratch of the current block, whose first panel
  /// is panelBase.
  Value packed, compensation, panelBase;
  Type i8, i32, elem;
  VectorType accTy, wTy;
  /// The compensation is compFactor * colsum(W) (compensationFactor).
  int32_t compFactor = -128;
  /// With a weight zero point: the sums over K of the packed rows of A
  /// ([mr] for a row tile, [m] for small_m), row `row` at row - rowSumBase.
  Value rowSums, rowSumBase;

  /// Whether the epilogue needs the rows' sums of A (a weight zero point).
  bool needsRowSums() const { return bool(ops.zeroPoints.rhs.buffer); }
  /// Whether the compensation is zero by construction: amx's tdpbssd
  /// (s8 x s8) without an activation zero point (compFactor -zx = 0). The
  /// packers then skip the column sums and the amx tiles the add.
  bool amxCompensationIsZero() const {
    return p.getIsa() == X86Isa::amx && compFactor == 0;
  }
  /// Whether the packers compute the compensation.
  bool packsCompensation() const {
    return p.hasCompensation() && !amxCompensationIsZero();
  }
  /// Adds the sum over the bytes of `v` (A's values: zero-extended when A
  /// is u8, else sign-extended) to the i32 `acc`.
  Value addRowSum(Value acc, Value v);
  /// acc - zw * (sum_k A[row] - K * zx): the weight zero point's term, the
  /// activation's folded into the compensation or the packing.
  Value correctWeightZeroPoint(Value acc, Value row, Value col, Value laneMask);

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value a, int64_t c) {
    return c == 0 ? a : arith::AddIOp::create(b, loc, a, idx(c)).getResult();
  }
  Value mul(Value a, int64_t c) {
    return arith::MulIOp::create(b, loc, a, idx(c));
  }
  Value mask(int64_t n, int64_t lanes) {
    return vector::ConstantMaskOp::create(
        b, loc, VectorType::get({lanes}, b.getI1Type()), ArrayRef<int64_t>{n});
  }
  Value splat(VectorType ty, Attribute v) {
    return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(ty, v));
  }
  Value isplat(int32_t v) { return splat(accTy, b.getI32IntegerAttr(v)); }

  /// K in chunks of `chunk` elements: `step(q, count, sums)` for chunk q of
  /// `count` elements, in an scf.for over the whole chunks (carrying `sums`),
  /// then once for the tail of K % chunk. Returns the final sums.
  SmallVector<Value> forEachKChunkN(
      int64_t chunk, ValueRange sums,
      function_ref<SmallVector<Value>(Value, int64_t, ValueRange)> step);
  /// forEachKChunkN carrying one value `sums`, or none when it is null.
  Value forEachKChunk(int64_t chunk, Value sums,
                      function_ref<Value(Value, int64_t, Value)> step);

  /// The panels of block [nb, bEnd) against rows [m0, m0 + mr): full
  /// panels, then the narrower tail panel (index N / panelCols) if the
  /// block holds it.
  void emitRowTile(Value m0, int64_t mr, Value nb, Value bEnd);

  //===--------------------------------------------------------------------===//
  // small_m plans: W read in place, A packed.
  //===--------------------------------------------------------------------===//

  /// The packed A of a small_m plan: [m / 16][K groups][16 rows * 4] u8,
  /// and the W the panels read (the kernel's, or the same cast to a static
  /// row stride).
  Value packedA, wBuf;

  /// The small_m kernel: A packed once per call (on the stack up to
  /// kMaxStackTileBytes), then for each panel of 16 rows of W in
  /// [panelBegin, panelEnd): the rows' -128 * rowsum compensation, and per
  /// block of 16 rows of A, 16 accumulators (lane r: row r of the block)
  /// over K, transposed into 16 output rows of 16 columns before the
  /// epilogue.
  void emitSmallM();

  /// The panels [panelBegin, panelEnd) of a small_m plan on W = wBuf: the
  /// full ones, then the tail panel (index N / 16) if in range.
  void emitSmallMPanels();

  /// Rows [16 mb, 16 mb + 16) of A into packedA[mb]: 64 bytes (16 groups)
  /// of each row, a 16 x 16 word transpose, xor 0x80 (vpdpbusd's u8
  /// operand). Rows past M are zeros (their results are not stored; 16
  /// equal rows at M = 1 made LLVM 22's instruction selection loop); K is
  /// zero padded (0x80 after the xor, against W's zeros).
  void packSmallA(int64_t mb);

  /// `group` bytes of W's row `row` from K offset k as one i32 broadcast to
  /// every lane (vpdpbusd's s8 operand); `count` < group: the bytes past it
  /// are zeros (the K tail).
  Value broadcastWeight(Value row, Value k, int64_t count);

  /// acc += a (u8) x w (s8), 4 products per lane: vpdpbusd, or emulated.
  Value dot(Value acc, Value a, Value w) {
    if (!p.getEmulate())
      return X86VpdpbusdOp::create(b, loc, accTy, acc, a, w);
    return emulateVpdpbusd(
        acc, unpackBytes(vector::BitCastOp::create(b, loc, accTy, a), false),
        unpackBytes(vector::BitCastOp::create(b, loc, accTy, w), true));
  }

  /// One panel of a small_m plan: output columns [n0, n0 + cols) (cols <=
  /// 16), i.e. rows n0 + i of W (rows past N repeat the last one; their
  /// columns are not stored).
  void emitSmallMPanel(Value n0, int64_t cols);

  /// Words (of `group` elements) per vector in the transposing packer.
  static constexpr int64_t kTransposeWords = 16;

  /// The 16 x 16 transpose of the i32 words in `rows`: four rounds of
  /// two-source shuffles (vpermt2d), round b swapping bit b of the row and
  /// column indices.
  SmallVector<Value> transposeWords(SmallVector<Value> rows);

  /// Panels [nb, bEnd) of the [n, k] weights into the scratch, 16 columns
  /// at a time (panels of a multiple of 16 columns): 16 rows of W are read
  /// a vector of 16 groups each (sign-extended to i16 for vpmaddwd), their
  /// 16 x 16 words transposed in registers, and each result is one group of
  /// the 16 columns, stored whole. Rows past N read as zeros, K is zero
  /// padded. vpdpbusd: the columns' byte sums accumulate from the transposed
  /// words (vpdpbusd with a u8 1 operand; shifts when emulated) and are
  /// stored as -128 * colsum(W).
  void packWeightBlockTransposed(Value nb, Value bEnd);

  /// Panels [nb, bEnd) of the [n, k] weights into the scratch (panels of
  /// other widths than multiples of 16 columns), in the
  /// layout of the compile-time packing (WeightPacking.cpp): for each column
  /// (a row of W, read contiguously in chunks of 16 groups), each group of
  /// `group` elements (sign-extended to i16 for vpmaddwd) goes to
  /// [panel - nb][group][column * group]; K is zero padded, and so are the
  /// columns past N. vpdpbusd: the column's -128 * colsum(W) as well.
  void packWeightBlock(Value nb, Value bEnd);

  /// Panels [nb, bEnd) of the [k, n] weights of a weight_kn plan into the
  /// scratch (and their compensation), by the rule of load-time [k, n]
  /// weights (emitWeightPackerFromKN): no transposed copy of W.
  void packWeightBlockKN(Value nb, Value bEnd);

  /// Rows [m0, m0 + mr) of A into the tile, transformed once here instead of
  /// once per weight panel in the inner loop: xor 0x80 (vpdpbusd's u8
  /// operand) or sign extension to i16 (vpmaddwd). K is padded with zeros,
  /// which meet zero-padded weights.
  /// The rows go to rows `dst0`.. of the tile (default 0).
  void packActivations(Value m0, int64_t mr, Value dst0 = Value());

  /// One k-group step: `mr x nr` multiply-accumulates on `group` elements of
  /// each row.
  SmallVector<Value> step(ValueRange acc, Value panel, Value g, int64_t mr,
                          int64_t nr);

  /// Byte t of every i32 lane, zero- or sign-extended (emulation only).
  SmallVector<Value, 4> unpackBytes(Value words, bool isSigned);
  /// acc[i] += sum_t zext(a.byte[4i+t]) * sext(w.byte[4i+t]): vpdpbusd.
  Value emulateVpdpbusd(Value acc, ArrayRef<Value> aParts,
                        ArrayRef<Value> wParts) {
    for (int t = 0; t < 4; ++t)
      acc = arith::AddIOp::create(
          b, loc, acc, arith::MulIOp::create(b, loc, aParts[t], wParts[t]));
    return acc;
  }

  void emitTile(Value m0, int64_t mr, Value panel, Value n0, int64_t nr,
                int64_t lastCnt);

  //===--------------------------------------------------------------------===//
  // amx plans (AmxKernel.cpp): the packed tile and panels of the vpdpbusd
  // layout, multiplied by tdpbssd.
  //===--------------------------------------------------------------------===//

  /// The C tiles of one row tile in memory ([mr up to 16s][nr * 16] i32),
  /// between the tile stores and the epilogue (amx plans).
  Value amxC;

  /// The [mr up to 16s][nr * 16] i32 stack scratch of amxC.
  Value createAmxScratch();

  /// Zeros rows [from, to) of the packed activation tile from row `row0`: a
  /// tail row tile's rows past M, which the A tiles read whole.
  void zeroTileRows(Value row0, int64_t from, int64_t to);

  /// Whether an amx kernel packs all of A once per call (a [M up to 16s,
  /// K + 64] tile, before the blocks) instead of each row tile once per
  /// block of panels: A is packed (not read in place), the call may run
  /// several blocks, and no row sums are taken.
  bool amxPacksAOnce() const;

  /// Whether the amx tile of `mr` rows and `nr` B tiles (the last with
  /// `lastCnt` columns) stores its C tiles straight into the output
  /// (tilestored at the output's row stride) instead of the amxC scratch
  /// and the epilogue: hardware tiles, an i32 result without epilogue, row
  /// sums or compensation, and a whole tile.
  bool amxStoresCInPlace(int64_t mr, int64_t nr, int64_t lastCnt) const;

  /// The amx step of emitTile: mr / 16 A tiles x nr B tiles of the panel
  /// into C tiles over K (tdpbssd), stored to amxC, then the rows plus the
  /// compensation into emitEpilogue.
  void emitAmxTile(Value m0, int64_t mr, Value panel, Value n0, int64_t nr,
                   int64_t lastCnt);

  /// tdpbssd (tdpbusd for u8 activations) of A tile `ai` (rows aRow0 +
  /// 16 ai.. of `aBuf`) and B tile `bj` at K step `kb` into `cBuf`, as i32
  /// vector arithmetic (emulate).
  void emulateTdpbssd(Value cBuf, Value aBuf, Value aRow0, int64_t ai,
                      int64_t bj, Value panel, Value kb);

  /// Whether the amx row tile of `mr` rows reads its A tiles from the
  /// activations in place (K a multiple of 64, whole 16-row tiles, no row
  /// sums to take) instead of from the packed tile.
  bool amxReadsAInPlace(int64_t mr) const;

  /// An epilogue operand at (row, col) as a vector of the accumulator's
  /// lanes: a broadcast scalar for scalar and per-row operands, a (masked)
  /// vector load for per-column and full ones. Masked-off lanes read 1.0,
  /// so that a division by an output scale stays finite.
  Value loadOperand(const EpilogueOperand &o, Value row, Value col,
                    Value laneMask);

  void emitEpilogue(ArrayRef<Value> acc, Value m0, int64_t mr, Value n0,
                    int64_t nr, int64_t lastCnt);
};

} // namespace quantc::x86::detail

#endif
