//===- QuantCX86.cpp - x86 kernel plans and intrinsics --------------------===//
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace quantc;

//===----------------------------------------------------------------------===//
// X86GemmPlanAttr
//===----------------------------------------------------------------------===//

namespace {
/// What an instruction set gives the micro-kernel.
struct IsaInfo {
  int64_t lanes;     // i32 lanes of a vector register
  int64_t group;     // products summed into one lane per instruction
  unsigned elemBits; // packed element width
  int64_t registers; // vector registers available
  int64_t scratch;   // registers besides accumulators and weights
  int64_t maxProduct;
  int64_t packWidth; // elements of one activation packing vector
  const char *regName;
};
} // namespace

static IsaInfo getIsaInfo(X86Isa isa) {
  switch (isa) {
  case X86Isa::avx512_vnni:
    // vpdpbusd accumulates in place: one broadcast register.
    return {16, 4, 8, 32, 1, 255 * 128, 64, "zmm"};
  case X86Isa::avx2:
    // vpmaddwd needs a product register before vpaddd.
    return {8, 2, 16, 16, 2, 128 * 128, 16, "ymm"};
  case X86Isa::amx:
    // tdpbssd: rows of 16 i32 lanes, 4 s8 x s8 products each, 8 tile
    // registers (the budget is checked in tiles, not here).
    return {16, 4, 8, 8, 0, 128 * 128, 64, "tmm"};
  }
  llvm_unreachable("unknown x86 ISA");
}

int64_t X86GemmPlanAttr::getLanes() const { return getIsaInfo(getIsa()).lanes; }
int64_t X86GemmPlanAttr::getGroup() const { return getIsaInfo(getIsa()).group; }
unsigned X86GemmPlanAttr::getElementBits() const {
  return getIsaInfo(getIsa()).elemBits;
}
int64_t X86GemmPlanAttr::getNumRegisters() const {
  return getIsaInfo(getIsa()).registers;
}
StringRef X86GemmPlanAttr::getRegisterName() const {
  return getIsaInfo(getIsa()).regName;
}
int64_t X86GemmPlanAttr::getScratchRegisters() const {
  return getIsaInfo(getIsa()).scratch;
}
int64_t X86GemmPlanAttr::getMaxProduct() const {
  return getIsaInfo(getIsa()).maxProduct;
}
int64_t X86GemmPlanAttr::getMaxK(X86Isa isa) {
  return ((int64_t(1) << 31) - 1) / getIsaInfo(isa).maxProduct;
}
bool X86GemmPlanAttr::hasCompensation() const {
  // amx: -zx * colsum(W), added after the K loop (zeros without zx).
  return getIsa() != X86Isa::avx2;
}
int64_t X86GemmPlanAttr::getPanelCols() const { return getNr() * getLanes(); }
int64_t X86GemmPlanAttr::getKGroups() const {
  // amx: whole B tiles of 16 groups (K padded to 64 with zeros).
  if (getIsa() == X86Isa::amx)
    return llvm::divideCeil(getK(), kAmxTileK) * (kAmxTileK / getGroup());
  return llvm::divideCeil(getK(), getGroup());
}
int64_t X86GemmPlanAttr::getNumPanels() const {
  return llvm::divideCeil(getN(), getPanelCols());
}
int64_t X86GemmPlanAttr::getPackWidth() const {
  return getIsaInfo(getIsa()).packWidth;
}
int64_t X86GemmPlanAttr::getPackedK() const {
  return llvm::divideCeil(getK(), getPackWidth()) * getPackWidth();
}
int64_t X86GemmPlanAttr::getTileBytes() const {
  return getMr() * (getPackedK() + getPackWidth()) * getElementBits() / 8;
}
int64_t X86GemmPlanAttr::getPanelBytes() const {
  return getKGroups() * getPanelCols() * getGroup() * getElementBits() / 8;
}
int64_t X86GemmPlanAttr::getBlockScratchBytes() const {
  int64_t comp = hasCompensation() ? getPanelCols() * 4 : 0;
  return getPanelBlock() * (getPanelBytes() + comp);
}

int64_t X86GemmPlanAttr::getSmallMBlocks() const {
  return llvm::divideCeil(getM(), getLanes());
}
int64_t X86GemmPlanAttr::getPackedABytes() const {
  return getSmallMBlocks() * getKGroups() * getLanes() * getGroup();
}

