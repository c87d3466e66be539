//===- KernelCall.cpp - how a lowered matmul calls its kernel -------------===//
//
// See KernelCall.h.
//
//===----------------------------------------------------------------------===//
#include "KernelCall.h"
#include "MicroKernel.h"
#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"

#include "quantc/Dialect/QuantC/Utils/KernelLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;

/// Kernels (functions with a quantc.x86_plan) of the same type, attributes
/// and body become one: the GEMMs of one shape and epilogue (q, k and v,
/// every layer's, the prefill's and the decode step's, the row blocks of
/// every dynamic-M GEMM of a shape) call the first. Each kernel is a few
/// thousand ops of LLVM input: copies of it are most of the compile time of
/// a model. A batched kernel is compared after the kernels it calls are
/// merged (a second round).
void x86::dedupeKernels(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  for (int round = 0; round < 2; ++round) {
    llvm::DenseMap<std::pair<Type, Attribute>, SmallVector<func::FuncOp>> seen;
    SmallVector<func::FuncOp> fns(module.getOps<func::FuncOp>());
    for (func::FuncOp fn : fns) {
      if (fn.isExternal() || !fn->hasAttr(kX86PlanAttrName))
        continue;
      NamedAttrList attrs(fn->getAttrDictionary());
      attrs.erase(SymbolTable::getSymbolAttrName());
      SmallVector<func::FuncOp> &same =
          seen[{fn.getFunctionType(), attrs.getDictionary(ctx)}];
      auto it = llvm::find_if(same, [&](func::FuncOp k) {
        return OperationEquivalence::isRegionEquivalentTo(
            &k.getBody(), &fn.getBody(), OperationEquivalence::IgnoreLocations);
      });
      if (it == same.end()) {
        same.push_back(fn);
        continue;
      }
      if (succeeded(SymbolTable::replaceAllSymbolUses(
              fn.getSymNameAttr(), it->getSymNameAttr(), module)))
        fn.erase();
    }
  }
}

SmallVector<NamedOperand, 5> x86::epilogueOperands(RescaleOp rescale) {
  return {{"x_scale", rescale.getXScale()},
          {"w_scale", rescale.getWScale()},
          {"bias", rescale.getBias()},
          {"output_scale", rescale.getOutputScale()},
          {"residual", rescale.getResidual()}};
}

bool x86::readsElementwise(ShapedType acc, ShapedType operand) {
  for (auto [d, s] : llvm::zip(acc.getShape(), operand.getShape()))
    if (s != 1 && s != d && !ShapedType::isDynamic(s))
      return false;
  return acc.getRank() == operand.getRank();
}

RescaleOp x86::matchEpilogue(MatmulOp op, X86Isa isa, bool perBatch) {
  Value acc = op.getResult();
  SmallVector<RescaleOp> rescales;
  for (Operation *user : acc.getUsers())
    if (auto rescale = dyn_cast<RescaleOp>(user))
      if (rescale.getAcc() == acc)
        rescales.push_back(rescale);
  auto remark = [&](RescaleOp rescale) {
    return rescale.emitRemark() << "runs after the " << getIsaOptionName(isa)
                                << " GEMM, not fused into its kernel: ";
  };
  if (rescales.empty())
    return {};
  if (!acc.hasOneUse()) {
    for (RescaleOp rescale : rescales)
      remark(rescale) << "the accumulator has other users";
    return {};
  }
  RescaleOp rescale = rescales.front();
  Type resultElem = rescale.getResult().getType().getElementType();
  auto resultInt = dyn_cast<IntegerType>(resultElem);
  if (rescale.getOutputScale() ? !resultInt || resultInt.getWidth() > 32
                               : !resultElem.isF32()) {
    remark(rescale) << "the kernels write f32, or integers of at most 32 bits "
                       "when requantizing, not "
                    << resultElem;
    return {};
  }
  for (NamedOperand o : epilogueOperands(rescale)) {
    if (!o.value)
      continue;
    auto ty = cast<RankedTensorType>(o.value.getType());
    if (!ty.getElementType().isF32()) {
      remark(rescale) << o.name << " is " << ty << ", not f32";
      return {};
    }
    Broadcast::Kind kind = rescale.getOperandBroadcast(o.value).kind;
    if (perBatch ? !readsElementwise(rescale.getAcc().getType(), ty)
                 : !canReadEpilogueOperand(kind)) {
      remark(rescale) << o.name << " " << ty << " is read as a "
                      << stringifyBroadcastKind(kind)
                      << " broadcast, which the kernels do not take";
      return {};
    }
  }
  return rescale;
}

