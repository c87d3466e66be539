//===- InitAll.cpp - register everything quantc provides ------------------===//
#include "quantc/InitAll.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "quantc/Conversion/Passes.h"
#include "quantc/Dialect/QuantC/IR/QuantCDialect.h"
#include "quantc/Dialect/QuantC/Transforms/Passes.h"
#include "quantc/Pipelines/Pipelines.h"

void quantc::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<QuantCDialect, mlir::quant::QuantDialect,
                  mlir::arith::ArithDialect, mlir::func::FuncDialect,
                  mlir::linalg::LinalgDialect, mlir::math::MathDialect,
                  mlir::tensor::TensorDialect>();
}

void quantc::registerAllPasses() {
  static bool once = [] {
    registerQuantCPasses();
    registerQuantCConversionPasses();
    registerPipelines();
    return true;
  }();
  (void)once;
}
