//===- DecodeKernel.cpp - int8 GEMMs of a few rows, any run-time shape ----===//
//
// The decode kernel (DecodeKernel.h): matmuls of 1-3 rows against a
// run-time rhs of run-time N, K and batch, both rhs layouts read in place.
//
//===----------------------------------------------------------------------===//
#include "DecodeKernel.h"
#include "quantc/Dialect/QuantC/Utils/LoadTimeParams.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;

std::optional<DecodeGemm> x86::matchDecodeGemm(MatmulOp op,
                                               const LoweringOptions &opts) {
  // amx: an AMX CPU has AVX-512 VNNI, and tiles do not pay for 1-3 rows
  // (below amx-min-m): the decode kernel takes them as under avx512-vnni.
  bool amx = opts.isa == X86Isa::amx;
  if ((opts.isa != X86Isa::avx512_vnni && !amx) || op.getTransposeLhs())
    return std::nullopt;
  auto lhsTy = op.getLhs().getType();
  auto rhsTy = op.getRhs().getType();
  int64_t rank = lhsTy.getRank();
  if ((rank != 2 && rank != 3) || rhsTy.getRank() != rank ||
      !lhsTy.getElementType().isInteger(8) ||
      !rhsTy.getElementType().isInteger(8))
    return std::nullopt;
  int64_t m = lhsTy.getDimSize(rank - 2);
  if (ShapedType::isDynamic(m) || m < 1 || m > kMaxDecodeRows ||
      (amx && m >= opts.amxMinM))
    return std::nullopt;
  // The rows are static; anything else may be dynamic.
  bool dynamic = !rhsTy.hasStaticShape() || lhsTy.isDynamicDim(rank - 1) ||
                 (rank == 3 && lhsTy.isDynamicDim(0));
  if (rank == 2 && !dynamic)
    return std::nullopt;
  if (matchPattern(op.getRhs(), m_Constant()) || isLoadTimeValue(op.getRhs()))
    return std::nullopt;
  DecodeGemm g;
  g.m = m;
  g.emulate = opts.emulate;
  g.parallel = opts.parallelMinMacs >= 0 && rank == 3 &&
               (lhsTy.isDynamicDim(0) || lhsTy.getDimSize(0) >= 2) &&
               estimateDecodeMacs(op) >=
                   static_cast<uint64_t>(opts.parallelMinMacs) / 16;
  return g;
}

uint64_t x86::estimateDecodeMacs(MatmulOp op) {
  uint64_t macs = 1;
  auto count = [&](int64_t d) {
    macs = llvm::SaturatingMultiply(
        macs, uint64_t(ShapedType::isDynamic(d) ? kAssumedDynamicExtent : d));
  };
  for (int64_t d : op.getLhs().getType().getShape())
    count(d);
  auto rhsTy = op.getRhs().getType();
  // N: the rhs's dimension that is not K.
  count(rhsTy.getDimSize(rhsTy.getRank() - (op.getTransposeRhs() ? 1 : 2)));
  return macs;
}

namespace {
/// NT: the panels of 16 rows of W prefetched this many panels ahead.
constexpr int64_t kPrefetchPanels = 4;
/// NN: the chunks of 64 columns of one pass over K (128 columns: a head of
/// dimension 128 in one pass), and the rows of W prefetched ahead.
constexpr int64_t kNNChunks = 2;
constexpr int64_t kPrefetchRows = 16;

/// The emitter of one decode kernel body.
class DecodeEmitter {
public:
  DecodeEmitter(OpBuilder &b, Location loc, const DecodeGemm &spec, Value a,
                Value w, Value out)
      : b(b), loc(loc), spec(spec), a(a), w(w), out(out) {
    i8 = b.getI8Type();
    i32 = b.getI32Type();
    accTy = VectorType::get({16}, i32);
    bytesTy = VectorType::get({64}, i8);
  }

