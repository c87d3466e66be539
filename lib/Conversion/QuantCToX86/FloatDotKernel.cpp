//===- FloatDotKernel.cpp - dot-product float GEMM kernel for few rows ----===//
//
// The body of a float GEMM kernel for few rows of A against a B stored
// [n, k] (nn.Linear's weight): no packing; each output element is a dot
// product along K, computed in vector lanes and reduced once. See
// emitFloatDotKernel in FloatGemm.h.
//
//===----------------------------------------------------------------------===//
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

class FloatDotEmitter {
public:
  FloatDotEmitter(OpBuilder &b, Location loc, const FloatGemmPlan &plan,
                  const FloatKernelOperands &ops)
      : b(b), loc(loc), p(plan), ops(ops) {
    f32 = b.getF32Type();
    vecTy = VectorType::get({p.lanes}, f32);
  }

  void emit() {
    int64_t nb = p.dotNr;
    if (p.k > p.dotKc) {
      int64_t rows = p.isDynamicM() ? p.dotMaxM : p.m;
      scratch = memref::AllocOp::create(
          b, loc,
          MemRefType::get({std::max<int64_t>(rows, 1), nb, p.lanes}, f32),
          b.getI64IntegerAttr(64));
    }
    int64_t fullTiles = p.n / nb, tailCols = p.n % nb;
    if (fullTiles > 0) {
      Value end = arith::MinSIOp::create(b, loc, ops.panelEnd, idx(fullTiles));
      auto loop = scf::ForOp::create(b, loc, ops.panelBegin, end, idx(1));
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      rowTiles(mul(loop.getInductionVar(), nb), nb);
    }
    if (tailCols) {
      Value t = idx(fullTiles);
      Value inRange = arith::AndIOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                                ops.panelBegin, t),
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, ops.panelEnd,
                                t));
      auto ifOp = scf::IfOp::create(b, loc, inRange, /*withElse=*/false);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      rowTiles(idx(fullTiles * nb), tailCols);
    }
  }

