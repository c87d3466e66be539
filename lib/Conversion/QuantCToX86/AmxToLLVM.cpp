//===- AmxToLLVM.cpp - amx tile ops and tile-typed branches to LLVM -------===//
//
// See the pass description in Conversion/Passes.td.
//
//===----------------------------------------------------------------------===//
#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"

#include "mlir/Conversion/LLVMCommon/ConversionTarget.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/AMX/Transforms.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Transforms/DialectConversion.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCX86AMXTOLLVM
#include "quantc/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;

namespace {

/// Retypes the !amx.tile arguments of `block` to !llvm.x86_amx: casts back
/// for their users, casts to them on every incoming branch (the casts meet
/// those of the op conversion and reconcile away).
LogicalResult retypeTileArguments(Block &block, Type llvmTile) {
  for (BlockArgument arg : block.getArguments()) {
    Type old = arg.getType();
    if (!isa<amx::TileType>(old))
      continue;
    for (BlockOperand &use : block.getUses()) {
      auto br = dyn_cast<BranchOpInterface>(use.getOwner());
      if (!br)
        return use.getOwner()->emitError(
            "quantc-x86-amx-to-llvm: a branch to a block with !amx.tile "
            "arguments that is not a BranchOpInterface");
      SuccessorOperands operands =
          br.getSuccessorOperands(use.getOperandNumber());
      if (operands.isOperandProduced(arg.getArgNumber()))
        return br->emitError("quantc-x86-amx-to-llvm: a produced !amx.tile "
                             "successor operand");
      OpOperand &operand =
          operands.getMutableForwardedOperands()
              [arg.getArgNumber() - operands.getProducedOperandCount()];
      OpBuilder b(br);
      operand.set(UnrealizedConversionCastOp::create(b, br->getLoc(), llvmTile,
                                                     operand.get())
                      .getResult(0));
    }
    arg.setType(llvmTile);
    OpBuilder b = OpBuilder::atBlockBegin(&block);
    auto back = UnrealizedConversionCastOp::create(b, arg.getLoc(), old, arg);
    arg.replaceAllUsesExcept(back.getResult(0), back);
  }
  return success();
}

struct X86AmxToLLVM : quantc::impl::QuantCX86AmxToLLVMBase<X86AmxToLLVM> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    bool any = false;
    module.walk([&](Operation *op) {
      if (isa<amx::AMXDialect>(op->getDialect()))
        any = true;
    });
    if (!any)
      return;
    Type llvmTile = LLVM::LLVMX86AMXType::get(ctx);
    WalkResult walked = module.walk([&](Block *block) {
      return failed(retypeTileArguments(*block, llvmTile))
                 ? WalkResult::interrupt()
                 : WalkResult::advance();
    });
    if (walked.wasInterrupted())
      return signalPassFailure();
    LLVMTypeConverter converter(ctx);
    converter.addConversion([&](amx::TileType) { return llvmTile; });
    RewritePatternSet patterns(ctx);
    populateAMXLegalizeForLLVMExportPatterns(converter, patterns);
    LLVMConversionTarget target(*ctx);
    configureAMXLegalizeForExportTarget(target);
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