  void emit(Value batchBegin, Value batchEnd);

private:
  OpBuilder &b;
  Location loc;
  const DecodeGemm &spec;
  Value a, w, out;
  Type i8, i32;
  VectorType accTy, bytesTy;
  /// The current batch, and the run-time N and K.
  Value batch, n, k;

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value add(Value x, int64_t c) { return c ? add(x, idx(c)) : x; }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, int64_t c) {
    return arith::MulIOp::create(b, loc, x, idx(c));
  }
  Value minIdx(Value x, Value y) {
    return arith::MinSIOp::create(b, loc, x, y);
  }
  /// x rounded down to a multiple of the power of two c.
  Value floorTo(Value x, int64_t c) {
    return arith::AndIOp::create(b, loc, x, idx(-c));
  }
  Value splat(VectorType ty, Attribute v) {
    return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(ty, v));
  }
  Value zeroAcc() { return splat(accTy, b.getI32IntegerAttr(0)); }
  Value signBits() { return splat(bytesTy, b.getIntegerAttr(i8, 0x80)); }
  /// The first `count` (run-time, clamped to [0, lanes]) lanes.
  Value mask(Value count, int64_t lanes) {
    return vector::CreateMaskOp::create(
        b, loc, VectorType::get({lanes}, b.getI1Type()), ValueRange{count});
  }
  /// `lanes` i8 of `buf` at `indices`, the first `count` of them when
  /// `count` is set (the rest zeros).
  Value load(Value buf, ValueRange indices, int64_t lanes, Value count) {
    auto ty = VectorType::get({lanes}, i8);
    if (!count)
      return vector::LoadOp::create(b, loc, ty, buf, indices);
    return vector::MaskedLoadOp::create(b, loc, ty, buf, indices,
                                        mask(count, lanes),
                                        splat(ty, b.getIntegerAttr(i8, 0)));
  }
  Value bitcast(Value v, VectorType ty) {
    return vector::BitCastOp::create(b, loc, ty, v);
  }

  /// acc += u (u8) x s (s8) (64 bytes each), 4 products per i32 lane:
  /// vpdpbusd, or emulated.
  Value dot(Value acc, Value u, Value s);
  /// 128 * sum_k A[batch, r, k] (i32): the correction of the u8 shift of W.
  Value rowSum128(int64_t r);
  /// The K loop: `body(k, count, acc)` on chunks of `chunk` elements from
  /// k = 0 (count null: whole chunks), then once on the tail K % chunk
  /// (count: the number of elements, only when non-zero at run time).
  SmallVector<Value>
  forEachK(int64_t chunk, SmallVector<Value> init,
           function_ref<SmallVector<Value>(Value, Value, ValueRange)> body);
  /// Lane i: the sum of the lanes of acc[i] (16 vectors).
  Value sumEach(SmallVector<Value> acc);

  void emitNT();
  void emitNN();
};
} // namespace

Value DecodeEmitter::dot(Value acc, Value u, Value s) {
  if (!spec.emulate)
    return X86VpdpbusdOp::create(b, loc, accTy, acc, u, s);
  u = bitcast(u, accTy);
  s = bitcast(s, accTy);
  // Byte t of each word: zero-extended (u), sign-extended (s).
  auto c = [&](int32_t v) { return splat(accTy, b.getI32IntegerAttr(v)); };
  for (int t = 0; t < 4; ++t) {
    Value ub = arith::AndIOp::create(
        b, loc, arith::ShRUIOp::create(b, loc, u, c(8 * t)), c(0xff));
    Value sb = arith::ShRSIOp::create(
        b, loc, arith::ShLIOp::create(b, loc, s, c(24 - 8 * t)), c(24));
    acc = arith::AddIOp::create(b, loc, acc,
                                arith::MulIOp::create(b, loc, ub, sb));
  }
  return acc;
}

SmallVector<Value> DecodeEmitter::forEachK(
    int64_t chunk, SmallVector<Value> init,
    function_ref<SmallVector<Value>(Value, Value, ValueRange)> body) {
  Value full = floorTo(k, chunk);
  auto loop = scf::ForOp::create(b, loc, idx(0), full, idx(chunk), init);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(loop.getBody());
    scf::YieldOp::create(
        b, loc,
        body(loop.getInductionVar(), Value(), loop.getRegionIterArgs()));
  }
  SmallVector<Value> acc(loop.getResults());
  Value rest = sub(k, full);
  Value any =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, rest, idx(0));
  auto ifOp = scf::IfOp::create(b, loc, ValueRange(acc).getTypes(), any,
                                /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    scf::YieldOp::create(b, loc, body(full, rest, acc));
    b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(b, loc, acc);
  }
  return SmallVector<Value>(ifOp.getResults());
}

