//===- RuntimeWeightPacking.cpp - run-time weight panels --------------------
//===//
//
// The packers a runtime_weight kernel runs per call: [n, k] weights into
// the panel layout of compile-time packing (WeightPacking.cpp), with the
// compensationFactor * colsum(W) compensation of vpdpbusd (-128 * colsum
// without an activation zero point); and the packer of [k, n] weights
// (emitWeightPackerFromKN) that load-time packing uses for them.
//
//===----------------------------------------------------------------------===//
#include "KernelEmitter.h"

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;
using namespace quantc::x86::detail;

SmallVector<Value> KernelEmitter::transposeWords(SmallVector<Value> rows) {
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
      next[r + d] = vector::ShuffleOp::create(b, loc, rows[r], rows[r + d], hi);
    }
    rows = std::move(next);
  }
  return rows;
}

void KernelEmitter::packWeightBlockTransposed(Value nb, Value bEnd) {
  constexpr int64_t nw = kTransposeWords;
  int64_t cols = p.getPanelCols(), group = p.getGroup();
  int64_t chunk = nw * group;
  auto inTy = VectorType::get({chunk}, i8);
  auto wordsTy = VectorType::get({nw}, i32);
  auto outTy = VectorType::get({chunk}, elem);
  bool comp = packsCompensation();
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
  Value sums = forEachKChunk(chunk, comp ? isplat(0) : Value(),
                             [&](Value q, int64_t count, Value acc) {
                               return packChunk(mul(q, chunk), mul(q, nw),
                                                llvm::divideCeil(count, group),
                                                count, acc);
                             });
  if (comp)
    vector::StoreOp::create(
        b, loc, arith::MulIOp::create(b, loc, sums, isplat(compFactor)),
        compensation,
        ValueRange{arith::AddIOp::create(b, loc, mul(local, cols), c0)});
}

void KernelEmitter::packWeightBlock(Value nb, Value bEnd) {
  int64_t cols = p.getPanelCols(), group = p.getGroup();
  int64_t words = 16, chunk = words * group;
  auto inTy = VectorType::get({chunk}, i8);
  auto sliceTy = VectorType::get({group}, elem);
  bool comp = packsCompensation();
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
                      ? Value(vector::LoadOp::create(b, loc, inTy, ops.weights,
                                                     ValueRange{col, k}))
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
            b, loc, sum, arith::ConstantIntOp::create(b, loc, i32, compFactor)),
        compensation, ValueRange{compIdx});
  }
}

void KernelEmitter::emitPackAll(Value packedBuf, Value compBuf) {
  packed = packedBuf;
  compensation = compBuf;
  Value begin = idx(0), end = idx(p.getNumPanels());
  if (p.getPanelCols() % kTransposeWords == 0)
    packWeightBlockTransposed(begin, end);
  else
    packWeightBlock(begin, end);
}

void x86::emitWeightPacker(OpBuilder &b, Location loc, X86GemmPlanAttr plan,
                           Value weights, Value packed, Value compensation,
                           const KernelZeroPoints &zeroPoints) {
  KernelOperands ops;
  ops.weights = weights;
  ops.zeroPoints = zeroPoints;
  KernelEmitter(b, loc, plan, ops).emitPackAll(packed, compensation);
}

/// Interleaves `rows` (vectors of `lanes` columns, one per row of a K
/// group, `rows.size()` a power of two) into the group-major order of a
/// panel: element `c * rows.size() + r` is rows[r][c]. log2(group) rounds
/// of zips, each on units twice as wide as the last (bitcasts in between).
static Value interleaveRows(OpBuilder &b, Location loc, SmallVector<Value> rows,
                            int64_t lanes) {
  auto elemBits = cast<VectorType>(rows.front().getType())
                      .getElementType()
                      .getIntOrFloatBitWidth();
  SmallVector<int64_t> zip(2 * lanes);
  for (int64_t c = 0; c < lanes; ++c) {
    zip[2 * c] = c;
    zip[2 * c + 1] = lanes + c;
  }
  for (int64_t unit = elemBits; rows.size() > 1; unit *= 2) {
    auto unitTy = VectorType::get({lanes}, b.getIntegerType(unit));
    SmallVector<Value> next;
    for (size_t r = 0; r < rows.size(); r += 2) {
      Value lo = vector::BitCastOp::create(b, loc, unitTy, rows[r]);
      Value hi = vector::BitCastOp::create(b, loc, unitTy, rows[r + 1]);
      next.push_back(vector::ShuffleOp::create(b, loc, lo, hi, zip));
    }
    rows = std::move(next);
  }
  return rows.front();
}

