//===- quantc-plugin.cpp - quantc as a plugin for stock mlir-opt ----------===//
//
// `mlir-opt --load-dialect-plugin=QuantCPlugin.so
//           --load-pass-plugin=QuantCPlugin.so --quantc-import-quant ...`
// The plugin links libMLIR.so, so it shares MLIR's registries and TypeIDs
// with the host tool instead of carrying a second copy of them.
//
//===----------------------------------------------------------------------===//
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "quantc/InitAll.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Compiler.h"

using namespace mlir;

extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "QuantC", LLVM_VERSION_STRING,
          [](DialectRegistry *registry) {
            quantc::registerAllDialects(*registry);
            // Passes too, so one --load-dialect-plugin is enough.
            quantc::registerAllPasses();
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "QuantCPasses", LLVM_VERSION_STRING,
          []() { quantc::registerAllPasses(); }};
}
