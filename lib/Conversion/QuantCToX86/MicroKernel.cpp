//===- MicroKernel.cpp - the body of an x86 GEMM kernel -------------------===//
#include "KernelEmitter.h"

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;
using namespace quantc::x86::detail;

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

void KernelEmitter::emit() {
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
  bool packAOnce = amxPacksAOnce();
  int64_t tileRows = X86GemmPlanAttr::kAmxTileRows;
  if (packAOnce)
    tileTy = MemRefType::get(
        {int64_t(llvm::divideCeil(p.getM(), tileRows)) * tileRows,
         p.getPackedK() + p.getPackWidth()},
        elem);
  if (packAOnce || p.getTileBytes() > kMaxStackTileBytes)
    tile = memref::AllocOp::create(b, loc, tileTy, b.getI64IntegerAttr(64));
  else
    tile = memref::AllocaOp::create(b, loc, tileTy, b.getI64IntegerAttr(64));
  packed = ops.packedWeights;
  compensation = ops.compensation;
  if (p.getIsa() == X86Isa::amx)
    amxC = createAmxScratch();
  if (needsRowSums())
    rowSums =
        memref::AllocaOp::create(b, loc, MemRefType::get({p.getMr()}, i32));
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
    if (packsCompensation())
      compensation = memref::AllocOp::create(
          b, loc, MemRefType::get({blockPanels * p.getPanelCols()}, i32),
          b.getI64IntegerAttr(64));
  }
  int64_t mr = p.getMr();
  int64_t mFull = p.getM() / mr * mr, mTail = p.getM() % mr;
  if (packAOnce) {
    // All rows of A, once, before the blocks: the rows past M up to a
    // whole A tile are zeros.
    if (mFull > 0) {
      auto rows = scf::ForOp::create(b, loc, idx(0), idx(mFull), idx(mr));
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPoint(rows.getBody()->getTerminator());
      packActivations(rows.getInductionVar(), mr, rows.getInductionVar());
    }
    if (mTail) {
      packActivations(idx(mFull), mTail, idx(mFull));
      zeroTileRows(idx(mFull), mTail,
                   llvm::divideCeil(mTail, tileRows) * tileRows);
    }
  }
  Value pBegin = ops.panelBegin, pEnd = ops.panelEnd;
  auto blocks =
      scf::ForOp::create(b, loc, pBegin, pEnd, idx(p.getPanelBlock()));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPoint(blocks.getBody()->getTerminator());
  Value nb = blocks.getInductionVar();
  Value bEnd = arith::MinSIOp::create(b, loc, add(nb, p.getPanelBlock()), pEnd);
  if (p.getRuntimeWeight()) {
    panelBase = nb;
    if (p.getWeightKn())
      packWeightBlockKN(nb, bEnd);
    else if (p.getPanelCols() % kTransposeWords == 0)
      packWeightBlockTransposed(nb, bEnd);
    else
      packWeightBlock(nb, bEnd);
  }
  if (mFull > 0) {
    auto rows = scf::ForOp::create(b, loc, idx(0), idx(mFull), idx(mr));
    OpBuilder::InsertionGuard g2(b);
    b.setInsertionPoint(rows.getBody()->getTerminator());
    emitRowTile(rows.getInductionVar(), mr, nb, bEnd);
  }
  if (mTail) {
    // amx: the A tiles read whole tile rows; those past M are zeros.
    if (p.getIsa() == X86Isa::amx && !packAOnce)
      zeroTileRows(idx(0), mTail,
                   llvm::divideCeil(mTail, X86GemmPlanAttr::kAmxTileRows) *
                       X86GemmPlanAttr::kAmxTileRows);
    emitRowTile(idx(mFull), mTail, nb, bEnd);
  }
}

SmallVector<Value> KernelEmitter::forEachKChunkN(
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

Value KernelEmitter::forEachKChunk(
    int64_t chunk, Value sums,
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

void KernelEmitter::emitRowTile(Value m0, int64_t mr, Value nb, Value bEnd) {
  rowSumBase = m0;
  if (!amxReadsAInPlace(mr) && !amxPacksAOnce())
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
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, nb, t),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, bEnd, t));
    auto ifOp = scf::IfOp::create(b, loc, inRange, /*withElse=*/false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    emitTile(m0, mr, t, idx(fullPanels * cols), nr, last);
  }
}