/// Columns of [k, n] weights one wide packing step reads per row: one
/// 64-byte load per row of a K group.
static constexpr int64_t kWideCols = 64;

/// The one packing rule of [k, n] weights: panels [nb, bEnd) of `weights`
/// into `packed` (panel p at index p - nb) and, when `compensation` is
/// given, compFactor * colsum(W) into it (panel p's columns from
/// (p - nb) * cols). The block's columns are walked in chunks:
///  - wide (i8 panels of 4-row K groups whose width divides or is divided
///    by 64, the vpdpbusd and amx layouts): 64 columns at a time, the 4 rows
///    of a K group one 64-byte load each (masked past N), interleaved by two
///    rounds of two-source shuffles (bytes of row pairs, then 16-bit pairs:
///    vpermt2b / vpermt2w) into four 16-column x 4-byte groups, each stored
///    whole where its panel holds it; the column sums taken from the
///    interleaved groups (vpdpbusd against ones, or shifts when emulated);
///  - narrow (the rest of the block, and every other layout): 16 (or 8)
///    columns at a time, one vector per row, interleaved by interleaveRows;
///    the column sums accumulate from the loaded rows.
static void packPanelsFromKN(OpBuilder &b, Location loc, X86GemmPlanAttr plan,
                             Value weights, Value packed, Value compensation,
                             int32_t compFactor, Value nb, Value bEnd) {
  auto idx = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto addI = [&](Value x, Value y) -> Value {
    return arith::AddIOp::create(b, loc, x, y);
  };
  auto mulI = [&](Value x, int64_t y) -> Value {
    return arith::MulIOp::create(b, loc, x, idx(y));
  };
  int64_t n = plan.getN(), k = plan.getK(), cols = plan.getPanelCols(),
          group = plan.getGroup();
  assert(llvm::isPowerOf2_64(group) && "a power-of-two K group");
  int64_t lanes = cols % 16 == 0 ? 16 : (cols % 8 == 0 ? 8 : 1);
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  Type elem = cast<MemRefType>(packed.getType()).getElementType();
  int64_t fullGroups = k / group, tail = k % group;
  auto i32Splat = [&](VectorType ty, int64_t v) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(ty, b.getI32IntegerAttr(v)));
  };
  // The column `c`'s panel slot: (index in the block, offset in its group
  // row, index in the block's compensation).
  Value colBegin = mulI(nb, cols), colEnd = mulI(bEnd, cols);
  auto place = [&](Value c) -> std::tuple<Value, Value, Value> {
    Value local = arith::SubIOp::create(
        b, loc, arith::DivUIOp::create(b, loc, c, idx(cols)), nb);
    Value slot = mulI(arith::RemUIOp::create(b, loc, c, idx(cols)), group);
    return {local, slot, arith::SubIOp::create(b, loc, c, colBegin)};
  };
  // Runs `body(kg, rowsPresent, sums)` over the K groups (the last one
  // partial when K % group != 0), threading the column sums.
  auto forEachGroup =
      [&](ValueRange init,
          function_ref<SmallVector<Value>(Value, int64_t, ValueRange)> body)
      -> SmallVector<Value> {
    SmallVector<Value> sums(init);
    if (fullGroups > 0) {
      auto groups = scf::ForOp::create(
          b, loc, idx(0), idx(fullGroups), idx(1), sums,
          [&](OpBuilder &lb, Location, Value kg, ValueRange acc) {
            OpBuilder::InsertionGuard g(b);
            b.setInsertionPoint(lb.getInsertionBlock(), lb.getInsertionPoint());
            scf::YieldOp::create(b, loc, body(kg, group, acc));
          });
      sums.assign(groups.getResults().begin(), groups.getResults().end());
    }
    if (tail)
      sums = body(idx(fullGroups), tail, sums);
    return sums;
  };
  // The mask of the columns [c, c + width) inside N.
  auto colMaskAt = [&](Value c, int64_t width) -> Value {
    Value present = arith::MaxSIOp::create(
        b, loc, idx(0),
        arith::MinSIOp::create(b, loc, idx(width),
                               arith::SubIOp::create(b, loc, idx(n), c)));
    return vector::CreateMaskOp::create(
        b, loc, VectorType::get({width}, b.getI1Type()), present);
  };

  OpBuilder::InsertionGuard guard(b);
  Value narrowBegin = colBegin;
  bool wide = elem == i8 && group == 4 && lanes == 16 &&
              (cols % kWideCols == 0 || kWideCols % cols == 0);
  if (wide) {
    constexpr int64_t parts = kWideCols / 16;
    auto rowTy = VectorType::get({kWideCols}, i8);
    auto halfTy = VectorType::get({kWideCols / 2}, b.getI16Type());
    auto sumTy = VectorType::get({16}, i32);
    Value zeroRow = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(rowTy, b.getIntegerAttr(i8, 0)));
    Value ones = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(rowTy, b.getIntegerAttr(i8, 1)));
    // Zips of two 64-lane vectors: lanes [h * 32, h * 32 + 32) of each.
    auto zip = [&](Value x, Value y, int64_t h) -> Value {
      int64_t len = cast<VectorType>(x.getType()).getNumElements();
      SmallVector<int64_t> m;
      for (int64_t c = 0; c < len / 2; ++c) {
        m.push_back(h * len / 2 + c);
        m.push_back(len + h * len / 2 + c);
      }
      return vector::ShuffleOp::create(b, loc, x, y, m);
    };
    // The sum of the 4 signed bytes of each i32 lane of `v` (64 x i8).
    auto laneSums = [&](Value acc, Value v) -> Value {
      if (!plan.getEmulate())
        return X86VpdpbusdOp::create(b, loc, sumTy, acc, ones, v);
      Value w = vector::BitCastOp::create(b, loc, sumTy, v);
      for (int64_t t = 0; t < 4; ++t) {
        Value up =
            arith::ShLIOp::create(b, loc, w, i32Splat(sumTy, 24 - 8 * t));
        acc =
            addI(acc, arith::ShRSIOp::create(b, loc, up, i32Splat(sumTy, 24)));
      }
      return acc;
    };
    Value wideEnd =
        addI(colBegin,
             mulI(arith::DivUIOp::create(
                      b, loc, arith::SubIOp::create(b, loc, colEnd, colBegin),
                      idx(kWideCols)),
                  kWideCols));
    auto chunks = scf::ForOp::create(b, loc, colBegin, wideEnd, idx(kWideCols));
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(chunks.getBody()->getTerminator());
      Value c = chunks.getInductionVar();
      Value colMask = colMaskAt(c, kWideCols);
      SmallVector<std::tuple<Value, Value, Value>> places;
      for (int64_t j = 0; j < parts; ++j)
        places.push_back(place(addI(c, idx(16 * j))));
      SmallVector<Value> init;
      if (compensation)
        init.assign(parts, i32Splat(sumTy, 0));
      SmallVector<Value> sums = forEachGroup(
          init,
          [&](Value kg, int64_t rowsPresent,
              ValueRange acc) -> SmallVector<Value> {
            Value k0 = mulI(kg, group);
            SmallVector<Value> rows;
            for (int64_t r = 0; r < group; ++r)
              rows.push_back(
                  r < rowsPresent
                      ? Value(vector::MaskedLoadOp::create(
                            b, loc, rowTy, weights,
                            ValueRange{addI(k0, idx(r)), c}, colMask, zeroRow))
                      : zeroRow);
            // Bytes of rows 0/1 and 2/3 paired (columns [0, 32) and
            // [32, 64)), then the pairs of each half paired as 16-bit
            // words: 16 columns x 4 bytes per part.
            SmallVector<Value> next;
            for (int64_t h = 0; h < 2; ++h) {
              Value p01 = vector::BitCastOp::create(b, loc, halfTy,
                                                    zip(rows[0], rows[1], h));
              Value p23 = vector::BitCastOp::create(b, loc, halfTy,
                                                    zip(rows[2], rows[3], h));
              for (int64_t q = 0; q < 2; ++q) {
                int64_t j = 2 * h + q;
                Value out =
                    vector::BitCastOp::create(b, loc, rowTy, zip(p01, p23, q));
                auto [local, slot, compCol] = places[j];
                vector::StoreOp::create(b, loc, out, packed,
                                        ValueRange{local, kg, slot});
                if (compensation)
                  next.push_back(laneSums(acc[j], out));
              }
            }
            return next;
          });
      for (int64_t j = 0; compensation && j < parts; ++j)
        vector::StoreOp::create(
            b, loc,
            arith::MulIOp::create(b, loc, sums[j], i32Splat(sumTy, compFactor)),
            compensation, ValueRange{std::get<2>(places[j])});
    }
    narrowBegin = wideEnd;
  }

  auto rowTy = VectorType::get({lanes}, i8);
  auto elemRowTy = VectorType::get({lanes}, elem);
  auto outTy = VectorType::get({lanes * group}, elem);
  auto sumTy = VectorType::get({lanes}, i32);
  Value zeroRow = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(rowTy, b.getIntegerAttr(i8, 0)));
  auto chunks = scf::ForOp::create(b, loc, narrowBegin, colEnd, idx(lanes));
  b.setInsertionPoint(chunks.getBody()->getTerminator());
  Value col0 = chunks.getInductionVar();
  // Columns of this chunk inside N (none for a chunk of padding).
  Value colMask = colMaskAt(col0, lanes);
  Value local, slot, compCol;
  std::tie(local, slot, compCol) = place(col0);

  // The K group `kg` (its rows k < `rowsPresent`, the others zeros): loaded,
  // stored interleaved; returns the sums with the group's rows added.
  SmallVector<Value> init;
  if (compensation)
    init.push_back(i32Splat(sumTy, 0));
  SmallVector<Value> sums = forEachGroup(
      init,
      [&](Value kg, int64_t rowsPresent, ValueRange acc) -> SmallVector<Value> {
        SmallVector<Value> rows;
        Value sum = compensation ? acc[0] : Value();
        Value k0 = mulI(kg, group);
        for (int64_t r = 0; r < group; ++r) {
          Value v = zeroRow;
          if (r < rowsPresent)
            v = vector::MaskedLoadOp::create(b, loc, rowTy, weights,
                                             ValueRange{addI(k0, idx(r)), col0},
                                             colMask, zeroRow);
          if (compensation && r < rowsPresent)
            sum = addI(sum, arith::ExtSIOp::create(b, loc, sumTy, v));
          if (elem != i8)
            v = arith::ExtSIOp::create(b, loc, elemRowTy, v);
          rows.push_back(v);
        }
        Value out = interleaveRows(b, loc, rows, lanes);
        out = vector::BitCastOp::create(b, loc, outTy, out);
        vector::StoreOp::create(b, loc, out, packed,
                                ValueRange{local, kg, slot});
        return compensation ? SmallVector<Value>{sum} : SmallVector<Value>{};
      });
  if (compensation)
    vector::StoreOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, sums[0], i32Splat(sumTy, compFactor)),
        compensation, ValueRange{compCol});
}

void KernelEmitter::packWeightBlockKN(Value nb, Value bEnd) {
  packPanelsFromKN(b, loc, p, ops.weights, packed,
                   packsCompensation() ? compensation : Value(), compFactor, nb,
                   bEnd);
}

void x86::emitWeightPackerFromKN(OpBuilder &b, Location loc,
                                 X86GemmPlanAttr plan, Value weights,
                                 Value packed, Value compensation,
                                 int32_t compFactor) {
  packPanelsFromKN(b, loc, plan, weights, packed, compensation, compFactor,
                   arith::ConstantIndexOp::create(b, loc, 0),
                   arith::ConstantIndexOp::create(b, loc, plan.getNumPanels()));
}
