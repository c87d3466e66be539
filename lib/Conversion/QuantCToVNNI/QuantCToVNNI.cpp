//===- QuantCToVNNI.cpp - int8 GEMMs to AVX-512 VNNI micro-kernels --------===//
//
// quantc.matmul (+ its quantc.rescale epilogue) -> a call to a generated,
// shape-specialised kernel built from scf loops, vector ops and
// llvm.x86.avx512.vpdpbusd.512, with the constant weight packed at compile
// time. See the pass description in Conversion/Passes.td.
//
//===----------------------------------------------------------------------===//
#include "quantc/Conversion/QuantCToVNNI/QuantCToVNNI.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCLOWERMATMULTOVNNI
#define GEN_PASS_DEF_QUANTCVNNIMATERIALIZEKERNELS
#define GEN_PASS_DEF_QUANTCVNNIOUTLINEGOMP
#include "quantc/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

namespace {

/// The instruction set a kernel is generated for. Both run the same plan
/// (packed weights, packed activation tile, register tile, fused epilogue);
/// they differ in the multiply-accumulate step:
///  - avx512-vnni: `vpdpbusd zmm` sums 4 u8 x s8 products per i32 lane. The
///    activations are packed with +128 (xor 0x80), the accumulators start at
///    the -128 * colsum(W) compensation.
///  - avx2: `vpmaddwd ymm` sums 2 s16 x s16 products per i32 lane, then
///    `vpaddd`. Activations and weights are sign-extended to i16 when packed:
///    exact for every int8 input, no compensation (unlike `vpmaddubsw`,
///    whose i16 pair sums saturate).
enum class Isa { avx512vnni, avx2 };

struct IsaInfo {
  int64_t lanes;     // i32 lanes of a vector register
  int64_t group;     // products summed into one lane per step
  unsigned elemBits; // packed element width
  int64_t registers; // vector registers available
  const char *regName;
};

static IsaInfo isaInfo(Isa isa) {
  if (isa == Isa::avx2)
    return {8, 2, 16, 16, "ymm"};
  return {16, 4, 8, 32, "zmm"};
}

static std::optional<Isa> parseIsa(StringRef s) {
  if (s == "avx512-vnni")
    return Isa::avx512vnni;
  if (s == "avx2")
    return Isa::avx2;
  return std::nullopt;
}

constexpr const char *kVpdpbusd = "llvm.x86.avx512.vpdpbusd.512";
/// The packed activation tile stays on the stack up to this size (K up to
/// about 10,900 for 6 rows of i16, 21,800 of i8).
constexpr int64_t kMaxStackTileBytes = 128 * 1024;
constexpr const char *kPmaddwd = "llvm.x86.avx2.pmadd.wd";

/// What one matmul (and optionally its epilogue) lowers to.
struct GemmPlan {
  Isa isa = Isa::avx512vnni;
  int64_t M, N, K;
  int64_t MR, NR, KU;
  /// Weight panels run against one packed activation tile before the next
  /// row tile: the L2-resident working set.
  int64_t panelBlock = 1;
  bool parallel = false;
  /// Portable vector arithmetic instead of the vpdpbusd intrinsic (testing
  /// on machines without AVX-512 VNNI).
  bool emulate = false;
  // Epilogue: `fused` is false for a plain i32 result.
  bool fused = false, hasBias = false, hasOs = false;
  Activation act = Activation::none;
  Type outElem;
  int64_t qmin = 0, qmax = 0;

  IsaInfo info() const { return isaInfo(isa); }
  int64_t lanes() const { return info().lanes; }
  int64_t group() const { return info().group; }
  bool hasComp() const { return isa == Isa::avx512vnni; }
  int64_t panelCols() const { return NR * lanes(); }
  int64_t kGroups() const { return (K + group() - 1) / group(); }
  int64_t numPanels() const { return (N + panelCols() - 1) / panelCols(); }
  /// Elements of the activation tile's rows: K padded to whole packing
  /// vectors (`packWidth`).
  int64_t packWidth() const { return isa == Isa::avx2 ? 16 : 64; }
  int64_t packedK() const {
    return (K + packWidth() - 1) / packWidth() * packWidth();
  }
  int64_t tileBytes() const {
    return MR * (packedK() + packWidth()) * info().elemBits / 8;
  }
  int64_t panelBytes() const {
    return kGroups() * panelCols() * group() * info().elemBits / 8;
  }
};

/// A 2-D f32 epilogue operand (tensor in the lowering, memref in a kernel
/// plan) is usable when each dimension is 1 or equal to the accumulator's
/// (block scales go to the reference lowering).
static bool isBroadcastShape(Type t, int64_t M, int64_t N) {
  auto ty = dyn_cast<ShapedType>(t);
  if (!ty || !ty.hasRank() || ty.getRank() != 2 || !ty.hasStaticShape() ||
      !ty.getElementType().isF32())
    return false;
  int64_t r = ty.getDimSize(0), c = ty.getDimSize(1);
  return (r == 1 || r == M) && (c == 1 || c == N);
}
static bool isBroadcastOperand(Value v, int64_t M, int64_t N) {
  return !v || isBroadcastShape(v.getType(), M, N);
}

/// The fused epilogue writes f32, or (requantizing, with an output scale)
/// an integer of at most 32 bits.
static bool isEpilogueResult(Type elem, bool requantizes) {
  if (!requantizes)
    return elem.isF32();
  auto it = dyn_cast<IntegerType>(elem);
  return it && it.getWidth() <= 32;
}

/// Whether `op` (the only user of the matmul) can be fused as the epilogue.
static bool canFuseRescale(RescaleOp op, int64_t M, int64_t N) {
  // The kernels have no residual input: such a rescale runs after the GEMM.
  if (op.getResidual())
    return false;
  if (!isEpilogueResult(op.getResult().getType().getElementType(),
                        static_cast<bool>(op.getOutputScale())))
    return false;
  return isBroadcastOperand(op.getXScale(), M, N) &&
         isBroadcastOperand(op.getWScale(), M, N) &&
         isBroadcastOperand(op.getBias(), M, N) &&
         isBroadcastOperand(op.getOutputScale(), M, N);
}

/// Reads the constant int8 weight [N, K] into a row-major byte vector.
static bool readWeights(Value w, int64_t N, int64_t K,
                        std::vector<int8_t> &out) {
  ElementsAttr attr;
  if (!matchPattern(w, m_Constant(&attr)))
    return false;
  out.assign(N * K, 0);
  if (auto dense = dyn_cast<DenseIntElementsAttr>(attr)) {
    if (dense.isSplat()) {
      std::fill(out.begin(), out.end(), dense.getSplatValue<int8_t>());
      return true;
    }
    ArrayRef<char> raw = dense.getRawData();
    if (static_cast<int64_t>(raw.size()) != N * K)
      return false;
    std::memcpy(out.data(), raw.data(), raw.size());
    return true;
  }
  if (auto res = dyn_cast<DenseI8ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<int8_t>> data = res.tryGetAsArrayRef();
    if (!data || static_cast<int64_t>(data->size()) != N * K)
      return false;
    std::copy(data->begin(), data->end(), out.begin());
    return true;
  }
  return false;
}

/// Emits the body of one shape-specialised kernel function:
///
///   for each block of `panelBlock` weight panels in [pBegin, pEnd):
///     for each tile of `mr` rows:
///       pack the rows' activations (full K) into an L1-resident tile
///       for each panel of the block:
///         mr x nr accumulators over K (packed tile x packed panel)
///         epilogue in registers, (masked) stores
class KernelEmitter {
public:
  KernelEmitter(OpBuilder &b, Location loc, const GemmPlan &p, ValueRange args)
      : b(b), loc(loc), p(p) {
    unsigned i = 0;
    A = args[i++];
    Bp = args[i++];
    if (p.hasComp())
      comp = args[i++];
    if (p.fused) {
      xs = args[i++];
      ws = args[i++];
      if (p.hasBias)
        bias = args[i++];
      if (p.hasOs)
        os = args[i++];
    }
    out = args[i++];
    pBegin = args[i++];
    pEnd = args[i++];
    i8 = b.getI8Type();
    i32 = b.getI32Type();
    f32 = b.getF32Type();
    elem = b.getIntegerType(p.info().elemBits);
    int64_t lanes = p.lanes();
    accTy = VectorType::get({lanes}, i32);
    wTy = VectorType::get({lanes * p.group()}, elem);
    fTy = VectorType::get({lanes}, f32);
  }

