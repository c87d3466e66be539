//===- WeightOnlyPacking.cpp - weight-only operands in kernel layout ------===//
//
// Each layout is one rule (packWeightRule, packTableRule) over an abstract
// builder `O`: ConstOps runs it on a constant's values at compile time,
// IROps emits it as loops in the prepare function for a weight bound at
// load time. The rule writes every destination element (padding too).
//
//===----------------------------------------------------------------------===//
#include "WeightOnlyPacking.h"
#include "quantc/Dialect/QuantC/Utils/ConstantWeights.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cstring>

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;

int64_t x86::getPackedWeightBytes(const WeightOnlyPlan &p) {
  int64_t row = p.weightBits == 4 ? p.getPackedRowBytes() : p.getPanelCols();
  return p.getNumPanels() * p.k * row;
}

int64_t x86::getTableElements(const WeightOnlyPlan &p) {
  return p.getNumGroups() * llvm::alignTo(p.n, p.getPanelCols());
}

//===----------------------------------------------------------------------===//
// The rules
//===----------------------------------------------------------------------===//

/// The weight: per panel jr, K row k and chunk j of `lanes` bytes of the
/// row, the bytes at (jr * K + k) * rowBytes + j * lanes. 8-bit: columns
/// jr * cols + j * lanes + [0, lanes). 4-bit: chunk j = pair p holds the
/// vector 2p of the panel (+ 8) in its low nibbles and vector 2p + 1 (+ 8)
/// in its high nibbles. Columns past N or past the panel are 0.
template <typename O>
static void packWeightRule(O &o, const WeightOnlyPlan &p) {
  using Index = typename O::Index;
  int64_t cols = p.getPanelCols(), lanes = p.lanes;
  bool four = p.weightBits == 4;
  int64_t rowBytes = four ? p.getPackedRowBytes() : cols;
  int64_t bias = four ? 8 : 0;
  o.loop(p.getNumPanels(), [&](Index jr) {
    Index col0 = o.mul(jr, cols);
    Index end = o.min(o.add(col0, o.c(cols)), o.c(p.n));
    o.loop(p.k, [&](Index k) {
      Index row = o.mul(o.add(o.mul(jr, p.k), k), rowBytes);
      o.loop(rowBytes / lanes, [&](Index j) {
        Index at = o.add(row, o.mul(j, lanes));
        if (!four) {
          o.store(at, o.read(k, o.add(col0, o.mul(j, lanes)), end, bias, 0));
          return;
        }
        Index lo = o.add(col0, o.mul(j, 2 * lanes));
        Index hi = o.add(lo, o.c(lanes));
        o.store(at, o.pair(o.read(k, lo, end, bias, 0),
                           o.read(k, hi, end, bias, 0)));
      });
    });
  });
}

/// A table [group][n padded to whole panels]: the source's (group, n) plus
/// `bias`, `pad` past N; `lanes` columns at a time.
template <typename O>
static void packTableRule(O &o, const WeightOnlyPlan &p, int64_t bias,
                          int64_t pad) {
  using Index = typename O::Index;
  int64_t width = llvm::alignTo(p.n, p.getPanelCols());
  Index end = o.c(p.n);
  o.loop(p.getNumGroups(), [&](Index gi) {
    Index row = o.mul(gi, width);
    o.loop(width / p.lanes, [&](Index j) {
      Index n0 = o.mul(j, p.lanes);
      o.store(o.add(row, n0), o.read(gi, n0, end, bias, pad));
    });
  });
}

//===----------------------------------------------------------------------===//
// At compile time
//===----------------------------------------------------------------------===//

namespace {
/// Runs a rule on constant values `src` (stored as `s`) into `dest`, an
/// array of `Out`, a chunk of `lanes` columns at a time.
template <typename In, typename Out> struct ConstOps {
  using Index = int64_t;
  using Chunk = SmallVector<Out, 16>;
  ArrayRef<In> src;
  WeightOnlySource s;
  MutableArrayRef<Out> dest;
  int64_t lanes;

  Index c(int64_t v) { return v; }
  Index add(Index a, Index b) { return a + b; }
  Index mul(Index a, int64_t b) { return a * b; }
  Index min(Index a, Index b) { return std::min(a, b); }
  template <typename F> void loop(int64_t n, F body) {
    for (int64_t i = 0; i < n; ++i)
      body(i);
  }
  Chunk read(Index kg, Index n0, Index end, int64_t bias, int64_t pad) {
    Chunk out(lanes, Out(pad));
    for (int64_t l = 0; l < lanes && n0 + l < end; ++l) {
      int64_t n = n0 + l;
      int64_t r = s.nFirst ? n : kg, c = s.nFirst ? kg : n;
      out[l] = Out(src[(s.rows > 1 ? r : 0) * s.cols + (s.cols > 1 ? c : 0)] +
                   In(bias));
    }
    return out;
  }
  Chunk pair(const Chunk &lo, const Chunk &hi) {
    Chunk out(lanes);
    for (int64_t l = 0; l < lanes; ++l)
      out[l] = Out(uint8_t(uint8_t(lo[l]) | uint8_t(hi[l]) << 4));
    return out;
  }
  void store(Index at, const Chunk &v) {
    std::copy(v.begin(), v.end(), dest.begin() + at);
  }
};
} // namespace

