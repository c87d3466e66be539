//===- DepthwiseKernel.cpp - the direct x86 int8 depthwise kernel ---------===//
//
// The int8 depthwise generic of --quantc-conv-to-gemm (kDepthwiseInt8AttrName
// with its kDepthwiseWindowAttrName: constant zero points) over a constant
// filter becomes loops of vectors over the channels:
//
//   for oh (rows, on the OpenMP team), n, channel blocks of L lanes:
//     the KH*KW filter taps (w - zf, packed at compile time as i16 in the low
//     half of each i32 lane) and the bias -zx * sum_t (w_t - zf), in
//     registers; the epilogue operands that do not vary along the pixels;
//     for U output pixels along W at a time:
//       acc[u] = bias + sum_t pmaddwd(sext(x[n, oh s + i d, ow s + j d, c]),
//                                     tap_t)
//       (each input vector loaded and widened once per kernel row, shared
//       by the pixels that read it), then the rescale's epilogue
//       (emitRescaleEpilogue) and one vector store per pixel.
//
// pmaddwd on an i32 lane holding sext(x) (high half 0 or -1) and one holding
// (w - zf) in its low half and 0 in the high half is x * (w - zf) exactly;
// so acc is sum_t (x - zx)(w - zf) modulo 2^32, the reference's value. The
// last channel block is masked (any C); L = 16 (AVX-512) or 8 (AVX2).
//
//===----------------------------------------------------------------------===//
#include "DepthwiseKernel.h"

#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"
#include "quantc/Dialect/QuantC/Utils/Arithmetic.h"
#include "quantc/Dialect/QuantC/Utils/KernelLayout.h"

#include "KernelCall.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

#include <map>

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;

namespace {

/// Output pixels computed together along W: their accumulators and the
/// KH*KW taps stay in registers (9 + 4 + the widened inputs of one kernel
/// row, of 32 zmm).
constexpr int64_t kPixelBlock = 4;

/// The depthwise window and its operands, read off the generic.
struct Window {
  int64_t kh, kw, sh, sw, dh, dw, zx, zf;
  int64_t n, oh, ow, c;
  /// The input the taps slice, [N, H, W, C] i8.
  Value x;
  /// The tensor the kernel reads: `x`, or the unpadded tensor when `x` is
  /// a constant padding of it (the fill-and-copy of a tensor.pad), whose
  /// border the kernel reads as `padValue` without the copy.
  Value src;
  int64_t padTop = 0, padLeft = 0, padValue = 0;
  /// The filter, [KH * KW * C] row-major.
  SmallVector<int64_t> filter;
};

/// How one epilogue operand is read: a vector along the channels, or a
/// scalar broadcast; per pixel or once per channel block.
struct OperandRead {
  Value value;
  AffineMap map;
  bool alongChannels = false, perPixel = false;
};

} // namespace