  void emit() {
    // The packed activation tile: mr rows of K (+128 or sign-extended),
    // zero padded to whole packing vectors. One extra vector per row keeps the
    // rows off power-of-two strides (which would map them to one L1 set). Up to
    // kMaxStackTileBytes the tile lives on the stack (of each OpenMP thread); a
    // larger one (K in the tens of thousands) on the heap, once per call.
    auto tileTy = MemRefType::get({p.MR, p.packedK() + p.packWidth()}, elem);
    bool onHeap = p.tileBytes() > kMaxStackTileBytes;
    if (onHeap)
      Apk = memref::AllocOp::create(b, loc, tileTy, b.getI64IntegerAttr(64));
    else
      Apk = memref::AllocaOp::create(b, loc, tileTy, b.getI64IntegerAttr(64));
    auto blocks = scf::ForOp::create(b, loc, pBegin, pEnd, idx(p.panelBlock));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(blocks.getBody()->getTerminator());
    Value nb = blocks.getInductionVar();
    Value bEnd = arith::MinSIOp::create(b, loc, add(nb, p.panelBlock), pEnd);
    int64_t mFull = p.M / p.MR * p.MR, mTail = p.M % p.MR;
    if (mFull > 0) {
      auto rows = scf::ForOp::create(b, loc, idx(0), idx(mFull), idx(p.MR));
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPoint(rows.getBody()->getTerminator());
      emitRowTile(rows.getInductionVar(), p.MR, nb, bEnd);
    }
    if (mTail)
      emitRowTile(idx(mFull), mTail, nb, bEnd);
    if (onHeap) {
      b.setInsertionPointAfter(blocks);
      memref::DeallocOp::create(b, loc, Apk);
    }
  }

private:
  OpBuilder &b;
  Location loc;
  const GemmPlan &p;
  Value A, Bp, comp, xs, ws, bias, os, out, pBegin, pEnd, Apk;
  Type i8, i32, f32, elem;
  VectorType accTy, wTy, fTy;

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value a, int64_t c) {
    return c == 0 ? a : arith::AddIOp::create(b, loc, a, idx(c)).getResult();
  }
  Value mul(Value a, int64_t c) {
    return arith::MulIOp::create(b, loc, a, idx(c));
  }
  Value mask(int64_t n, int64_t lanes) {
    return vector::ConstantMaskOp::create(
        b, loc, VectorType::get({lanes}, b.getI1Type()), ArrayRef<int64_t>{n});
  }
  Value splat(VectorType ty, Attribute v) {
    return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(ty, v));
  }
  Value fsplat(double v) { return splat(fTy, b.getF32FloatAttr(v)); }
  Value isplat(int32_t v) { return splat(accTy, b.getI32IntegerAttr(v)); }

  /// The panels of block [nb, bEnd) against rows [m0, m0 + mr): full
  /// panels, then the narrower tail panel (index N / panelCols) if the
  /// block holds it.
  void emitRowTile(Value m0, int64_t mr, Value nb, Value bEnd) {
    packActivations(m0, mr);
    int64_t NPfull = p.N / p.panelCols();
    int64_t tailCols = p.N % p.panelCols();
    if (NPfull > 0) {
      Value end = arith::MinSIOp::create(b, loc, bEnd, idx(NPfull));
      auto loop = scf::ForOp::create(b, loc, nb, end, idx(1));
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      Value pi = loop.getInductionVar();
      emitTile(m0, mr, pi, mul(pi, p.panelCols()), p.NR, p.lanes());
    }
    if (tailCols) {
      int64_t lanes = p.lanes();
      int64_t nr = (tailCols + lanes - 1) / lanes;
      int64_t last = tailCols - (nr - 1) * lanes;
      Value t = idx(NPfull);
      Value inRange = arith::AndIOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, nb, t),
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, bEnd, t));
      auto ifOp = scf::IfOp::create(b, loc, inRange, /*withElse=*/false);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      emitTile(m0, mr, t, idx(NPfull * p.panelCols()), nr, last);
    }
  }

  /// Rows [m0, m0 + mr) of A into the tile, transformed once here instead of
  /// once per weight panel in the inner loop: xor 0x80 (vpdpbusd's u8
  /// operand) or sign extension to i16 (vpmaddwd). K is padded with zeros,
  /// which meet zero-padded weights.
  void packActivations(Value m0, int64_t mr) {
    int64_t V = p.packWidth();
    auto inTy = VectorType::get({V}, i8);
    auto outTy = VectorType::get({V}, elem);
    auto transform = [&](Value v) -> Value {
      if (p.isa == Isa::avx2)
        return arith::ExtSIOp::create(b, loc, outTy, v);
      return arith::XOrIOp::create(b, loc, v,
                                   splat(inTy, b.getIntegerAttr(i8, 0x80)));
    };
    auto rows = scf::ForOp::create(b, loc, idx(0), idx(mr), idx(1));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(rows.getBody()->getTerminator());
    Value r = rows.getInductionVar();
    Value row = arith::AddIOp::create(b, loc, m0, r);
    int64_t kFull = p.K / V * V, kTail = p.K % V;
    if (kFull > 0) {
      auto ks = scf::ForOp::create(b, loc, idx(0), idx(kFull), idx(V));
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPoint(ks.getBody()->getTerminator());
      Value k = ks.getInductionVar();
      Value v = vector::LoadOp::create(b, loc, inTy, A, ValueRange{row, k});
      vector::StoreOp::create(b, loc, transform(v), Apk, ValueRange{r, k});
    }
    if (kTail) {
      Value k = idx(kFull);
      Value v = vector::MaskedLoadOp::create(
          b, loc, inTy, A, ValueRange{row, k}, mask(kTail, V),
          splat(inTy, b.getIntegerAttr(i8, 0)));
      vector::StoreOp::create(b, loc, transform(v), Apk, ValueRange{r, k});
    }
  }

  /// One k-group step: `mr x nr` multiply-accumulates on `group` elements of
  /// each row.
  SmallVector<Value> step(ValueRange acc, Value panel, Value g, int64_t mr,
                          int64_t nr) {
    SmallVector<Value> next(acc.begin(), acc.end());
    int64_t lanes = p.lanes(), group = p.group();
    SmallVector<Value> bv;
    for (int64_t j = 0; j < nr; ++j)
      bv.push_back(vector::LoadOp::create(
          b, loc, wTy, Bp, ValueRange{panel, g, idx(j * lanes * group)}));
    Value k = mul(g, group);
    auto wordTy = VectorType::get({group}, elem);
    SmallVector<SmallVector<Value, 4>> wParts;
    if (p.emulate)
      for (int64_t j = 0; j < nr; ++j)
        wParts.push_back(
            unpackBytes(vector::BitCastOp::create(b, loc, accTy, bv[j]), true));
    for (int64_t r = 0; r < mr; ++r) {
      Value word = vector::BitCastOp::create(
          b, loc, VectorType::get({1}, i32),
          vector::LoadOp::create(b, loc, wordTy, Apk, ValueRange{idx(r), k}));
      Value bc = vector::BroadcastOp::create(b, loc, accTy, word);
      Value av = vector::BitCastOp::create(b, loc, wTy, bc);
      SmallVector<Value, 4> aParts;
      if (p.emulate)
        aParts = unpackBytes(bc, false);
      for (int64_t j = 0; j < nr; ++j) {
        Value &a = next[r * nr + j];
        if (p.isa == Isa::avx2) {
          Value prod = LLVM::CallIntrinsicOp::create(b, loc, accTy,
                                                     b.getStringAttr(kPmaddwd),
                                                     ValueRange{av, bv[j]})
                           .getResult(0);
          a = arith::AddIOp::create(b, loc, a, prod);
        } else if (p.emulate) {
          a = emulateVpdpbusd(a, aParts, wParts[j]);
        } else {
          a = LLVM::CallIntrinsicOp::create(b, loc, accTy,
                                            b.getStringAttr(kVpdpbusd),
                                            ValueRange{a, av, bv[j]})
                  .getResult(0);
        }
      }
    }
    return next;
  }

  /// Byte t of every i32 lane, zero- or sign-extended (emulation only).
  SmallVector<Value, 4> unpackBytes(Value words, bool isSigned) {
    SmallVector<Value, 4> parts;
    for (int t = 0; t < 4; ++t) {
      if (isSigned)
        parts.push_back(arith::ShRSIOp::create(
            b, loc, arith::ShLIOp::create(b, loc, words, isplat(24 - 8 * t)),
            isplat(24)));
      else
        parts.push_back(arith::AndIOp::create(
            b, loc, arith::ShRUIOp::create(b, loc, words, isplat(8 * t)),
            isplat(0xFF)));
    }
    return parts;
  }
  /// acc[i] += sum_t zext(a.byte[4i+t]) * sext(w.byte[4i+t]): vpdpbusd.
  Value emulateVpdpbusd(Value acc, ArrayRef<Value> aParts,
                        ArrayRef<Value> wParts) {
    for (int t = 0; t < 4; ++t)
      acc = arith::AddIOp::create(
          b, loc, acc, arith::MulIOp::create(b, loc, aParts[t], wParts[t]));
    return acc;
  }

  void emitTile(Value m0, int64_t mr, Value panel, Value n0, int64_t nr,
                int64_t lastCnt) {
    // vpdpbusd accumulators start at -128 * colsum(W): the +128
    // compensation. vpmaddwd's are exact and start at zero.
    SmallVector<Value> acc;
    SmallVector<Value> init;
    for (int64_t j = 0; j < nr; ++j)
      init.push_back(p.hasComp() ? Value(vector::LoadOp::create(
                                       b, loc, accTy, comp,
                                       ValueRange{add(n0, j * p.lanes())}))
                                 : isplat(0));
    for (int64_t r = 0; r < mr; ++r)
      for (int64_t j = 0; j < nr; ++j)
        acc.push_back(init[j]);

    // The tile is zero padded: every k-group (the last one too) is whole.
    int64_t kg = p.kGroups();
    int64_t ku = std::max<int64_t>(1, p.KU);
    int64_t kgMain = kg / ku * ku;
    if (kgMain > 0) {
      auto loop = scf::ForOp::create(b, loc, idx(0), idx(kgMain), idx(ku), acc);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      SmallVector<Value> cur(loop.getRegionIterArgs());
      for (int64_t u = 0; u < ku; ++u)
        cur = step(cur, panel, add(loop.getInductionVar(), u), mr, nr);
      scf::YieldOp::create(b, loc, cur);
      b.setInsertionPointAfter(loop);
      acc.assign(loop.getResults().begin(), loop.getResults().end());
    }
    // Leftover groups: a rolled loop keeps the code small.
    if (kg - kgMain > 1) {
      auto loop = scf::ForOp::create(b, loc, idx(kgMain), idx(kg), idx(1), acc);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      SmallVector<Value> cur =
          step(loop.getRegionIterArgs(), panel, loop.getInductionVar(), mr, nr);
      scf::YieldOp::create(b, loc, cur);
      b.setInsertionPointAfter(loop);
      acc.assign(loop.getResults().begin(), loop.getResults().end());
    } else if (kg > kgMain) {
      acc = step(acc, panel, idx(kgMain), mr, nr);
    }

    emitEpilogue(acc, m0, mr, n0, nr, lastCnt);
  }
  /// Per-row (column) epilogue operands are loaded once per tile row
  /// (column); [M, N] operands per element.
  Value loadOperand(Value buf, Value row, Value col, Value m) {
    auto ty = cast<MemRefType>(buf.getType());
    Value r = ty.getDimSize(0) == 1 ? idx(0) : row;
    if (ty.getDimSize(1) == 1) {
      Value s = memref::LoadOp::create(b, loc, buf, ValueRange{r, idx(0)});
      return vector::BroadcastOp::create(b, loc, fTy, s);
    }
    if (m)
      return vector::MaskedLoadOp::create(b, loc, fTy, buf, ValueRange{r, col},
                                          m, fsplat(1.0));
    return vector::LoadOp::create(b, loc, fTy, buf, ValueRange{r, col});
  }

  /// The same float arithmetic, in the same order, as the reference
  /// lowering (convert-quantc-to-linalg), so results are bit-identical.
  Value applyEpilogue(Value acc, Value xsv, Value wsv, Value bv, Value osv) {
    Value f = arith::SIToFPOp::create(b, loc, fTy, acc);
    f = arith::MulFOp::create(b, loc, f, xsv);
    f = arith::MulFOp::create(b, loc, f, wsv);
    if (bv)
      f = arith::AddFOp::create(b, loc, f, bv);
    switch (p.act) {
    case Activation::none:
      break;
    case Activation::relu:
      f = arith::MaximumFOp::create(b, loc, f, fsplat(0.0));
      break;
    case Activation::gelu: {
      Value t = arith::MulFOp::create(b, loc, f, fsplat(0.70710678118654752));
      Value e = math::ErfOp::create(b, loc, t);
      Value one = arith::AddFOp::create(b, loc, e, fsplat(1.0));
      Value h = arith::MulFOp::create(b, loc, f, fsplat(0.5));
      f = arith::MulFOp::create(b, loc, h, one);
      break;
    }
    }
    if (!osv)
      return f;
    Value q = arith::DivFOp::create(b, loc, f, osv);
    Value r = math::RoundEvenOp::create(b, loc, q);
    Value isNan =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, r, r);
    r = arith::SelectOp::create(b, loc, isNan, fsplat(0.0), r);
    r = arith::MaxNumFOp::create(b, loc, r, fsplat(p.qmin));
    r = arith::MinNumFOp::create(b, loc, r, fsplat(p.qmax));
    return arith::FPToSIOp::create(b, loc,
                                   VectorType::get({p.lanes()}, p.outElem), r);
  }

  static bool perColumn(Value buf) {
    return buf && cast<MemRefType>(buf.getType()).getDimSize(0) == 1;
  }
  static bool perRow(Value buf) {
    return buf && cast<MemRefType>(buf.getType()).getDimSize(1) == 1;
  }

  void emitEpilogue(ArrayRef<Value> acc, Value m0, int64_t mr, Value n0,
                    int64_t nr, int64_t lastCnt) {
    SmallVector<Value> cols, masks;
    for (int64_t j = 0; j < nr; ++j) {
      cols.push_back(add(n0, j * p.lanes()));
      masks.push_back(j == nr - 1 && lastCnt < p.lanes()
                          ? mask(lastCnt, p.lanes())
                          : Value());
    }
    // Operands that do not depend on the row: hoisted out of the row loop.
    SmallVector<SmallVector<Value, 4>> colVals(nr);
    Value rowOf0 = m0;
    if (p.fused)
      for (int64_t j = 0; j < nr; ++j)
        for (Value buf : {xs, ws, bias, os})
          colVals[j].push_back(perColumn(buf) && !perRow(buf)
                                   ? loadOperand(buf, rowOf0, cols[j], masks[j])
                                   : Value());
    for (int64_t r = 0; r < mr; ++r) {
      Value row = add(m0, r);
      SmallVector<Value, 4> rowVals;
      if (p.fused)
        for (Value buf : {xs, ws, bias, os})
          rowVals.push_back(
              perRow(buf) ? loadOperand(buf, row, cols[0], Value()) : Value());
      for (int64_t j = 0; j < nr; ++j) {
        Value v = acc[r * nr + j];
        if (p.fused) {
          SmallVector<Value, 4> ops;
          Value bufs[4] = {xs, ws, bias, os};
          for (int k = 0; k < 4; ++k) {
            Value o = colVals[j][k] ? colVals[j][k] : rowVals[k];
            if (!o && bufs[k])
              o = loadOperand(bufs[k], row, cols[j], masks[j]);
            ops.push_back(o);
          }
          v = applyEpilogue(v, ops[0], ops[1], ops[2], ops[3]);
        }
        if (masks[j])
          vector::MaskedStoreOp::create(b, loc, out, ValueRange{row, cols[j]},
                                        masks[j], v);
        else
          vector::StoreOp::create(b, loc, v, out, ValueRange{row, cols[j]});
      }
    }
  }
};