/// A result materialized only into a caller's buffer (a restrict, writable
/// function argument of the right type) can be written there directly.
bufferization::MaterializeInDestinationOp
x86::matchDestination(Value result, MemRefType outTy) {
  if (!result.hasOneUse())
    return {};
  auto m = dyn_cast<bufferization::MaterializeInDestinationOp>(
      *result.getUsers().begin());
  if (!m || m.getSource() != result || m.getDest().getType() != outTy ||
      !m.getRestrict() || !m.getWritable())
    return {};
  auto arg = dyn_cast<BlockArgument>(m.getDest());
  if (!arg || !arg.getOwner()->isEntryBlock())
    return {};
  return m;
}

Value x86::kernelOperandBuffer(int64_t callId, OpBuilder &b, Location loc,
                               MemRefType type, Value tensor, bool readOnly) {
  auto op = bufferization::ToBufferOp::create(b, loc, type, tensor, readOnly);
  op->setAttr("quantc.kernel_call", b.getI64IntegerAttr(callId));
  return op;
}

func::FuncOp x86::createKernelFunction(Location loc, StringRef name,
                                       TypeRange argTypes) {
  MLIRContext *ctx = loc.getContext();
  auto fn =
      func::FuncOp::create(loc, name, FunctionType::get(ctx, argTypes, {}));
  fn.setPrivate();
  fn->setAttr("llvm.linkage",
              LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
  for (auto [i, t] : llvm::enumerate(argTypes))
    if (isa<MemRefType>(t))
      fn.setArgAttr(i, LLVM::LLVMDialect::getNoAliasAttrName(),
                    UnitAttr::get(ctx));
  return fn;
}

Value x86::addUnitBatch(OpBuilder &b, Location loc, Value buf) {
  auto ty = cast<MemRefType>(buf.getType());
  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, buf);
  int64_t dyn = ShapedType::kDynamic;
  // The inner stride static where `buf`'s is (1 for a row-major buffer).
  SmallVector<int64_t> strides;
  int64_t offset;
  int64_t inner = dyn;
  if (succeeded(ty.getStridesAndOffset(strides, offset)))
    inner = strides[1];
  auto layout = StridedLayoutAttr::get(b.getContext(), dyn, {dyn, dyn, inner});
  auto resTy = MemRefType::get({1, ty.getDimSize(0), ty.getDimSize(1)},
                               ty.getElementType(), layout);
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1)};
  for (int64_t d = 0; d < 2; ++d)
    sizes.push_back(ty.isDynamicDim(d)
                        ? OpFoldResult(meta.getSizes()[d])
                        : OpFoldResult(b.getIndexAttr(ty.getDimSize(d))));
  OpFoldResult innerStride = ShapedType::isDynamic(inner)
                                 ? OpFoldResult(meta.getStrides()[1])
                                 : OpFoldResult(b.getIndexAttr(inner));
  // The batch stride is never stepped: the row stride's.
  SmallVector<OpFoldResult> strideVals = {meta.getStrides()[0],
                                          meta.getStrides()[0], innerStride};
  return memref::ReinterpretCastOp::create(
      b, loc, resTy, buf, OpFoldResult(meta.getOffset()), sizes, strideVals);
}

Value x86::kernelOperandBuffer(int64_t callId, OpBuilder &b, Location loc,
                               Value tensor) {
  auto tt = cast<RankedTensorType>(tensor.getType());
  return kernelOperandBuffer(
      callId, b, loc, MemRefType::get(tt.getShape(), tt.getElementType()),
      tensor, /*readOnly=*/true);
}

