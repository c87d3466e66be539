//===- DepthwiseEpilogue.cpp - the depthwise kernel's epilogue, fused -----===//
//
// The direct int8 depthwise kernel (--quantc-conv-to-gemm: a generic marked
// kDepthwiseInt8AttrName summing widened i8 products into an i32
// accumulator) is followed by its quantc.rescale, into which --quantc-fuse
// folded bias, activation and requantization. Here the two become one
// generic: the window sum, then the rescale's arithmetic
// (emitRescaleEpilogue, its one definition) on the i32 value in registers,
// so that the accumulator is never written to memory and read back.
//
//===----------------------------------------------------------------------===//
#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"
#include "quantc/Dialect/QuantC/Utils/Arithmetic.h"
#include "quantc/Dialect/QuantC/Utils/KernelLayout.h"

#include "DepthwiseEpilogue.h"
#include "DepthwiseKernel.h"
#include "KernelCall.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;

/// Fuses `rescale` into the depthwise kernel `dw`: the accumulator's only
/// user, of a kernel that starts from a zero fill (the caller checked).
static void fuseOne(RescaleOp rescale, linalg::GenericOp dw) {
  auto fill = dw.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  MLIRContext *ctx = rescale.getContext();
  Location loc = rescale.getLoc();
  OpBuilder b(rescale);
  auto accTy = cast<RankedTensorType>(dw->getResult(0).getType());
  auto resTy = rescale.getResult().getType();
  SmallVector<Value> ins(dw.getDpsInputs());
  SmallVector<AffineMap> maps = dw.getIndexingMapsArray();
  maps.pop_back();
  // The epilogue operands, read as the rescale's lowering reads them.
  SmallVector<int> slot;
  for (NamedOperand o : epilogueOperands(rescale)) {
    if (!o.value) {
      slot.push_back(-1);
      continue;
    }
    slot.push_back(ins.size());
    ins.push_back(o.value);
    maps.push_back(
        getBroadcastMap(ctx, accTy, cast<ShapedType>(o.value.getType())));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(accTy.getRank(), ctx));
  Value out = emptyLike(b, loc, rescale.getAcc(), resTy.getElementType());
  EpilogueSpec spec = EpilogueSpec::get(rescale);
  Block &old = dw.getRegion().front();
  unsigned numOldIns = dw.getNumDpsInputs();
  auto fused = linalg::GenericOp::create(
      b, loc, TypeRange{resTy}, ins, ValueRange{out}, maps,
      dw.getIteratorTypesArray(),
      [&](OpBuilder &bb, Location l, ValueRange args) {
        IRMapping map;
        for (unsigned i = 0; i < numOldIns; ++i)
          map.map(old.getArgument(i), args[i]);
        map.map(old.getArguments().back(),
                arith::ConstantOp::create(bb, l, bb.getI32IntegerAttr(0)));
        for (Operation &op : old.without_terminator())
          bb.clone(op, map);
        Value acc = map.lookup(old.getTerminator()->getOperand(0));
        auto at = [&](int i) { return slot[i] < 0 ? Value() : args[slot[i]]; };
        linalg::YieldOp::create(
            bb, l,
            emitRescaleEpilogue(bb, l, spec, acc,
                                {at(0), at(1), at(2), at(3), at(4)}));
      });
  rescale.getResult().replaceAllUsesWith(fused.getResult(0));
  rescale.erase();
  dw.erase();
  if (fill->use_empty())
    fill.erase();
}

void quantc::x86::fuseDepthwiseEpilogues(ModuleOp module,
                                         const LoweringOptions &opts) {
  SmallVector<linalg::GenericOp> kernels;
  module.walk([&](linalg::GenericOp g) {
    if (g->hasAttr(kDepthwiseInt8AttrName))
      kernels.push_back(g);
  });
  for (linalg::GenericOp dw : kernels) {
    // The epilogue: the accumulator's one user, a rescale, when the kernel
    // starts from zero.
    RescaleOp rescale;
    if (dw->getResult(0).hasOneUse())
      rescale = dyn_cast<RescaleOp>(*dw->getResult(0).getUsers().begin());
    if (rescale && !startsFromZero(dw))
      rescale = nullptr;
    std::string why;
    if (succeeded(lowerDepthwiseKernel(dw, rescale, opts, why)))
      continue;
    dw->emitRemark() << "the int8 depthwise convolution runs on the "
                        "vectorized generic, not the direct x86 kernel: "
                     << why;
    if (rescale)
      fuseOne(rescale, dw);
  }
}
