//===- quantc-opt.cpp - mlir-opt plus quantc ------------------------------===//
//
// Every upstream dialect, extension and pass is registered, so quantc-opt
// reads any file mlir-opt reads; quantc's dialect, passes and pipelines come
// on top.
//
//===----------------------------------------------------------------------===//
#include "mlir/Bytecode/BytecodeReader.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "quantc/InitAll.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
// quantc's code is built with ASan, libMLIR.so is not: LLVM's BumpPtrAllocator
// poisons slabs in our inline copy that libMLIR's copy never unpoisons, a false
// use-after-poison. Manual poisoning is off; ASan's own checks stay on.
extern "C" const char *__asan_default_options() {
  return "allow_user_poisoning=0";
}
#endif
#endif

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates kernels to LLVM IR (as mlir-opt does).
  mlir::registerAllGPUToLLVMIRTranslations(registry);
  mlir::registerAllPasses();
  quantc::registerAllDialects(registry);
  quantc::registerAllPasses();

  auto [inputFilename, outputFilename] = mlir::registerAndParseCLIOptions(
      argc, argv, "quantc: quantization compiler driver\n", registry);
  mlir::MlirOptMainConfig config =
      mlir::MlirOptMainConfig::createFromCLOptions();

  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> file =
      mlir::openInputFile(inputFilename, &error);
  if (!file) {
    llvm::errs() << "error: " << error << "\n";
    return 1;
  }
  // NUL bytes (MLIR's lexer stops there, so binary garbage would parse as
  // an empty module and "succeed") and inputs MLIR 22's parser crashes on.
  std::string bad = quantc::screenInput(file->getBuffer());
  if (!bad.empty()) {
    llvm::errs() << inputFilename << ":" << bad << "\n";
    return 1;
  }
  std::unique_ptr<llvm::ToolOutputFile> output =
      mlir::openOutputFile(outputFilename, &error);
  if (!output) {
    llvm::errs() << "error: " << error << "\n";
    return 1;
  }
  if (mlir::failed(
          mlir::MlirOptMain(output->os(), std::move(file), registry, config)))
    return 1;
  output->keep();
  return 0;
}
