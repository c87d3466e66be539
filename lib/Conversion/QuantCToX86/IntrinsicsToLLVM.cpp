//===- IntrinsicsToLLVM.cpp - quantc.x86 ops to LLVM intrinsics -----------===//
#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCX86INTRINSICSTOLLVM
#include "quantc/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

namespace {

/// Any quantc.x86 intrinsic op -> llvm.call_intrinsic of the intrinsic it
/// names, on the same operands.
template <typename OpTy> struct IntrinsicToLLVM : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
        op, op.getResult().getType(),
        rewriter.getStringAttr(op.getIntrinsicName()), op->getOperands());
    return success();
  }
};

struct X86IntrinsicsToLLVM
    : quantc::impl::QuantCX86IntrinsicsToLLVMBase<X86IntrinsicsToLLVM> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateQuantCX86ToLLVMPatterns(patterns);
    // One walk, no folding: the rest of the IR is left as it is.
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

void quantc::populateQuantCX86ToLLVMPatterns(RewritePatternSet &patterns) {
  patterns.add<IntrinsicToLLVM<X86VpdpbusdOp>, IntrinsicToLLVM<X86PmaddwdOp>,
               IntrinsicToLLVM<X86VpermpsOp>>(patterns.getContext());
}
