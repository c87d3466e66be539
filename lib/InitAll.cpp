//===- InitAll.cpp - register everything quantc provides ------------------===//
#include "quantc/InitAll.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "quantc/Conversion/Passes.h"
#include "quantc/Dialect/QuantC/IR/QuantCDialect.h"
#include "quantc/Dialect/QuantC/Transforms/Passes.h"
#include "quantc/Pipelines/Pipelines.h"

void quantc::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<QuantCDialect, mlir::quant::QuantDialect,
                  mlir::arith::ArithDialect, mlir::func::FuncDialect,
                  mlir::linalg::LinalgDialect, mlir::math::MathDialect,
                  mlir::tensor::TensorDialect>();
  // quantc's pipelines bufferize and lower to LLVM: they need upstream's
  // external interface models (BufferizableOpInterface, ...). Drivers that do
  // not register all of upstream themselves (C API, Python, downstream tools)
  // get them here; re-inserting into mlir-opt's full registry is a no-op.
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
}

void quantc::registerAllPasses() {
  static bool once = [] {
    registerQuantCPasses();
    registerQuantCConversionPasses();
    registerPipelines();
    // The pipelines are textual and name upstream passes, which must be
    // registered for them to parse. Drivers that registered upstream's passes
    // already (mlir-opt, quantc-opt) are left alone: registering a pipeline
    // twice is an assertion failure in MLIR builds with assertions.
    if (!mlir::PassPipelineInfo::lookup("buffer-deallocation-pipeline"))
      mlir::registerAllPasses();
    return true;
  }();
  (void)once;
}