LogicalResult
X86GemmPlanAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        X86Isa isa, int64_t m, int64_t n, int64_t k, int64_t mr,
                        int64_t nr, int64_t kunroll, int64_t panelBlock,
                        bool parallel, bool emulate, bool runtimeWeight,
                        bool smallM, bool weightKN) {
  IsaInfo info = getIsaInfo(isa);
  if (m < 1 || n < 1 || k < 1)
    return emitError() << "m, n and k must be positive (got " << m << ", " << n
                       << ", " << k << ")";
  // Bounds that keep the emitter's index arithmetic far from overflow.
  if (mr < 1 || mr > 64)
    return emitError() << "mr must be in [1, 64], got " << mr;
  if (kunroll < 0 || kunroll > 64)
    return emitError() << "kunroll must be in [0, 64], got " << kunroll;
  if (panelBlock < 1 || panelBlock > (int64_t(1) << 32))
    return emitError() << "panel_block must be in [1, 2^32], got "
                       << panelBlock;
  if (isa == X86Isa::amx) {
    // A tiles of 16 rows, B tiles of 16 columns, their C tiles: 8 tmm.
    int64_t aTiles = llvm::divideCeil(mr, kAmxTileRows);
    if (nr < 1 || aTiles * nr + aTiles + nr > info.registers)
      return emitError() << "mr / 16 A tiles x nr B tiles + their C tiles "
                            "must fit in 8 tmm registers (isa amx: mr = "
                         << mr << ", nr = " << nr << ")";
  } else if (nr < 1 || mr > info.registers || nr > info.registers ||
             mr * nr + nr + info.scratch > info.registers)
    return emitError() << "mr x nr accumulators + nr weight registers + "
                       << info.scratch << " must fit in " << info.registers
                       << " " << info.regName << " registers (isa "
                       << stringifyX86Isa(isa) << ": mr = " << mr
                       << ", nr = " << nr << ")";
  // The partial sums of one output are bounded by maxProduct * k.
  if (k > getMaxK(isa))
    return emitError() << "k = " << k << " can overflow the i32 accumulators ("
                       << stringifyX86Isa(isa) << ": at most " << getMaxK(isa)
                       << ")";
  if (emulate && isa == X86Isa::avx2)
    return emitError() << "emulate applies to avx512_vnni and amx plans only";
  if (smallM && (!runtimeWeight || isa != X86Isa::avx512_vnni ||
                 mr != info.lanes || nr != 1 || m > kMaxSmallM))
    return emitError() << "a small_m plan needs runtime_weight, avx512_vnni, "
                          "mr = 16, nr = 1 and m <= "
                       << kMaxSmallM << " (got " << stringifyX86Isa(isa)
                       << ", mr = " << mr << ", nr = " << nr << ", m = " << m
                       << ")";
  if (weightKN && (!runtimeWeight || smallM))
    return emitError() << "a weight_kn plan needs runtime_weight and not "
                          "small_m (its packer reads the [k, n] weight)";
  if (runtimeWeight) {
    // The scratch holds one block of panels: the bounds above keep these
    // products far from overflow.
    int64_t cols = nr * info.lanes;
    int64_t panels = llvm::divideCeil(n, cols);
    if (panelBlock > panels)
      return emitError() << "panel_block = " << panelBlock << " exceeds the "
                         << panels << " weight panels of a runtime_weight plan";
    int64_t kGroups = isa == X86Isa::amx
                          ? llvm::divideCeil(k, kAmxTileK) * kAmxTileK / 4
                          : llvm::divideCeil(k, info.group);
    int64_t panelBytes = kGroups * cols * info.group * info.elemBits / 8;
    int64_t comp = isa != X86Isa::avx2 ? cols * 4 : 0;
    if (llvm::SaturatingMultiply(uint64_t(panelBlock),
                                 uint64_t(panelBytes + comp)) >
        (uint64_t(1) << 31))
      return emitError() << "the run-time packing scratch of " << panelBlock
                         << " panels exceeds 2^31 bytes (runtime_weight)";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Intrinsics
//===----------------------------------------------------------------------===//

static int64_t numElements(Type t) { return cast<VectorType>(t).getDimSize(0); }

LogicalResult X86VpdpbusdOp::verify() {
  int64_t lanes = numElements(getAcc().getType());
  if (lanes != 4 && lanes != 8 && lanes != 16)
    return emitOpError("accumulator must have 4, 8 or 16 i32 lanes (xmm, "
                       "ymm, zmm), got ")
           << getAcc().getType();
  if (numElements(getA().getType()) != 4 * lanes)
    return emitOpError("operands must have 4 i8 per accumulator lane (")
           << VectorType::get({4 * lanes}, IntegerType::get(getContext(), 8))
           << "), got " << getA().getType();
  return success();
}

StringRef X86VpdpbusdOp::getIntrinsicName() {
  switch (numElements(getAcc().getType())) {
  case 4:
    return "llvm.x86.avx512.vpdpbusd.128";
  case 8:
    return "llvm.x86.avx512.vpdpbusd.256";
  default:
    return "llvm.x86.avx512.vpdpbusd.512";
  }
}

LogicalResult X86PmaddwdOp::verify() {
  int64_t lanes = numElements(getResult().getType());
  if (lanes != 4 && lanes != 8 && lanes != 16)
    return emitOpError("result must have 4, 8 or 16 i32 lanes (xmm, ymm, "
                       "zmm), got ")
           << getResult().getType();
  if (numElements(getA().getType()) != 2 * lanes)
    return emitOpError("operands must have 2 i16 per result lane (")
           << VectorType::get({2 * lanes}, IntegerType::get(getContext(), 16))
           << "), got " << getA().getType();
  return success();
}

StringRef X86PmaddwdOp::getIntrinsicName() {
  switch (numElements(getResult().getType())) {
  case 4:
    return "llvm.x86.sse2.pmadd.wd";
  case 8:
    return "llvm.x86.avx2.pmadd.wd";
  default:
    return "llvm.x86.avx512.pmaddw.d.512";
  }
}
