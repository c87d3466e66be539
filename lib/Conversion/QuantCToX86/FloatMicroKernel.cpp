//===- FloatMicroKernel.cpp - the body of an x86 float GEMM kernel --------===//
#include "FloatGemm.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;

namespace {

class FloatKernelEmitter {
public:
  FloatKernelEmitter(OpBuilder &b, Location loc, const FloatGemmPlan &plan,
                     const FloatKernelOperands &ops)
      : b(b), loc(loc), p(plan), ops(ops) {
    f32 = b.getF32Type();
    vecTy = VectorType::get({p.lanes}, f32);
    kcEff = p.isDynamicK() ? p.kc : std::min(p.kc, p.k);
    mcEff = p.isDynamicM() ? p.mc : std::min(p.mc, p.m);
  }

  void emit() {
    // Per-call scratch (per thread under OpenMP), freed by the
    // buffer-deallocation pipeline. The rows of the packed A block are
    // padded by one vector, off power-of-two strides.
    int64_t kcPad = llvm::alignTo(kcEff, p.lanes) + p.lanes;
    OpBuilder::InsertionGuard g(b);
    nV = p.isDynamicN() ? ops.n : idx(p.n);
    kV = p.isDynamicK() ? ops.k : idx(p.k);
    if (p.isDynamicM()) {
      // A run-time M of 0 computes nothing (and packs no B); the A scratch
      // holds min(M, mc) rows.
      Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                                        ops.m, idx(0));
      auto ifOp = scf::IfOp::create(b, loc, any, /*withElse=*/false);
      b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      Value rows = arith::MinSIOp::create(b, loc, ops.m, idx(p.mc));
      aPacked = memref::AllocOp::create(
          b, loc, MemRefType::get({ShapedType::kDynamic, kcPad}, f32),
          ValueRange{rows}, b.getI64IntegerAttr(64));
    } else {
      aPacked =
          memref::AllocOp::create(b, loc, MemRefType::get({mcEff, kcPad}, f32),
                                  b.getI64IntegerAttr(64));
    }
    int64_t block = p.isDynamicN() ? p.panelBlock
                                   : std::min(p.panelBlock, p.getNumPanels());
    // A run-time K block packs its B tail a whole transposed vector at a
    // time (packB): rows up to the next multiple of lanes.
    int64_t kRows = p.isDynamicK() ? llvm::alignTo(kcEff, p.lanes) : kcEff;
    bPacked = memref::AllocOp::create(
        b, loc, MemRefType::get({block, kRows, p.getPanelCols()}, f32),
        b.getI64IntegerAttr(64));
    auto blocks =
        scf::ForOp::create(b, loc, ops.panelBegin, ops.panelEnd, idx(block));
    b.setInsertionPoint(blocks.getBody()->getTerminator());
    Value jb = blocks.getInductionVar();
    Value jbEnd = arith::MinSIOp::create(b, loc, add(jb, block), ops.panelEnd);
    forKBlocks([&](Value pc, Value kcur, int64_t kcurStatic) {
      // The first K block starts the accumulators at zero or C, the others
      // at the partial sums in the output.
      Value first = p.isDynamicK() || p.k > kcEff
                        ? Value(arith::CmpIOp::create(
                              b, loc, arith::CmpIPredicate::eq, pc, idx(0)))
                        : Value();
      packBBlock(jb, jbEnd, pc, kcur, kcurStatic);
      forRowBlocks([&](Value ic, Value mcur, int64_t mcurStatic) {
        packA(ic, mcur, mcurStatic, pc, kcur, kcurStatic);
        emitPanels(jb, jbEnd, ic, mcur, mcurStatic, kcur, kcurStatic, first);
      });
    });
  }

private:
  OpBuilder &b;
  Location loc;
  const FloatGemmPlan &p;
  const FloatKernelOperands &ops;
  Type f32;
  VectorType vecTy;
  int64_t kcEff, mcEff;
  Value aPacked, bPacked;
  /// N and K (constants, or the run-time operands).
  Value nV, kV;
  /// The packed panel the micro-kernels read (its index in bPacked).
  Value slot;

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value a, Value c) { return arith::AddIOp::create(b, loc, a, c); }
  Value add(Value a, int64_t c) { return c == 0 ? a : add(a, idx(c)); }
  Value mul(Value a, int64_t c) {
    if (c == 1)
      return a;
    return arith::MulIOp::create(b, loc, a, idx(c));
  }
  /// a * stride: the plan's static stride, or the run-time one (`dyn`) where
  /// the plan's is kDynamic.
  Value mulBy(Value a, int64_t stride, Value dyn) {
    if (ShapedType::isDynamic(stride))
      return arith::MulIOp::create(b, loc, a, dyn);
    return mul(a, stride);
  }
  Value mulAM(Value a) { return mulBy(a, p.aStrideM, ops.aStrideM); }
  Value mulAK(Value a) { return mulBy(a, p.aStrideK, ops.aStrideK); }
  Value mulBK(Value a) { return mulBy(a, p.bStrideK, ops.bStrideK); }
  Value mulBN(Value a) { return mulBy(a, p.bStrideN, ops.bStrideN); }
  /// The mask of the first `n` lanes for a run-time n (clamped to [0,
  /// lanes] by vector.create_mask).
  Value maskOf(Value n) {
    return vector::CreateMaskOp::create(
        b, loc, VectorType::get({p.lanes}, b.getI1Type()), ValueRange{n});
  }
  /// The full-vector load of `buf` at `at` when `m` is null, else the
  /// masked one (masked-off lanes zero), widened to f32.
  Value loadMasked(Value buf, Value at, Value m) {
    if (!m)
      return loadVector(buf, at, p.lanes);
    Type elem = cast<MemRefType>(buf.getType()).getElementType();
    auto ty = VectorType::get({p.lanes}, elem);
    return widen(vector::MaskedLoadOp::create(b, loc, ty, buf, ValueRange{at},
                                              m, zeros(elem)));
  }
  Value mask(int64_t n) {
    return vector::ConstantMaskOp::create(
        b, loc, VectorType::get({p.lanes}, b.getI1Type()),
        ArrayRef<int64_t>{n});
  }
  Value zeros(Type elem) {
    auto ty = VectorType::get({p.lanes}, elem);
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(ty, b.getFloatAttr(elem, 0.0)));
  }
  /// f16 / bf16 -> f32 (scalars or vectors); f32 unchanged.
  Value widen(Value v) {
    Type elem = getElementTypeOrSelf(v.getType());
    if (elem.isF32())
      return v;
    Type to = f32;
    if (auto vt = dyn_cast<VectorType>(v.getType()))
      to = VectorType::get(vt.getShape(), f32);
    return arith::ExtFOp::create(b, loc, to, v);
  }
  /// `count` (1..lanes) elements of `buf` from flat offset `at` as an f32
  /// vector; masked-off lanes are zero.
  Value loadVector(Value buf, Value at, int64_t count) {
    Type elem = cast<MemRefType>(buf.getType()).getElementType();
    auto ty = VectorType::get({p.lanes}, elem);
    Value v;
    if (count == p.lanes)
      v = vector::LoadOp::create(b, loc, ty, buf, ValueRange{at});
    else
      v = vector::MaskedLoadOp::create(b, loc, ty, buf, ValueRange{at},
                                       mask(count), zeros(elem));
    return widen(v);
  }

  /// [start, start + total) in blocks of `step`: `body(offset, count)` in an
  /// scf.for over the whole blocks, then once for the static tail of
  /// total % step.
  void forBlocks(Value start, int64_t total, int64_t step,
                 function_ref<void(Value, int64_t)> body) {
    int64_t full = total / step * step, tail = total - full;
    if (full > 0) {
      if (full == step) {
        body(start, step);
      } else {
        auto loop =
            scf::ForOp::create(b, loc, start, add(start, full), idx(step));
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPoint(loop.getBody()->getTerminator());
        body(loop.getInductionVar(), step);
      }
    }
    if (tail)
      body(add(start, full), tail);
  }
  /// The M blocks: `body(ic, rows, rowsStatic)` for blocks of mc rows,
  /// rowsStatic the row count when it is known at compile time, else -1
  /// (a dynamic M: an scf.for to the run-time M, rows = min(mc, M - ic)).
  void forRowBlocks(function_ref<void(Value, Value, int64_t)> body) {
    if (!p.isDynamicM()) {
      forBlocks(idx(0), p.m, mcEff,
                [&](Value ic, int64_t mcur) { body(ic, idx(mcur), mcur); });
      return;
    }
    auto loop = scf::ForOp::create(b, loc, idx(0), ops.m, idx(mcEff));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    Value ic = loop.getInductionVar();
    Value rows = arith::MinSIOp::create(
        b, loc, idx(mcEff), arith::SubIOp::create(b, loc, ops.m, ic));
    body(ic, rows, -1);
  }

  /// The K blocks: `body(pc, kcur, kcurStatic)`, kcurStatic the block's
  /// length when it is known at compile time, else -1 (a run-time K: an
  /// scf.for to max(K, 1), kcur = min(kc, K - pc)).
  void forKBlocks(function_ref<void(Value, Value, int64_t)> body) {
    if (!p.isDynamicK()) {
      forBlocks(idx(0), p.k, kcEff,
                [&](Value pc, int64_t kcur) { body(pc, idx(kcur), kcur); });
      return;
    }
    // K = 0 still runs one (empty) block: the tiles store 0 or C.
    Value end = arith::MaxSIOp::create(b, loc, kV, idx(1));
    auto loop = scf::ForOp::create(b, loc, idx(0), end, idx(kcEff));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    Value pc = loop.getInductionVar();
    Value kcur = arith::MinSIOp::create(b, loc, idx(kcEff),
                                        arith::SubIOp::create(b, loc, kV, pc));
    body(pc, kcur, -1);
  }
  /// [0, total) in vectors of lanes: `body(offset, mask, count)` over the
  /// whole vectors (mask null), then over the tail: a static one with its
  /// constant mask and count, a run-time one (total static is -1) under
  /// scf.if with a vector.create_mask and count = lanes (the caller may
  /// write all lanes).
  void forVecBlocks(Value total, int64_t totalStatic,
                    function_ref<void(Value, Value, int64_t)> body) {
    if (totalStatic >= 0) {
      forBlocks(idx(0), totalStatic, p.lanes, [&](Value at, int64_t count) {
        body(at, count < p.lanes ? mask(count) : Value(), count);
      });
      return;
    }
    Value whole =
        mul(arith::DivUIOp::create(b, loc, total, idx(p.lanes)), p.lanes);
    forStep(idx(0), whole, p.lanes,
            [&](Value at) { body(at, Value(), p.lanes); });
    Value rest = arith::SubIOp::create(b, loc, total, whole);
    Value any =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, rest, idx(0));
    auto ifOp = scf::IfOp::create(b, loc, any, /*withElse=*/false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    body(whole, maskOf(rest), p.lanes);
  }
  /// An scf.for [lb, ub) step `step` with `body(iv)`.
  void forStep(Value lb, Value ub, int64_t step,
               function_ref<void(Value)> body) {
    auto loop = scf::ForOp::create(b, loc, lb, ub, idx(step));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    body(loop.getInductionVar());
  }

  /// An scf.for [lb, ub) step 1 with `body(iv)`.
  void forEach(Value lb, Value ub, function_ref<void(Value)> body) {
    auto loop = scf::ForOp::create(b, loc, lb, ub, idx(1));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    body(loop.getInductionVar());
  }

  /// Rows [ic, ic + mcur) x K [pc, pc + kcur) of A, widened to f32, into
  /// aPacked[row - ic][k - pc]: vector copies when A is contiguous along K,
  /// vector loads along M and scalar stores when it is contiguous along M
  /// (and the row count static, mcurStatic >= 0), scalars otherwise.
  /// kcurStatic is kcur when it is a compile-time length, else -1.
  void packA(Value ic, Value mcur, int64_t mcurStatic, Value pc, Value kcur,
             int64_t kcurStatic) {
    Value base = add(ops.aOffset, add(mulAM(ic), mulAK(pc)));
    if (p.aStrideK == 1) {
      forEach(idx(0), mcur, [&](Value r) {
        Value row = add(base, mulAM(r));
        // A run-time tail stores a whole vector (zeros past kcur): the rows
        // of aPacked are padded by one vector.
        forVecBlocks(kcur, kcurStatic, [&](Value k0, Value m, int64_t) {
          Value v = loadMasked(ops.a, add(row, k0), m);
          vector::StoreOp::create(b, loc, v, aPacked, ValueRange{r, k0});
        });
      });
      return;
    }
    if (p.aStrideM == 1 && mcurStatic >= 0) {
      forEach(idx(0), kcur, [&](Value kk) {
        Value col = add(base, mulAK(kk));
        forBlocks(idx(0), mcurStatic, p.lanes, [&](Value r0, int64_t count) {
          Value v = loadVector(ops.a, add(col, r0), count);
          for (int64_t i = 0; i < count; ++i)
            memref::StoreOp::create(b, loc,
                                    vector::ExtractOp::create(b, loc, v, i),
                                    aPacked, ValueRange{add(r0, i), kk});
        });
      });
      return;
    }
    forEach(idx(0), mcur, [&](Value r) {
      forEach(idx(0), kcur, [&](Value kk) {
        Value at = add(base, add(mulAM(r), mulAK(kk)));
        Value s = widen(memref::LoadOp::create(b, loc, ops.a, ValueRange{at}));
        memref::StoreOp::create(b, loc, s, aPacked, ValueRange{r, kk});
      });
    });
  }

  /// The lanes x lanes transpose of `rows` (vector.shuffle rounds, round d
  /// swapping bit d of the row and column indices).
  SmallVector<Value> transpose(SmallVector<Value> rows) {
    int64_t n = p.lanes;
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

  /// The tail panel of the N range: `body(t, cols, colsDyn)` under scf.if
  /// when the panel range [jb, jbEnd) holds it, t its index; a static N
  /// passes its column count `cols` (colsDyn null; nothing when N is a
  /// multiple of the panel), a run-time N the run-time count colsDyn (and
  /// cols = -1), only when it is not 0.
  void ifTailPanel(Value jb, Value jbEnd,
                   function_ref<void(Value, int64_t, Value)> body) {
    int64_t cols = p.getPanelCols();
    Value t, tailDyn;
    Value cond;
    if (!p.isDynamicN()) {
      if (p.n % cols == 0)
        return;
      t = idx(p.n / cols);
    } else {
      t = arith::DivUIOp::create(b, loc, nV, idx(cols));
      tailDyn = arith::RemUIOp::create(b, loc, nV, idx(cols));
      cond = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, tailDyn,
                                   idx(0));
    }
    Value inRange = arith::AndIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, jb, t),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, jbEnd, t));
    if (cond)
      inRange = arith::AndIOp::create(b, loc, inRange, cond);
    auto ifOp = scf::IfOp::create(b, loc, inRange, /*withElse=*/false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    body(t, p.isDynamicN() ? -1 : p.n % cols, tailDyn);
  }
  /// The end of the full panels in [jb, jbEnd).
  Value fullPanelsEnd(Value jbEnd) {
    Value full =
        p.isDynamicN()
            ? Value(arith::DivUIOp::create(b, loc, nV, idx(p.getPanelCols())))
            : idx(p.n / p.getPanelCols());
    return arith::MinSIOp::create(b, loc, jbEnd, full);
  }

  /// Panels [jb, jbEnd) x K [pc, pc + kcur) of B into the block's scratch.
  /// A B contiguous along N is read row by row across the whole block (long
  /// runs the prefetchers follow), other layouts panel by panel.
  void packBBlock(Value jb, Value jbEnd, Value pc, Value kcur,
                  int64_t kcurStatic) {
    if (ops.packB) {
      ops.packB(b, bPacked, jb, jbEnd, pc, kcur, kcurStatic);
      return;
    }
    int64_t cols = p.getPanelCols();
    if (p.bStrideN == 1) {
      forEach(idx(0), kcur, [&](Value kk) {
        forEach(jb, fullPanelsEnd(jbEnd),
                [&](Value jr) { packBRow(jr, jb, cols, Value(), pc, kk); });
        ifTailPanel(jb, jbEnd, [&](Value t, int64_t tc, Value tcDyn) {
          packBRow(t, jb, tc, tcDyn, pc, kk);
        });
      });
      return;
    }
    forEach(jb, fullPanelsEnd(jbEnd), [&](Value jr) {
      packB(jr, jb, cols, Value(), pc, kcur, kcurStatic);
    });
    ifTailPanel(jb, jbEnd, [&](Value t, int64_t tc, Value tcDyn) {
      packB(t, jb, tc, tcDyn, pc, kcur, kcurStatic);
    });
  }

  /// Row kk of the K block of panel jr (B contiguous along N), `cols`
  /// columns (or the run-time colsDyn: all nr vectors, masked), into
  /// bPacked[jr - jb][kk].
  void packBRow(Value jr, Value jb, int64_t cols, Value colsDyn, Value pc,
                Value kk) {
    Value dst = arith::SubIOp::create(b, loc, jr, jb);
    Value row =
        add(ops.bOffset, add(mul(jr, p.getPanelCols()), mulBK(add(pc, kk))));
    int64_t nvec = colsDyn ? p.nr : llvm::divideCeil(cols, p.lanes);
    for (int64_t j = 0; j < nvec; ++j) {
      Value v;
      if (colsDyn) {
        Value m =
            maskOf(arith::SubIOp::create(b, loc, colsDyn, idx(j * p.lanes)));
        v = loadMasked(ops.b, add(row, j * p.lanes), m);
      } else {
        int64_t count = std::min(p.lanes, cols - j * p.lanes);
        v = loadVector(ops.b, add(row, j * p.lanes), count);
      }
      vector::StoreOp::create(b, loc, v, bPacked,
                              ValueRange{dst, kk, idx(j * p.lanes)});
    }
  }

  /// Columns [col0, col0 + cols) (panel jr; colsDyn a run-time count, then
  /// cols is ignored) x K [pc, pc + kcur) of B, widened to f32, into
  /// bPacked[jr - jb][k - pc][col - col0] (K-major panel). Columns past
  /// the count are zero or left as they are: their lanes are never stored.
  void packB(Value jr, Value jb, int64_t cols, Value colsDyn, Value pc,
             Value kcur, int64_t kcurStatic) {
    Value dst = arith::SubIOp::create(b, loc, jr, jb);
    Value col0 = mul(jr, p.getPanelCols());
    Value base = add(ops.bOffset, add(mulBN(col0), mulBK(pc)));
    int64_t nvec = colsDyn ? p.nr : llvm::divideCeil(cols, p.lanes);
    if (p.bStrideK == 1) {
      // B is [n, k]: lanes columns at a time, a vector along K each,
      // transposed in registers into lanes rows of the panel.
      for (int64_t j = 0; j < nvec; ++j) {
        int64_t count =
            colsDyn ? p.lanes : std::min(p.lanes, cols - j * p.lanes);
        forVecBlocks(kcur, kcurStatic, [&](Value k0, Value km, int64_t kcount) {
          SmallVector<Value> rows;
          for (int64_t i = 0; i < p.lanes; ++i) {
            if (i >= count) {
              rows.push_back(zeros(f32));
              continue;
            }
            Value at = add(add(base, k0), mulBN(idx(j * p.lanes + i)));
            Value m = km;
            if (colsDyn) {
              // Column j * lanes + i exists: the K mask, else no lane.
              Value exists =
                  arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                        idx(j * p.lanes + i), colsDyn);
              Value all = m ? m : mask(p.lanes);
              m = arith::SelectOp::create(b, loc, exists, all, mask(0));
            }
            rows.push_back(loadMasked(ops.b, at, m));
          }
          SmallVector<Value> t = transpose(rows);
          for (int64_t q = 0; q < kcount; ++q)
            vector::StoreOp::create(
                b, loc, t[q], bPacked,
                ValueRange{dst, add(k0, q), idx(j * p.lanes)});
        });
      }
      return;
    }
    Value colsV = colsDyn ? colsDyn : idx(cols);
    forEach(idx(0), kcur, [&](Value kk) {
      forEach(idx(0), colsV, [&](Value c) {
        Value at = add(base, add(mulBK(kk), mulBN(c)));
        Value s = widen(memref::LoadOp::create(b, loc, ops.b, ValueRange{at}));
        memref::StoreOp::create(b, loc, s, bPacked, ValueRange{dst, kk, c});
      });
    });
  }

  /// The packed panels [jb, jbEnd) against the packed A block: full
  /// panels in a loop, then the narrower tail panel if the range holds it
  /// (a run-time tail: scf.index_switch on its vector count, the last
  /// vector masked by vector.create_mask).
  void emitPanels(Value jb, Value jbEnd, Value ic, Value mcur,
                  int64_t mcurStatic, Value kcur, int64_t kcurStatic,
                  Value first) {
    int64_t cols = p.getPanelCols();
    if (p.isDynamicN() || p.n >= cols) {
      forEach(jb, fullPanelsEnd(jbEnd), [&](Value jr) {
        slot = arith::SubIOp::create(b, loc, jr, jb);
        emitRowTiles(ic, mcur, mcurStatic, mul(jr, cols), p.nr, Value(), kcur,
                     kcurStatic, first);
      });
    }
    ifTailPanel(jb, jbEnd, [&](Value t, int64_t tailCols, Value tailDyn) {
      Value col0 = mul(t, cols);
      slot = arith::SubIOp::create(b, loc, t, jb);
      if (!tailDyn) {
        int64_t nvec = llvm::divideCeil(tailCols, p.lanes);
        int64_t last = tailCols - (nvec - 1) * p.lanes;
        emitRowTiles(ic, mcur, mcurStatic, col0, nvec,
                     last < p.lanes ? mask(last) : Value(), kcur, kcurStatic,
                     first);
        return;
      }
      Value nvec = arith::DivUIOp::create(b, loc, add(tailDyn, p.lanes - 1),
                                          idx(p.lanes));
      auto cases = llvm::to_vector(llvm::seq<int64_t>(1, p.nr + 1));
      auto sw = scf::IndexSwitchOp::create(b, loc, TypeRange{}, nvec, cases,
                                           cases.size());
      OpBuilder::InsertionGuard g(b);
      b.createBlock(&sw.getDefaultRegion());
      scf::YieldOp::create(b, loc);
      for (auto [i, v] : llvm::enumerate(cases)) {
        b.createBlock(&sw.getCaseRegions()[i]);
        Value last = maskOf(
            arith::SubIOp::create(b, loc, tailDyn, idx((v - 1) * p.lanes)));
        emitRowTiles(ic, mcur, mcurStatic, col0, v, last, kcur, kcurStatic,
                     first);
        scf::YieldOp::create(b, loc);
      }
    });
  }

  /// The row tiles of the M block [ic, ic + mcur): tiles of mr rows, then
  /// the tail of mcur mod mr rows. A static row count unrolls the tail; a
  /// run-time one loops over the whole tiles and selects the tail tile
  /// (1 .. mr - 1 rows) with scf.index_switch on the remainder. `lastMask`
  /// masks the last of the nvec column vectors (null: all lanes).
  void emitRowTiles(Value ic, Value mcur, int64_t mcurStatic, Value col0,
                    int64_t nvec, Value lastMask, Value kcur,
                    int64_t kcurStatic, Value first) {
    if (mcurStatic >= 0) {
      forBlocks(idx(0), mcurStatic, p.mr, [&](Value r0, int64_t rows) {
        emitTile(ic, r0, rows, col0, nvec, lastMask, kcur, kcurStatic, first);
      });
      return;
    }
    Value whole = mul(arith::DivUIOp::create(b, loc, mcur, idx(p.mr)), p.mr);
    auto loop = scf::ForOp::create(b, loc, idx(0), whole, idx(p.mr));
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      emitTile(ic, loop.getInductionVar(), p.mr, col0, nvec, lastMask, kcur,
               kcurStatic, first);
    }
    if (p.mr == 1)
      return;
    Value rest = arith::SubIOp::create(b, loc, mcur, whole);
    auto cases = llvm::to_vector(llvm::seq<int64_t>(1, p.mr));
    auto sw = scf::IndexSwitchOp::create(b, loc, TypeRange{}, rest, cases,
                                         cases.size());
    OpBuilder::InsertionGuard g(b);
    b.createBlock(&sw.getDefaultRegion());
    scf::YieldOp::create(b, loc);
    for (auto [i, rows] : llvm::enumerate(cases)) {
      b.createBlock(&sw.getCaseRegions()[i]);
      emitTile(ic, whole, rows, col0, nvec, lastMask, kcur, kcurStatic, first);
      scf::YieldOp::create(b, loc);
    }
  }

  /// One K step of the register tile: nvec panel vectors, each row's A
  /// element broadcast, rows x nvec vector.fma.
  SmallVector<Value> step(ValueRange acc, Value r0, Value kk, int64_t rows,
                          int64_t nvec) {
    SmallVector<Value> next(acc.begin(), acc.end());
    SmallVector<Value> bv;
    for (int64_t j = 0; j < nvec; ++j)
      bv.push_back(vector::LoadOp::create(
          b, loc, vecTy, bPacked, ValueRange{slot, kk, idx(j * p.lanes)}));
    for (int64_t r = 0; r < rows; ++r) {
      Value s =
          memref::LoadOp::create(b, loc, aPacked, ValueRange{add(r0, r), kk});
      Value bc = vector::BroadcastOp::create(b, loc, vecTy, s);
      for (int64_t j = 0; j < nvec; ++j) {
        Value &a = next[r * nvec + j];
        a = vector::FMAOp::create(b, loc, bc, bv[j], a);
      }
    }
    return next;
  }

  /// Rows [ic + r0, + rows) x the columns of nvec vectors from col0 (the
  /// last masked by lastMask unless null) over the K block (kcur long;
  /// kcurStatic its compile-time length or -1).
  void emitTile(Value ic, Value r0, int64_t rows, Value col0, int64_t nvec,
                Value lastMask, Value kcur, int64_t kcurStatic, Value first) {
    // One base offset lives across the K loop; each access adds its own
    // offset at its use (r * N + j * lanes: a constant for a static N, which
    // folds into the address), so that the tile's addresses do not occupy
    // general registers over the K loop (where they were rotated and
    // spilled).
    Value base = add(ops.outOffset,
                     add(arith::MulIOp::create(b, loc, add(ic, r0), nV), col0));
    auto atFn = [&](int64_t r, int64_t j) -> Value {
      if (!p.isDynamicN())
        return add(base, r * p.n + j * p.lanes);
      return add(base, add(arith::MulIOp::create(b, loc, idx(r), nV),
                           idx(j * p.lanes)));
    };
    auto maskAt = [&](int64_t j) { return j == nvec - 1 ? lastMask : Value(); };
    // The accumulators' start: 0 or C in the first K block, else the output.
    auto startAt = [&](Value buf) {
      SmallVector<Value> v;
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < nvec; ++j)
          v.push_back(buf ? loadMasked(buf, atFn(r, j), maskAt(j))
                          : zeros(f32));
      return v;
    };
    SmallVector<Value> acc;
    Value init = p.accumulate ? ops.c : Value();
    if (!first) {
      acc = startAt(init);
    } else {
      SmallVector<Type> types(rows * nvec, vecTy);
      auto ifOp = scf::IfOp::create(b, loc, types, first, /*withElse=*/true);
      {
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        scf::YieldOp::create(b, loc, startAt(init));
        b.setInsertionPointToStart(ifOp.elseBlock());
        scf::YieldOp::create(b, loc, startAt(ops.out));
      }
      acc.assign(ifOp.getResults().begin(), ifOp.getResults().end());
    }

    prefetchNextTile(ic, r0, rows, col0, nvec);

    int64_t ku = std::max<int64_t>(1, p.kunroll);
    if (kcurStatic < 0) {
      // A run-time K block: the unrolled loop to kcur - kcur mod ku, then
      // the rest one step at a time.
      Value kMain = mul(arith::DivUIOp::create(b, loc, kcur, idx(ku)), ku);
      auto loop = scf::ForOp::create(b, loc, idx(0), kMain, idx(ku), acc);
      {
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(loop.getBody());
        SmallVector<Value> cur(loop.getRegionIterArgs());
        for (int64_t u = 0; u < ku; ++u)
          cur = step(cur, r0, add(loop.getInductionVar(), u), rows, nvec);
        scf::YieldOp::create(b, loc, cur);
      }
      acc.assign(loop.getResults().begin(), loop.getResults().end());
      if (ku > 1) {
        auto rest = scf::ForOp::create(b, loc, kMain, kcur, idx(1), acc);
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(rest.getBody());
        scf::YieldOp::create(b, loc,
                             step(rest.getRegionIterArgs(), r0,
                                  rest.getInductionVar(), rows, nvec));
        b.setInsertionPointAfter(rest);
        acc.assign(rest.getResults().begin(), rest.getResults().end());
      }
      storeTile(acc, atFn, rows, nvec, maskAt);
      return;
    }
    int64_t kMain = kcurStatic / ku * ku;
    if (kMain > 0) {
      auto loop = scf::ForOp::create(b, loc, idx(0), idx(kMain), idx(ku), acc);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(loop.getBody());
      SmallVector<Value> cur(loop.getRegionIterArgs());
      for (int64_t u = 0; u < ku; ++u)
        cur = step(cur, r0, add(loop.getInductionVar(), u), rows, nvec);
      scf::YieldOp::create(b, loc, cur);
      b.setInsertionPointAfter(loop);
      acc.assign(loop.getResults().begin(), loop.getResults().end());
    }
    if (kcurStatic - kMain > 1) {
      auto loop = scf::ForOp::create(b, loc, idx(kMain), kcur, idx(1), acc);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(loop.getBody());
      SmallVector<Value> cur = step(loop.getRegionIterArgs(), r0,
                                    loop.getInductionVar(), rows, nvec);
      scf::YieldOp::create(b, loc, cur);
      b.setInsertionPointAfter(loop);
      acc.assign(loop.getResults().begin(), loop.getResults().end());
    } else if (kcurStatic > kMain) {
      acc = step(acc, r0, idx(kMain), rows, nvec);
    }
    storeTile(acc, atFn, rows, nvec, maskAt);
  }

  /// Prefetches (for writing, into all cache levels) the output lines of
  /// the next row tile of the panel, rows ic + r0 + mr .. (clamped to the
  /// last row), while this tile runs its K block: after the first K block
  /// its partial sums are reloaded from the output, which does not stay in
  /// L2 between K blocks.
  void prefetchNextTile(Value ic, Value r0, int64_t rows, Value col0,
                        int64_t nvec) {
    Value last = p.isDynamicM()
                     ? arith::SubIOp::create(b, loc, ops.m, idx(1)).getResult()
                     : idx(p.m - 1);
    Value next = add(add(ic, r0), p.mr);
    for (int64_t r = 0; r < rows; ++r) {
      Value row = arith::MinSIOp::create(b, loc, add(next, r), last);
      Value at =
          add(ops.outOffset, add(arith::MulIOp::create(b, loc, row, nV), col0));
      for (int64_t j = 0; j < nvec; ++j)
        memref::PrefetchOp::create(b, loc, ops.out,
                                   ValueRange{add(at, j * p.lanes)},
                                   /*isWrite=*/true, /*localityHint=*/3,
                                   /*isDataCache=*/true);
    }
  }

  /// The tile's accumulators to the output at at(r, j), the vectors
  /// maskAt(j) returns a mask for by masked stores.
  void storeTile(ArrayRef<Value> acc, function_ref<Value(int64_t, int64_t)> at,
                 int64_t rows, int64_t nvec,
                 function_ref<Value(int64_t)> maskAt) {
    auto outVecTy = VectorType::get({p.lanes}, p.outElem);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < nvec; ++j) {
        Value v = acc[r * nvec + j];
        if (!p.outElem.isF32())
          v = arith::TruncFOp::create(b, loc, outVecTy, v);
        Value pos = at(r, j);
        if (Value m = maskAt(j))
          vector::MaskedStoreOp::create(b, loc, ops.out, ValueRange{pos}, m, v);
        else
          vector::StoreOp::create(b, loc, v, ops.out, ValueRange{pos});
      }
  }
};

} // namespace

void x86::emitFloatGemmKernel(OpBuilder &b, Location loc,
                              const FloatGemmPlan &plan,
                              const FloatKernelOperands &operands) {
  FloatKernelEmitter(b, loc, plan, operands).emit();
}