constexpr const char *kKernelAttr = "quantc.vnni_kernel";
constexpr const char *kParallelAttr = "quantc.vnni_parallel";

/// The plan of a kernel declaration, recovered from its signature and its
/// `quantc.vnni_kernel` attribute.
static FailureOr<GemmPlan> planFromKernel(func::FuncOp fn) {
  auto dict = fn->getAttrOfType<DictionaryAttr>(kKernelAttr);
  if (!dict)
    return failure();
  auto getInt = [&](StringRef n) -> int64_t {
    auto a = dict.getAs<IntegerAttr>(n);
    return a ? a.getInt() : 0;
  };
  GemmPlan p;
  if (auto isa = dict.getAs<StringAttr>("isa")) {
    std::optional<Isa> parsed = parseIsa(isa.getValue());
    if (!parsed)
      return failure();
    p.isa = *parsed;
  }
  p.MR = getInt("mr");
  p.KU = getInt("kunroll");
  p.panelBlock = dict.get("panel_block") ? getInt("panel_block") : 1;
  p.parallel = dict.get("parallel") != nullptr;
  p.fused = dict.get("fused") != nullptr;
  p.hasBias = dict.get("bias") != nullptr;
  p.hasOs = dict.get("output_scale") != nullptr;
  p.qmin = getInt("qmin");
  p.qmax = getInt("qmax");
  if (auto act = dict.getAs<ActivationAttr>("activation"))
    p.act = act.getValue();
  ArrayRef<Type> in = fn.getArgumentTypes();
  // A, packed W, [compensation], [epilogue operands], out, panel range.
  unsigned fixed = p.hasComp() ? 3 : 2;
  unsigned expected = fixed + 3 + (p.fused ? 2 + p.hasBias + p.hasOs : 0);
  // Bounds that keep the emitter's index arithmetic far from overflow.
  if (in.size() != expected || p.MR < 1 || p.MR > 64 || p.KU < 0 || p.KU > 64 ||
      p.panelBlock < 1 || p.panelBlock > (int64_t(1) << 32))
    return failure();
  int64_t lanes = p.lanes(), group = p.group();
  unsigned elemBits = p.info().elemBits;
  auto a = dyn_cast<MemRefType>(in[0]), bp = dyn_cast<MemRefType>(in[1]),
       out = dyn_cast<MemRefType>(in[in.size() - 3]);
  if (!a || !bp || !out || a.getRank() != 2 || bp.getRank() != 3 ||
      out.getRank() != 2 || !a.getElementType().isInteger(8) ||
      !bp.getElementType().isInteger(elemBits) || !a.hasStaticShape() ||
      !bp.hasStaticShape() || !out.hasStaticShape() ||
      bp.getDimSize(2) % (lanes * group) != 0 ||
      a.getDimSize(0) != out.getDimSize(0))
    return failure();
  if (!in[in.size() - 2].isIndex() || !in.back().isIndex())
    return failure();
  p.M = a.getDimSize(0);
  p.K = a.getDimSize(1);
  p.NR = bp.getDimSize(2) / (lanes * group);
  p.N = out.getDimSize(1);
  p.outElem = out.getElementType();
  // Epilogue operands: f32, each dimension 1 or the output's (the loads
  // would otherwise read out of bounds).
  for (Type t : in.drop_front(fixed).drop_back(3))
    if (!isa<MemRefType>(t) || !isBroadcastShape(t, p.M, p.N))
      return failure();
  // The output: i32 unfused, else what the epilogue writes.
  bool outOk =
      p.fused ? isEpilogueResult(p.outElem, p.hasOs) : p.outElem.isInteger(32);
  if (p.NR < 1 || bp.getDimSize(0) != p.numPanels() ||
      bp.getDimSize(1) != p.kGroups() || !outOk)
    return failure();
  if (p.hasComp()) {
    auto comp = dyn_cast<MemRefType>(in[2]);
    if (!comp || comp.getRank() != 1 || !comp.getElementType().isInteger(32) ||
        !comp.hasStaticShape() ||
        comp.getDimSize(0) < p.numPanels() * p.panelCols())
      return failure();
  }
  return p;
}