/// Reads the window of `dw`, or says why the kernel does not take it.
static FailureOr<Window> readWindow(linalg::GenericOp dw, std::string &why) {
  auto attr = dw->getAttrOfType<DenseI64ArrayAttr>(kDepthwiseWindowAttrName);
  if (!attr || attr.size() != 8) {
    why = "a zero point is not one constant (it is per channel or a run-time "
          "value)";
    return failure();
  }
  Window w;
  ArrayRef<int64_t> a = attr.asArrayRef();
  w.kh = a[0], w.kw = a[1], w.sh = a[2], w.sw = a[3], w.dh = a[4], w.dw = a[5],
  w.zx = a[6], w.zf = a[7];
  int64_t taps = w.kh * w.kw;
  // (Inputs after the taps: the filter's sums, which the kernel folds into
  // its packed bias.)
  if (dw.getNumDpsInputs() < 2 * taps) {
    why = "its generic does not read the window as (input, filter) pairs";
    return failure();
  }
  // The input: the source of the taps' slices (the canonicalizer may have
  // folded a slice that covers a whole padded copy back to the unpadded
  // tensor: that tap reads the same values).
  for (int64_t t = 0; t < taps && !w.x; ++t)
    if (auto xs =
            dw.getDpsInputs()[2 * t].getDefiningOp<tensor::ExtractSliceOp>())
      w.x = xs.getSource();
  for (int64_t t = 0; t < taps && w.x; ++t)
    if (auto xs =
            dw.getDpsInputs()[2 * t].getDefiningOp<tensor::ExtractSliceOp>())
      if (xs.getSource() != w.x)
        w.x = Value();
  if (!w.x) {
    why = "its generic does not read the window as slices of one input";
    return failure();
  }
  auto xTy = cast<RankedTensorType>(w.x.getType());
  if (!xTy.hasStaticShape() || xTy.getRank() != 4 ||
      !xTy.getElementType().isInteger(8)) {
    why = "its input is not a static [N, H, W, C] i8 tensor";
    return failure();
  }
  w.src = w.x;
  if (auto ins = w.x.getDefiningOp<tensor::InsertSliceOp>()) {
    auto fill = ins.getDest().getDefiningOp<linalg::FillOp>();
    APInt value;
    ArrayRef<int64_t> off = ins.getStaticOffsets();
    auto srcTy = cast<RankedTensorType>(ins.getSource().getType());
    if (fill && matchPattern(fill.getInputs()[0], m_ConstantInt(&value)) &&
        ins.hasUnitStride() && srcTy.hasStaticShape() && srcTy.getRank() == 4 &&
        off.size() == 4 && off[0] == 0 && off[3] == 0 &&
        !ShapedType::isDynamic(off[1]) && !ShapedType::isDynamic(off[2]) &&
        srcTy.getDimSize(0) == xTy.getDimSize(0) &&
        srcTy.getDimSize(3) == xTy.getDimSize(3)) {
      w.src = ins.getSource();
      if (auto copy = w.src.getDefiningOp<linalg::CopyOp>())
        w.src = copy.getInputs()[0];
      w.padTop = off[1];
      w.padLeft = off[2];
      w.padValue = value.getSExtValue();
    }
  }
  // A tap that is not a slice was folded to the whole input: the padded
  // copy or the tensor inserted into it.
  for (int64_t t = 0; t < taps; ++t) {
    Value in = dw.getDpsInputs()[2 * t];
    auto ins = w.x.getDefiningOp<tensor::InsertSliceOp>();
    if (!in.getDefiningOp<tensor::ExtractSliceOp>() && in != w.x &&
        !(ins && in == ins.getSource())) {
      why = "a tap of its generic reads a tensor other than the window's "
            "input";
      return failure();
    }
  }
  // The filter taps: constant [C] slices of a constant [KH, KW, C] (or
  // folded to constants).
  for (int64_t t = 0; t < taps; ++t) {
    Value f = dw.getDpsInputs()[2 * t + 1];
    DenseIntElementsAttr attr;
    SmallVector<int64_t> row;
    if (matchPattern(f, m_Constant(&attr)) && attr.getNumElements() > 0) {
      for (APInt v : attr.getValues<APInt>())
        row.push_back(v.getSExtValue());
    } else if (auto fs = f.getDefiningOp<tensor::ExtractSliceOp>();
               fs && matchPattern(fs.getSource(), m_Constant(&attr)) &&
               attr.getType().getRank() == 3 && fs.hasUnitStride() &&
               fs.getStaticOffsets().size() == 3 &&
               !ShapedType::isDynamic(fs.getStaticOffsets()[0]) &&
               !ShapedType::isDynamic(fs.getStaticOffsets()[1]) &&
               fs.getStaticOffsets()[2] == 0) {
      int64_t c = attr.getType().getDimSize(2);
      int64_t at = (fs.getStaticOffsets()[0] * attr.getType().getDimSize(1) +
                    fs.getStaticOffsets()[1]) *
                   c;
      auto values = attr.getValues<APInt>();
      for (int64_t k = 0; k < c; ++k)
        row.push_back(values[at + k].getSExtValue());
    } else {
      why = "its filter is not a constant (the kernel packs the taps at "
            "compile time)";
      return failure();
    }
    if (!getElementTypeOrSelf(f.getType()).isInteger(8)) {
      why = "its filter is not i8";
      return failure();
    }
    llvm::append_range(w.filter, row);
  }
  auto outTy = cast<RankedTensorType>(dw->getResult(0).getType());
  if (!outTy.hasStaticShape() || outTy.getRank() != 4) {
    why = "its result is not a static [N, OH, OW, C] tensor";
    return failure();
  }
  w.n = outTy.getDimSize(0), w.oh = outTy.getDimSize(1),
  w.ow = outTy.getDimSize(2), w.c = outTy.getDimSize(3);
  if (static_cast<int64_t>(w.filter.size()) != taps * w.c) {
    why = "its filter taps do not have one value per channel";
    return failure();
  }
  for (int64_t v : w.filter) {
    int64_t d = v - w.zf;
    if (d < INT16_MIN || d > INT16_MAX) {
      why = "a filter tap minus its zero point does not fit in i16 (pmaddwd)";
      return failure();
    }
  }
  return w;
}