Value DecodeEmitter::rowSum128(int64_t r) {
  Value ones = signBits();
  SmallVector<Value> s = forEachK(
      64, {zeroAcc()},
      [&](Value k0, Value count, ValueRange acc) -> SmallVector<Value> {
        Value v = load(a, ValueRange{batch, idx(r), k0}, 64, count);
        return {dot(acc[0], ones, v)};
      });
  return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, s[0]);
}

Value DecodeEmitter::sumEach(SmallVector<Value> acc) {
  // Each vector's lanes belong to `owners` in groups of equal size; a level
  // pairs two vectors, halves every group (the first halves into one
  // shuffle, the second halves into another) and adds: twice the owners per
  // vector, half the vectors.
  struct Part {
    Value v;
    SmallVector<int64_t> owner; // per lane
  };
  SmallVector<Part> parts;
  for (auto [i, v] : llvm::enumerate(acc))
    parts.push_back({v, SmallVector<int64_t>(16, int64_t(i))});
  for (int64_t group = 16; group > 1; group /= 2) {
    SmallVector<Part> next;
    for (size_t p = 0; p < parts.size(); p += 2) {
      SmallVector<int64_t> lo, hi;
      Part sum;
      for (int s = 0; s < 2; ++s)
        for (int64_t g0 = 0; g0 < 16; g0 += group)
          for (int64_t l = 0; l < group / 2; ++l) {
            lo.push_back(16 * s + g0 + l);
            hi.push_back(16 * s + g0 + group / 2 + l);
            sum.owner.push_back(parts[p + s].owner[g0 + l]);
          }
      sum.v = arith::AddIOp::create(
          b, loc,
          vector::ShuffleOp::create(b, loc, parts[p].v, parts[p + 1].v, lo),
          vector::ShuffleOp::create(b, loc, parts[p].v, parts[p + 1].v, hi));
      next.push_back(sum);
    }
    parts = std::move(next);
  }
  SmallVector<int64_t> perm(16);
  for (int64_t l = 0; l < 16; ++l)
    perm[parts[0].owner[l]] = l;
  return vector::ShuffleOp::create(b, loc, parts[0].v, parts[0].v, perm);
}

void DecodeEmitter::emitNT() {
  n = memref::DimOp::create(b, loc, w, 1);
  k = memref::DimOp::create(b, loc, w, 2);
  SmallVector<Value> corr;
  for (int64_t r = 0; r < spec.m; ++r)
    corr.push_back(vector::BroadcastOp::create(b, loc, accTy, rowSum128(r)));
  Value panels = arith::DivUIOp::create(b, loc, add(n, 15), idx(16));
  auto loop = scf::ForOp::create(b, loc, idx(0), panels, idx(1));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  Value n0 = mul(loop.getInductionVar(), 16);
  Value cols = minIdx(idx(16), sub(n, n0));
  // Rows past N repeat the last one (their outputs are not stored).
  Value last = sub(n, idx(1));
  SmallVector<Value> rows;
  for (int64_t i = 0; i < 16; ++i)
    rows.push_back(minIdx(add(n0, i), last));
  Value shift = signBits();
  // The rows kPrefetchPanels panels ahead (clamped to W), prefetched while
  // the first row of A runs: a KV cache's rows are pages apart (H * D
  // bytes), beyond the hardware prefetchers' reach.
  SmallVector<Value> ahead;
  for (int64_t i = 0; i < 16; ++i)
    ahead.push_back(minIdx(add(n0, 16 * kPrefetchPanels + i), last));
  for (int64_t r = 0; r < spec.m; ++r) {
    SmallVector<Value> acc = forEachK(
        64, SmallVector<Value>(16, zeroAcc()),
        [&](Value k0, Value count, ValueRange cur) -> SmallVector<Value> {
          Value av = load(a, ValueRange{batch, idx(r), k0}, 64, count);
          SmallVector<Value> next;
          for (int64_t i = 0; i < 16; ++i) {
            Value wv = load(w, ValueRange{batch, rows[i], k0}, 64, count);
            next.push_back(
                dot(cur[i], arith::XOrIOp::create(b, loc, wv, shift), av));
            if (r == 0 && !count)
              memref::PrefetchOp::create(b, loc, w,
                                         ValueRange{batch, ahead[i], k0},
                                         /*isWrite=*/false,
                                         /*localityHint=*/3,
                                         /*isDataCache=*/true);
          }
          return next;
        });
    Value res = arith::SubIOp::create(b, loc, sumEach(acc), corr[r]);
    vector::MaskedStoreOp::create(b, loc, out, ValueRange{batch, idx(r), n0},
                                  mask(cols, 16), res);
  }
}

