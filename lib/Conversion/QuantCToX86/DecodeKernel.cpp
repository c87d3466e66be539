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
  // avx2: vpmaddwd on sign-extended i16 (CPUs without AVX-512).
  bool amx = opts.isa == X86Isa::amx;
  bool avx2 = opts.isa == X86Isa::avx2;
  if ((opts.isa != X86Isa::avx512_vnni && !amx && !avx2) ||
      op.getTransposeLhs())
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
  // The rows are static; anything else may be dynamic. Static 2-D GEMMs of
  // 1-3 rows take it too: it runs their dot products with all lanes busy
  // (the small_m kernel broadcasts the single row, 1 of 16 lanes) and splits
  // N across threads (docs/benchmarks/cpu-runtime.md).
  if (matchPattern(op.getRhs(), m_Constant()) || isLoadTimeValue(op.getRhs()))
    return std::nullopt;
  // A static 2-D GEMM with zero points keeps the kernels that take them
  // (small_m, packing): the decode kernel corrects them after it, and an
  // activation zero point then costs a second pass over W (its column sums).
  bool dynamic = !rhsTy.hasStaticShape() || !lhsTy.hasStaticShape();
  if (rank == 2 && !dynamic && op.hasZeroPoints()) {
    op.emitRemark() << "takes a GEMM kernel that takes its zero points, "
                       "not the decode kernel (which would correct them "
                       "after it)";
    return std::nullopt;
  }
  DecodeGemm g;
  g.m = m;
  g.isa = avx2 ? X86Isa::avx2 : X86Isa::avx512_vnni;
  g.emulate = opts.emulate;
  // Threads split batch x column blocks: a single batch (a 2-D projection)
  // splits its columns.
  g.parallel = opts.parallelMinMacs >= 0 &&
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
/// NT: the panels of rows of W prefetched this many panels ahead.
constexpr int64_t kPrefetchPanels = 4;
/// NT: the columns (rows of W) of one work unit.
constexpr int64_t kNTBlockColumns = 256;
/// NN: the chunks of one pass over K: avx512-vnni 64 columns each (128
/// columns: a head of dimension 128 in one pass); avx2 16 columns each, 64
/// columns for one row of A, fewer for more rows (the accumulators fit the
/// 16 ymm registers). The rows of W prefetched ahead.
constexpr int64_t kNNChunks = 2;
constexpr int64_t kPrefetchRows = 16;

/// NN: the columns of one chunk of `spec`'s ISA, and the chunks of a pass.
int64_t nnChunkColumns(const DecodeGemm &spec) {
  return spec.isa == X86Isa::avx2 ? 16 : 64;
}
int64_t nnMaxChunks(const DecodeGemm &spec) {
  return spec.isa == X86Isa::avx2 ? 4 / (spec.m == 1 ? 1 : 2 * (spec.m - 1))
                                  : kNNChunks;
}
} // namespace

int64_t x86::decodeBlockColumns(const DecodeGemm &spec, int64_t staticN) {
  if (!spec.nn)
    return kNTBlockColumns;
  int64_t chunk = nnChunkColumns(spec), maxChunks = nnMaxChunks(spec);
  int64_t chunks =
      ShapedType::isDynamic(staticN)
          ? maxChunks
          : std::clamp<int64_t>(llvm::divideCeil(staticN, chunk), 1, maxChunks);
  return chunk * chunks;
}

Value x86::emitDecodeUnits(OpBuilder &b, Location loc, const DecodeGemm &spec,
                           Value batch, Value n) {
  Value cols = arith::ConstantIndexOp::create(b, loc, spec.blockCols);
  Value blocks = arith::CeilDivUIOp::create(b, loc, n, cols);
  return arith::MulIOp::create(b, loc, batch, blocks);
}

namespace {
/// The emitter of one decode kernel body.
class DecodeEmitter {
public:
  DecodeEmitter(OpBuilder &b, Location loc, const DecodeGemm &spec,
                const DecodeOperands &ops)
      : b(b), loc(loc), spec(spec), ops(ops), a(ops.a), w(ops.w) {
    i8 = b.getI8Type();
    i16 = b.getI16Type();
    i32 = b.getI32Type();
    lanes = spec.lanes();
    avx2 = spec.isa == X86Isa::avx2;
    accTy = VectorType::get({lanes}, i32);
    bytesTy = VectorType::get({64}, i8);
  }

