//===- WeightOnlyMicroKernel.cpp - the body of a weight-only GEMM kernel --===//
#include "WeightOnlyGemm.h"

#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;

namespace {

class WeightOnlyEmitter {
public:
  WeightOnlyEmitter(OpBuilder &b, Location loc, const WeightOnlyPlan &plan,
                    const WeightOnlyKernelOperands &ops)
      : b(b), loc(loc), p(plan), ops(ops) {
    f32 = b.getF32Type();
    vecTy = VectorType::get({p.lanes}, f32);
    i8VecTy = VectorType::get({p.lanes}, b.getI8Type());
    i32VecTy = VectorType::get({p.lanes}, b.getI32Type());
    kcEff = std::min(p.kc, p.k);
  }

  void emit() {
    nibblesIfNeeded();
    if (!p.kBlockOuter) {
      forPanels(ops.panelBegin, ops.panelEnd,
                [&](Value jr, int64_t vectors, int64_t last) {
                  forBlocks(idx(0), p.k, kcEff, [&](Value pc, int64_t kcur) {
                    emitPanel(jr, vectors, last, pc, kcur);
                  });
                });
      return;
    }
    forBlocks(idx(0), p.k, kcEff, [&](Value pc, int64_t kcur) {
      forPanels(ops.panelBegin, ops.panelEnd,
                [&](Value jr, int64_t vectors, int64_t last) {
                  emitPanel(jr, vectors, last, pc, kcur);
                });
    });
  }

  /// Widens K rows [pc, pc + kcur) of the panels [jb, jbEnd) into the f32
  /// scratch `bPacked` ([block][rows][panelCols], panel jr at jr - jb), each
  /// weight as float(q - offset) * scale (emitWeightOnlyBlockedKernel). A
  /// packed weight is widened panel by panel (each panel's rows are
  /// contiguous), one read in place ([k, n]) row by row across the panels
  /// (long runs the prefetchers follow). The offsets and scales are loaded
  /// once per group (or once per panel without groups) when the rows are
  /// swept within a panel, once per row and panel otherwise.
  void widenBlock(Value bPacked, Value jb, Value jbEnd, Value pc,
                  int64_t kcur) {
    nibblesIfNeeded();
    auto widenRows = [&](Value jr, Value k0, int64_t count) {
      // Rows [k0, k0 + count) of panel jr, one group (or no groups).
      Value gi =
          p.group ? arith::DivUIOp::create(b, loc, k0, idx(p.group)).getResult()
                  : idx(0);
      setOffsets(gi);
      SmallVector<Value> sv;
      for (int64_t j = 0; j < nvec; ++j)
        sv.push_back(scaleVector(gi, j));
      Value slot = arith::SubIOp::create(b, loc, jr, jb);
      auto row = [&](Value kAbs) {
        SmallVector<Value> wv = widenRow(kAbs);
        Value kk = arith::SubIOp::create(b, loc, kAbs, pc);
        for (int64_t j = 0; j < nvec; ++j)
          vector::StoreOp::create(
              b, loc, arith::MulFOp::create(b, loc, wv[j], sv[j]), bPacked,
              ValueRange{slot, kk, idx(j * p.lanes)});
      };
      if (count == 1) {
        row(k0);
        return;
      }
      auto loop = scf::ForOp::create(b, loc, k0, add(k0, count), idx(1));
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      row(loop.getInductionVar());
    };
    auto setPanel = [&](Value jr, int64_t vectors, int64_t last) {
      nvec = vectors;
      lastCount = last;
      col0 = mul(jr, p.getPanelCols());
      wBase = mul(jr, p.wStridePanel);
    };
    // Runs of rows sharing a scale: whole groups when the block holds whole
    // groups, else single rows.
    int64_t run = !p.group ? kcur : (kcur % p.group == 0 ? p.group : 1);
    if (!p.kBlockOuter) {
      forPanels(jb, jbEnd, [&](Value jr, int64_t vectors, int64_t last) {
        setPanel(jr, vectors, last);
        forBlocks(pc, kcur, run,
                  [&](Value k0, int64_t count) { widenRows(jr, k0, count); });
      });
      return;
    }
    forBlocks(pc, kcur, 1, [&](Value kAbs, int64_t) {
      forPanels(jb, jbEnd, [&](Value jr, int64_t vectors, int64_t last) {
        setPanel(jr, vectors, last);
        widenRows(jr, kAbs, 1);
      });
    });
  }

private:
  OpBuilder &b;
  Location loc;
  const WeightOnlyPlan &p;
  const WeightOnlyKernelOperands &ops;
  Type f32;
  VectorType vecTy, i8VecTy, i32VecTy;
  int64_t kcEff;