/// How the kernel reads the epilogue operands of `rescale` over an
/// accumulator of type `accTy`, or why it cannot.
static FailureOr<SmallVector<OperandRead, 5>>
readEpilogueOperands(RescaleOp rescale, RankedTensorType accTy,
                     std::string &why) {
  SmallVector<OperandRead, 5> reads;
  for (NamedOperand o : epilogueOperands(rescale)) {
    OperandRead r;
    r.value = o.value;
    if (o.value) {
      auto ty = dyn_cast<RankedTensorType>(o.value.getType());
      if (!ty || !ty.hasStaticShape() || ty.getRank() != 4) {
        why = std::string("its epilogue's ") + o.name +
              " is not a static tensor of the result's rank";
        return failure();
      }
      r.map = getBroadcastMap(rescale.getContext(), accTy, ty);
      for (auto [i, e] : llvm::enumerate(r.map.getResults())) {
        auto d = dyn_cast<AffineDimExpr>(e);
        if (!d && !isa<AffineConstantExpr>(e)) {
          why = std::string("its epilogue's ") + o.name +
                " is blocked along a dimension";
          return failure();
        }
        if (d && d.getPosition() == 3)
          r.alongChannels = true;
        if (d && d.getPosition() == 2)
          r.perPixel = true;
      }
    }
    reads.push_back(r);
  }
  return reads;
}

/// The taps (w - zf) as [KH*KW, 2 Cp] i16 (each in the low half of an i32
/// lane, 0 in the high half; channels padded with 0 to Cp) and the bias
/// -zx * sum_t (w_t - zf) as [Cp] i32 (modulo 2^32).
/// The output positions [lo, hi) along one spatial dimension (of `out`
/// positions; `in` input positions, `pad` before them) whose taps all read
/// inside the input: no border check there.
static std::pair<int64_t, int64_t> interiorRange(int64_t out, int64_t in,
                                                 int64_t pad, int64_t stride,
                                                 int64_t window,
                                                 int64_t dilation) {
  int64_t lo = std::min<int64_t>(out, llvm::divideCeil(pad, stride));
  int64_t last = in - 1 + pad - (window - 1) * dilation;
  int64_t hi = last < 0 ? 0 : std::min(out, last / stride + 1);
  return {lo, hi};
}

static std::pair<Value, Value> packFilter(OpBuilder &b, Location loc,
                                          const Window &w, int64_t cp) {
  int64_t taps = w.kh * w.kw;
  SmallVector<int16_t> packed(taps * 2 * cp, 0);
  SmallVector<int32_t> bias(cp, 0);
  ArrayRef<int64_t> values = w.filter;
  for (int64_t t = 0; t < taps; ++t)
    for (int64_t c = 0; c < w.c; ++c) {
      int64_t d = values[t * w.c + c] - w.zf;
      packed[t * 2 * cp + 2 * c] = static_cast<int16_t>(d);
      bias[c] = static_cast<int32_t>(static_cast<uint32_t>(bias[c]) -
                                     static_cast<uint32_t>(w.zx * d));
    }
  auto tapsTy = RankedTensorType::get({taps, 2 * cp}, b.getI16Type());
  auto biasTy = RankedTensorType::get({cp}, b.getI32Type());
  Value t = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(tapsTy, ArrayRef<int16_t>(packed)));
  Value c = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(biasTy, ArrayRef<int32_t>(bias)));
  return {t, c};
}

namespace {
/// Emits the kernel's loops (see the file comment).
class Emitter {
public:
  Emitter(OpBuilder &b, Location loc, const Window &w, int64_t lanes,
          RescaleOp rescale, ArrayRef<OperandRead> reads, Value init)
      : b(b), loc(loc), w(w), lanes(lanes), rescale(rescale), reads(reads),
        init(init) {}

