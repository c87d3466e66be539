//===- MicroKernel.cpp - the body of an x86 GEMM kernel -------------------===//
#include "MicroKernel.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;

bool x86::canReadEpilogueOperand(Broadcast::Kind kind) {
  switch (kind) {
  case Broadcast::Kind::Scalar:
  case Broadcast::Kind::PerRow:
  case Broadcast::Kind::PerColumn:
  case Broadcast::Kind::Full:
    return true;
  case Broadcast::Kind::Block:
    return false;
  }
  llvm_unreachable("unknown broadcast kind");
}

namespace {

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
  }

  void emit() {
    if (p.getSmallM())
      return emitSmallM();
    // The packed activation tile: mr rows of K (+128 or sign-extended),
    // zero padded to whole packing vectors. One extra vector per row keeps
    // the rows off power-of-two strides (which would map them to one L1
    // set). Up to kMaxStackTileBytes the tile lives on the stack (of each
    // OpenMP thread); a larger one (K in the tens of thousands) on the heap,
    // once per call, deallocated by the buffer-deallocation pipeline.
    auto tileTy =
        MemRefType::get({p.getMr(), p.getPackedK() + p.getPackWidth()}, elem);
    if (p.getTileBytes() > kMaxStackTileBytes)
      tile = memref::AllocOp::create(b, loc, tileTy, b.getI64IntegerAttr(64));
    else
      tile = memref::AllocaOp::create(b, loc, tileTy, b.getI64IntegerAttr(64));
    packed = ops.packedWeights;
    compensation = ops.compensation;
    if (p.getRuntimeWeight()) {
      // One block of packed panels (and their compensation), rewritten per
      // block: allocated once per call (per thread under OpenMP), freed by
      // the buffer-deallocation pipeline; small ones go to the stack.
      int64_t blockPanels = p.getPanelBlock();
      packed = memref::AllocOp::create(
          b, loc,
          MemRefType::get(
              {blockPanels, p.getKGroups(), p.getPanelCols() * p.getGroup()},
              elem),
          b.getI64IntegerAttr(64));
      if (p.hasCompensation())
        compensation = memref::AllocOp::create(
            b, loc, MemRefType::get({blockPanels * p.getPanelCols()}, i32),
            b.getI64IntegerAttr(64));
    }
    Value pBegin = ops.panelBegin, pEnd = ops.panelEnd;
    auto blocks =
        scf::ForOp::create(b, loc, pBegin, pEnd, idx(p.getPanelBlock()));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(blocks.getBody()->getTerminator());
    Value nb = blocks.getInductionVar();
    Value bEnd =
        arith::MinSIOp::create(b, loc, add(nb, p.getPanelBlock()), pEnd);
    if (p.getRuntimeWeight()) {
      panelBase = nb;
      if (p.getPanelCols() % kTransposeWords == 0)
        packWeightBlockTransposed(nb, bEnd);
      else
        packWeightBlock(nb, bEnd);
    }
    int64_t mr = p.getMr();
    int64_t mFull = p.getM() / mr * mr, mTail = p.getM() % mr;
    if (mFull > 0) {
      auto rows = scf::ForOp::create(b, loc, idx(0), idx(mFull), idx(mr));
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPoint(rows.getBody()->getTerminator());
      emitRowTile(rows.getInductionVar(), mr, nb, bEnd);
    }
    if (mTail)
      emitRowTile(idx(mFull), mTail, nb, bEnd);
  }

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
      function_ref<SmallVector<Value>(Value, int64_t, ValueRange)> step) {
    SmallVector<Value> cur(sums);
    int64_t kFull = p.getK() / chunk, kTail = p.getK() % chunk;
    if (kFull > 0) {
      auto ks = scf::ForOp::create(b, loc, idx(0), idx(kFull), idx(1), cur);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(ks.getBody());
      SmallVector<Value> next =
          step(ks.getInductionVar(), chunk, ks.getRegionIterArgs());
      // A loop without results already has its terminator.
      if (!cur.empty())
        scf::YieldOp::create(b, loc, next);
      b.setInsertionPointAfter(ks);
      cur.assign(ks.getResults().begin(), ks.getResults().end());
    }
    if (kTail)
      cur = step(idx(kFull), kTail, cur);
    return cur;
  }
  /// forEachKChunkN carrying one value `sums`, or none when it is null.
  Value forEachKChunk(int64_t chunk, Value sums,
                      function_ref<Value(Value, int64_t, Value)> step) {
    SmallVector<Value> init;
    if (sums)
      init.push_back(sums);
    SmallVector<Value> out = forEachKChunkN(
        chunk, init,
        [&](Value q, int64_t count, ValueRange cur) -> SmallVector<Value> {
          Value next = step(q, count, cur.empty() ? Value() : cur[0]);
          return sums ? SmallVector<Value>{next} : SmallVector<Value>{};
        });
    return out.empty() ? Value() : out[0];
  }

  /// The panels of block [nb, bEnd) against rows [m0, m0 + mr): full
  /// panels, then the narrower tail panel (index N / panelCols) if the
  /// block holds it.
  void emitRowTile(Value m0, int64_t mr, Value nb, Value bEnd) {
    packActivations(m0, mr);
    int64_t cols = p.getPanelCols(), lanes = p.getLanes();
    int64_t fullPanels = p.getN() / cols, tailCols = p.getN() % cols;
    if (fullPanels > 0) {
      Value end = arith::MinSIOp::create(b, loc, bEnd, idx(fullPanels));
      auto loop = scf::ForOp::create(b, loc, nb, end, idx(1));
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      Value pi = loop.getInductionVar();
      emitTile(m0, mr, pi, mul(pi, cols), p.getNr(), lanes);
    }
    if (tailCols) {
      int64_t nr = llvm::divideCeil(tailCols, lanes);
      int64_t last = tailCols - (nr - 1) * lanes;
      Value t = idx(fullPanels);
      Value inRange = arith::AndIOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, nb, t),
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, bEnd, t));
      auto ifOp = scf::IfOp::create(b, loc, inRange, /*withElse=*/false);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      emitTile(m0, mr, t, idx(fullPanels * cols), nr, last);
    }
  }

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
  void emitSmallM() {
    int64_t lanes = p.getLanes();
    auto packedTy = MemRefType::get(
        {p.getSmallMBlocks(), p.getKGroups(), lanes * p.getGroup()}, i8);
    if (p.getPackedABytes() > kMaxStackTileBytes)
      packedA =
          memref::AllocOp::create(b, loc, packedTy, b.getI64IntegerAttr(64));
    else
      packedA =
          memref::AllocaOp::create(b, loc, packedTy, b.getI64IntegerAttr(64));
    for (int64_t mb = 0; mb < p.getSmallMBlocks(); ++mb)
      packSmallA(mb);
    // W's rows are addressed from one pointer when their stride is K (a
    // contiguous [N, K] buffer, the usual case): the 16 rows of a panel are
    // then constant offsets, where a run-time stride would need a register
    // per row. Other strides (slices) take the same code on the general
    // layout.
    auto wTyDyn = cast<MemRefType>(ops.weights.getType());
    auto wTyStatic = MemRefType::get(
        wTyDyn.getShape(), i8,
        StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic,
                               {p.getK(), 1}));
    auto meta = memref::ExtractStridedMetadataOp::create(b, loc, ops.weights);
    Value contiguous = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq, meta.getStrides()[0], idx(p.getK()));
    auto ifOp = scf::IfOp::create(b, loc, contiguous, /*withElse=*/true);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    // A reinterpret_cast, not a memref.cast (which folds into the loads).
    wBuf = memref::ReinterpretCastOp::create(
        b, loc, wTyStatic, ops.weights, OpFoldResult(meta.getOffset()),
        ArrayRef<OpFoldResult>{b.getIndexAttr(p.getN()),
                               b.getIndexAttr(p.getK())},
        ArrayRef<OpFoldResult>{b.getIndexAttr(p.getK()), b.getIndexAttr(1)});
    emitSmallMPanels();
    b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
    wBuf = ops.weights;
    emitSmallMPanels();
  }

  /// The panels [panelBegin, panelEnd) of a small_m plan on W = wBuf: the
  /// full ones, then the tail panel (index N / 16) if in range.
  void emitSmallMPanels() {
    int64_t lanes = p.getLanes();
    int64_t fullPanels = p.getN() / lanes, tailCols = p.getN() % lanes;
    Value pBegin = ops.panelBegin, pEnd = ops.panelEnd;
    if (fullPanels > 0) {
      Value end = arith::MinSIOp::create(b, loc, pEnd, idx(fullPanels));
      auto loop = scf::ForOp::create(b, loc, pBegin, end, idx(1));
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      emitSmallMPanel(mul(loop.getInductionVar(), lanes), lanes);
    }
    if (tailCols) {
      Value t = idx(fullPanels);
      Value inRange = arith::AndIOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, pBegin, t),
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, pEnd, t));
      auto ifOp = scf::IfOp::create(b, loc, inRange, /*withElse=*/false);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      emitSmallMPanel(idx(fullPanels * lanes), tailCols);
    }
  }

  /// Rows [16 mb, 16 mb + 16) of A into packedA[mb]: 64 bytes (16 groups)
  /// of each row, a 16 x 16 word transpose, xor 0x80 (vpdpbusd's u8
  /// operand). Rows past M are zeros (their results are not stored; 16
  /// equal rows at M = 1 made LLVM 22's instruction selection loop); K is
  /// zero padded (0x80 after the xor, against W's zeros).
  void packSmallA(int64_t mb) {
    constexpr int64_t nw = kTransposeWords;
    int64_t group = p.getGroup(), chunk = nw * group;
    auto inTy = VectorType::get({chunk}, i8);
    auto wordsTy = VectorType::get({nw}, i32);
    Value zeroIn = splat(inTy, b.getIntegerAttr(i8, 0));
    Value shift = splat(inTy, b.getIntegerAttr(i8, 0x80));
    forEachKChunkN(
        chunk, {},
        [&](Value q, int64_t count, ValueRange) -> SmallVector<Value> {
          Value k = mul(q, chunk);
          SmallVector<Value> rows;
          Value zeroWords = splat(wordsTy, b.getI32IntegerAttr(0));
          for (int64_t i = 0; i < nw; ++i) {
            if (mb * nw + i >= p.getM()) {
              rows.push_back(zeroWords);
              continue;
            }
            Value row = idx(mb * nw + i);
            Value v =
                count == chunk
                    ? Value(vector::LoadOp::create(
                          b, loc, inTy, ops.activations, ValueRange{row, k}))
                    : Value(vector::MaskedLoadOp::create(
                          b, loc, inTy, ops.activations, ValueRange{row, k},
                          mask(count, chunk), zeroIn));
            rows.push_back(vector::BitCastOp::create(b, loc, wordsTy, v));
          }
          SmallVector<Value> t = transposeWords(rows);
          Value g0 = mul(q, nw);
          for (int64_t j = 0; j < llvm::divideCeil(count, group); ++j) {
            Value v = arith::XOrIOp::create(
                b, loc, vector::BitCastOp::create(b, loc, inTy, t[j]), shift);
            vector::StoreOp::create(b, loc, v, packedA,
                                    ValueRange{idx(mb), add(g0, j), idx(0)});
          }
          return {};
        });
  }

  /// `group` bytes of W's row `row` from K offset k as one i32 broadcast to
  /// every lane (vpdpbusd's s8 operand); `count` < group: the bytes past it
  /// are zeros (the K tail).
  Value broadcastWeight(Value row, Value k, int64_t count) {
    int64_t group = p.getGroup();
    auto wordTy = VectorType::get({group}, i8);
    Value v =
        count == group
            ? Value(vector::LoadOp::create(b, loc, wordTy, wBuf,
                                           ValueRange{row, k}))
            : Value(vector::MaskedLoadOp::create(
                  b, loc, wordTy, wBuf, ValueRange{row, k}, mask(count, group),
                  splat(wordTy, b.getIntegerAttr(i8, 0))));
    Value word =
        vector::BitCastOp::create(b, loc, VectorType::get({1}, i32), v);
    return vector::BitCastOp::create(
        b, loc, wTy, vector::BroadcastOp::create(b, loc, accTy, word));
  }

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
  void emitSmallMPanel(Value n0, int64_t cols) {
    int64_t lanes = p.getLanes(), group = p.getGroup();
    SmallVector<Value> wRows;
    for (int64_t i = 0; i < lanes; ++i)
      wRows.push_back(add(n0, std::min(i, cols - 1)));
    // -128 * sum_k W[n, k] for the 16 rows: each row's 64-byte chunks
    // summed by vpdpbusd with a u8 1 into 16 partial sums, the 16 rows'
    // partial sums transposed and added, lane i: row i.
    int64_t chunk = lanes * group;
    auto inTy = VectorType::get({chunk}, i8);
    Value ones = splat(inTy, b.getIntegerAttr(i8, 1));
    Value zeroIn = splat(inTy, b.getIntegerAttr(i8, 0));
    SmallVector<Value> sums = forEachKChunkN(
        chunk, SmallVector<Value>(lanes, isplat(0)),
        [&](Value q, int64_t count, ValueRange cur) -> SmallVector<Value> {
          Value k = mul(q, chunk);
          SmallVector<Value> next;
          for (int64_t i = 0; i < lanes; ++i) {
            Value v = count == chunk
                          ? Value(vector::LoadOp::create(
                                b, loc, inTy, wBuf, ValueRange{wRows[i], k}))
                          : Value(vector::MaskedLoadOp::create(
                                b, loc, inTy, wBuf, ValueRange{wRows[i], k},
                                mask(count, chunk), zeroIn));
            next.push_back(dot(cur[i], ones, v));
          }
          return next;
        });
    SmallVector<Value> parts = transposeWords(sums);
    Value comp = parts[0];
    for (int64_t j = 1; j < lanes; ++j)
      comp = arith::AddIOp::create(b, loc, comp, parts[j]);
    comp = arith::MulIOp::create(b, loc, comp, isplat(-128));

    int64_t kFull = p.getK() / group, kTail = p.getK() % group;
    // The first row of the panel prefetched during this one: the next, if
    // all its 16 rows exist, else this one again (no access past W).
    Value nextRow0 = arith::SelectOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                              add(n0, 2 * lanes), idx(p.getN())),
        add(n0, lanes), n0);
    for (int64_t mb = 0; mb < p.getSmallMBlocks(); ++mb) {
      // One K group of each row of W against A's 16 rows (one vector).
      auto step = [&](ValueRange acc, Value g, int64_t count) {
        Value a = vector::LoadOp::create(b, loc, wTy, packedA,
                                         ValueRange{idx(mb), g, idx(0)});
        Value k = mul(g, group);
        SmallVector<Value> next;
        for (int64_t i = 0; i < lanes; ++i)
          next.push_back(dot(acc[i], a, broadcastWeight(wRows[i], k, count)));
        return next;
      };
      SmallVector<Value> acc(lanes, isplat(0));
      // The general layout (a slice of W, rare) takes a rolled loop: half
      // the kernel's code otherwise.
      int64_t ku =
          wBuf == ops.weights ? 1 : std::max<int64_t>(1, p.getKunroll());
      // The whole groups, unrolled by ku, then the rest one at a time, then
      // the tail group.
      int64_t mainEnd = kFull / ku * ku;
      for (auto [from, to, unroll] : {std::tuple{int64_t(0), mainEnd, ku},
                                      std::tuple{mainEnd, kFull, int64_t(1)}}) {
        if (to <= from)
          continue;
        auto loop =
            scf::ForOp::create(b, loc, idx(from), idx(to), idx(unroll), acc);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(loop.getBody());
        SmallVector<Value> cur(loop.getRegionIterArgs());
        Value g = loop.getInductionVar();
        for (int64_t u = 0; u < unroll; ++u)
          cur = step(cur, add(g, u), group);
        // The first block prefetches the next panel's rows at the same K
        // into L2 (each line twice: 32 bytes per iteration), so that W
        // streams in during the compute rather than in the rowsum pass.
        if (mb == 0 && unroll > 1)
          for (int64_t i = 0; i < lanes; ++i)
            memref::PrefetchOp::create(
                b, loc, wBuf, ValueRange{add(nextRow0, i), mul(g, group)},
                /*isWrite=*/false, /*localityHint=*/2,
                /*isDataCache=*/true);
        scf::YieldOp::create(b, loc, cur);
        b.setInsertionPointAfter(loop);
        acc.assign(loop.getResults().begin(), loop.getResults().end());
      }
      if (kTail)
        acc = step(acc, idx(kFull), kTail);
      // Lane r of acc[i] is output (16 mb + r, n0 + i): transposed, row r
      // holds columns n0 .. n0 + 15.
      SmallVector<Value> out = transposeWords(acc);
      int64_t rows = std::min(lanes, p.getM() - mb * lanes);
      out.resize(rows);
      for (Value &v : out)
        v = arith::AddIOp::create(b, loc, v, comp);
      emitEpilogue(out, idx(mb * lanes), rows, n0, /*nr=*/1, cols);
    }
  }

  /// Words (of `group` elements) per vector in the transposing packer.
  static constexpr int64_t kTransposeWords = 16;

  /// The 16 x 16 transpose of the i32 words in `rows`: four rounds of
  /// two-source shuffles (vpermt2d), round b swapping bit b of the row and
  /// column indices.
  SmallVector<Value> transposeWords(SmallVector<Value> rows) {
    constexpr int64_t n = kTransposeWords;
    for (int64_t d = 1; d < n; d *= 2) {
      SmallVector<int64_t> lo(n), hi(n);
      for (int64_t c = 0; c < n; ++c) {
        bool upper = c & d;
        lo[c] = upper ? n + c - d : c;
        hi[c] = upper ? n + c : c + d;
      }
      SmallVector<Value> next(rows);
      for (int64_t r = 0; r < n; ++r) {
        if (r & d)
          continue;
        next[r] = vector::ShuffleOp::create(b, loc, rows[r], rows[r + d], lo);
        next[r + d] =
            vector::ShuffleOp::create(b, loc, rows[r], rows[r + d], hi);
      }
      rows = std::move(next);
    }
    return rows;
  }

  /// Panels [nb, bEnd) of the [n, k] weights into the scratch, 16 columns
  /// at a time (panels of a multiple of 16 columns): 16 rows of W are read
  /// a vector of 16 groups each (sign-extended to i16 for vpmaddwd), their
  /// 16 x 16 words transposed in registers, and each result is one group of
  /// the 16 columns, stored whole. Rows past N read as zeros, K is zero
  /// padded. vpdpbusd: the columns' byte sums accumulate from the transposed
  /// words (vpdpbusd with a u8 1 operand; shifts when emulated) and are
  /// stored as -128 * colsum(W).
  void packWeightBlockTransposed(Value nb, Value bEnd) {
    constexpr int64_t nw = kTransposeWords;
    int64_t cols = p.getPanelCols(), group = p.getGroup();
    int64_t chunk = nw * group;
    auto inTy = VectorType::get({chunk}, i8);
    auto wordsTy = VectorType::get({nw}, i32);
    auto outTy = VectorType::get({chunk}, elem);
    bool comp = p.hasCompensation();
    auto panels = scf::ForOp::create(b, loc, nb, bEnd, idx(1));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(panels.getBody()->getTerminator());
    Value pi = panels.getInductionVar();
    Value local = arith::SubIOp::create(b, loc, pi, nb);
    auto groups = scf::ForOp::create(b, loc, idx(0), idx(cols), idx(nw));
    b.setInsertionPoint(groups.getBody()->getTerminator());
    Value c0 = groups.getInductionVar();
    Value col0 = arith::AddIOp::create(b, loc, mul(pi, cols), c0);
    Value slot = mul(c0, group);
    SmallVector<Value> rowIdx, valid;
    for (int64_t i = 0; i < nw; ++i) {
      Value col = add(col0, i);
      valid.push_back(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                            col, idx(p.getN())));
      rowIdx.push_back(arith::MinSIOp::create(b, loc, col, idx(p.getN() - 1)));
    }
    Value zeroWords = splat(wordsTy, b.getI32IntegerAttr(0));
    Value zeroIn = splat(inTy, b.getIntegerAttr(i8, 0));
    Value ones =
        comp ? splat(VectorType::get({chunk}, i8), b.getIntegerAttr(i8, 1))
             : Value();
    // Groups [g0, g0 + count) of the 16 columns from K offset k (count
    // groups of `group` elements are present, the rest are zeros).
    auto packChunk = [&](Value k, Value g0, int64_t count, int64_t kCount,
                         Value sums) -> Value {
      SmallVector<Value> rows;
      for (int64_t i = 0; i < nw; ++i) {
        Value v;
        if (kCount == chunk)
          v = vector::LoadOp::create(b, loc, inTy, ops.weights,
                                     ValueRange{rowIdx[i], k});
        else
          v = vector::MaskedLoadOp::create(b, loc, inTy, ops.weights,
                                           ValueRange{rowIdx[i], k},
                                           mask(kCount, chunk), zeroIn);
        if (elem != i8)
          v = arith::ExtSIOp::create(b, loc, outTy, v);
        v = vector::BitCastOp::create(b, loc, wordsTy, v);
        rows.push_back(arith::SelectOp::create(b, loc, valid[i], v, zeroWords));
      }
      SmallVector<Value> t = transposeWords(rows);
      for (int64_t j = 0; j < count; ++j) {
        Value out = vector::BitCastOp::create(b, loc, outTy, t[j]);
        vector::StoreOp::create(b, loc, out, packed,
                                ValueRange{local, add(g0, j), slot});
        if (!comp)
          continue;
        if (p.getEmulate()) {
          for (Value byte : unpackBytes(t[j], true))
            sums = arith::AddIOp::create(b, loc, sums, byte);
        } else {
          sums = X86VpdpbusdOp::create(b, loc, accTy, sums, ones, out);
        }
      }
      return sums;
    };
    Value sums = forEachKChunk(
        chunk, comp ? isplat(0) : Value(),
        [&](Value q, int64_t count, Value acc) {
          return packChunk(mul(q, chunk), mul(q, nw),
                           llvm::divideCeil(count, group), count, acc);
        });
    if (comp)
      vector::StoreOp::create(
          b, loc, arith::MulIOp::create(b, loc, sums, isplat(-128)),
          compensation,
          ValueRange{arith::AddIOp::create(b, loc, mul(local, cols), c0)});
  }

  /// Panels [nb, bEnd) of the [n, k] weights into the scratch (panels of
  /// other widths than multiples of 16 columns), in the
  /// layout of the compile-time packing (WeightPacking.cpp): for each column
  /// (a row of W, read contiguously in chunks of 16 groups), each group of
  /// `group` elements (sign-extended to i16 for vpmaddwd) goes to
  /// [panel - nb][group][column * group]; K is zero padded, and so are the
  /// columns past N. vpdpbusd: the column's -128 * colsum(W) as well.
  void packWeightBlock(Value nb, Value bEnd) {
    int64_t cols = p.getPanelCols(), group = p.getGroup();
    int64_t words = 16, chunk = words * group;
    auto inTy = VectorType::get({chunk}, i8);
    auto sliceTy = VectorType::get({group}, elem);
    bool comp = p.hasCompensation();
    auto panels = scf::ForOp::create(b, loc, nb, bEnd, idx(1));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(panels.getBody()->getTerminator());
    Value pi = panels.getInductionVar();
    Value local = arith::SubIOp::create(b, loc, pi, nb);
    auto columns = scf::ForOp::create(b, loc, idx(0), idx(cols), idx(1));
    b.setInsertionPoint(columns.getBody()->getTerminator());
    Value c = columns.getInductionVar();
    Value col = arith::AddIOp::create(b, loc, mul(pi, cols), c);
    Value slot = mul(c, group);
    Value compIdx = arith::AddIOp::create(b, loc, mul(local, cols), c);
    Value valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, col,
                                        idx(p.getN()));
    auto ifOp = scf::IfOp::create(b, loc, valid, /*withElse=*/true);
    {
      // A column past N: zeros, which meet the activations' columns
      // nobody stores.
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
      auto gs = scf::ForOp::create(b, loc, idx(0), idx(p.getKGroups()), idx(1));
      b.setInsertionPoint(gs.getBody()->getTerminator());
      vector::StoreOp::create(b, loc, splat(sliceTy, b.getIntegerAttr(elem, 0)),
                              packed,
                              ValueRange{local, gs.getInductionVar(), slot});
      if (comp) {
        b.setInsertionPointAfter(gs);
        memref::StoreOp::create(b, loc,
                                arith::ConstantIntOp::create(b, loc, i32, 0),
                                compensation, ValueRange{compIdx});
      }
    }
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    // Stores `n` groups of the chunk `v` from group g0; returns the running
    // per-lane sums of 4 bytes (vpdpbusd only).
    auto storeChunk = [&](Value v, Value g0, int64_t n, Value sums) -> Value {
      Value e = v;
      if (elem != i8)
        e = arith::ExtSIOp::create(b, loc, VectorType::get({chunk}, elem), v);
      for (int64_t t = 0; t < n; ++t) {
        Value part = vector::ExtractStridedSliceOp::create(
            b, loc, e, ArrayRef<int64_t>{t * group}, ArrayRef<int64_t>{group},
            ArrayRef<int64_t>{1});
        vector::StoreOp::create(b, loc, part, packed,
                                ValueRange{local, add(g0, t), slot});
      }
      if (!comp)
        return sums;
      for (Value byte :
           unpackBytes(vector::BitCastOp::create(b, loc, accTy, v), true))
        sums = arith::AddIOp::create(b, loc, sums, byte);
      return sums;
    };
    Value sums = forEachKChunk(
        chunk, comp ? isplat(0) : Value(),
        [&](Value q, int64_t count, Value acc) {
          Value k = mul(q, chunk);
          Value v = count == chunk
                        ? Value(vector::LoadOp::create(
                              b, loc, inTy, ops.weights, ValueRange{col, k}))
                        : Value(vector::MaskedLoadOp::create(
                              b, loc, inTy, ops.weights, ValueRange{col, k},
                              mask(count, chunk),
                              splat(inTy, b.getIntegerAttr(i8, 0))));
          return storeChunk(v, mul(q, words), llvm::divideCeil(count, group),
                            acc);
        });
    if (comp) {
      Value sum =
          vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, sums);
      memref::StoreOp::create(
          b, loc,
          arith::MulIOp::create(
              b, loc, sum, arith::ConstantIntOp::create(b, loc, i32, -128)),
          compensation, ValueRange{compIdx});
    }
  }

  /// Rows [m0, m0 + mr) of A into the tile, transformed once here instead of
  /// once per weight panel in the inner loop: xor 0x80 (vpdpbusd's u8
  /// operand) or sign extension to i16 (vpmaddwd). K is padded with zeros,
  /// which meet zero-padded weights.
  void packActivations(Value m0, int64_t mr) {
    int64_t width = p.getPackWidth();
    auto inTy = VectorType::get({width}, i8);
    auto outTy = VectorType::get({width}, elem);
    auto transform = [&](Value v) -> Value {
      if (p.getIsa() == X86Isa::avx2)
        return arith::ExtSIOp::create(b, loc, outTy, v);
      return arith::XOrIOp::create(b, loc, v,
                                   splat(inTy, b.getIntegerAttr(i8, 0x80)));
    };
    auto rows = scf::ForOp::create(b, loc, idx(0), idx(mr), idx(1));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(rows.getBody()->getTerminator());
    Value r = rows.getInductionVar();
    Value row = arith::AddIOp::create(b, loc, m0, r);
    Value a = ops.activations;
    int64_t kFull = p.getK() / width * width, kTail = p.getK() % width;
    if (kFull > 0) {
      auto ks = scf::ForOp::create(b, loc, idx(0), idx(kFull), idx(width));
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPoint(ks.getBody()->getTerminator());
      Value k = ks.getInductionVar();
      Value v = vector::LoadOp::create(b, loc, inTy, a, ValueRange{row, k});
      vector::StoreOp::create(b, loc, transform(v), tile, ValueRange{r, k});
    }
    if (kTail) {
      Value k = idx(kFull);
      Value v = vector::MaskedLoadOp::create(
          b, loc, inTy, a, ValueRange{row, k}, mask(kTail, width),
          splat(inTy, b.getIntegerAttr(i8, 0)));
      vector::StoreOp::create(b, loc, transform(v), tile, ValueRange{r, k});
    }
  }

  /// One k-group step: `mr x nr` multiply-accumulates on `group` elements of
  /// each row.
  SmallVector<Value> step(ValueRange acc, Value panel, Value g, int64_t mr,
                          int64_t nr) {
    SmallVector<Value> next(acc.begin(), acc.end());
    int64_t lanes = p.getLanes(), group = p.getGroup();
    SmallVector<Value> bv;
    for (int64_t j = 0; j < nr; ++j)
      bv.push_back(vector::LoadOp::create(
          b, loc, wTy, packed, ValueRange{panel, g, idx(j * lanes * group)}));
    Value k = mul(g, group);
    auto wordTy = VectorType::get({group}, elem);
    bool emulate = p.getEmulate();
    SmallVector<SmallVector<Value, 4>> wParts;
    if (emulate)
      for (int64_t j = 0; j < nr; ++j)
        wParts.push_back(
            unpackBytes(vector::BitCastOp::create(b, loc, accTy, bv[j]), true));
    for (int64_t r = 0; r < mr; ++r) {
      // `group` elements of row r, as one i32 broadcast to every lane.
      Value word = vector::BitCastOp::create(
          b, loc, VectorType::get({1}, i32),
          vector::LoadOp::create(b, loc, wordTy, tile, ValueRange{idx(r), k}));
      Value bc = vector::BroadcastOp::create(b, loc, accTy, word);
      Value av = vector::BitCastOp::create(b, loc, wTy, bc);
      SmallVector<Value, 4> aParts;
      if (emulate)
        aParts = unpackBytes(bc, false);
      for (int64_t j = 0; j < nr; ++j) {
        Value &a = next[r * nr + j];
        if (p.getIsa() == X86Isa::avx2)
          a = arith::AddIOp::create(
              b, loc, a, X86PmaddwdOp::create(b, loc, accTy, av, bv[j]));
        else if (emulate)
          a = emulateVpdpbusd(a, aParts, wParts[j]);
        else
          a = X86VpdpbusdOp::create(b, loc, accTy, a, av, bv[j]);
      }
    }
    return next;
  }

  /// Byte t of every i32 lane, zero- or sign-extended (emulation only).
  SmallVector<Value, 4> unpackBytes(Value words, bool isSigned) {
    SmallVector<Value, 4> parts;
    for (int t = 0; t < 4; ++t) {
      if (isSigned)
        parts.push_back(arith::ShRSIOp::create(
            b, loc, arith::ShLIOp::create(b, loc, words, isplat(24 - 8 * t)),
            isplat(24)));
      else
        parts.push_back(arith::AndIOp::create(
            b, loc, arith::ShRUIOp::create(b, loc, words, isplat(8 * t)),
            isplat(0xFF)));
    }
    return parts;
  }
  /// acc[i] += sum_t zext(a.byte[4i+t]) * sext(w.byte[4i+t]): vpdpbusd.
  Value emulateVpdpbusd(Value acc, ArrayRef<Value> aParts,
                        ArrayRef<Value> wParts) {
    for (int t = 0; t < 4; ++t)
      acc = arith::AddIOp::create(
          b, loc, acc, arith::MulIOp::create(b, loc, aParts[t], wParts[t]));
    return acc;
  }

  void emitTile(Value m0, int64_t mr, Value panel, Value n0, int64_t nr,
                int64_t lastCnt) {
    // vpdpbusd accumulators start at -128 * colsum(W): the +128
    // compensation. vpmaddwd's are exact and start at zero.
    // With a run-time weight, the panel's place in the block's scratch.
    Value wPanel = panel, compCol = n0;
    if (panelBase) {
      wPanel = arith::SubIOp::create(b, loc, panel, panelBase);
      compCol = mul(wPanel, p.getPanelCols());
    }
    SmallVector<Value> acc, init;
    for (int64_t j = 0; j < nr; ++j)
      init.push_back(p.hasCompensation()
                         ? Value(vector::LoadOp::create(
                               b, loc, accTy, compensation,
                               ValueRange{add(compCol, j * p.getLanes())}))
                         : isplat(0));
    for (int64_t r = 0; r < mr; ++r)
      for (int64_t j = 0; j < nr; ++j)
        acc.push_back(init[j]);

    // The tile is zero padded: every k-group (the last one too) is whole.
    int64_t kg = p.getKGroups();
    int64_t ku = std::max<int64_t>(1, p.getKunroll());
    int64_t kgMain = kg / ku * ku;
    if (kgMain > 0) {
      auto loop = scf::ForOp::create(b, loc, idx(0), idx(kgMain), idx(ku), acc);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      SmallVector<Value> cur(loop.getRegionIterArgs());
      for (int64_t u = 0; u < ku; ++u)
        cur = step(cur, wPanel, add(loop.getInductionVar(), u), mr, nr);
      scf::YieldOp::create(b, loc, cur);
      b.setInsertionPointAfter(loop);
      acc.assign(loop.getResults().begin(), loop.getResults().end());
    }
    // Leftover groups: a rolled loop keeps the code small.
    if (kg - kgMain > 1) {
      auto loop = scf::ForOp::create(b, loc, idx(kgMain), idx(kg), idx(1), acc);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      SmallVector<Value> cur = step(loop.getRegionIterArgs(), wPanel,
                                    loop.getInductionVar(), mr, nr);
      scf::YieldOp::create(b, loc, cur);
      b.setInsertionPointAfter(loop);
      acc.assign(loop.getResults().begin(), loop.getResults().end());
    } else if (kg > kgMain) {
      acc = step(acc, wPanel, idx(kgMain), mr, nr);
    }

    emitEpilogue(acc, m0, mr, n0, nr, lastCnt);
  }

  /// An epilogue operand at (row, col) as a vector of the accumulator's
  /// lanes: a broadcast scalar for scalar and per-row operands, a (masked)
  /// vector load for per-column and full ones. Masked-off lanes read 1.0,
  /// so that a division by an output scale stays finite.
  Value loadOperand(const EpilogueOperand &o, Value row, Value col,
                    Value laneMask) {
    auto bufTy = cast<MemRefType>(o.buffer.getType());
    auto vecTy = VectorType::get({p.getLanes()}, bufTy.getElementType());
    switch (o.kind) {
    case Broadcast::Kind::Scalar:
    case Broadcast::Kind::PerRow: {
      Value r = o.kind == Broadcast::Kind::Scalar ? idx(0) : row;
      Value s = memref::LoadOp::create(b, loc, o.buffer, ValueRange{r, idx(0)});
      return vector::BroadcastOp::create(b, loc, vecTy, s);
    }
    case Broadcast::Kind::PerColumn:
    case Broadcast::Kind::Full: {
      Value r = o.kind == Broadcast::Kind::PerColumn ? idx(0) : row;
      if (laneMask)
        return vector::MaskedLoadOp::create(b, loc, vecTy, o.buffer,
                                            ValueRange{r, col}, laneMask,
                                            floatConstant(b, loc, vecTy, 1.0));
      return vector::LoadOp::create(b, loc, vecTy, o.buffer,
                                    ValueRange{r, col});
    }
    case Broadcast::Kind::Block:
      break;
    }
    llvm_unreachable("block operands are not fused into the kernel");
  }

  void emitEpilogue(ArrayRef<Value> acc, Value m0, int64_t mr, Value n0,
                    int64_t nr, int64_t lastCnt) {
    int64_t lanes = p.getLanes();
    SmallVector<Value> cols, masks;
    for (int64_t j = 0; j < nr; ++j) {
      cols.push_back(add(n0, j * lanes));
      masks.push_back(j == nr - 1 && lastCnt < lanes ? mask(lastCnt, lanes)
                                                     : Value());
    }
    // Operands that do not depend on the row are loaded once per tile, those
    // that do not depend on the column once per row.
    int64_t numOperands = epilogueOperands.size();
    SmallVector<SmallVector<Value, 5>> tileVals(nr, SmallVector<Value, 5>(5));
    for (int64_t j = 0; j < nr; ++j)
      for (int64_t i = 0; i < numOperands; ++i) {
        const EpilogueOperand &o = epilogueOperands[i];
        if (o.buffer && (o.kind == Broadcast::Kind::PerColumn ||
                         (o.kind == Broadcast::Kind::Scalar && j == 0)))
          tileVals[j][i] = loadOperand(o, m0, cols[j], masks[j]);
        else if (o.buffer && o.kind == Broadcast::Kind::Scalar)
          tileVals[j][i] = tileVals[0][i];
      }
    for (int64_t r = 0; r < mr; ++r) {
      Value row = add(m0, r);
      SmallVector<Value, 5> rowVals(5);
      for (int64_t i = 0; i < numOperands; ++i) {
        const EpilogueOperand &o = epilogueOperands[i];
        if (o.buffer && o.kind == Broadcast::Kind::PerRow)
          rowVals[i] = loadOperand(o, row, cols[0], Value());
      }
      for (int64_t j = 0; j < nr; ++j) {
        Value v = acc[r * nr + j];
        if (ops.epilogue) {
          SmallVector<Value, 5> vals(5);
          for (int64_t i = 0; i < numOperands; ++i) {
            const EpilogueOperand &o = epilogueOperands[i];
            vals[i] = tileVals[j][i] ? tileVals[j][i] : rowVals[i];
            if (!vals[i] && o.buffer)
              vals[i] = loadOperand(o, row, cols[j], masks[j]);
          }
          EpilogueValues values{vals[0], vals[1], vals[2], vals[3], vals[4]};
          v = emitRescaleEpilogue(b, loc, ops.epilogue->spec, v, values);
        }
        if (masks[j])
          vector::MaskedStoreOp::create(b, loc, ops.output,
                                        ValueRange{row, cols[j]}, masks[j], v);
        else
          vector::StoreOp::create(b, loc, v, ops.output,
                                  ValueRange{row, cols[j]});
      }
    }
  }
};

} // namespace

void x86::emitGemmKernel(OpBuilder &b, Location loc, X86GemmPlanAttr plan,
                         const KernelOperands &operands) {
  KernelEmitter(b, loc, plan, operands).emit();
}