  /// The panel being computed: its first column and weight offset, its
  /// vectors of columns and the lanes of the last one.
  Value col0, wBase;
  int64_t nvec = 0, lastCount = 0;
  /// Per vector of columns, the i32 offset subtracted from the widened
  /// weight in the current group (empty: none).
  SmallVector<Value> offsets;
  /// nibbleTable: the f32 table [-8, 7] and, per vector of columns, the f32
  /// zero point of the current group (empty: none).
  Value nibbles;
  SmallVector<Value> zeroF;

  /// The f32 table [-8, 7] of the nibble decoder (nibbleTable), once.
  void nibblesIfNeeded() {
    if (!p.nibbleTable || nibbles)
      return;
    SmallVector<float> table;
    for (int v = -8; v < 8; ++v)
      table.push_back(float(v));
    nibbles = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vecTy, ArrayRef<float>(table)));
  }

  /// vpermps: lane i of `table` at the low 4 bits of lane i of `index`.
  Value permute(Value table, Value index) {
    return X86VpermpsOp::create(b, loc, vecTy, table, index);
  }

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value a, Value c) { return arith::AddIOp::create(b, loc, a, c); }
  Value add(Value a, int64_t c) { return c == 0 ? a : add(a, idx(c)); }
  Value mul(Value a, int64_t c) {
    if (c == 1)
      return a;
    if (c == 0)
      return idx(0);
    return arith::MulIOp::create(b, loc, a, idx(c));
  }
  Value eq(Value a, int64_t c) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, a, idx(c));
  }
  Value mask(int64_t count) {
    return vector::ConstantMaskOp::create(
        b, loc, VectorType::get({p.lanes}, b.getI1Type()),
        ArrayRef<int64_t>{count});
  }
  Value zeros(VectorType ty) {
    return arith::ConstantOp::create(b, loc, b.getZeroAttr(ty));
  }
  int64_t countOf(int64_t j) { return j == nvec - 1 ? lastCount : p.lanes; }

  /// `count` lanes of `ty` from `buf` at flat offset `at`; masked-off lanes
  /// are zero.
  Value load(VectorType ty, Value buf, Value at, int64_t count) {
    if (count == p.lanes)
      return vector::LoadOp::create(b, loc, ty, buf, ValueRange{at});
    return vector::MaskedLoadOp::create(b, loc, ty, buf, ValueRange{at},
                                        mask(count), zeros(ty));
  }
  void store(Value v, Value buf, Value at, int64_t count) {
    if (count == p.lanes)
      vector::StoreOp::create(b, loc, v, buf, ValueRange{at});
    else
      vector::MaskedStoreOp::create(b, loc, buf, ValueRange{at}, mask(count),
                                    v);
  }

  /// [start, start + total) in blocks of `step`: `body(offset, count)` in an
  /// scf.for over the whole blocks, then once for the static tail.
  void forBlocks(Value start, int64_t total, int64_t step,
                 function_ref<void(Value, int64_t)> body) {
    int64_t full = total / step * step, tail = total - full;
    if (full == step) {
      body(start, step);
    } else if (full > 0) {
      auto loop =
          scf::ForOp::create(b, loc, start, add(start, full), idx(step));
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      body(loop.getInductionVar(), step);
    }
    if (tail)
      body(add(start, full), tail);
  }

  /// `body(jr, vectors, lastLanes)` for the panels [begin, end): the full
  /// panels in an scf.for, then the narrower tail panel if the range holds
  /// it.
  void forPanels(Value begin, Value endAll,
                 function_ref<void(Value, int64_t, int64_t)> body) {
    int64_t cols = p.getPanelCols();
    int64_t fullPanels = p.n / cols, tailCols = p.n % cols;
    if (fullPanels > 0) {
      Value end = arith::MinSIOp::create(b, loc, endAll, idx(fullPanels));
      auto loop = scf::ForOp::create(b, loc, begin, end, idx(1));
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      body(loop.getInductionVar(), p.nr, p.lanes);
    }
    if (tailCols) {
      Value t = idx(fullPanels);
      Value inRange = arith::AndIOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, begin, t),
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, endAll, t));
      auto ifOp = scf::IfOp::create(b, loc, inRange, /*withElse=*/false);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      int64_t nvecTail = llvm::divideCeil(tailCols, p.lanes);
      body(t, nvecTail, tailCols - (nvecTail - 1) * p.lanes);
    }
  }

  /// K [pc, pc + kcur) of panel `jr` (nvec vectors of columns, the last of
  /// `last` lanes), all row tiles.
  void emitPanel(Value jr, int64_t vectors, int64_t last, Value pc,
                 int64_t kcur) {
    nvec = vectors;
    lastCount = last;
    col0 = mul(jr, p.getPanelCols());
    wBase = mul(jr, p.wStridePanel);
    if (!p.isDynamicM()) {
      forBlocks(idx(0), p.m, p.mr,
                [&](Value r0, int64_t rows) { emitTile(r0, rows, pc, kcur); });
      return;
    }
    // A run-time M: the whole tiles in a loop, then the M mod mr tail rows
    // through scf.index_switch over tail tiles of 1 .. mr - 1 rows.
    Value whole = mul(arith::DivUIOp::create(b, loc, ops.m, idx(p.mr)), p.mr);
    {
      auto loop = scf::ForOp::create(b, loc, idx(0), whole, idx(p.mr));
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      emitTile(loop.getInductionVar(), p.mr, pc, kcur);
    }
    if (p.mr == 1)
      return;
    Value rest = arith::SubIOp::create(b, loc, ops.m, whole);
    auto cases = llvm::to_vector(llvm::seq<int64_t>(1, p.mr));
    auto sw = scf::IndexSwitchOp::create(b, loc, TypeRange{}, rest, cases,
                                         cases.size());
    OpBuilder::InsertionGuard g(b);
    b.createBlock(&sw.getDefaultRegion());
    scf::YieldOp::create(b, loc);
    for (auto [i, rows] : llvm::enumerate(cases)) {
      b.createBlock(&sw.getCaseRegions()[i]);
      emitTile(whole, rows, pc, kcur);
      scf::YieldOp::create(b, loc);
    }
  }

  /// One K step: nvec int8 weight vectors widened to f32, each row's A
  /// element broadcast, rows x nvec vector.fma into `acc`.
  SmallVector<Value> step(ValueRange acc, Value r0, Value kAbs, int64_t rows) {
    SmallVector<Value> next(acc.begin(), acc.end());
    SmallVector<Value> wv = widenRow(kAbs);
    Value aCol = mul(kAbs, p.aStrideK);
    for (int64_t r = 0; r < rows; ++r) {
      Value at = add(mul(add(r0, r), p.aStrideM), aCol);
      Value s = memref::LoadOp::create(b, loc, ops.a, ValueRange{at});
      if (!p.aElem.isF32())
        s = arith::ExtFOp::create(b, loc, f32, s);
      Value bc = vector::BroadcastOp::create(b, loc, vecTy, s);
      for (int64_t j = 0; j < nvec; ++j) {
        Value &a = next[r * nvec + j];
        a = vector::FMAOp::create(b, loc, bc, wv[j], a);
      }
    }
    return next;
  }

  /// The nvec weight vectors of K row `kAbs` of the panel, widened to f32
  /// minus the current offsets.
  SmallVector<Value> widenRow(Value kAbs) {
    SmallVector<Value> wv;
    Value row = add(wBase, mul(kAbs, p.wStrideK));
    // i32 lanes (minus the offset) to f32.
    auto toFloat = [&](Value q32, int64_t j) -> Value {
      if (!offsets.empty())
        q32 = arith::SubIOp::create(b, loc, q32, offsets[j]);
      return arith::SIToFPOp::create(b, loc, vecTy, q32);
    };
    if (p.weightBits == 4 && p.nibbleTable) {
      // One byte vector per pair of column vectors, zero-extended once; the
      // table reads the low nibble, then (shifted by 4) the high one.
      auto dequant = [&](Value q, int64_t j) -> Value {
        if (!zeroF.empty())
          return arith::SubFOp::create(b, loc, q, zeroF[j]);
        return q;
      };
      for (int64_t j = 0; j < nvec; j += 2) {
        Value bytes = vector::LoadOp::create(
            b, loc, i8VecTy, ops.w, ValueRange{add(row, j / 2 * p.lanes)});
        Value u = arith::ExtUIOp::create(b, loc, i32VecTy, bytes);
        wv.push_back(dequant(permute(nibbles, u), j));
        if (j + 1 < nvec) {
          Value hi = arith::ShRUIOp::create(
              b, loc, u,
              arith::ConstantOp::create(
                  b, loc,
                  DenseElementsAttr::get(i32VecTy, b.getI32IntegerAttr(4))));
          wv.push_back(dequant(permute(nibbles, hi), j + 1));
        }
      }
    } else if (p.weightBits == 4) {
      // One byte vector per pair of column vectors: low nibbles, then high.
      for (int64_t j = 0; j < nvec; j += 2) {
        Value bytes = vector::LoadOp::create(
            b, loc, i8VecTy, ops.w, ValueRange{add(row, j / 2 * p.lanes)});
        Value lo = arith::AndIOp::create(b, loc, bytes, splatI8(0x0F));
        wv.push_back(toFloat(arith::ExtUIOp::create(b, loc, i32VecTy, lo), j));
        if (j + 1 < nvec) {
          Value hi = arith::ShRUIOp::create(b, loc, bytes, splatI8(4));
          wv.push_back(
              toFloat(arith::ExtUIOp::create(b, loc, i32VecTy, hi), j + 1));
        }
      }
    } else {
      for (int64_t j = 0; j < nvec; ++j) {
        Value q = load(i8VecTy, ops.w, add(row, j * p.lanes), countOf(j));
        wv.push_back(toFloat(arith::ExtSIOp::create(b, loc, i32VecTy, q), j));
      }
    }
    return wv;
  }

  /// `acc` after the K steps [k0, k0 + count) (k0 absolute), unrolled by
  /// kunroll.
  SmallVector<Value> runK(SmallVector<Value> acc, Value r0, Value k0,
                          int64_t count, int64_t rows) {
    int64_t ku = std::max<int64_t>(1, std::min(p.kunroll, count));
    int64_t kMain = count / ku * ku;
    auto loopOver = [&](int64_t lo, int64_t hi, int64_t stepBy) {
      auto loop = scf::ForOp::create(b, loc, add(k0, lo), add(k0, hi),
                                     idx(stepBy), acc);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(loop.getBody());
      SmallVector<Value> cur(loop.getRegionIterArgs());
      for (int64_t u = 0; u < stepBy; ++u) {
        Value kAbs = add(loop.getInductionVar(), u);
        if (p.prefetchBytes && !p.kBlockOuter && (u * p.wStrideK) % 64 == 0)
          prefetchWeight(kAbs);
        cur = step(cur, r0, kAbs, rows);
      }
      scf::YieldOp::create(b, loc, cur);
      b.setInsertionPointAfter(loop);
      acc.assign(loop.getResults().begin(), loop.getResults().end());
    };
    if (kMain > 0)
      loopOver(0, kMain, ku);
    for (int64_t kk = kMain; kk < count; ++kk)
      acc = step(acc, r0, add(k0, kk), rows);
    return acc;
  }

  /// A prefetch of the weight prefetchBytes ahead of K row `kAbs` of the
  /// panel (a hint: an address past the weight does not fault).
  void prefetchWeight(Value kAbs) {
    Value at = add(add(wBase, mul(kAbs, p.wStrideK)), p.prefetchBytes);
    memref::PrefetchOp::create(b, loc, ops.w, ValueRange{at},
                               /*isWrite=*/false, /*localityHint=*/3,
                               /*isDataCache=*/true);
  }

  /// Prefetches of the panel's scales (and zero points) of group `gi`
  /// (the next one while the current one is summed), one per 64 bytes.
  void prefetchTables(Value gi) {
    auto fetch = [&](Value buf, Value at) {
      memref::PrefetchOp::create(b, loc, buf, ValueRange{at},
                                 /*isWrite=*/false, /*localityHint=*/3,
                                 /*isDataCache=*/true);
    };
    Value sBase = add(mul(gi, p.sStrideGroup), mul(col0, p.sStrideN));
    Value zBase = p.zeroPoint ? add(mul(gi, p.zStrideGroup), col0) : Value();
    for (int64_t j = 0; j < nvec * p.lanes; j += 16) {
      if (p.sStrideN || j == 0)
        fetch(ops.scale, add(sBase, j));
      if (zBase)
        fetch(ops.zp, add(zBase, j));
    }
  }

  Value splatI8(int64_t v) {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(i8VecTy, b.getI8IntegerAttr(v)));
  }

  /// The offsets of group `gi` (index) of the panel: the zero point table's
  /// (which includes the 8 of 4-bit weights), else 8 for 4-bit weights,
  /// else none.
  SmallVector<Value> offsetVectors(Value gi) {
    SmallVector<Value> out;
    if (!p.zeroPoint) {
      if (p.weightBits == 4)
        out.assign(nvec, arith::ConstantOp::create(
                             b, loc,
                             DenseElementsAttr::get(i32VecTy,
                                                    b.getI32IntegerAttr(8))));
      return out;
    }
    Value base = mul(gi, p.zStrideGroup);
    for (int64_t j = 0; j < nvec; ++j)
      out.push_back(load(i32VecTy, ops.zp, add(base, add(col0, j * p.lanes)),
                         countOf(j)));
    return out;
  }

  /// The offsets of group `gi` for the step: i32 `offsets`, or with the
  /// nibble table the f32 zero points `zeroF` (offset - 8; none without a
  /// zero point).
  void setOffsets(Value gi) {
    offsets = offsetVectors(gi);
    zeroF.clear();
    if (!p.nibbleTable)
      return;
    if (p.zeroPoint)
      for (Value off : offsets)
        zeroF.push_back(arith::SubFOp::create(
            b, loc, arith::SIToFPOp::create(b, loc, vecTy, off),
            arith::ConstantOp::create(
                b, loc, DenseElementsAttr::get(vecTy, b.getF32FloatAttr(8)))));
    offsets.clear();
  }

  /// The scale vector j of group `gi` (index) of the panel.
  Value scaleVector(Value gi, int64_t j) {
    Value base = mul(gi, p.sStrideGroup);
    if (p.sStrideN == 0) {
      Value s = memref::LoadOp::create(b, loc, ops.scale, ValueRange{base});
      return vector::BroadcastOp::create(b, loc, vecTy, s);
    }
    return load(vecTy, ops.scale, add(base, add(col0, j * p.lanes)),
                countOf(j));
  }

  /// Rows [r0, r0 + rows) of the panel over K [pc, pc + kcur).
  void emitTile(Value r0, int64_t rows, Value pc, int64_t kcur) {
    SmallVector<Value> at;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < nvec; ++j)
        at.push_back(add(mul(add(r0, r), p.n), add(col0, j * p.lanes)));
    int64_t tiles = rows * nvec;
    SmallVector<Type> types(tiles, vecTy);

    // Start: zero in the first K block, else the partial sums in the
    // output.
    SmallVector<Value> acc;
    if (p.k <= kcEff) {
      acc.assign(tiles, zeros(vecTy));
    } else {
      auto ifOp = scf::IfOp::create(b, loc, types, eq(pc, 0),
                                    /*withElse=*/true);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      scf::YieldOp::create(b, loc, SmallVector<Value>(tiles, zeros(vecTy)));
      b.setInsertionPointToStart(ifOp.elseBlock());
      SmallVector<Value> partial;
      for (int64_t t = 0; t < tiles; ++t)
        partial.push_back(load(vecTy, ops.out, at[t], countOf(t % nvec)));
      scf::YieldOp::create(b, loc, partial);
      b.setInsertionPointAfter(ifOp);
      acc.assign(ifOp.getResults().begin(), ifOp.getResults().end());
    }

    if (!p.group) {
      setOffsets(idx(0));
      acc = runK(acc, r0, pc, kcur, rows);
    } else {
      // Each group in temporaries, then acc += temp * scale[group].
      int64_t groups = kcur / p.group;
      if (p.groupSumsInOutput) {
        // The starting sums go to the output; the loop carries nothing.
        for (int64_t t = 0; t < tiles; ++t)
          store(acc[t], ops.out, at[t], countOf(t % nvec));
        acc.clear();
      }
      auto loop = scf::ForOp::create(b, loc, idx(0), idx(groups), idx(1), acc);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(loop.getBody());
      Value gl = loop.getInductionVar();
      Value k0 = add(pc, mul(gl, p.group));
      Value gi = arith::DivUIOp::create(b, loc, k0, idx(p.group));
      setOffsets(gi);
      if (p.prefetchBytes)
        prefetchTables(add(gi, 1));
      SmallVector<Value> temp =
          runK(SmallVector<Value>(tiles, zeros(vecTy)), r0, k0, p.group, rows);
      SmallVector<Value> sv;
      for (int64_t j = 0; j < nvec; ++j)
        sv.push_back(scaleVector(gi, j));
      if (p.groupSumsInOutput) {
        // The running sums in the output: out = fma(temp, scale, out).
        for (int64_t t = 0; t < tiles; ++t) {
          int64_t count = countOf(t % nvec);
          Value sum = load(vecTy, ops.out, at[t], count);
          store(vector::FMAOp::create(b, loc, temp[t], sv[t % nvec], sum),
                ops.out, at[t], count);
        }
        b.setInsertionPointAfter(loop);
        for (int64_t t = 0; t < tiles; ++t)
          acc.push_back(load(vecTy, ops.out, at[t], countOf(t % nvec)));
      } else {
        SmallVector<Value> cur(loop.getRegionIterArgs());
        for (int64_t t = 0; t < tiles; ++t)
          cur[t] = vector::FMAOp::create(b, loc, temp[t], sv[t % nvec], cur[t]);
        scf::YieldOp::create(b, loc, cur);
        b.setInsertionPointAfter(loop);
        acc.assign(loop.getResults().begin(), loop.getResults().end());
      }
    }

    // The epilogue of the last K block: the per-channel scale, then C.
    auto finish = [&]() {
      SmallVector<Value> sv;
      if (!p.group)
        for (int64_t j = 0; j < nvec; ++j)
          sv.push_back(scaleVector(idx(0), j));
      for (int64_t t = 0; t < tiles; ++t) {
        Value v = acc[t];
        if (!p.group)
          v = arith::MulFOp::create(b, loc, v, sv[t % nvec]);
        if (p.accumulate)
          v = arith::AddFOp::create(
              b, loc, v, load(vecTy, ops.c, at[t], countOf(t % nvec)));
        store(v, ops.out, at[t], countOf(t % nvec));
      }
    };
    auto storePartial = [&]() {
      for (int64_t t = 0; t < tiles; ++t)
        store(acc[t], ops.out, at[t], countOf(t % nvec));
    };
    if (p.k <= kcEff) {
      finish();
      return;
    }
    auto ifOp = scf::IfOp::create(b, loc, eq(pc, p.k - kcur),
                                  /*withElse=*/true);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    finish();
    b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
    storePartial();
  }
};

} // namespace