  /// The kernel's result, of `resultTy`, written into `dest`.
  Value emit(Value dest);

private:
  OpBuilder &b;
  Location loc;
  const Window &w;
  int64_t lanes;
  RescaleOp rescale;
  ArrayRef<OperandRead> reads;
  /// The i32 initial value of an accumulator without epilogue, or null.
  Value init;
  Value taps, bias;
  /// Loop indices: n, oh, and the channel block.
  Value n, oh, cb;

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  /// for iv in [from, to) step `step`, carrying `d`: d = body(iv, d), built
  /// through `b` (the loop's result is the last d).
  scf::ForOp forLoop(int64_t from, int64_t to, int64_t step, Value d,
                     function_ref<Value(Value, Value)> body) {
    return scf::ForOp::create(
        b, loc, index(from), index(to), index(step), ValueRange{d},
        [&](OpBuilder &nb, Location, Value iv, ValueRange args) {
          OpBuilder::InsertionGuard guard(b);
          b.restoreInsertionPoint(nb.saveInsertionPoint());
          scf::YieldOp::create(b, loc, body(iv, args[0]));
        });
  }
  VectorType vec(Type elem, int64_t size) {
    return VectorType::get({size}, elem);
  }
  Value read(Value src, ValueRange idx, Type elem, int64_t size, bool full);
  Value readOperand(const OperandRead &r, Value ow, bool full);
  Value channelBlock(Value dest, bool full, bool interiorRow);
  Value readChecked(Value row, Value col, bool full);
  Value pixels(Value dest, Value ow0, int64_t count, bool full, bool checked,
               ArrayRef<Value> tapRegs, Value biasReg,
               ArrayRef<Value> uniformOps);
};
} // namespace

/// `size` elements of `src` at `idx` along its last dimension (zero past
/// its end unless `full`).
Value Emitter::read(Value src, ValueRange idx, Type elem, int64_t size,
                    bool full) {
  auto ty = cast<RankedTensorType>(src.getType());
  Value pad =
      arith::ConstantOp::create(b, loc, cast<TypedAttr>(b.getZeroAttr(elem)));
  return vector::TransferReadOp::create(
      b, loc, vec(elem, size), src, idx, pad,
      AffineMap::getMinorIdentityMap(ty.getRank(), 1, b.getContext()),
      ArrayRef<bool>{full});
}

/// Epilogue operand `r` at the current channel block (and pixel `ow` when
/// it varies along W) as a vector of `lanes`.
Value Emitter::readOperand(const OperandRead &r, Value ow, bool full) {
  SmallVector<Value> idx;
  Value ivs[4] = {n, oh, ow, cb};
  for (AffineExpr e : r.map.getResults()) {
    if (auto d = dyn_cast<AffineDimExpr>(e))
      idx.push_back(ivs[d.getPosition()]);
    else
      idx.push_back(index(0));
  }
  Type elem = getElementTypeOrSelf(r.value.getType());
  if (r.alongChannels)
    return read(r.value, idx, elem, lanes, full);
  Value s = tensor::ExtractOp::create(b, loc, r.value, idx);
  return vector::BroadcastOp::create(b, loc, vec(elem, lanes), s);
}

/// The input vector at (`row`, `col`) of `src`, or the padding value where
/// that is outside it (read at the clamped position, then replaced).
Value Emitter::readChecked(Value row, Value col, bool full) {
  auto ty = cast<RankedTensorType>(w.src.getType());
  auto inside = [&](Value v, int64_t size) {
    Value ge =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, v, index(0));
    Value lt = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, v,
                                     index(size));
    return arith::AndIOp::create(b, loc, ge, lt);
  };
  auto clamp = [&](Value v, int64_t size) {
    return arith::MinSIOp::create(
        b, loc, arith::MaxSIOp::create(b, loc, v, index(0)), index(size - 1));
  };
  int64_t h = ty.getDimSize(1), wd = ty.getDimSize(2);
  Value valid = arith::AndIOp::create(b, loc, inside(row, h), inside(col, wd));
  Type i8 = b.getI8Type();
  Value x8 =
      read(w.src, {n, clamp(row, h), clamp(col, wd), cb}, i8, lanes, full);
  Value pad = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(vec(i8, lanes), b.getIntegerAttr(i8, w.padValue)));
  return arith::SelectOp::create(b, loc, valid, x8, pad);
}

