//===- quantc-opt.cpp - mlir-opt plus quantc ------------------------------===//
//
// Every upstream dialect, extension and pass is registered, so quantc-opt
// reads any file mlir-opt reads; quantc's dialect, passes and pipelines come
// on top.
//
//===----------------------------------------------------------------------===//
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "quantc/InitAll.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates kernels to LLVM IR (as mlir-opt does).
  mlir::registerAllGPUToLLVMIRTranslations(registry);
  mlir::registerAllPasses();
  quantc::registerAllDialects(registry);
  quantc::registerAllPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "quantc: quantization compiler driver\n", registry));
}