Value x86::kernelOperandStridedBuffer(int64_t callId, OpBuilder &b,
                                      Location loc, Value tensor) {
  auto tt = cast<RankedTensorType>(tensor.getType());
  const int64_t dyn = ShapedType::kDynamic;
  SmallVector<int64_t> strides(tt.getRank(), dyn);
  strides.back() = 1;
  auto layout = StridedLayoutAttr::get(b.getContext(), dyn, strides);
  return kernelOperandBuffer(
      callId, b, loc,
      MemRefType::get(tt.getShape(), tt.getElementType(), layout), tensor,
      /*readOnly=*/true);
}

/// The zero points of a rank-3 `op` as each batch's 2-D kernel takes them:
/// a constant activation zero point, and a weight zero point [1 or B, 1,
/// 1 or N] (KernelZeroPoints::rhs holds the 3-D tensor and the 2-D kind of
/// one batch's [1, 1 or N] slice), or a reason why not.
FailureOr<KernelZeroPoints>
x86::matchBatchedKernelZeroPoints(MatmulOp op, std::string &why) {
  KernelZeroPoints zp;
  if (Value z = op.getLhsZeroPoint()) {
    DenseIntElementsAttr attr;
    if (!matchPattern(z, m_Constant(&attr)) || !attr.isSplat()) {
      why = "the activation zero point is not one constant (the kernels take "
            "a per-tensor constant activation zero point)";
      return failure();
    }
    zp.lhs = static_cast<int32_t>(attr.getSplatValue<APInt>().getSExtValue());
  }
  if (Value z = op.getRhsZeroPoint()) {
    auto zTy = cast<RankedTensorType>(z.getType());
    auto accTy = op.getResult().getType();
    if (!zTy.hasStaticShape() || zTy.getRank() != 3 || zTy.getDimSize(1) != 1 ||
        (zTy.getDimSize(0) != 1 && zTy.getDimSize(0) != accTy.getDimSize(0)) ||
        (zTy.getDimSize(2) != 1 && zTy.getDimSize(2) != accTy.getDimSize(2))) {
      why = "the weight zero point is not one per tensor or per output "
            "channel, shared by the batches or one per batch";
      return failure();
    }
    zp.rhs = {z, zTy.getDimSize(2) == 1 ? Broadcast::Kind::Scalar
                                        : Broadcast::Kind::PerColumn};
  }
  return zp;
}

/// The u8 bytes behind an i8 lhs `v = src xor 0x80` (u8 storage, as
/// --quantc-import-quant writes it), or null.
static Value unsignedSource(Value v) {
  auto x = v.getDefiningOp<arith::XOrIOp>();
  if (!x)
    return Value();
  auto isSignBit = [](Value c) {
    APInt bit;
    if (auto splat = c.getDefiningOp<tensor::SplatOp>())
      c = splat.getInput();
    DenseIntElementsAttr attr;
    if (matchPattern(c, m_Constant(&attr)) && attr.isSplat())
      bit = attr.getSplatValue<APInt>();
    else if (!matchPattern(c, m_ConstantInt(&bit)))
      return false;
    return bit.getBitWidth() == 8 && bit.isSignMask();
  };
  if (isSignBit(x.getRhs()))
    return x.getLhs();
  if (isSignBit(x.getLhs()))
    return x.getRhs();
  return Value();
}

Value x86::unsignedActivationSource(MatmulOp op, X86Isa isa) {
  // vpdpbusd and amx's tdpbusd (u8 x s8) read u8 activations as they are;
  // vpmaddwd's packing sign-extends the i8 values, so avx2 keeps the xor.
  if (isa == X86Isa::avx2)
    return Value();
  return unsignedSource(op.getLhs());
}

/// Ends the lowering of `op` (and of its fused `rescale`) into kernel calls
/// that wrote `out`: the destination `dps` the result was materialized in
/// is dropped, or else the result's uses read `out`.
void x86::replaceByKernelOutput(OpBuilder &b, Location loc, MatmulOp op,
                                RescaleOp rescale,
                                bufferization::MaterializeInDestinationOp dps,
                                Value out) {
  Value result = rescale ? rescale.getResult() : op.getResult();
  if (dps) {
    dps.erase();
  } else {
    result.replaceAllUsesWith(bufferization::ToTensorOp::create(
        b, loc, cast<RankedTensorType>(result.getType()), out,
        /*restrict=*/true, /*writable=*/true));
  }
  if (rescale)
    rescale.erase();
  op.erase();
}