struct LowerMatmulToVNNI
    : quantc::impl::QuantCLowerMatmulToVNNIBase<LowerMatmulToVNNI> {
  using Base::Base;
  /// (weight constant, nr * 2 + isa) -> (packed weight, compensation)
  /// globals.
  DenseMap<std::pair<Attribute, int64_t>,
           std::pair<memref::GlobalOp, memref::GlobalOp>>
      packedCache;
  Isa isaKind = Isa::avx512vnni;
  int64_t tileRows = 0, tileCols = 0, kUnroll = 0, blockKib = 0;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<Isa> parsed = parseIsa(isa);
    if (!parsed) {
      module.emitError("quantc-lower-matmul-to-vnni: unknown isa '")
          << isa << "' (expected avx512-vnni or avx2)";
      return signalPassFailure();
    }
    isaKind = *parsed;
    IsaInfo info = isaInfo(isaKind);
    // Defaults: 6 x 4 zmm (24 vpdpbusd chains) and 6 x 2 ymm (12 vpmaddwd
    // chains; with 2 weight, 1 broadcast and 1 product register all 16 ymm),
    // the fastest of the AVX2 tiles measured (docs/BENCHMARKS.md).
    // Option values are int64_t: keep them so (a `?:` with an int literal
    // would narrow them) and bound them before multiplying.
    int64_t mrOpt = mr, nrOpt = nr, kuOpt = kunroll, kibOpt = panelBlockKib;
    if (mrOpt < 0 || nrOpt < 0 || kuOpt < 0 || kibOpt < 0 || kuOpt > 64 ||
        kibOpt > (int64_t(1) << 30)) {
      module.emitError("quantc-lower-matmul-to-vnni: mr, nr, kunroll and "
                       "panel-block-kib must be >= 0 (0: the default), "
                       "kunroll <= 64 and panel-block-kib <= 2^30");
      return signalPassFailure();
    }
    tileRows = mrOpt > 0 ? mrOpt : int64_t(6);
    tileCols = nrOpt > 0 ? nrOpt : int64_t(isaKind == Isa::avx2 ? 2 : 4);
    kUnroll = kuOpt > 0 ? kuOpt : int64_t(isaKind == Isa::avx2 ? 2 : 4);
    // Weight bytes per block. AVX2 (measured on Zen 3, docs/BENCHMARKS.md):
    // re-packing the i16 tile per block costs more than streaming the
    // weights from L3, so blocks are large. VNNI (not measured): a block
    // that stays in a 1-2 MiB L2 across row tiles.
    blockKib = kibOpt > 0 ? kibOpt : int64_t(isaKind == Isa::avx2 ? 4096 : 512);
    // vpdpbusd accumulates in place; vpmaddwd needs a product register
    // before vpaddd.
    int64_t scratch = isaKind == Isa::avx2 ? 2 : 1;
    if (tileRows > info.registers || tileCols > info.registers ||
        tileRows * tileCols + tileCols + scratch > info.registers) {
      module.emitError("quantc-lower-matmul-to-vnni: mr x nr accumulators + "
                       "nr weight registers + ")
          << scratch << " must fit in " << info.registers << " " << info.regName
          << " registers (isa " << isa << ": mr = " << tileRows
          << ", nr = " << tileCols << ")";
      return signalPassFailure();
    }
    SmallVector<MatmulOp> matmuls;
    module.walk([&](MatmulOp op) { matmuls.push_back(op); });
    SymbolTable symbols(module);
    packedCache.clear();
    for (MatmulOp op : matmuls)
      lower(op, symbols);
    packedCache.clear();
  }

  /// Compile-time packing into globals: [panel][K / group][cols * group],
  /// zero padded, as i8 (vpdpbusd) or sign-extended i16 (vpmaddwd); for
  /// vpdpbusd also the +128 compensation -128 * colsum(W) per column.
  static std::pair<memref::GlobalOp, memref::GlobalOp>
  packWeights(OpBuilder &mb, Location loc, const GemmPlan &p,
              ArrayRef<int8_t> w, MemRefType packedTy, MemRefType compTy,
              SymbolTable &symbols) {
    int64_t group = p.group();
    int64_t np = p.numPanels(), kg = p.kGroups(), pw = p.panelCols() * group;
    std::vector<int16_t> packed(np * kg * pw, 0);
    std::vector<int32_t> colsum(np * p.panelCols(), 0);
    for (int64_t n = 0; n < p.N; ++n) {
      int64_t panel = n / p.panelCols(), c = n % p.panelCols();
      int32_t sum = 0;
      for (int64_t k = 0; k < p.K; ++k) {
        int8_t v = w[n * p.K + k];
        sum += v;
        packed[(panel * kg + k / group) * pw + c * group + k % group] = v;
      }
      colsum[n] = -128 * sum;
    }
    Attribute packedAttr;
    auto packedTensor =
        RankedTensorType::get(packedTy.getShape(), packedTy.getElementType());
    if (p.isa == Isa::avx2) {
      packedAttr =
          DenseElementsAttr::get(packedTensor, ArrayRef<int16_t>(packed));
    } else {
      std::vector<int8_t> bytes(packed.begin(), packed.end());
      packedAttr = DenseElementsAttr::getFromRawBuffer(
          packedTensor,
          ArrayRef<char>(reinterpret_cast<const char *>(bytes.data()),
                         bytes.size()));
    }
    auto makeGlobal = [&](StringRef name, MemRefType ty, Attribute init) {
      auto g = memref::GlobalOp::create(
          mb, loc, mb.getStringAttr(name), mb.getStringAttr("private"),
          TypeAttr::get(ty), init, mb.getUnitAttr(), mb.getI64IntegerAttr(64));
      symbols.insert(g);
      return g;
    };
    memref::GlobalOp wGlobal =
        makeGlobal("__quantc_vnni_w", packedTy, packedAttr);
    memref::GlobalOp compGlobal;
    if (p.hasComp())
      compGlobal = makeGlobal(
          "__quantc_vnni_comp", compTy,
          DenseElementsAttr::get(
              RankedTensorType::get(compTy.getShape(), mb.getI32Type()),
              ArrayRef<int32_t>(colsum)));
    return {wGlobal, compGlobal};
  }

  void lower(MatmulOp op, SymbolTable &symbols) {
    auto lhsTy = op.getLhs().getType();
    auto rhsTy = op.getRhs().getType();
    if (lhsTy.getRank() != 2 || !lhsTy.hasStaticShape() ||
        !rhsTy.hasStaticShape() || !lhsTy.getElementType().isInteger(8) ||
        !rhsTy.getElementType().isInteger(8))
      return;
    GemmPlan p;
    p.isa = isaKind;
    p.M = lhsTy.getDimSize(0);
    p.K = lhsTy.getDimSize(1);
    p.N = rhsTy.getDimSize(0);
    p.MR = tileRows;
    p.NR = tileCols;
    p.KU = kUnroll;
    p.parallel = parallelMinMacs >= 0 && p.M * p.N * p.K >= parallelMinMacs;
    if (p.M == 0 || p.N == 0 || p.K == 0)
      return;
    // The partial sums are bounded by 255 * 128 * K (shifted u8 x s8) or
    // 128 * 128 * K (s16 x s16).
    int64_t maxProduct = p.isa == Isa::avx2 ? 128 * 128 : 255 * 128;
    if (p.K * maxProduct >= (int64_t(1) << 31))
      return;
    // As many weight panels per activation tile as fit the L2 budget.
    p.panelBlock =
        std::clamp<int64_t>(blockKib * 1024 / p.panelBytes(), 1, p.numPanels());
    ElementsAttr wAttr;
    if (!matchPattern(op.getRhs(), m_Constant(&wAttr)))
      return;
    std::vector<int8_t> w;
    std::pair<Attribute, int64_t> cacheKey = {
        wAttr, p.NR * 2 + static_cast<int64_t>(p.isa)};
    auto cached = packedCache.find(cacheKey);
    if (cached == packedCache.end() && !readWeights(op.getRhs(), p.N, p.K, w))
      return;

    Value result = op.getResult();
    RescaleOp rescale;
    if (result.hasOneUse())
      if (auto rs = dyn_cast<RescaleOp>(*result.getUsers().begin()))
        if (rs.getAcc() == result && canFuseRescale(rs, p.M, p.N))
          rescale = rs;
    MLIRContext *ctx = op.getContext();
    p.outElem = IntegerType::get(ctx, 32);
    if (rescale) {
      p.fused = true;
      p.outElem = rescale.getResult().getType().getElementType();
      p.hasBias = static_cast<bool>(rescale.getBias());
      p.hasOs = static_cast<bool>(rescale.getOutputScale());
      p.act = rescale.getActivation();
      if (p.hasOs) {
        p.qmin = rescale.getQuantMin();
        p.qmax = rescale.getQuantMax();
      }
    }

    Location loc = op.getLoc();
    ModuleOp module = getOperation();
    OpBuilder mb(ctx);
    mb.setInsertionPointToStart(module.getBody());

    auto packedTy =
        MemRefType::get({p.numPanels(), p.kGroups(), p.panelCols() * p.group()},
                        mb.getIntegerType(p.info().elemBits));
    auto compTy =
        MemRefType::get({p.numPanels() * p.panelCols()}, mb.getI32Type());
    memref::GlobalOp wGlobal, cGlobal;
    if (cached != packedCache.end()) {
      // The same constant weight is packed once per module.
      std::tie(wGlobal, cGlobal) = cached->second;
    } else {
      std::tie(wGlobal, cGlobal) =
          packWeights(mb, loc, p, w, packedTy, compTy, symbols);
      packedCache[cacheKey] = {wGlobal, cGlobal};
    }

    // The kernel's operands: A, packed W, compensation, epilogue operands,
    // output. Tensors cross into buffers here; one-shot-bufferize resolves
    // the to_buffer/to_tensor pairs without copies.
    Operation *anchor = rescale ? rescale.getOperation() : op.getOperation();
    OpBuilder b(anchor);
    auto toBuffer = [&](Value t) -> Value {
      auto tt = cast<RankedTensorType>(t.getType());
      return bufferization::ToBufferOp::create(
          b, loc, MemRefType::get(tt.getShape(), tt.getElementType()), t,
          /*read_only=*/true);
    };
    SmallVector<Value> args = {
        toBuffer(op.getLhs()),
        memref::GetGlobalOp::create(b, loc, packedTy, wGlobal.getSymName())};
    if (cGlobal)
      args.push_back(
          memref::GetGlobalOp::create(b, loc, compTy, cGlobal.getSymName()));
    if (rescale) {
      args.push_back(toBuffer(rescale.getXScale()));
      args.push_back(toBuffer(rescale.getWScale()));
      if (Value bias = rescale.getBias())
        args.push_back(toBuffer(bias));
      if (Value os = rescale.getOutputScale())
        args.push_back(toBuffer(os));
    }
    auto outTy = MemRefType::get({p.M, p.N}, p.outElem);
    Value finalResult = rescale ? rescale.getResult() : result;
    // Destination passing: a result only materialized into a caller's
    // buffer is written there directly (no allocation, no copy).
    bufferization::MaterializeInDestinationOp dps;
    if (finalResult.hasOneUse())
      if (auto m = dyn_cast<bufferization::MaterializeInDestinationOp>(
              *finalResult.getUsers().begin()))
        if (m.getSource() == finalResult && m.getDest().getType() == outTy &&
            m.getRestrict() && m.getWritable())
          if (auto arg = dyn_cast<BlockArgument>(m.getDest()))
            if (arg.getOwner()->isEntryBlock())
              dps = m;
    Value outBuf = dps ? dps.getDest()
                       : Value(memref::AllocOp::create(
                             b, loc, outTy, b.getI64IntegerAttr(64)));
    args.push_back(outBuf);
    // The panel range: all of N here; a parallel kernel is split across
    // threads by --quantc-vnni-outline-gomp.
    args.push_back(arith::ConstantIndexOp::create(b, loc, 0));
    args.push_back(arith::ConstantIndexOp::create(b, loc, p.numPanels()));

    // The kernel is declared now and given its body by
    // --quantc-vnni-materialize-kernels once buffers are deallocated (the
    // deallocation passes reject llvm.call_intrinsic, whose memory effects
    // are unknown).
    SmallVector<Type> argTypes;
    for (Value a : args)
      argTypes.push_back(a.getType());
    auto fn = func::FuncOp::create(loc, "__quantc_vnni_gemm",
                                   FunctionType::get(ctx, argTypes, {}));
    fn.setPrivate();
    // Internal linkage: kernels of separately compiled modules never clash.
    fn->setAttr("llvm.linkage",
                LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
    SmallVector<NamedAttribute> plan = {
        mb.getNamedAttr("isa", mb.getStringAttr(isa)),
        mb.getNamedAttr("mr", mb.getI64IntegerAttr(p.MR)),
        mb.getNamedAttr("kunroll", mb.getI64IntegerAttr(p.KU)),
        mb.getNamedAttr("panel_block", mb.getI64IntegerAttr(p.panelBlock))};
    if (p.parallel)
      plan.push_back(mb.getNamedAttr("parallel", mb.getUnitAttr()));
    if (p.fused) {
      plan.push_back(mb.getNamedAttr("fused", mb.getUnitAttr()));
      plan.push_back(
          mb.getNamedAttr("activation", ActivationAttr::get(ctx, p.act)));
      if (p.hasBias)
        plan.push_back(mb.getNamedAttr("bias", mb.getUnitAttr()));
      if (p.hasOs) {
        plan.push_back(mb.getNamedAttr("output_scale", mb.getUnitAttr()));
        plan.push_back(mb.getNamedAttr("qmin", mb.getI64IntegerAttr(p.qmin)));
        plan.push_back(mb.getNamedAttr("qmax", mb.getI64IntegerAttr(p.qmax)));
      }
    }
    fn->setAttr(kKernelAttr, mb.getDictionaryAttr(plan));
    symbols.insert(fn);

    func::CallOp::create(b, loc, fn, args);
    if (dps) {
      dps.erase();
      if (rescale)
        rescale.erase();
      op.erase();
      return;
    }
    Type resTensorTy = RankedTensorType::get({p.M, p.N}, p.outElem);
    Value res = bufferization::ToTensorOp::create(b, loc, resTensorTy, outBuf,
                                                  /*restrict=*/true,
                                                  /*writable=*/true);
    if (rescale) {
      rescale.getResult().replaceAllUsesWith(res);
      rescale.erase();
    } else {
      result.replaceAllUsesWith(res);
    }
    op.erase();
  }
};

