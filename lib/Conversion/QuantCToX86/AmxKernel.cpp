//===- AmxKernel.cpp - the AMX-INT8 tile of an x86 GEMM kernel ------------===//
//
// The amx plan's step of KernelEmitter (KernelEmitter.h): one row tile of
// `mr` rows (mr / 16 A tiles) against one weight panel of `nr` B tiles of
// 16 columns, accumulated by tdpbssd (s8 x s8) in mr / 16 x nr C tiles over
// K, stored to a per-call 32 x 32 i32 scratch and handed to the shared
// epilogue (emitEpilogue) as 16-lane vectors. The A tiles are read from the
// activations in place where amxReadsAInPlace allows, else they are rows of
// the packed activation tile (packActivations, un-shifted and zero padded
// to whole 64-byte tile rows); u8 activations take tdpbusd (zero-extended
// A, the vpdpbusd compensation). The B tiles are 16-column slices of the
// vpdpbusd panel layout (WeightPacking.cpp: [panel][K / 4][cols * 4], so a
// B tile is 16 K groups x 64 bytes at a row stride of cols * 4 bytes).
// With `emulate` the same addresses are read by i32 vector arithmetic
// (tests without AMX).
//
//===----------------------------------------------------------------------===//
#include "KernelEmitter.h"

#include "mlir/Dialect/AMX/AMXDialect.h"

#include <numeric>

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;
using namespace quantc::x86::detail;

static constexpr int64_t kTileRows = X86GemmPlanAttr::kAmxTileRows;
static constexpr int64_t kTileK = X86GemmPlanAttr::kAmxTileK;

Value KernelEmitter::createAmxScratch() {
  // C tiles of one row tile: mr rows x nr * 16 i32, on the stack.
  return memref::AllocaOp::create(
      b, loc,
      MemRefType::get(
          {int64_t(llvm::divideCeil(p.getMr(), kTileRows)) * kTileRows,
           p.getNr() * p.getLanes()},
          i32),
      b.getI64IntegerAttr(64));
}

void KernelEmitter::zeroTileRows(Value row0, int64_t from, int64_t to) {
  if (from >= to)
    return;
  int64_t width = p.getPackWidth();
  auto vTy = VectorType::get({width}, i8);
  Value zero = splat(vTy, b.getIntegerAttr(i8, 0));
  auto rows =
      scf::ForOp::create(b, loc, add(row0, from), add(row0, to), idx(1));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPoint(rows.getBody()->getTerminator());
  auto ks = scf::ForOp::create(b, loc, idx(0), idx(p.getPackedK()), idx(width));
  b.setInsertionPoint(ks.getBody()->getTerminator());
  vector::StoreOp::create(
      b, loc, zero, tile,
      ValueRange{rows.getInductionVar(), ks.getInductionVar()});
}

/// The emulated tdpbssd of A tile `ai` (rows 16 ai.. of the packed
/// activation tile, bytes [64 kb, 64 kb + 64)) and B tile `bj` (16 columns
/// from 16 bj of `panel`, K groups [16 kb, 16 kb + 16)) into the C scratch:
/// C[r][c] += sum_g sum_t sext(A[r][4g + t]) * sext(B[g][4c + t]).
void KernelEmitter::emulateTdpbssd(Value cBuf, Value aBuf, Value aRow0,
                                   int64_t ai, int64_t bj, Value panel,
                                   Value kb) {
  auto rows = scf::ForOp::create(b, loc, idx(0), idx(kTileRows), idx(1));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPoint(rows.getBody()->getTerminator());
  Value r = add(rows.getInductionVar(), ai * kTileRows);
  Value aRow = arith::AddIOp::create(b, loc, aRow0, r);
  Value col = idx(bj * p.getLanes());
  Value c0 = vector::LoadOp::create(b, loc, accTy, cBuf, ValueRange{r, col});
  int64_t groups = kTileK / p.getGroup();
  auto gs =
      scf::ForOp::create(b, loc, idx(0), idx(groups), idx(1), ValueRange{c0});
  b.setInsertionPointToStart(gs.getBody());
  Value gi = gs.getInductionVar();
  Value k = arith::AddIOp::create(b, loc, mul(kb, kTileK), mul(gi, 4));
  Value word = vector::BitCastOp::create(
      b, loc, VectorType::get({1}, i32),
      vector::LoadOp::create(b, loc, VectorType::get({4}, i8), aBuf,
                             ValueRange{aRow, k}));
  Value aw = vector::BroadcastOp::create(b, loc, accTy, word);
  Value wRow = arith::AddIOp::create(b, loc, mul(kb, groups), gi);
  Value bw = vector::BitCastOp::create(
      b, loc, accTy,
      vector::LoadOp::create(b, loc, wTy, packed,
                             ValueRange{panel, wRow, idx(bj * 64)}));
  Value next =
      emulateVpdpbusd(gs.getRegionIterArgs()[0],
                      unpackBytes(aw, !ops.zeroPoints.unsignedActivations),
                      unpackBytes(bw, /*isSigned=*/true));
  scf::YieldOp::create(b, loc, next);
  b.setInsertionPointAfter(gs);
  vector::StoreOp::create(b, loc, gs.getResult(0), cBuf, ValueRange{r, col});
}

