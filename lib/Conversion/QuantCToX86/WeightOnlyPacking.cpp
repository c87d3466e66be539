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

/// The weight: per panel jr, K row k and byte of the row, the byte at
/// (jr * K + k) * rowBytes + byte. 8-bit: column jr * cols + byte. 4-bit:
/// byte = pair * lanes + lane holds column 2 * pair * lanes + lane (of the
/// panel) + 8 in its low nibble and the one a vector further + 8 in its high
/// nibble. Columns past N or past the panel are 0.
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
      o.loop(rowBytes, [&](Index byte) {
        Index at = o.add(row, byte);
        if (!four) {
          o.store(at, o.read(k, o.add(col0, byte), end, bias, 0));
          return;
        }
        Index lo = o.add(o.add(col0, byte), o.mul(o.div(byte, lanes), lanes));
        Index hi = o.add(lo, o.c(lanes));
        o.store(at, o.pair(o.read(k, lo, end, bias, 0),
                           o.read(k, hi, end, bias, 0)));
      });
    });
  });
}

/// A table [group][n padded to whole panels]: the source's (group, n) plus
/// `bias`, `pad` past N.
template <typename O>
static void packTableRule(O &o, const WeightOnlyPlan &p, int64_t bias,
                          int64_t pad) {
  using Index = typename O::Index;
  int64_t width = llvm::alignTo(p.n, p.getPanelCols());
  Index end = o.c(p.n);
  o.loop(p.getNumGroups(), [&](Index gi) {
    Index row = o.mul(gi, width);
    o.loop(width, [&](Index n) {
      o.store(o.add(row, n), o.read(gi, n, end, bias, pad));
    });
  });
}

//===----------------------------------------------------------------------===//
// At compile time
//===----------------------------------------------------------------------===//

namespace {
/// Runs a rule on constant values `src` (stored as `s`) into `dest`, an
/// array of `Out`.
template <typename In, typename Out> struct ConstOps {
  using Index = int64_t;
  ArrayRef<In> src;
  WeightOnlySource s;
  MutableArrayRef<Out> dest;

  Index c(int64_t v) { return v; }
  Index add(Index a, Index b) { return a + b; }
  Index mul(Index a, int64_t b) { return a * b; }
  Index min(Index a, Index b) { return std::min(a, b); }
  Index div(Index a, int64_t b) { return a / b; }
  template <typename F> void loop(int64_t n, F body) {
    for (int64_t i = 0; i < n; ++i)
      body(i);
  }
  Out read(Index kg, Index n, Index end, int64_t bias, int64_t pad) {
    if (n >= end)
      return Out(pad);
    int64_t r = s.nFirst ? n : kg, c = s.nFirst ? kg : n;
    return Out(src[(s.rows > 1 ? r : 0) * s.cols + (s.cols > 1 ? c : 0)] +
               In(bias));
  }
  Out pair(Out lo, Out hi) {
    return Out(uint8_t(uint8_t(lo) | uint8_t(hi) << 4));
  }
  void store(Index at, Out v) { dest[at] = v; }
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
  ConstOps<int8_t, int8_t> o{values, s, bytes};
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
  ConstOps<float, float> o{values, s, table};
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
  ConstOps<int32_t, int32_t> o{values, s, table};
  packTableRule(o, p, bias, bias);
  auto ty = RankedTensorType::get({int64_t(table.size())},
                                  IntegerType::get(zeroPoint.getContext(), 32));
  return DenseElementsAttr::get(ty, ArrayRef<int32_t>(table));
}

//===----------------------------------------------------------------------===//
// At load time
//===----------------------------------------------------------------------===//

namespace {
/// Emits a rule as scf.for loops of scalar loads and stores: integers are
/// read as i32 (extended from i4 / i8: LLVM reads an i4 element from its
/// own byte), floats as they are.
struct IROps {
  using Index = Value;
  OpBuilder &b;
  Location loc;
  Value src;
  WeightOnlySource s;
  Value dest;

  Index c(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Index add(Index x, Index y) { return arith::AddIOp::create(b, loc, x, y); }
  Index mul(Index x, int64_t y) {
    return arith::MulIOp::create(b, loc, x, c(y));
  }
  Index min(Index x, Index y) { return arith::MinSIOp::create(b, loc, x, y); }
  Index div(Index x, int64_t y) {
    return arith::DivUIOp::create(b, loc, x, c(y));
  }
  template <typename F> void loop(int64_t n, F body) {
    auto f = scf::ForOp::create(b, loc, c(0), c(n), c(1));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(f.getBody()->getTerminator());
    body(f.getInductionVar());
  }
  Value read(Index kg, Index n, Index end, int64_t bias, int64_t pad) {
    Type elem = cast<MemRefType>(src.getType()).getElementType();
    Value valid =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, n, end);
    // In bounds for the load; the padding's value is selected after it.
    Value col = arith::SelectOp::create(b, loc, valid, n, c(0));
    Value r = s.nFirst ? col : kg, cc = s.nFirst ? kg : col;
    Value v = memref::LoadOp::create(
        b, loc, src, ValueRange{s.rows > 1 ? r : c(0), s.cols > 1 ? cc : c(0)});
    Value padV;
    if (isa<FloatType>(elem)) {
      padV = arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, pad));
    } else {
      Type i32 = b.getI32Type();
      if (elem.getIntOrFloatBitWidth() < 32)
        v = arith::ExtSIOp::create(b, loc, i32, v);
      else if (elem.getIntOrFloatBitWidth() > 32)
        v = arith::TruncIOp::create(b, loc, i32, v);
      if (bias)
        v = arith::AddIOp::create(
            b, loc, v,
            arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(bias)));
      padV = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(pad));
    }
    return arith::SelectOp::create(b, loc, valid, v, padV);
  }
  Value pair(Value lo, Value hi) {
    Value four = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(4));
    return arith::OrIOp::create(b, loc, lo,
                                arith::ShLIOp::create(b, loc, hi, four));
  }
  void store(Index at, Value v) {
    Type elem = cast<MemRefType>(dest.getType()).getElementType();
    if (elem != v.getType())
      v = arith::TruncIOp::create(b, loc, elem, v);
    memref::StoreOp::create(b, loc, v, dest, ValueRange{at});
  }
};
} // namespace

void x86::emitWeightOnlyWeightPacker(OpBuilder &b, Location loc,
                                     const WeightOnlyPlan &plan, Value source,
                                     const WeightOnlySource &src, Value dest) {
  IROps o{b, loc, source, src, dest};
  packWeightRule(o, plan);
}

void x86::emitWeightOnlyScalePacker(OpBuilder &b, Location loc,
                                    const WeightOnlyPlan &plan, Value source,
                                    const WeightOnlySource &src, Value dest) {
  IROps o{b, loc, source, src, dest};
  packTableRule(o, plan, /*bias=*/0, /*pad=*/0);
}

void x86::emitWeightOnlyZeroPointPacker(OpBuilder &b, Location loc,
                                        const WeightOnlyPlan &plan,
                                        Value source,
                                        const WeightOnlySource &src,
                                        Value dest) {
  int64_t bias = plan.weightBits == 4 ? 8 : 0;
  IROps o{b, loc, source, src, dest};
  packTableRule(o, plan, bias, bias);
}