  void emit();

private:
  OpBuilder &b;
  Location loc;
  const DecodeGemm &spec;
  const DecodeOperands &ops;
  Value a, w;
  Type i8, i16, i32;
  int64_t lanes;
  bool avx2;
  VectorType accTy, bytesTy;
  /// The current batch, and the run-time N and K.
  Value batch, n, k;
  /// avx512-vnni: per row of A, 128 * sum_k A (broadcast), subtracted from
  /// the accumulators.
  SmallVector<Value> corr;

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
  /// The first `count` lanes (vector.create_mask clamps it to [0, lanes]).
  Value mask(Value count, int64_t n) {
    return vector::CreateMaskOp::create(
        b, loc, VectorType::get({n}, b.getI1Type()), ValueRange{count});
  }
  /// `count` (any index) when the K row `t` of a chunk whose valid rows are
  /// `rows` (null: all) exists, else 0.
  Value ifRowExists(Value count, int64_t t, Value rows) {
    if (!rows)
      return count;
    return arith::SelectOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, idx(t), rows),
        count, idx(0));
  }
  /// `n` i8 of `buf` at `indices`, the first `count` of them when `count`
  /// is set (the rest zeros).
  Value load(Value buf, ValueRange indices, int64_t n, Value count) {
    auto ty = VectorType::get({n}, i8);
    if (!count)
      return vector::LoadOp::create(b, loc, ty, buf, indices);
    return vector::MaskedLoadOp::create(b, loc, ty, buf, indices,
                                        mask(count, n),
                                        splat(ty, b.getIntegerAttr(i8, 0)));
  }
  /// avx2: 16 i8 of `buf` sign-extended to i16 (vpmovsxbw).
  Value loadWords(Value buf, ValueRange indices, Value count) {
    return arith::ExtSIOp::create(b, loc, VectorType::get({16}, i16),
                                  load(buf, indices, 16, count));
  }
  Value bitcast(Value v, VectorType ty) {
    return vector::BitCastOp::create(b, loc, ty, v);
  }
  Value prefetch(Value buf, ValueRange indices) {
    memref::PrefetchOp::create(b, loc, buf, indices, /*isWrite=*/false,
                               /*localityHint=*/3, /*isDataCache=*/true);
    return Value();
  }

  /// acc += u (u8) x s (s8) (64 bytes each), 4 products per i32 lane:
  /// vpdpbusd, or emulated.
  Value dot(Value acc, Value u, Value s);
  /// acc += pmaddwd(x, y) (16 x i16 each): avx2.
  Value madd(Value acc, Value x, Value y) {
    return arith::AddIOp::create(b, loc, acc,
                                 X86PmaddwdOp::create(b, loc, accTy, x, y));
  }
  /// 128 * sum_k A[batch, r, k] (i32): the correction of the u8 shift of W.
  Value rowSum128(int64_t r);
  /// The K loop: `body(k, count, acc)` on chunks of `chunk` elements from
  /// k = 0 (count null: whole chunks), then once on the tail K % chunk
  /// (count: the number of elements, only when non-zero at run time).
  SmallVector<Value>
  forEachK(int64_t chunk, SmallVector<Value> init,
           function_ref<SmallVector<Value>(Value, Value, ValueRange)> body);
  /// Lane i: the sum of the lanes of acc[i] (`lanes` vectors).
  Value sumEach(SmallVector<Value> acc);
  /// An epilogue operand at (batch, r, [col, col + lanes)) as a vector of
  /// `lanes`: dimensions of size 1 read at index 0; a column-varying one a
  /// load masked by `laneMask` (masked-off lanes 1.0: a division by an
  /// output scale stays finite), else a broadcast scalar.
  Value readOperand(const EpilogueOperand &o, int64_t r, Value col,
                    Value laneMask);
  /// The one output step of both layouts: the accumulator of row r at
  /// columns [col, col + lanes) corrected (avx512-vnni), through the fused
  /// epilogue if any, stored masked to N.
  void storeOutput(int64_t r, Value col, Value acc);

  /// The unit's columns [col0, colEnd) of the NT layout.
  void emitNT(Value col0, Value colEnd);
  /// The unit's pass over K for the columns from col0 (NN layout).
  void emitNN(Value col0);
  void emitNNAvx2(Value col0);
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
    parts.push_back({v, SmallVector<int64_t>(lanes, int64_t(i))});
  for (int64_t group = lanes; group > 1; group /= 2) {
    SmallVector<Part> next;
    for (size_t p = 0; p < parts.size(); p += 2) {
      SmallVector<int64_t> lo, hi;
      Part sum;
      for (int s = 0; s < 2; ++s)
        for (int64_t g0 = 0; g0 < lanes; g0 += group)
          for (int64_t l = 0; l < group / 2; ++l) {
            lo.push_back(lanes * s + g0 + l);
            hi.push_back(lanes * s + g0 + group / 2 + l);
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
  SmallVector<int64_t> perm(lanes);
  for (int64_t l = 0; l < lanes; ++l)
    perm[parts[0].owner[l]] = l;
  return vector::ShuffleOp::create(b, loc, parts[0].v, parts[0].v, perm);
}

Value DecodeEmitter::readOperand(const EpilogueOperand &o, int64_t r, Value col,
                                 Value laneMask) {
  auto ty = cast<MemRefType>(o.buffer.getType());
  auto vecTy = VectorType::get({lanes}, ty.getElementType());
  Value i0 = ty.getDimSize(0) == 1 ? idx(0) : batch;
  Value i1 = ty.getDimSize(1) == 1 ? idx(0) : idx(r);
  if (ty.getDimSize(2) == 1)
    return vector::BroadcastOp::create(
        b, loc, vecTy,
        memref::LoadOp::create(b, loc, o.buffer, ValueRange{i0, i1, idx(0)}));
  return vector::MaskedLoadOp::create(b, loc, vecTy, o.buffer,
                                      ValueRange{i0, i1, col}, laneMask,
                                      floatConstant(b, loc, vecTy, 1.0));
}

void DecodeEmitter::storeOutput(int64_t r, Value col, Value acc) {
  Value laneMask = mask(sub(n, col), lanes);
  if (!corr.empty())
    acc = arith::SubIOp::create(b, loc, acc, corr[r]);
  if (ops.epilogue) {
    const KernelEpilogue &e = *ops.epilogue;
    SmallVector<Value, 5> vals;
    for (const EpilogueOperand *o :
         {&e.xScale, &e.wScale, &e.bias, &e.outputScale, &e.residual})
      vals.push_back(o->buffer ? readOperand(*o, r, col, laneMask) : Value());
    acc = emitRescaleEpilogue(
        b, loc, e.spec, acc,
        EpilogueValues{vals[0], vals[1], vals[2], vals[3], vals[4]});
  }
  vector::MaskedStoreOp::create(b, loc, ops.out, ValueRange{batch, idx(r), col},
                                laneMask, acc);
}

void DecodeEmitter::emitNT(Value col0, Value colEnd) {
  auto loop = scf::ForOp::create(b, loc, col0, colEnd, idx(lanes));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  Value n0 = loop.getInductionVar();
  // Rows past N repeat the last one (their outputs are not stored).
  Value last = sub(n, idx(1));
  SmallVector<Value> rows;
  for (int64_t i = 0; i < lanes; ++i)
    rows.push_back(minIdx(add(n0, i), last));
  Value shift = avx2 ? Value() : signBits();
  // The rows kPrefetchPanels panels ahead (clamped to W), prefetched while
  // the first row of A runs: a KV cache's rows are pages apart (H * D
  // bytes), beyond the hardware prefetchers' reach.
  SmallVector<Value> ahead;
  for (int64_t i = 0; i < lanes; ++i)
    ahead.push_back(minIdx(add(n0, lanes * kPrefetchPanels + i), last));
  // avx512-vnni: 64 bytes of K per step, one vpdpbusd per row of W; avx2:
  // 32 bytes, two vpmaddwd on 16 sign-extended bytes each.
  int64_t chunk = avx2 ? 32 : 64;
  for (int64_t r = 0; r < spec.m; ++r) {
    SmallVector<Value> acc = forEachK(
        chunk, SmallVector<Value>(lanes, zeroAcc()),
        [&](Value k0, Value count, ValueRange cur) -> SmallVector<Value> {
          SmallVector<Value> next;
          if (avx2) {
            // The second half's count: negative (none) past the tail.
            Value count1 = count ? sub(count, idx(16)) : Value();
            Value k1 = add(k0, 16);
            Value a0 = loadWords(a, ValueRange{batch, idx(r), k0}, count);
            Value a1 = loadWords(a, ValueRange{batch, idx(r), k1}, count1);
            for (int64_t i = 0; i < lanes; ++i) {
              Value acc =
                  madd(cur[i],
                       loadWords(w, ValueRange{batch, rows[i], k0}, count), a0);
              next.push_back(madd(
                  acc, loadWords(w, ValueRange{batch, rows[i], k1}, count1),
                  a1));
              if (r == 0 && !count)
                prefetch(w, ValueRange{batch, ahead[i], k0});
            }
            return next;
          }
          Value av = load(a, ValueRange{batch, idx(r), k0}, 64, count);
          for (int64_t i = 0; i < lanes; ++i) {
            Value wv = load(w, ValueRange{batch, rows[i], k0}, 64, count);
            next.push_back(
                dot(cur[i], arith::XOrIOp::create(b, loc, wv, shift), av));
            if (r == 0 && !count)
              prefetch(w, ValueRange{batch, ahead[i], k0});
          }
          return next;
        });
    storeOutput(r, n0, sumEach(acc));
  }
}

void DecodeEmitter::emitNN(Value col0) {
  if (avx2)
    return emitNNAvx2(col0);
  int64_t nc = spec.blockCols / 64;
  // The columns of each chunk: N - chunk start (the masks clamp it).
  SmallVector<Value> chunkStart, chunkCols;
  for (int64_t c = 0; c < nc; ++c) {
    chunkStart.push_back(add(col0, 64 * c));
    chunkCols.push_back(sub(n, chunkStart.back()));
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
  auto wordsTy = VectorType::get({32}, i16);
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
            x.push_back(arith::XOrIOp::create(
                b, loc,
                load(w, ValueRange{batch, add(k0, t), chunkStart[c]}, 64,
                     ifRowExists(chunkCols[c], t, count)),
                shift));
            // The rows kPrefetchRows ahead: pages apart in a KV cache.
            if (!count)
              prefetch(w, ValueRange{batch,
                                     minIdx(add(k0, kPrefetchRows + t),
                                            sub(k, idx(1))),
                                     chunkStart[c]});
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
        storeOutput(r, add(chunkStart[c], 16 * p),
                    vector::ShuffleOp::create(b, loc, lo, hi, cat));
      }
    }
}

void DecodeEmitter::emitNNAvx2(Value col0) {
  int64_t nc = spec.blockCols / 16;
  // A pass whose columns all exist loads W unmasked (AVX2 has no byte
  // masks: a masked load is element by element); the last, partial one
  // masks its loads to N.
  Value whole = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                                      add(col0, spec.blockCols), n);
  auto ifOp = scf::IfOp::create(b, loc, whole, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard g(b);
  for (bool masked : {false, true}) {
    b.setInsertionPoint(masked ? ifOp.elseBlock()->getTerminator()
                               : ifOp.thenBlock()->getTerminator());
    SmallVector<Value> chunkStart, chunkCols;
    for (int64_t c = 0; c < nc; ++c) {
      chunkStart.push_back(add(col0, 16 * c));
      chunkCols.push_back(masked ? sub(n, chunkStart.back()) : Value());
    }
    // Bytes of rows 2j and 2j + 1 interleaved: columns 0-7 (lo), 8-15 (hi).
    SmallVector<int64_t> lo, hi;
    for (int64_t i = 0; i < 8; ++i) {
      lo.append({i, 16 + i});
      hi.append({8 + i, 24 + i});
    }
    auto pairsTy = VectorType::get({16}, i16);
    // acc[(r * nc + c) * 2 + h]: row r, chunk c, columns 8 h .. 8 h + 7.
    SmallVector<Value> init(spec.m * nc * 2, zeroAcc());
    SmallVector<Value> acc = forEachK(
        4, init,
        [&](Value k0, Value count, ValueRange cur) -> SmallVector<Value> {
          // Per row of A: its values k0 + 2j, k0 + 2j + 1 as an i16 pair
          // broadcast to every lane, j = 0, 1.
          SmallVector<std::array<Value, 2>> pair;
          for (int64_t r = 0; r < spec.m; ++r) {
            Value four =
                bitcast(arith::ExtSIOp::create(
                            b, loc, VectorType::get({4}, i16),
                            load(a, ValueRange{batch, idx(r), k0}, 4, count)),
                        VectorType::get({2}, i32));
            std::array<Value, 2> p;
            for (int64_t j = 0; j < 2; ++j)
              p[j] = bitcast(vector::BroadcastOp::create(
                                 b, loc, accTy,
                                 vector::ExtractOp::create(b, loc, four, j)),
                             pairsTy);
            pair.push_back(p);
          }
          SmallVector<Value> next(cur);
          for (int64_t c = 0; c < nc; ++c) {
            for (int64_t j = 0; j < 2; ++j) {
              // Rows k0 + 2j, k0 + 2j + 1 (those at or past K: zeros).
              Value x[2];
              for (int64_t t = 0; t < 2; ++t) {
                Value cols = chunkCols[c];
                if (count && !cols)
                  cols = idx(16);
                x[t] = load(
                    w, ValueRange{batch, add(k0, 2 * j + t), chunkStart[c]}, 16,
                    ifRowExists(cols, 2 * j + t, count));
              }
              Value wlo = arith::ExtSIOp::create(
                  b, loc, pairsTy,
                  vector::ShuffleOp::create(b, loc, x[0], x[1], lo));
              Value whi = arith::ExtSIOp::create(
                  b, loc, pairsTy,
                  vector::ShuffleOp::create(b, loc, x[0], x[1], hi));
              for (int64_t r = 0; r < spec.m; ++r) {
                int64_t q = (r * nc + c) * 2;
                next[q] = madd(next[q], wlo, pair[r][j]);
                next[q + 1] = madd(next[q + 1], whi, pair[r][j]);
              }
            }
            // The rows kPrefetchRows ahead, once per 64 columns.
            if (!count && c % 4 == 0)
              for (int64_t t = 0; t < 4; ++t)
                prefetch(w, ValueRange{batch,
                                       minIdx(add(k0, kPrefetchRows + t),
                                              sub(k, idx(1))),
                                       chunkStart[c]});
          }
          return next;
        });
    for (int64_t r = 0; r < spec.m; ++r)
      for (int64_t c = 0; c < nc; ++c)
        for (int64_t h = 0; h < 2; ++h)
          storeOutput(r, add(chunkStart[c], 8 * h), acc[(r * nc + c) * 2 + h]);
  }
}

void DecodeEmitter::emit() {
  k = memref::DimOp::create(b, loc, w, spec.nn ? 1 : 2);
  n = memref::DimOp::create(b, loc, w, spec.nn ? 2 : 1);
  Value blocks = arith::CeilDivUIOp::create(b, loc, n, idx(spec.blockCols));
  auto loop = scf::ForOp::create(b, loc, ops.unitBegin, ops.unitEnd, idx(1));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  Value u = loop.getInductionVar();
  batch = arith::DivUIOp::create(b, loc, u, blocks);
  Value col0 = mul(arith::RemUIOp::create(b, loc, u, blocks), spec.blockCols);
  // avx512-vnni: the correction of W's u8 shift, per row of A.
  corr.clear();
  if (!avx2)
    for (int64_t r = 0; r < spec.m; ++r)
      corr.push_back(vector::BroadcastOp::create(b, loc, accTy, rowSum128(r)));
  if (spec.nn)
    emitNN(col0);
  else
    emitNT(col0, minIdx(add(col0, spec.blockCols), n));
}

void x86::emitDecodeKernel(OpBuilder &b, Location loc, const DecodeGemm &spec,
                           const DecodeOperands &ops) {
  DecodeEmitter(b, loc, spec, ops).emit();
}
