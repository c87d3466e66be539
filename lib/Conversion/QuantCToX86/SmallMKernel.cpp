//===- SmallMKernel.cpp - small_m plans: W read in place, A packed ----------
//===//
//
// The small_m kernel of a run-time-weight GEMM with few rows: A packed once
// per call, 4-byte K groups of W broadcast from its rows (no packing of W).
//
//===----------------------------------------------------------------------===//
#include "KernelEmitter.h"

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;
using namespace quantc::x86::detail;

void KernelEmitter::emitSmallM() {
  int64_t lanes = p.getLanes();
  auto packedTy = MemRefType::get(
      {p.getSmallMBlocks(), p.getKGroups(), lanes * p.getGroup()}, i8);
  if (p.getPackedABytes() > kMaxStackTileBytes)
    packedA =
        memref::AllocOp::create(b, loc, packedTy, b.getI64IntegerAttr(64));
  else
    packedA =
        memref::AllocaOp::create(b, loc, packedTy, b.getI64IntegerAttr(64));
  if (needsRowSums()) {
    rowSums =
        memref::AllocaOp::create(b, loc, MemRefType::get({p.getM()}, i32));
    rowSumBase = idx(0);
  }
  for (int64_t mb = 0; mb < p.getSmallMBlocks(); ++mb)
    packSmallA(mb);
  // W's rows are addressed from one pointer when their stride is K (a
  // contiguous [N, K] buffer, the usual case): the 16 rows of a panel are
  // then constant offsets, where a run-time stride would need a register
  // per row. Other strides (slices) take the same code on the general
  // layout.
  auto wTyDyn = cast<MemRefType>(ops.weights.getType());
  auto wTyStatic =
      MemRefType::get(wTyDyn.getShape(), i8,
                      StridedLayoutAttr::get(
                          b.getContext(), ShapedType::kDynamic, {p.getK(), 1}));
  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, ops.weights);
  Value contiguous = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                           meta.getStrides()[0], idx(p.getK()));
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

void KernelEmitter::emitSmallMPanels() {
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

void KernelEmitter::packSmallA(int64_t mb) {
  constexpr int64_t nw = kTransposeWords;
  int64_t group = p.getGroup(), chunk = nw * group;
  auto inTy = VectorType::get({chunk}, i8);
  auto wordsTy = VectorType::get({nw}, i32);
  Value zeroIn = splat(inTy, b.getIntegerAttr(i8, 0));
  Value shift = splat(inTy, b.getIntegerAttr(i8, 0x80));
  // The block's rows that exist, and (weight zero point) their sums over K.
  int64_t rowsHere = std::min(nw, p.getM() - mb * nw);
  SmallVector<Value> init;
  if (needsRowSums())
    init.assign(rowsHere, arith::ConstantIntOp::create(b, loc, i32, 0));
  SmallVector<Value> sums = forEachKChunkN(
      chunk, init,
      [&](Value q, int64_t count, ValueRange cur) -> SmallVector<Value> {
        Value k = mul(q, chunk);
        SmallVector<Value> rows, next;
        Value zeroWords = splat(wordsTy, b.getI32IntegerAttr(0));
        for (int64_t i = 0; i < nw; ++i) {
          if (i >= rowsHere) {
            rows.push_back(zeroWords);
            continue;
          }
          Value row = idx(mb * nw + i);
          Value v =
              count == chunk
                  ? Value(vector::LoadOp::create(b, loc, inTy, ops.activations,
                                                 ValueRange{row, k}))
                  : Value(vector::MaskedLoadOp::create(
                        b, loc, inTy, ops.activations, ValueRange{row, k},
                        mask(count, chunk), zeroIn));
          if (!cur.empty())
            next.push_back(addRowSum(cur[i], v));
          rows.push_back(vector::BitCastOp::create(b, loc, wordsTy, v));
        }
        SmallVector<Value> t = transposeWords(rows);
        Value g0 = mul(q, nw);
        for (int64_t j = 0; j < llvm::divideCeil(count, group); ++j) {
          // u8 bytes are vpdpbusd's operand as they are.
          Value v = vector::BitCastOp::create(b, loc, inTy, t[j]);
          if (!ops.zeroPoints.unsignedActivations)
            v = arith::XOrIOp::create(b, loc, v, shift);
          vector::StoreOp::create(b, loc, v, packedA,
                                  ValueRange{idx(mb), add(g0, j), idx(0)});
        }
        return next;
      });
  for (auto [i, sum] : llvm::enumerate(sums))
    memref::StoreOp::create(b, loc, sum, rowSums, ValueRange{idx(mb * nw + i)});
}

Value KernelEmitter::broadcastWeight(Value row, Value k, int64_t count) {
  int64_t group = p.getGroup();
  auto wordTy = VectorType::get({group}, i8);
  Value v =
      count == group
          ? Value(vector::LoadOp::create(b, loc, wordTy, wBuf,
                                         ValueRange{row, k}))
          : Value(vector::MaskedLoadOp::create(
                b, loc, wordTy, wBuf, ValueRange{row, k}, mask(count, group),
                splat(wordTy, b.getIntegerAttr(i8, 0))));
  Value word = vector::BitCastOp::create(b, loc, VectorType::get({1}, i32), v);
  return vector::BitCastOp::create(
      b, loc, wTy, vector::BroadcastOp::create(b, loc, accTy, word));
}

void KernelEmitter::emitSmallMPanel(Value n0, int64_t cols) {
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
                        ? Value(vector::LoadOp::create(b, loc, inTy, wBuf,
                                                       ValueRange{wRows[i], k}))
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
  comp = arith::MulIOp::create(b, loc, comp, isplat(compFactor));

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
    int64_t ku = wBuf == ops.weights ? 1 : std::max<int64_t>(1, p.getKunroll());
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