void DecodeEmitter::emitNN() {
  k = memref::DimOp::create(b, loc, w, 1);
  n = memref::DimOp::create(b, loc, w, 2);
  SmallVector<Value> corr;
  for (int64_t r = 0; r < spec.m; ++r)
    corr.push_back(vector::BroadcastOp::create(b, loc, accTy, rowSum128(r)));
  // Passes over K of kNNChunks chunks of 64 columns each (the chunks of a
  // pass share W's rows, i.e. their cache lines and pages); fewer when a
  // static N has fewer.
  int64_t staticN = cast<MemRefType>(w.getType()).getDimSize(2);
  int64_t nc =
      ShapedType::isDynamic(staticN)
          ? kNNChunks
          : std::clamp<int64_t>(llvm::divideCeil(staticN, 64), 1, kNNChunks);
  int64_t span = 64 * nc;
  Value passes = arith::DivUIOp::create(b, loc, add(n, span - 1), idx(span));
  auto loop = scf::ForOp::create(b, loc, idx(0), passes, idx(1));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  Value c0 = mul(loop.getInductionVar(), span);
  // The columns of each chunk: min(64, N - chunk start), at least 0.
  SmallVector<Value> chunkStart, chunkCols;
  for (int64_t c = 0; c < nc; ++c) {
    chunkStart.push_back(add(c0, 64 * c));
    chunkCols.push_back(arith::MaxSIOp::create(
        b, loc, minIdx(idx(64), sub(n, chunkStart.back())), idx(0)));
  }
  Value shift = signBits();
  // In-lane interleaves: unpack{lo,hi} of bytes (on 64 x i8) and of words
  // (on 32 x i16).
  auto unpack = [&](Value x, Value y, int64_t elems, bool hi) -> Value {
    int64_t perLane = elems / 4, half = perLane / 2;
    SmallVector<int64_t> idxs;
    for (int64_t l = 0; l < 4; ++l)
      for (int64_t i = 0; i < half; ++i) {
        int64_t e = l * perLane + (hi ? half : 0) + i;
        idxs.push_back(e);
        idxs.push_back(elems + e);
      }
    return vector::ShuffleOp::create(b, loc, x, y, idxs);
  };
  auto wordsTy = VectorType::get({32}, b.getI16Type());
  // acc[(r * nc + c) * 4 + q]: row r, chunk c, interleave q.
  SmallVector<Value> init(spec.m * nc * 4, zeroAcc());
  SmallVector<Value> acc = forEachK(
      4, init,
      [&](Value k0, Value count, ValueRange cur) -> SmallVector<Value> {
        SmallVector<Value> aw;
        for (int64_t r = 0; r < spec.m; ++r) {
          Value word = bitcast(load(a, ValueRange{batch, idx(r), k0}, 4, count),
                               VectorType::get({1}, i32));
          aw.push_back(bitcast(
              vector::BroadcastOp::create(
                  b, loc, accTy, vector::ExtractOp::create(b, loc, word, 0)),
              bytesTy));
        }
        SmallVector<Value> next(cur);
        for (int64_t c = 0; c < nc; ++c) {
          // Rows k0 .. k0 + 3 of W (those at or past K: zeros), xor 0x80.
          SmallVector<Value> x;
          for (int64_t t = 0; t < 4; ++t) {
            Value cols = chunkCols[c];
            if (count)
              cols = arith::SelectOp::create(
                  b, loc,
                  arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                        idx(t), count),
                  cols, idx(0));
            x.push_back(arith::XOrIOp::create(
                b, loc,
                load(w, ValueRange{batch, add(k0, t), chunkStart[c]}, 64, cols),
                shift));
            // The rows kPrefetchRows ahead: pages apart in a KV cache.
            if (!count)
              memref::PrefetchOp::create(
                  b, loc, w,
                  ValueRange{batch,
                             minIdx(add(k0, kPrefetchRows + t), sub(k, idx(1))),
                             chunkStart[c]},
                  /*isWrite=*/false, /*localityHint=*/3,
                  /*isDataCache=*/true);
          }
          Value t0 = bitcast(unpack(x[0], x[1], 64, false), wordsTy);
          Value t1 = bitcast(unpack(x[0], x[1], 64, true), wordsTy);
          Value t2 = bitcast(unpack(x[2], x[3], 64, false), wordsTy);
          Value t3 = bitcast(unpack(x[2], x[3], 64, true), wordsTy);
          // u[q], lane 4 l + i: column 16 l + 4 q + i of the chunk, its K
          // bytes k0 .. k0 + 3.
          Value u[4] = {bitcast(unpack(t0, t2, 32, false), bytesTy),
                        bitcast(unpack(t0, t2, 32, true), bytesTy),
                        bitcast(unpack(t1, t3, 32, false), bytesTy),
                        bitcast(unpack(t1, t3, 32, true), bytesTy)};
          for (int64_t r = 0; r < spec.m; ++r)
            for (int q = 0; q < 4; ++q) {
              int64_t j = (r * nc + c) * 4 + q;
              next[j] = dot(cur[j], u[q], aw[r]);
            }
        }
        return next;
      });
  for (int64_t r = 0; r < spec.m; ++r)
    for (int64_t c = 0; c < nc; ++c) {
      ArrayRef<Value> accRC = ArrayRef<Value>(acc).slice((r * nc + c) * 4, 4);
      // Output p (columns chunk start + 16 p ..): its 128-bit block q is
      // block p of accRC[q].
      for (int64_t p = 0; p < 4; ++p) {
        SmallVector<int64_t> pick;
        for (int s = 0; s < 2; ++s)
          for (int64_t i = 0; i < 4; ++i)
            pick.push_back(16 * s + 4 * p + i);
        for (int64_t i = 0; i < 8; ++i)
          pick.push_back(4 * p + i % 4);
        Value lo = vector::ShuffleOp::create(b, loc, accRC[0], accRC[1], pick);
        Value hi = vector::ShuffleOp::create(b, loc, accRC[2], accRC[3], pick);
        SmallVector<int64_t> cat;
        for (int64_t i = 0; i < 8; ++i)
          cat.push_back(i);
        for (int64_t i = 0; i < 8; ++i)
          cat.push_back(16 + i);
        Value res = arith::SubIOp::create(
            b, loc, vector::ShuffleOp::create(b, loc, lo, hi, cat), corr[r]);
        Value left = sub(chunkCols[c], idx(16 * p));
        vector::MaskedStoreOp::create(
            b, loc, out, ValueRange{batch, idx(r), add(chunkStart[c], 16 * p)},
            mask(left, 16), res);
      }
    }
}

void DecodeEmitter::emit(Value batchBegin, Value batchEnd) {
  auto loop = scf::ForOp::create(b, loc, batchBegin, batchEnd, idx(1));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  batch = loop.getInductionVar();
  if (spec.nn)
    emitNN();
  else
    emitNT();
}

void x86::emitDecodeKernel(OpBuilder &b, Location loc, const DecodeGemm &spec,
                           Value a, Value w, Value out, Value batchBegin,
                           Value batchEnd) {
  DecodeEmitter(b, loc, spec, a, w, out).emit(batchBegin, batchEnd);
}