struct MaterializeVNNIKernels
    : quantc::impl::QuantCVNNIMaterializeKernelsBase<MaterializeVNNIKernels> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    WalkResult r = module.walk([&](func::FuncOp fn) {
      if (!fn->hasAttr(kKernelAttr) || !fn.isDeclaration())
        return WalkResult::advance();
      FailureOr<GemmPlan> p = planFromKernel(fn);
      if (failed(p)) {
        fn.emitOpError("has a malformed quantc.vnni_kernel plan");
        return WalkResult::interrupt();
      }
      p->emulate = emulateVpdpbusd && p->isa == Isa::avx512vnni;
      MLIRContext *ctx = fn.getContext();
      // No aliasing between the operands: lets LLVM keep loads in registers.
      for (unsigned i = 0; i < fn.getNumArguments(); ++i)
        if (isa<MemRefType>(fn.getArgumentTypes()[i]))
          fn.setArgAttr(i, LLVM::LLVMDialect::getNoAliasAttrName(),
                        UnitAttr::get(ctx));
      // The packed tile can be up to 128 KiB of stack (on each OpenMP
      // thread): probe it page by page, so that a small thread stack faults
      // on its guard page instead of running past it.
      fn->setAttr(
          "passthrough",
          ArrayAttr::get(ctx, {ArrayAttr::get(
                                  ctx, {StringAttr::get(ctx, "probe-stack"),
                                        StringAttr::get(ctx, "inline-asm")})}));
      Block *entry = fn.addEntryBlock();
      OpBuilder kb = OpBuilder::atBlockBegin(entry);
      KernelEmitter(kb, fn.getLoc(), *p, entry->getArguments()).emit();
      func::ReturnOp::create(kb, fn.getLoc());
      fn->removeAttr(kKernelAttr);
      if (p->parallel)
        fn->setAttr(kParallelAttr, UnitAttr::get(ctx));
      return WalkResult::advance();
    });
    if (r.wasInterrupted())
      signalPassFailure();
  }
};