private:
  OpBuilder &b;
  Location loc;
  const FloatGemmPlan &p;
  const FloatKernelOperands &ops;
  Type f32;
  VectorType vecTy;
  /// Partial sums [row][column of the tile] between K blocks (null when K
  /// is one block).
  Value scratch;

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value a, Value c) { return arith::AddIOp::create(b, loc, a, c); }
  Value add(Value a, int64_t c) { return c == 0 ? a : add(a, idx(c)); }
  Value mul(Value a, int64_t c) {
    if (c == 1)
      return a;
    return arith::MulIOp::create(b, loc, a, idx(c));
  }

  /// `count` (1..lanes) elements of `buf` from flat offset `at` as an f32
  /// vector (f16 / bf16 widened); masked-off lanes are zero.
  Value loadVector(Value buf, Value at, int64_t count) {
    Type elem = cast<MemRefType>(buf.getType()).getElementType();
    auto ty = VectorType::get({p.lanes}, elem);
    Value v;
    if (count == p.lanes) {
      v = vector::LoadOp::create(b, loc, ty, buf, ValueRange{at});
    } else {
      Value mask = vector::ConstantMaskOp::create(
          b, loc, VectorType::get({p.lanes}, b.getI1Type()),
          ArrayRef<int64_t>{count});
      Value pass = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(ty, b.getFloatAttr(elem, 0.0)));
      v = vector::MaskedLoadOp::create(b, loc, ty, buf, ValueRange{at}, mask,
                                       pass);
    }
    if (!elem.isF32())
      v = arith::ExtFOp::create(b, loc, vecTy, v);
    return v;
  }

  /// Output columns [col0, col0 + cols) over all rows: K in one block, or
  /// the partial sums zeroed, the K blocks but the last accumulated in the
  /// scratch, the last reduced into the output.
  void rowTiles(Value col0, int64_t cols) {
    if (!scratch) {
      forTiles([&](Value r0, int64_t rows) {
        tile(r0, rows, col0, cols, idx(0), p.k, /*fromScratch=*/false,
             /*toScratch=*/false);
      });
      return;
    }
    Value zero = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vecTy, b.getF32FloatAttr(0.0)));
    Value rowsEnd = p.isDynamicM() ? ops.m : idx(p.m);
    {
      auto loop = scf::ForOp::create(b, loc, idx(0), rowsEnd, idx(1));
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      for (int64_t j = 0; j < cols; ++j)
        vector::StoreOp::create(
            b, loc, zero, scratch,
            ValueRange{loop.getInductionVar(), idx(j), idx(0)});
    }
    int64_t lastStart = (p.k - 1) / p.dotKc * p.dotKc;
    if (lastStart > 0) {
      auto loop =
          scf::ForOp::create(b, loc, idx(0), idx(lastStart), idx(p.dotKc));
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      forTiles([&](Value r0, int64_t rows) {
        tile(r0, rows, col0, cols, loop.getInductionVar(), p.dotKc,
             /*fromScratch=*/true, /*toScratch=*/true);
      });
    }
    forTiles([&](Value r0, int64_t rows) {
      tile(r0, rows, col0, cols, idx(lastStart), p.k - lastStart,
           /*fromScratch=*/true, /*toScratch=*/false);
    });
  }

  /// `body(r0, rows)` for the row tiles: tiles of dotMr rows, then the M mod
  /// dotMr tail (unrolled for a static M, selected by scf.index_switch for
  /// a run-time one).
  void forTiles(function_ref<void(Value, int64_t)> body) {
    int64_t mb = p.dotMr;
    if (!p.isDynamicM()) {
      int64_t whole = p.m / mb * mb;
      if (whole > 0) {
        auto loop = scf::ForOp::create(b, loc, idx(0), idx(whole), idx(mb));
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPoint(loop.getBody()->getTerminator());
        body(loop.getInductionVar(), mb);
      }
      if (p.m > whole)
        body(idx(whole), p.m - whole);
      return;
    }
    Value whole = mul(arith::DivUIOp::create(b, loc, ops.m, idx(mb)), mb);
    {
      auto loop = scf::ForOp::create(b, loc, idx(0), whole, idx(mb));
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      body(loop.getInductionVar(), mb);
    }
    if (mb == 1)
      return;
    Value rest = arith::SubIOp::create(b, loc, ops.m, whole);
    auto cases = llvm::to_vector(llvm::seq<int64_t>(1, mb));
    auto sw = scf::IndexSwitchOp::create(b, loc, TypeRange{}, rest, cases,
                                         cases.size());
    OpBuilder::InsertionGuard g(b);
    b.createBlock(&sw.getDefaultRegion());
    scf::YieldOp::create(b, loc);
    for (auto [i, rows] : llvm::enumerate(cases)) {
      b.createBlock(&sw.getCaseRegions()[i]);
      body(whole, rows);
      scf::YieldOp::create(b, loc);
    }
  }

  /// One K step of `count` lanes at k0: the tile's B and A row vectors and
  /// rows x cols vector.fma.
  SmallVector<Value> step(ValueRange acc, ArrayRef<Value> aRows,
                          ArrayRef<Value> bRows, Value k0, int64_t count) {
    SmallVector<Value> next(acc.begin(), acc.end());
    int64_t cols = bRows.size();
    SmallVector<Value> bv;
    for (Value row : bRows)
      bv.push_back(loadVector(ops.b, add(row, k0), count));
    for (auto [r, row] : llvm::enumerate(aRows)) {
      Value av = loadVector(ops.a, add(row, k0), count);
      for (int64_t j = 0; j < cols; ++j) {
        Value &a = next[r * cols + j];
        a = vector::FMAOp::create(b, loc, av, bv[j], a);
      }
    }
    return next;
  }

  /// K loop [lb, ub) in steps of `stride` elements, each `unroll` vector
  /// steps of full lanes, over the accumulators.
  SmallVector<Value> kLoop(SmallVector<Value> acc, ArrayRef<Value> aRows,
                           ArrayRef<Value> bRows, int64_t lb, int64_t ub,
                           int64_t unroll) {
    int64_t stride = unroll * p.lanes;
    if (ub - lb < stride)
      return acc;
    if (ub - lb == stride) {
      for (int64_t u = 0; u < unroll; ++u)
        acc = step(acc, aRows, bRows, idx(lb + u * p.lanes), p.lanes);
      return acc;
    }
    auto loop = scf::ForOp::create(b, loc, idx(lb), idx(ub), idx(stride), acc);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(loop.getBody());
    SmallVector<Value> cur(loop.getRegionIterArgs());
    for (int64_t u = 0; u < unroll; ++u)
      cur = step(cur, aRows, bRows, add(loop.getInductionVar(), u * p.lanes),
                 p.lanes);
    scf::YieldOp::create(b, loc, cur);
    return SmallVector<Value>(loop.getResults());
  }

  /// Output rows [r0, r0 + rows) x columns [col0, col0 + cols) over K
  /// [k0, k0 + kcur): accumulators from zero or the scratch, to the scratch
  /// or reduced into the output.
  void tile(Value r0, int64_t rows, Value col0, int64_t cols, Value k0,
            int64_t kcur, bool fromScratch, bool toScratch) {
    SmallVector<Value> aRows, bRows;
    for (int64_t r = 0; r < rows; ++r)
      aRows.push_back(add(add(ops.aOffset, mul(add(r0, r), p.aStrideM)), k0));
    for (int64_t j = 0; j < cols; ++j)
      bRows.push_back(add(add(ops.bOffset, mul(add(col0, j), p.bStrideN)), k0));
    SmallVector<Value> acc;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < cols; ++j)
        acc.push_back(
            fromScratch
                ? Value(vector::LoadOp::create(
                      b, loc, vecTy, scratch,
                      ValueRange{add(r0, r), idx(j), idx(0)}))
                : Value(arith::ConstantOp::create(
                      b, loc,
                      DenseElementsAttr::get(vecTy, b.getF32FloatAttr(0.0)))));
    int64_t ku = std::max<int64_t>(1, p.kunroll);
    int64_t kBig = kcur / (ku * p.lanes) * (ku * p.lanes);
    int64_t kWhole = kcur / p.lanes * p.lanes;
    acc = kLoop(acc, aRows, bRows, 0, kBig, ku);
    acc = kLoop(acc, aRows, bRows, kBig, kWhole, 1);
    if (kcur > kWhole)
      acc = step(acc, aRows, bRows, idx(kWhole), kcur - kWhole);
    if (toScratch) {
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < cols; ++j)
          vector::StoreOp::create(b, loc, acc[r * cols + j], scratch,
                                  ValueRange{add(r0, r), idx(j), idx(0)});
      return;
    }
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < cols; ++j) {
        Value at = add(add(ops.outOffset, mul(add(r0, r), p.n)), add(col0, j));
        Value s = vector::ReductionOp::create(
            b, loc, vector::CombiningKind::ADD, acc[r * cols + j],
            arith::FastMathFlags::reassoc);
        if (p.accumulate) {
          Value c = memref::LoadOp::create(b, loc, ops.c, ValueRange{at});
          if (!c.getType().isF32())
            c = arith::ExtFOp::create(b, loc, f32, c);
          s = arith::AddFOp::create(b, loc, c, s);
        }
        if (!p.outElem.isF32())
          s = arith::TruncFOp::create(b, loc, p.outElem, s);
        memref::StoreOp::create(b, loc, s, ops.out, ValueRange{at});
      }
  }
};

} // namespace

void x86::emitFloatDotKernel(OpBuilder &b, Location loc,
                             const FloatGemmPlan &plan,
                             const FloatKernelOperands &operands) {
  FloatDotEmitter(b, loc, plan, operands).emit();
}