void x86::emitWeightOnlyKernel(OpBuilder &b, Location loc,
                               const WeightOnlyPlan &plan,
                               const WeightOnlyKernelOperands &operands) {
  WeightOnlyEmitter(b, loc, plan, operands).emit();
}

void x86::emitWeightOnlyBlockedKernel(OpBuilder &b, Location loc,
                                      const WeightOnlyPlan &plan,
                                      const FloatGemmPlan &floatPlan,
                                      const WeightOnlyKernelOperands &ops) {
  assert(floatPlan.n == plan.n && floatPlan.k == plan.k &&
         floatPlan.lanes == plan.lanes && floatPlan.nr == plan.nr &&
         !plan.groupSumsInOutput &&
         (!plan.group || floatPlan.kc % plan.group == 0) &&
         "the float plan does not fit the weight's layout");
  WeightOnlyEmitter widen(b, loc, plan, ops);
  FloatKernelOperands fops;
  fops.a = ops.a;
  fops.c = ops.c;
  fops.out = ops.out;
  fops.m = ops.m;
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  fops.aOffset = fops.outOffset = zero;
  fops.panelBegin = ops.panelBegin;
  fops.panelEnd = ops.panelEnd;
  fops.packB = [&](OpBuilder &, Value bPacked, Value jb, Value jbEnd, Value pc,
                   Value, int64_t kcur) {
    widen.widenBlock(bPacked, jb, jbEnd, pc, kcur);
  };
  emitFloatGemmKernel(b, loc, floatPlan, fops);
}