void KernelEmitter::packActivations(Value m0, int64_t mr, Value dst0) {
  int64_t width = p.getPackWidth();
  auto inTy = VectorType::get({width}, i8);
  auto outTy = VectorType::get({width}, elem);
  const KernelZeroPoints &zp = ops.zeroPoints;
  auto transform = [&](Value v) -> Value {
    if (p.getIsa() == X86Isa::avx2) {
      // A - zx lies in [-255, 255]: exact in i16, and against the i16
      // weights vpmaddwd's pair sums stay within i32.
      Value wide = arith::ExtSIOp::create(b, loc, outTy, v);
      if (zp.lhs == 0)
        return wide;
      return arith::SubIOp::create(
          b, loc, wide, splat(outTy, b.getIntegerAttr(elem, zp.lhs)));
    }
    // u8 bytes are vpdpbusd's operand as they are; tdpbssd takes s8.
    if (zp.unsignedActivations || p.getIsa() == X86Isa::amx)
      return v;
    return arith::XOrIOp::create(b, loc, v,
                                 splat(inTy, b.getIntegerAttr(i8, 0x80)));
  };
  bool sums = needsRowSums();
  auto rows = scf::ForOp::create(b, loc, idx(0), idx(mr), idx(1));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPoint(rows.getBody()->getTerminator());
  Value r = rows.getInductionVar();
  Value row = arith::AddIOp::create(b, loc, m0, r);
  // The tile row; the row sums stay indexed by r.
  Value dst = dst0 ? Value(arith::AddIOp::create(b, loc, dst0, r)) : r;
  Value a = ops.activations;
  Value sum =
      sums ? Value(arith::ConstantIntOp::create(b, loc, i32, 0)) : Value();
  int64_t kFull = p.getK() / width * width, kTail = p.getK() % width;
  if (kFull > 0) {
    SmallVector<Value> init;
    if (sums)
      init.push_back(sum);
    auto ks = scf::ForOp::create(b, loc, idx(0), idx(kFull), idx(width), init);
    OpBuilder::InsertionGuard g2(b);
    b.setInsertionPointToStart(ks.getBody());
    Value k = ks.getInductionVar();
    Value v = vector::LoadOp::create(b, loc, inTy, a, ValueRange{row, k});
    vector::StoreOp::create(b, loc, transform(v), tile, ValueRange{dst, k});
    if (sums)
      scf::YieldOp::create(b, loc, addRowSum(ks.getRegionIterArgs()[0], v));
    b.setInsertionPointAfter(ks);
    if (sums)
      sum = ks.getResult(0);
  }
  if (kTail) {
    Value k = idx(kFull);
    Value v = vector::MaskedLoadOp::create(
        b, loc, inTy, a, ValueRange{row, k}, mask(kTail, width),
        splat(inTy, b.getIntegerAttr(i8, 0)));
    vector::StoreOp::create(b, loc, transform(v), tile, ValueRange{dst, k});
    if (sums)
      sum = addRowSum(sum, v);
  }
  if (sums)
    memref::StoreOp::create(b, loc, sum, rowSums, ValueRange{r});
}

Value KernelEmitter::addRowSum(Value acc, Value v) {
  auto vTy = cast<VectorType>(v.getType());
  auto wideTy = VectorType::get(vTy.getShape(), i32);
  Value wide = ops.zeroPoints.unsignedActivations
                   ? Value(arith::ExtUIOp::create(b, loc, wideTy, v))
                   : Value(arith::ExtSIOp::create(b, loc, wideTy, v));
  Value s =
      vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, wide);
  return arith::AddIOp::create(b, loc, acc, s);
}

Value KernelEmitter::correctWeightZeroPoint(Value acc, Value row, Value col,
                                            Value laneMask) {
  const KernelZeroPoints &zp = ops.zeroPoints;
  // The sum of the matmul's values of A (u8 bytes are those values + 128)
  // minus K * zx.
  int64_t offset = int64_t(zp.lhs) + (zp.unsignedActivations ? 128 : 0);
  Value sum = memref::LoadOp::create(
      b, loc, rowSums,
      ValueRange{arith::SubIOp::create(b, loc, row, rowSumBase)});
  sum = arith::SubIOp::create(
      b, loc, sum,
      arith::ConstantIntOp::create(b, loc, i32,
                                   static_cast<int32_t>(p.getK() * offset)));
  Value sumX = vector::BroadcastOp::create(b, loc, accTy, sum);
  Value zw;
  if (zp.rhs.kind == Broadcast::Kind::Scalar)
    zw = vector::BroadcastOp::create(
        b, loc, accTy,
        memref::LoadOp::create(b, loc, zp.rhs.buffer,
                               ValueRange{idx(0), idx(0)}));
  else if (laneMask)
    zw = vector::MaskedLoadOp::create(b, loc, accTy, zp.rhs.buffer,
                                      ValueRange{idx(0), col}, laneMask,
                                      isplat(0));
  else
    zw = vector::LoadOp::create(b, loc, accTy, zp.rhs.buffer,
                                ValueRange{idx(0), col});
  return emitZeroPointCorrection(b, loc, acc, Value(), Value(), zw, sumX,
                                 Value());
}

SmallVector<Value> KernelEmitter::step(ValueRange acc, Value panel, Value g,
                                       int64_t mr, int64_t nr) {
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

SmallVector<Value, 4> KernelEmitter::unpackBytes(Value words, bool isSigned) {
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

void KernelEmitter::emitTile(Value m0, int64_t mr, Value panel, Value n0,
                             int64_t nr, int64_t lastCnt) {
  if (p.getIsa() == X86Isa::amx)
    return emitAmxTile(m0, mr, panel, n0, nr, lastCnt);
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
    SmallVector<Value> cur =
        step(loop.getRegionIterArgs(), wPanel, loop.getInductionVar(), mr, nr);
    scf::YieldOp::create(b, loc, cur);
    b.setInsertionPointAfter(loop);
    acc.assign(loop.getResults().begin(), loop.getResults().end());
  } else if (kg > kgMain) {
    acc = step(acc, wPanel, idx(kgMain), mr, nr);
  }

  emitEpilogue(acc, m0, mr, n0, nr, lastCnt);
}

Value KernelEmitter::loadOperand(const EpilogueOperand &o, Value row, Value col,
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
    return vector::LoadOp::create(b, loc, vecTy, o.buffer, ValueRange{r, col});
  }
  case Broadcast::Kind::Block:
    break;
  }
  llvm_unreachable("block operands are not fused into the kernel");
}

void KernelEmitter::emitEpilogue(ArrayRef<Value> acc, Value m0, int64_t mr,
                                 Value n0, int64_t nr, int64_t lastCnt) {
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
      if (needsRowSums())
        v = correctWeightZeroPoint(v, row, cols[j], masks[j]);
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

void x86::emitGemmKernel(OpBuilder &b, Location loc, X86GemmPlanAttr plan,
                         const KernelOperands &operands) {
  KernelEmitter(b, loc, plan, operands).emit();
}