/// L1 maps addresses with this period to one set (64 sets x 64 bytes) and
/// holds this many lines of a set.
static constexpr int64_t kL1SetPeriod = 4096, kL1Ways = 12;

bool KernelEmitter::amxReadsAInPlace(int64_t mr) const {
  // tileloadd takes any row stride: whole 64-byte K steps of whole 16-row
  // A tiles are read where they lie. The row sums of a weight zero point
  // are taken while packing, so those plans pack. So do row strides whose
  // row tile puts more lines in one L1 set than it has ways (K a multiple
  // of 2048 for 32 rows): measured at K = 4096, the A tile loads from
  // [M, 4096] activations stalled longer than packing took (the packed
  // tile pads each row off the power-of-two stride).
  int64_t rowsPerSet =
      p.getMr() / (kL1SetPeriod / std::gcd(p.getK(), kL1SetPeriod));
  return p.getIsa() == X86Isa::amx && p.getK() % kTileK == 0 &&
         mr % kTileRows == 0 && !needsRowSums() && rowsPerSet <= kL1Ways;
}

bool KernelEmitter::amxStoresCInPlace(int64_t mr, int64_t nr,
                                      int64_t lastCnt) const {
  // tilestored writes whole 16 x 16 tiles at any row stride: the rows of a
  // full row tile (mr a multiple of 16, all inside M) and the columns of a
  // full panel. The output must be the accumulator itself (no epilogue, no
  // weight zero point, no compensation to add).
  return p.getIsa() == X86Isa::amx && !p.getEmulate() && !ops.epilogue &&
         !needsRowSums() && amxCompensationIsZero() && mr % kTileRows == 0 &&
         nr == p.getNr() && lastCnt == p.getLanes();
}

bool KernelEmitter::amxPacksAOnce() const {
  // Packed per row tile, A would be packed N / (panel_block * cols) times
  // (32 times at 512 x 4096 x 4096, 28 % of the kernel's samples).
  return p.getIsa() == X86Isa::amx && !amxReadsAInPlace(p.getMr()) &&
         !needsRowSums() && p.getNumPanels() > p.getPanelBlock();
}