/// The integer values of a readable integer constant as `T` (i4
/// sign-extended from its low nibble: dense i4 attributes store 0x0f for -1,
/// resource blobs 0xff).
template <typename T> static std::vector<T> readInts(ElementsAttr attr) {
  auto ty = cast<RankedTensorType>(attr.getType());
  int64_t count = ty.getNumElements();
  unsigned bits = ty.getElementType().getIntOrFloatBitWidth();
  std::vector<T> out(count);
  std::optional<ArrayRef<char>> raw = getRawElements(attr);
  if (raw && (bits == 4 || bits == 8)) {
    for (int64_t i = 0; i < count; ++i) {
      auto v = static_cast<int8_t>((*raw)[i]);
      out[i] = bits == 4 ? int8_t(uint8_t(v) << 4) >> 4 : v;
    }
    return out;
  }
  DenseElementsAttr dense = readAsDense(attr);
  assert(dense && "a readable integer constant");
  int64_t i = 0;
  if (dense.isSplat())
    std::fill(out.begin(), out.end(),
              T(dense.getSplatValue<APInt>().getSExtValue()));
  else
    for (const APInt &v : dense.getValues<APInt>())
      out[i++] = T(v.getSExtValue());
  return out;
}

ElementsAttr x86::packWeightOnlyWeight(const WeightOnlyPlan &p,
                                       ElementsAttr weight,
                                       const WeightOnlySource &s) {
  // i8 / i4 values: q + 8 and the nibble pairs fit a byte.
  std::vector<int8_t> values = readInts<int8_t>(weight);
  std::vector<int8_t> bytes(getPackedWeightBytes(p));
  ConstOps<int8_t, int8_t> o{values, s, bytes, p.lanes};
  packWeightRule(o, p);
  auto ty = RankedTensorType::get({int64_t(bytes.size())},
                                  IntegerType::get(weight.getContext(), 8));
  return makeElementsLike(
      weight, ty,
      ArrayRef<char>(reinterpret_cast<const char *>(bytes.data()),
                     bytes.size()),
      derivedResourceName(weight, "packed"));
}

ElementsAttr x86::packWeightOnlyScale(const WeightOnlyPlan &p,
                                      ElementsAttr scale,
                                      const WeightOnlySource &s) {
  DenseElementsAttr dense = readAsDense(scale);
  SmallVector<float> values =
      dense.isSplat() ? SmallVector<float>(dense.getNumElements(),
                                           dense.getSplatValue<float>())
                      : llvm::to_vector(dense.getValues<float>());
  std::vector<float> table(getTableElements(p));
  ConstOps<float, float> o{values, s, table, p.lanes};
  packTableRule(o, p, /*bias=*/0, /*pad=*/0);
  auto ty = RankedTensorType::get({int64_t(table.size())},
                                  Float32Type::get(scale.getContext()));
  return DenseElementsAttr::get(ty, ArrayRef<float>(table));
}

ElementsAttr x86::packWeightOnlyZeroPoint(const WeightOnlyPlan &p,
                                          ElementsAttr zeroPoint,
                                          const WeightOnlySource &s) {
  std::vector<int32_t> values = readInts<int32_t>(zeroPoint);
  std::vector<int32_t> table(getTableElements(p));
  int64_t bias = p.weightBits == 4 ? 8 : 0;
  ConstOps<int32_t, int32_t> o{values, s, table, p.lanes};
  packTableRule(o, p, bias, bias);
  auto ty = RankedTensorType::get({int64_t(table.size())},
                                  IntegerType::get(zeroPoint.getContext(), 32));
  return DenseElementsAttr::get(ty, ArrayRef<int32_t>(table));
}

//===----------------------------------------------------------------------===//
// At load time
//===----------------------------------------------------------------------===//

namespace {
/// Emits a rule as scf.for loops over vectors of `lanes` elements: a masked
/// vector load where the source is contiguous along N in bytes or wider
/// elements ([k, n] storage), else `lanes` scalar loads (an [n, k] source;
/// i4 elements, which LLVM reads one per byte only as scalars). Integers
/// are computed in i32 (sign-extended), floats as they are.
struct IROps {
  using Index = Value;
  OpBuilder &b;
  Location loc;
  Value src;
  WeightOnlySource s;
  Value dest;
  int64_t lanes;

