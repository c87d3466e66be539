//===- quantc-fuzz.cpp - libFuzzer harness over parsing and pipelines -----===//
//
// The first byte of the input selects what runs; the rest is MLIR text:
//   byte % (N + 1) == 0      parse and verify only
//   byte % (N + 1) == i > 0  parse, then pipeline i of test/lib/pipelines.txt
// Diagnostics are swallowed: the harness looks for crashes, assertions,
// sanitizer reports, leaks and hangs, never for rejected input. Every input
// gets a fresh MLIRContext so state cannot leak between runs.
//
//===----------------------------------------------------------------------===//
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "quantc/InitAll.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>
#include <iterator>

using namespace mlir;

/// The pipelines as quantc-opt flags, generated from test/lib/pipelines.txt.
static const char *const kPipelineFlags[] = {
#include "QuantCFuzzPipelines.inc"
};

static DialectRegistry *registry;

/// Adds the passes of one pipelines.txt line to `pm` the way quantc-opt's
/// flags do: each `--name[=options]` is a registered pass or pipeline, and a
/// pass anchored on func.func nests implicitly under the module.
static LogicalResult addFlags(OpPassManager &pm, llvm::StringRef flags) {
  llvm::SmallVector<llvm::StringRef> words;
  llvm::SplitString(flags, words);
  for (llvm::StringRef w : words) {
    auto [name, opts] = w.ltrim('-').split('=');
    const PassRegistryEntry *entry = PassPipelineInfo::lookup(name);
    if (!entry)
      entry = PassInfo::lookup(name);
    if (!entry)
      return failure();
    auto onError = [](const llvm::Twine &) { return failure(); };
    if (failed(entry->addToPipeline(pm, opts, onError)))
      return failure();
  }
  return success();
}

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

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  registry = new DialectRegistry();
  registerAllDialects(*registry);
  registerAllExtensions(*registry);
  registerAllPasses();
  quantc::registerAllDialects(*registry);
  quantc::registerAllPasses();
  // A malformed table entry is a harness bug: fail loudly once, up front.
  MLIRContext ctx(*registry);
  for (const char *flags : kPipelineFlags) {
    PassManager pm(&ctx, "builtin.module", OpPassManager::Nesting::Implicit);
    if (failed(addFlags(pm, flags))) {
      llvm::errs() << "quantc-fuzz: bad pipeline '" << flags << "'\n";
      std::abort();
    }
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  constexpr size_t numPipelines = std::size(kPipelineFlags);
  unsigned select = data[0] % (numPipelines + 1);
  // MLIR's lexer reads up to a terminating NUL, as a file buffer from
  // quantc-opt has; libFuzzer's data has none, so copy it into a std::string.
  std::string text(reinterpret_cast<const char *>(data + 1), size - 1);
  // What quantc-opt and the facade refuse before parsing.
  if (!quantc::screenInput(text).empty())
    return 0;

  MLIRContext ctx(*registry, MLIRContext::Threading::DISABLED);
  ScopedDiagnosticHandler swallow(&ctx, [](Diagnostic &) { return success(); });
  // Bare functions are wrapped in a module, as quantc-opt does: most inputs
  // (and seeds) are bare functions, and every pipeline must see them.
  ParserConfig config(&ctx);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, config);
  if (!module || select == 0)
    return 0;
  PassManager pm(&ctx, ModuleOp::getOperationName(),
                 OpPassManager::Nesting::Implicit);
  if (failed(addFlags(pm, kPipelineFlags[select - 1])))
    return 0;
  (void)pm.run(*module);
  return 0;
}