void KernelEmitter::emitAmxTile(Value m0, int64_t mr, Value panel, Value n0,
                                int64_t nr, int64_t lastCnt) {
  // With a run-time weight, the panel's place in the block's scratch.
  Value wPanel = panel, compCol = n0;
  if (panelBase) {
    wPanel = arith::SubIOp::create(b, loc, panel, panelBase);
    compCol = mul(wPanel, p.getPanelCols());
  }
  int64_t aTiles = int64_t(llvm::divideCeil(mr, kTileRows));
  // K in whole tile rows: packActivations and the packers zero pad it.
  int64_t kSteps = p.getPackedK() / kTileK;
  int64_t groups = kTileK / p.getGroup();
  // The A tiles: rows m0.. of the activations in place, or of the packed
  // tile.
  // A packed once per call holds every row at its own index.
  bool inPlace = amxReadsAInPlace(mr);
  Value aBuf = inPlace ? ops.activations : tile;
  Value aRow0 = inPlace || amxPacksAOnce() ? m0 : idx(0);
  if (p.getEmulate()) {
    Value zero = isplat(0);
    for (int64_t r = 0; r < aTiles * kTileRows; ++r)
      for (int64_t j = 0; j < nr; ++j)
        vector::StoreOp::create(b, loc, zero, amxC,
                                ValueRange{idx(r), idx(j * p.getLanes())});
    auto ks = scf::ForOp::create(b, loc, idx(0), idx(kSteps), idx(1));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(ks.getBody()->getTerminator());
    for (int64_t i = 0; i < aTiles; ++i)
      for (int64_t j = 0; j < nr; ++j)
        emulateTdpbssd(amxC, aBuf, aRow0, i, j, wPanel, ks.getInductionVar());
  } else {
    auto aTy = amx::TileType::get({kTileRows, kTileK}, i8);
    auto cTy = amx::TileType::get({kTileRows, p.getLanes()}, i32);
    SmallVector<Value> c;
    for (int64_t t = 0; t < aTiles * nr; ++t)
      c.push_back(amx::TileZeroOp::create(b, loc, cTy));
    auto ks = scf::ForOp::create(b, loc, idx(0), idx(kSteps), idx(1), c);
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(ks.getBody());
      Value kb = ks.getInductionVar();
      SmallVector<Value> as, bs;
      for (int64_t i = 0; i < aTiles; ++i)
        as.push_back(amx::TileLoadOp::create(
            b, loc, aTy, aBuf,
            ValueRange{add(aRow0, i * kTileRows), mul(kb, kTileK)}));
      // B tile j: groups [16 kb, 16 kb + 16) of the panel's columns
      // [16 j, 16 j + 16), at the panel's row stride (cols * 4 bytes).
      for (int64_t j = 0; j < nr; ++j)
        bs.push_back(amx::TileLoadOp::create(
            b, loc, aTy, packed,
            ValueRange{wPanel, mul(kb, groups), idx(j * kTileK)}));
      SmallVector<Value> next;
      for (int64_t i = 0; i < aTiles; ++i)
        for (int64_t j = 0; j < nr; ++j)
          next.push_back(amx::TileMulIOp::create(
              b, loc, cTy, as[i], bs[j], ks.getRegionIterArgs()[i * nr + j],
              /*isZextLhs=*/ops.zeroPoints.unsignedActivations));
      scf::YieldOp::create(b, loc, next);
    }
    // The C tiles go straight to the output when they are its final
    // values (i32 without an epilogue, zero compensation, whole tiles),
    // else to the C scratch for the epilogue below.
    bool inOutput = amxStoresCInPlace(mr, nr, lastCnt);
    Value cBuf = inOutput ? ops.output : amxC;
    auto at = [&](Value base, int64_t offset) {
      return inOutput ? add(base, offset) : idx(offset);
    };
    for (int64_t i = 0; i < aTiles; ++i)
      for (int64_t j = 0; j < nr; ++j)
        amx::TileStoreOp::create(
            b, loc, cBuf,
            ValueRange{at(m0, i * kTileRows), at(n0, j * p.getLanes())},
            ks.getResult(i * nr + j));
    if (inOutput)
      return;
  }
  // The rows as 16-lane accumulators, with the -zx * colsum(W)
  // compensation (unless it is zero), into the shared epilogue.
  SmallVector<Value> comp, acc;
  bool addComp = !amxCompensationIsZero();
  for (int64_t j = 0; addComp && j < nr; ++j)
    comp.push_back(
        vector::LoadOp::create(b, loc, accTy, compensation,
                               ValueRange{add(compCol, j * p.getLanes())}));
  for (int64_t r = 0; r < mr; ++r)
    for (int64_t j = 0; j < nr; ++j) {
      Value c = vector::LoadOp::create(
          b, loc, accTy, amxC, ValueRange{idx(r), idx(j * p.getLanes())});
      acc.push_back(addComp ? arith::AddIOp::create(b, loc, c, comp[j]) : c);
    }
  emitEpilogue(acc, m0, mr, n0, nr, lastCnt);
}