  Index c(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Index add(Index x, Index y) { return arith::AddIOp::create(b, loc, x, y); }
  Index mul(Index x, int64_t y) {
    return arith::MulIOp::create(b, loc, x, c(y));
  }
  Index min(Index x, Index y) { return arith::MinSIOp::create(b, loc, x, y); }
  template <typename F> void loop(int64_t n, F body) {
    auto f = scf::ForOp::create(b, loc, c(0), c(n), c(1));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(f.getBody()->getTerminator());
    body(f.getInductionVar());
  }
  Value splat(Type vecTy, Attribute v) {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(cast<ShapedType>(vecTy), v));
  }
  Value read(Index kg, Index n0, Index end, int64_t bias, int64_t pad) {
    Type elem = cast<MemRefType>(src.getType()).getElementType();
    auto vecTy = VectorType::get({lanes}, elem);
    // Columns [n0, end) of the chunk are real.
    Value count = arith::MaxSIOp::create(
        b, loc, c(0),
        arith::MinSIOp::create(b, loc, c(lanes),
                               arith::SubIOp::create(b, loc, end, n0)));
    Value mask = vector::CreateMaskOp::create(
        b, loc, VectorType::get({lanes}, b.getI1Type()), count);
    Value zero = splat(vecTy, b.getZeroAttr(elem));
    auto at = [&](Value n) -> SmallVector<Value, 2> {
      Value r = s.nFirst ? n : kg, cc = s.nFirst ? kg : n;
      return {s.rows > 1 ? r : c(0), s.cols > 1 ? cc : c(0)};
    };
    Value v;
    if (!s.nFirst && s.cols > 1 && elem.getIntOrFloatBitWidth() >= 8) {
      // A chunk wholly past N loads nothing (count 0) from an address
      // inside the source.
      Value base = arith::MinSIOp::create(
          b, loc, n0, arith::SubIOp::create(b, loc, end, c(1)));
      v = vector::MaskedLoadOp::create(b, loc, vecTy, src, at(base), mask,
                                       zero);
    } else {
      v = zero;
      Value last = arith::SubIOp::create(b, loc, end, c(1));
      for (int64_t l = 0; l < lanes; ++l) {
        // Clamped into the source; the padding is selected below.
        Value n = arith::MinSIOp::create(b, loc, add(n0, c(l)), last);
        Value x = memref::LoadOp::create(b, loc, src, at(n));
        v = vector::InsertOp::create(b, loc, x, v, l);
      }
    }
    Value padV;
    if (isa<FloatType>(elem)) {
      padV = splat(vecTy, b.getFloatAttr(elem, pad));
    } else {
      auto i32Ty = VectorType::get({lanes}, b.getI32Type());
      if (elem.getIntOrFloatBitWidth() < 32)
        v = arith::ExtSIOp::create(b, loc, i32Ty, v);
      else if (elem.getIntOrFloatBitWidth() > 32)
        v = arith::TruncIOp::create(b, loc, i32Ty, v);
      if (bias)
        v = arith::AddIOp::create(b, loc, v,
                                  splat(i32Ty, b.getI32IntegerAttr(bias)));
      padV = splat(i32Ty, b.getI32IntegerAttr(pad));
    }
    return arith::SelectOp::create(b, loc, mask, v, padV);
  }
  Value pair(Value lo, Value hi) {
    Value four = splat(lo.getType(), b.getI32IntegerAttr(4));
    return arith::OrIOp::create(b, loc, lo,
                                arith::ShLIOp::create(b, loc, hi, four));
  }
  void store(Index at, Value v) {
    Type elem = cast<MemRefType>(dest.getType()).getElementType();
    auto vecTy = VectorType::get({lanes}, elem);
    if (vecTy != v.getType())
      v = arith::TruncIOp::create(b, loc, vecTy, v);
    vector::StoreOp::create(b, loc, v, dest, ValueRange{at});
  }
};
} // namespace

void x86::emitWeightOnlyWeightPacker(OpBuilder &b, Location loc,
                                     const WeightOnlyPlan &plan, Value source,
                                     const WeightOnlySource &src, Value dest) {
  IROps o{b, loc, source, src, dest, plan.lanes};
  packWeightRule(o, plan);
}

void x86::emitWeightOnlyScalePacker(OpBuilder &b, Location loc,
                                    const WeightOnlyPlan &plan, Value source,
                                    const WeightOnlySource &src, Value dest) {
  IROps o{b, loc, source, src, dest, plan.lanes};
  packTableRule(o, plan, /*bias=*/0, /*pad=*/0);
}

void x86::emitWeightOnlyZeroPointPacker(OpBuilder &b, Location loc,
                                        const WeightOnlyPlan &plan,
                                        Value source,
                                        const WeightOnlySource &src,
                                        Value dest) {
  int64_t bias = plan.weightBits == 4 ? 8 : 0;
  IROps o{b, loc, source, src, dest, plan.lanes};
  packTableRule(o, plan, bias, bias);
}