/// `count` output pixels from `ow0` of the current channel block; `checked`:
/// some of their taps may fall in the padding.
Value Emitter::pixels(Value dest, Value ow0, int64_t count, bool full,
                      bool checked, ArrayRef<Value> tapRegs, Value biasReg,
                      ArrayRef<Value> uniformOps) {
  Type i8 = b.getI8Type(), i16 = b.getI16Type(), i32 = b.getI32Type();
  SmallVector<Value> accs(count, biasReg);
  Value col0 = arith::MulIOp::create(b, loc, ow0, index(w.sw));
  for (int64_t i = 0; i < w.kh; ++i) {
    // Rows and columns of `src` (negative or past its end in the border).
    Value row = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, oh, index(w.sh)),
        index(i * w.dh - w.padTop));
    // Each input column of this kernel row loaded and widened once.
    std::map<int64_t, Value> widened;
    for (int64_t j = 0; j < w.kw; ++j)
      for (int64_t u = 0; u < count; ++u) {
        int64_t off = u * w.sw + j * w.dw - w.padLeft;
        Value &xv = widened[off];
        if (!xv) {
          Value col = arith::AddIOp::create(b, loc, col0, index(off));
          Value x8 = checked ? readChecked(row, col, full)
                             : read(w.src, {n, row, col, cb}, i8, lanes, full);
          Value x32 = arith::ExtSIOp::create(b, loc, vec(i32, lanes), x8);
          xv = vector::BitCastOp::create(b, loc, vec(i16, 2 * lanes), x32);
        }
        Value p = X86PmaddwdOp::create(b, loc, vec(i32, lanes), xv,
                                       tapRegs[i * w.kw + j]);
        accs[u] = arith::AddIOp::create(b, loc, accs[u], p);
      }
  }
  auto outTy = cast<RankedTensorType>(dest.getType());
  for (int64_t u = 0; u < count; ++u) {
    Value ow = arith::AddIOp::create(b, loc, ow0, index(u));
    Value y = accs[u];
    if (rescale) {
      Value v[5];
      for (auto [k, r] : llvm::enumerate(reads))
        v[k] = !r.value     ? Value()
               : r.perPixel ? readOperand(r, ow, full)
                            : uniformOps[k];
      y = emitRescaleEpilogue(b, loc, EpilogueSpec::get(rescale), y,
                              {v[0], v[1], v[2], v[3], v[4]});
    } else if (init) {
      y = arith::AddIOp::create(b, loc, y,
                                read(init, {n, oh, ow, cb}, i32, lanes, full));
    }
    dest =
        vector::TransferWriteOp::create(
            b, loc, y, dest, ValueRange{n, oh, ow, cb},
            AffineMap::getMinorIdentityMap(outTy.getRank(), 1, b.getContext()),
            ArrayRef<bool>{full})
            .getResult();
  }
  return dest;
}

/// One channel block at `cb`: the taps in registers, then the pixels of the
/// row in blocks of kPixelBlock and one by one.
Value Emitter::channelBlock(Value dest, bool full, bool interiorRow) {
  Type i16 = b.getI16Type(), i32 = b.getI32Type();
  int64_t numTaps = w.kh * w.kw;
  SmallVector<Value> tapRegs;
  Value cb2 = arith::MulIOp::create(b, loc, cb, index(2));
  // The packed constants are padded to whole blocks: always in bounds.
  for (int64_t t = 0; t < numTaps; ++t)
    tapRegs.push_back(read(taps, {index(t), cb2}, i16, 2 * lanes, true));
  Value biasReg = read(bias, {cb}, i32, lanes, true);
  SmallVector<Value> uniformOps(reads.size());
  for (auto [k, r] : llvm::enumerate(reads))
    if (r.value && !r.perPixel)
      uniformOps[k] = readOperand(r, index(0), full);
  // Columns whose taps all read inside `src`: [lo, hi).
  auto srcTy = cast<RankedTensorType>(w.src.getType());
  auto [lo, hi] =
      interiorRange(w.ow, srcTy.getDimSize(2), w.padLeft, w.sw, w.kw, w.dw);
  if (!interiorRow || hi <= lo)
    lo = hi = 0;
  int64_t blocked = lo + (hi - lo) / kPixelBlock * kPixelBlock;
  auto loop = [&](int64_t from, int64_t to, int64_t count, bool checked,
                  Value d) {
    if (from >= to)
      return d;
    return forLoop(from, to, count, d,
                   [&](Value ow0, Value d) {
                     return pixels(d, ow0, count, full, checked, tapRegs,
                                   biasReg, uniformOps);
                   })
        .getResult(0);
  };
  dest = loop(0, lo, 1, /*checked=*/true, dest);
  dest = loop(lo, blocked, kPixelBlock, /*checked=*/false, dest);
  dest = loop(blocked, hi, 1, /*checked=*/false, dest);
  return loop(hi, w.ow, 1, /*checked=*/true, dest);
}