struct OutlineGOMP : quantc::impl::QuantCVNNIOutlineGOMPBase<OutlineGOMP> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    SmallVector<LLVM::LLVMFuncOp> kernels;
    module.walk([&](LLVM::LLVMFuncOp f) {
      if (f->hasAttr(kParallelAttr) && !f.isExternal())
        kernels.push_back(f);
    });
    if (kernels.empty())
      return;
    OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
    Location loc = module.getLoc();
    auto ptrTy = LLVM::LLVMPointerType::get(ctx);
    auto i32 = IntegerType::get(ctx, 32), i64 = IntegerType::get(ctx, 64);
    auto voidTy = LLVM::LLVMVoidType::get(ctx);
    auto declare = [&](StringRef name, Type ty) {
      if (auto f = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
        return f;
      return LLVM::LLVMFuncOp::create(mb, loc, name, ty);
    };
    auto gompParallel =
        declare("GOMP_parallel",
                LLVM::LLVMFunctionType::get(voidTy, {ptrTy, ptrTy, i32, i32}));
    auto threadNum =
        declare("omp_get_thread_num", LLVM::LLVMFunctionType::get(i32, {}));
    auto numThreads =
        declare("omp_get_num_threads", LLVM::LLVMFunctionType::get(i32, {}));

    for (LLVM::LLVMFuncOp kernel : kernels) {
      ArrayRef<Type> params = kernel.getFunctionType().getParams();
      if (params.size() < 2 || params.back() != i64 ||
          params[params.size() - 2] != i64) {
        kernel.emitOpError("is marked quantc.vnni_parallel but does not end "
                           "with an i64 panel range");
        return signalPassFailure();
      }
      auto ctxTy = LLVM::LLVMStructType::getLiteral(ctx, params);
      // worker(ctx): this thread's contiguous share of [begin, end).
      auto worker = LLVM::LLVMFuncOp::create(
          mb, loc, (kernel.getName() + "_worker").str(),
          LLVM::LLVMFunctionType::get(voidTy, {ptrTy}),
          LLVM::Linkage::Internal);
      {
        Block *entry = worker.addEntryBlock(mb);
        OpBuilder b = OpBuilder::atBlockBegin(entry);
        Value cp = entry->getArgument(0);
        SmallVector<Value> args;
        for (auto [i, t] : llvm::enumerate(params)) {
          Value gep = LLVM::GEPOp::create(
              b, loc, ptrTy, ctxTy, cp,
              ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
          args.push_back(LLVM::LoadOp::create(b, loc, t, gep));
        }
        Value begin = args[args.size() - 2], end = args.back();
        auto c64 = [&](int64_t v) -> Value {
          return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
        };
        Value tid = LLVM::SExtOp::create(
            b, loc, i64,
            LLVM::CallOp::create(b, loc, threadNum, ValueRange{}).getResult());
        Value nt = LLVM::SExtOp::create(
            b, loc, i64,
            LLVM::CallOp::create(b, loc, numThreads, ValueRange{}).getResult());
        Value total = LLVM::SubOp::create(b, loc, end, begin);
        Value chunk = LLVM::SDivOp::create(
            b, loc,
            LLVM::AddOp::create(b, loc, total,
                                LLVM::SubOp::create(b, loc, nt, c64(1))),
            nt);
        Value lo = LLVM::AddOp::create(b, loc, begin,
                                       LLVM::MulOp::create(b, loc, tid, chunk));
        Value hi = LLVM::AddOp::create(b, loc, lo, chunk);
        Value hiLess =
            LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::slt, hi, end);
        hi = LLVM::SelectOp::create(b, loc, hiLess, hi, end);
        args[args.size() - 2] = lo;
        args.back() = hi;
        LLVM::CallOp::create(b, loc, kernel, args);
        LLVM::ReturnOp::create(b, loc, ValueRange{});
      }
      // Call sites: operands into a stack context, then the team.
      SmallVector<LLVM::CallOp> calls;
      module.walk([&](LLVM::CallOp call) {
        if (call.getCallee() == kernel.getName() &&
            call->getParentOfType<LLVM::LLVMFuncOp>() != worker)
          calls.push_back(call);
      });
      for (LLVM::CallOp call : calls) {
        auto parent = call->getParentOfType<LLVM::LLVMFuncOp>();
        OpBuilder eb = OpBuilder::atBlockBegin(&parent.getBody().front());
        Value one =
            LLVM::ConstantOp::create(eb, loc, i64, eb.getI64IntegerAttr(1));
        Value cp = LLVM::AllocaOp::create(eb, loc, ptrTy, ctxTy, one, 64);
        OpBuilder b(call);
        for (auto [i, v] : llvm::enumerate(call.getArgOperands())) {
          Value gep = LLVM::GEPOp::create(
              b, loc, ptrTy, ctxTy, cp,
              ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
          LLVM::StoreOp::create(b, loc, v, gep);
        }
        Value fn = LLVM::AddressOfOp::create(b, loc, ptrTy, worker.getName());
        Value zero =
            LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(0));
        LLVM::CallOp::create(b, loc, gompParallel,
                             ValueRange{fn, cp, zero, zero});
        call.erase();
      }
    }
  }
};

} // namespace