Value Emitter::emit(Value dest) {
  int64_t cp = llvm::divideCeil(w.c, lanes) * lanes;
  std::tie(taps, bias) = packFilter(b, loc, w, cp);
  int64_t whole = w.c / lanes * lanes;
  // Rows whose taps all read inside `src`: [rowLo, rowHi).
  auto srcTy = cast<RankedTensorType>(w.src.getType());
  auto [rowLo, rowHi] =
      interiorRange(w.oh, srcTy.getDimSize(1), w.padTop, w.sh, w.kh, w.dh);
  if (rowHi <= rowLo)
    rowLo = rowHi = 0;
  // One output row: every image, every channel block.
  auto row = [&](Value d, bool interior) {
    return forLoop(0, w.n, 1, d,
                   [&](Value nIv, Value d) -> Value {
                     n = nIv;
                     if (whole > 0)
                       d = forLoop(0, whole, lanes, d,
                                   [&](Value cbIv, Value d) -> Value {
                                     cb = cbIv;
                                     return channelBlock(d, /*full=*/true,
                                                         interior);
                                   })
                               .getResult(0);
                     if (whole < w.c) {
                       cb = index(whole);
                       d = channelBlock(d, /*full=*/false, interior);
                     }
                     return d;
                   })
        .getResult(0);
  };
  // Rows outermost: each iteration writes its own output row, so the
  // OpenMP team may split them (--quantc-x86-outline-rows).
  auto rows = forLoop(0, w.oh, 1, dest, [&](Value ohIv, Value d) -> Value {
    oh = ohIv;
    if (rowLo == 0 && rowHi == w.oh)
      return row(d, /*interior=*/true);
    if (rowLo == rowHi)
      return row(d, /*interior=*/false);
    Value inside = arith::AndIOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, oh,
                              index(rowLo)),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, oh,
                              index(rowHi)));
    auto ifOp = scf::IfOp::create(b, loc, TypeRange{d.getType()}, inside,
                                  /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    scf::YieldOp::create(b, loc, row(d, /*interior=*/true));
    b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(b, loc, row(d, /*interior=*/false));
    return ifOp.getResult(0);
  });
  rows->setAttr(kX86RowsAttrName, b.getUnitAttr());
  return rows.getResult(0);
}

LogicalResult quantc::x86::lowerDepthwiseKernel(linalg::GenericOp dw,
                                                RescaleOp rescale,
                                                const LoweringOptions &opts,
                                                std::string &why) {
  if (opts.emulate) {
    why = "the ISA is emulated (the kernel runs pmaddwd)";
    return failure();
  }
  FailureOr<Window> w = readWindow(dw, why);
  if (failed(w))
    return failure();
  auto accTy = cast<RankedTensorType>(dw->getResult(0).getType());
  SmallVector<OperandRead, 5> reads;
  Value init;
  if (rescale) {
    FailureOr<SmallVector<OperandRead, 5>> r =
        readEpilogueOperands(rescale, accTy, why);
    if (failed(r))
      return failure();
    reads = *r;
  } else {
    // Without epilogue, a non-zero initial value is added.
    if (!startsFromZero(dw))
      init = dw.getDpsInits()[0];
  }
  int64_t lanes = opts.isa == X86Isa::avx2 ? 8 : 16;
  Operation *replaced = rescale ? rescale.getOperation() : dw.getOperation();
  OpBuilder b(replaced);
  Location loc = dw.getLoc();
  auto resTy = cast<RankedTensorType>(replaced->getResult(0).getType());
  Value dest =
      emptyLike(b, loc, replaced->getResult(0), resTy.getElementType());
  Value y = Emitter(b, loc, *w, lanes, rescale, reads, init).emit(dest);
  replaced->getResult(0).replaceAllUsesWith(y);
  Value dwInit = dw.getDpsInits()[0];
  if (rescale)
    rescale.erase();
  dw.erase();
  if (auto fill = dwInit.getDefiningOp<linalg::FillOp>())
    if (fill->use_empty())
      fill.erase();
  return success();
}

bool quantc::x86::startsFromZero(linalg::GenericOp dw) {
  auto fill = dw.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.getInputs()[0], m_Zero());
}
