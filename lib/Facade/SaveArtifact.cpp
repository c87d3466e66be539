//===- SaveArtifact.cpp - JitModule::save ---------------------------------===//
//
// The compiled module as an artifact for libquantc_runtime: code.so (PIC,
// ld.lld), manifest.json and the state after prepare.
//
//===----------------------------------------------------------------------===//
#include "FacadeInternal.h"
#include "ShapeRelations.h"

#include "mlir/Bytecode/BytecodeReader.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "quantc/Dialect/QuantC/Utils/LoadTimeParams.h"
#include "quantc/InitAll.h"
#include "quantc/Runtime/LoadedObjects.h"
#include "quantc/Runtime/quantc_runtime.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

// JitModule::save
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Target/TargetMachine.h"

#include <dlfcn.h>
#include <map>
#include <set>
using namespace mlir;
using namespace quantc::facade;
using namespace quantc::facade::detail;

//===----------------------------------------------------------------------===//
// JitModule::save: the compiled module as an artifact for libquantc_runtime
//===----------------------------------------------------------------------===//

void quantc::facade::detail::keepForSave(
    JitModule::Impl &impl, Session &s, unsigned optLevel,
    const std::vector<std::string> &sharedLibs) {
  impl.saveSource.ctx = s.ctx;
  impl.saveSource.lowered = std::move(s.module);
  impl.saveSource.optLevel = optLevel;
  impl.saveSource.sharedLibs = sharedLibs;
}

namespace {
/// The CPU features an artifact records: those of the runtime's table
/// (include/quantc/Runtime/CpuFeatures.def) that `tm` enables.
std::vector<std::string> requiredFeatures(const llvm::TargetMachine &tm) {
  static const char *const known[] = {
#define QUANTC_CPU_FEATURE(name, leaf, subleaf, reg, bit, xcr0) name,
#include "quantc/Runtime/CpuFeatures.def"
  };
  llvm::StringSet<> enabled;
  SmallVector<StringRef> parts;
  StringRef(tm.getTargetFeatureString()).split(parts, ',');
  for (StringRef f : parts)
    if (f.consume_front("+"))
      enabled.insert(f);
  std::vector<std::string> out;
  for (const char *name : known)
    if (enabled.contains(name))
      out.push_back(name);
  return out;
}

/// Adds `_mlir_<name>(void **)` for every function defined in `module`,
/// exactly as MLIR's ExecutionEngine does for the JIT (its
/// packFunctionArguments is file-local): the packed entry points the runtime
/// calls, and the same IR the JIT optimized.
void addPackedEntryPoints(llvm::Module &module) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> builder(ctx);
  llvm::DenseSet<llvm::Function *> added;
  SmallVector<llvm::Function *> defined;
  for (llvm::Function &fn : module.functions())
    if (!fn.isDeclaration())
      defined.push_back(&fn);
  for (llvm::Function *fn : defined) {
    if (added.count(fn))
      continue;
    auto *type =
        llvm::FunctionType::get(builder.getVoidTy(), builder.getPtrTy(), false);
    auto callee =
        module.getOrInsertFunction("_mlir_" + fn->getName().str(), type);
    auto *wrapper = cast<llvm::Function>(callee.getCallee());
    added.insert(wrapper);
    builder.SetInsertPoint(llvm::BasicBlock::Create(ctx, "", wrapper));
    llvm::Value *list = wrapper->arg_begin();
    SmallVector<llvm::Value *> args;
    for (auto [index, arg] : llvm::enumerate(fn->args())) {
      llvm::Value *slot = builder.CreateGEP(
          builder.getPtrTy(), list,
          llvm::ConstantInt::get(builder.getInt64Ty(), index));
      llvm::Value *ptr = builder.CreateLoad(builder.getPtrTy(), slot);
      args.push_back(builder.CreateLoad(arg.getType(), ptr));
    }
    llvm::Value *result = builder.CreateCall(fn, args);
    if (!result->getType()->isVoidTy()) {
      llvm::Value *slot = builder.CreateGEP(
          builder.getPtrTy(), list,
          llvm::ConstantInt::get(builder.getInt64Ty(), fn->arg_size()));
      builder.CreateStore(result, builder.CreateLoad(builder.getPtrTy(), slot));
    }
    builder.CreateRetVoid();
  }
}

/// A state global of the contract (`__quantc_state_<k>`).
struct StateGlobal {
  std::string symbol;
  uint64_t bytes = 0;
};

/// The `__quantc_state_<k>` globals of `module` in k order; fails when the
/// numbering has a gap.
LogicalResult stateGlobals(const llvm::Module &module,
                           std::vector<StateGlobal> &out, std::string &error) {
  std::map<unsigned, StateGlobal> byIndex;
  for (const llvm::GlobalVariable &g : module.globals()) {
    StringRef name = g.getName();
    unsigned k;
    if (!name.consume_front("__quantc_state_") || name.getAsInteger(10, k))
      continue;
    byIndex[k] = {g.getName().str(),
                  module.getDataLayout().getTypeAllocSize(g.getValueType())};
  }
  unsigned expect = 0;
  for (auto &[k, g] : byIndex) {
    if (k != expect++) {
      error = "the state globals are numbered with a gap: no "
              "__quantc_state_" +
              std::to_string(expect - 1);
      return failure();
    }
    out.push_back(g);
  }
  return success();
}

/// The file of the shared library loaded in this process that defines the
/// function or variable `name`: `preferred` (the JIT's shared libraries)
/// first, then the others in load order. "" when none does. The program
/// itself is not searched: dlsym(RTLD_DEFAULT) may answer with the address
/// of its PLT entry (a non-PIE python3 has one for malloc).
std::string definingLibrary(const std::string &name,
                            const std::vector<std::string> &preferred) {
  std::vector<std::string> libraries(preferred);
  for (std::string &lib : quantc::runtime::loadedObjects())
    libraries.push_back(std::move(lib));
  for (const std::string &lib : libraries) {
    void *handle = dlopen(lib.c_str(), RTLD_LAZY | RTLD_NOLOAD);
    if (!handle)
      continue;
    void *address = dlsym(handle, name.c_str());
    dlclose(handle);
    Dl_info info;
    if (address && dladdr(address, &info) && info.dli_fname &&
        info.dli_fname[0])
      return info.dli_fname;
  }
  return "";
}

/// A manifest "shape" attribute (-1: a dynamic size).
void writeShape(llvm::json::OStream &j, ArrayRef<int64_t> shape) {
  j.attributeArray("shape", [&] {
    for (int64_t d : shape)
      j.value(d);
  });
}

/// The manifest's "functions" entries: {name, args, results, dim_groups,
/// index_bounds}
/// of each public function (`__quantc_prepare` is not one: loading fills the
/// state from state.bin and never prepares it).
void writeFunctions(llvm::json::OStream &j,
                    const std::vector<FunctionDesc> &functions) {
  auto type = [&](const TypeDesc &t) {
    j.object([&] {
      j.attribute("shaped", t.shaped);
      j.attribute("element", t.element);
      writeShape(j, t.shape);
    });
  };
  for (const FunctionDesc &f : functions) {
    if (f.name == "__quantc_prepare")
      continue;
    j.object([&] {
      j.attribute("name", f.name);
      j.attributeArray("args", [&] {
        for (const TypeDesc &t : f.args)
          type(t);
      });
      j.attributeArray("results", [&] {
        for (const TypeDesc &t : f.results)
          type(t);
      });
      j.attributeArray("dim_groups", [&] {
        for (const DimGroup &g : f.dimGroups)
          j.object([&] {
            j.attributeArray("members", [&] {
              for (const auto &member : g.members)
                j.array([&] {
                  j.value(member.first);
                  j.value(member.second);
                });
            });
            j.attribute("size", g.size);
            if (g.min > 0 || g.max >= 0) {
              j.attribute("min", g.min);
              j.attribute("max", g.max);
            }
          });
      });
      j.attributeArray("index_bounds", [&] {
        for (const IndexBound &b : f.indexBounds)
          j.object([&] {
            j.attribute("arg", static_cast<int64_t>(b.arg));
            j.attribute("size", b.size);
          });
      });
    });
  }
}

/// The manifest's "params" entries: {name, element, shape, bytes}.
void writeParams(llvm::json::OStream &j, const std::vector<ParamDesc> &params) {
  for (const ParamDesc &p : params)
    j.object([&] {
      j.attribute("name", p.name);
      j.attribute("element", p.element);
      writeShape(j, p.shape);
      j.attribute("bytes", static_cast<int64_t>(p.bytes));
    });
}

/// Adds QUANTC_SIGNATURE_SYMBOL to `module`: the manifest's "functions" and
/// "params" as JSON, which loading compares with the manifest (the calls
/// trust its signatures).
void addSignatureRecord(llvm::Module &module,
                        const std::vector<FunctionDesc> &functions,
                        const std::vector<ParamDesc> &params) {
  std::string text;
  {
    llvm::raw_string_ostream os(text);
    llvm::json::OStream j(os);
    j.object([&] {
      j.attributeArray("functions", [&] { writeFunctions(j, functions); });
      j.attributeArray("params", [&] { writeParams(j, params); });
    });
  }
  llvm::Constant *init = llvm::ConstantDataArray::getString(
      module.getContext(), text, /*AddNull=*/true);
  new llvm::GlobalVariable(module, init->getType(), /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage, init,
                           QUANTC_SIGNATURE_SYMBOL);
}

/// Writes `bytes` to `path`.
LogicalResult writeFile(StringRef path, StringRef bytes, std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (!ec) {
    os << bytes;
    os.close();
    ec = os.error();
  }
  if (ec) {
    error = "cannot write " + path.str() + ": " + ec.message();
    return failure();
  }
  return success();
}
} // namespace

/// Symbols the artifact leaves undefined for libquantc_runtime to provide.
static const char *const kRuntimeSymbols[] = {"memrefCopy"};

Result JitModule::save(const std::string &directory) const {
  Result result;
  auto fail = [&](const Twine &message) {
    result.diagnostics += "error: " + message.str() + "\n";
    return result;
  };
  const SaveSource &src = impl->saveSource;
  if (!src.lowered)
    return fail("this module keeps no lowered IR to save");
  if (llvm::sys::fs::exists(directory) &&
      !llvm::sys::fs::is_directory(directory))
    return fail("cannot create the directory '" + directory +
                "': a file of that name exists");
  if (std::error_code ec = llvm::sys::fs::create_directories(directory))
    return fail("cannot create the directory '" + directory +
                "': " + ec.message());

  // 1. LLVM IR, optimized as the JIT optimized it, for the host with
  //    position-independent code.
  auto tmBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!tmBuilder)
    return fail("cannot describe the host CPU: " +
                llvm::toString(tmBuilder.takeError()));
  tmBuilder->setRelocationModel(llvm::Reloc::PIC_);
  // The JIT's code generator: the ExecutionEngine builds its own target
  // machine at the default level (jitCodeGenOptLevel does not reach it).
  tmBuilder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Default);
  auto tm = tmBuilder->createTargetMachine();
  if (!tm)
    return fail("cannot create a target machine: " +
                llvm::toString(tm.takeError()));
  // The optimizer's target machine, as compileSession configured it.
  auto optBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!optBuilder)
    return fail(llvm::toString(optBuilder.takeError()));
  optBuilder->setRelocationModel(llvm::Reloc::PIC_);
  optBuilder->setCodeGenOptLevel(
      static_cast<llvm::CodeGenOptLevel>(std::min<unsigned>(src.optLevel, 3)));
  auto optTm = optBuilder->createTargetMachine();
  if (!optTm)
    return fail(llvm::toString(optTm.takeError()));

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> module;
  {
    std::string diag;
    llvm::raw_string_ostream os(diag);
    ScopedDiagnosticHandler handler(src.ctx.get(), [&](Diagnostic &d) {
      os << d << "\n";
      return success();
    });
    module = translateModuleToLLVMIR(*src.lowered, llvmContext);
    if (!module)
      return fail("cannot translate the module to LLVM IR: " + diag);
  }
  module->setDataLayout((*tm)->createDataLayout());
  module->setTargetTriple((*tm)->getTargetTriple());
  addPackedEntryPoints(*module);
  addSignatureRecord(*module, impl->functions, impl->params);
  std::vector<StateGlobal> state;
  std::string error;
  if (failed(stateGlobals(*module, state, error)))
    return fail(error);
  auto optimize =
      makeOptimizingTransformer(src.optLevel, /*sizeLevel=*/0, optTm->get());
  if (llvm::Error e = optimize(module.get()))
    return fail("optimizing the LLVM IR failed: " +
                llvm::toString(std::move(e)));

  // 2. A PIC object.
  SmallVector<char, 0> object;
  {
    llvm::raw_svector_ostream os(object);
    llvm::legacy::PassManager pm;
    if ((*tm)->addPassesToEmitFile(pm, os, nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
      return fail("the target cannot emit object files");
    pm.run(*module);
  }

  // 3. Its undefined symbols: each must come from a library other than
  //    LLVM's and MLIR's (libc, libm, libgomp, ...), which becomes a
  //    DT_NEEDED entry, or from libquantc_runtime.
  auto objectFile = llvm::object::ObjectFile::createObjectFile(
      llvm::MemoryBufferRef(StringRef(object.data(), object.size()), "code"));
  if (!objectFile)
    return fail("cannot read the emitted object: " +
                llvm::toString(objectFile.takeError()));
  std::set<std::string> needed, runtimeSymbols;
  for (const llvm::object::SymbolRef &sym : (*objectFile)->symbols()) {
    auto flags = sym.getFlags();
    auto name = sym.getName();
    if (!flags || !name) {
      llvm::consumeError(flags.takeError());
      llvm::consumeError(name.takeError());
      return fail("cannot read the emitted object's symbols");
    }
    if (!(*flags & llvm::object::SymbolRef::SF_Undefined) || name->empty() ||
        *name == "_GLOBAL_OFFSET_TABLE_")
      continue;
    if (llvm::is_contained(kRuntimeSymbols, *name)) {
      runtimeSymbols.insert(name->str());
      continue;
    }
    std::string lib = definingLibrary(name->str(), src.sharedLibs);
    if (lib.empty())
      return fail("the code calls '" + *name +
                  "', which no shared library of this process defines: an "
                  "artifact cannot depend on it");
    StringRef base = llvm::sys::path::filename(lib);
    if (base.starts_with("libMLIR") || base.starts_with("libLLVM"))
      return fail("the code calls '" + *name + "' from " + lib +
                  ": an artifact must not depend on LLVM or MLIR");
    needed.insert(lib);
  }

  // 4. The shared library, linked with ld.lld.
  SmallString<256> objectPath;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("quantc-artifact",
                                                              "o", objectPath))
    return fail("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeObject(objectPath);
  if (failed(writeFile(objectPath, StringRef(object.data(), object.size()),
                       error)))
    return fail(error);
  std::string codePath = directory + "/code.so";
  std::string lld = QUANTC_LD_LLD;
  if (!llvm::sys::fs::can_execute(lld))
    return fail("the linker " + lld + " is missing (install lld-22)");
  std::vector<std::string> argStorage = {
      lld,           "-shared", "-Bsymbolic", "-z",
      "noexecstack", "-o",      codePath,     objectPath.str().str()};
  for (const std::string &lib : needed)
    argStorage.push_back(lib);
  SmallVector<StringRef> args(argStorage.begin(), argStorage.end());
  std::string linkError;
  SmallString<256> linkLog;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "quantc-artifact-link", "log", linkLog))
    return fail("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeLog(linkLog);
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(linkLog),
                                          StringRef(linkLog)};
  int rc = llvm::sys::ExecuteAndWait(lld, args, std::nullopt, redirects, 0, 0,
                                     &linkError);
  if (rc != 0) {
    auto log = llvm::MemoryBuffer::getFile(linkLog);
    return fail("linking " + codePath + " failed: " + linkError +
                (log ? (*log)->getBuffer().str() : std::string()));
  }

  // 5. The state globals' bytes, read from the JIT's copies (after
  //    __quantc_prepare), each at a 64-byte aligned offset of state.bin.
  std::string stateBytes;
  std::vector<uint64_t> offsets;
  for (const StateGlobal &g : state) {
    auto address = impl->engine->lookup(g.symbol);
    if (!address)
      return fail("the JIT has no state global " + g.symbol + ": " +
                  llvm::toString(address.takeError()));
    stateBytes.resize(llvm::alignTo(stateBytes.size(), 64), '\0');
    offsets.push_back(stateBytes.size());
    stateBytes.append(static_cast<const char *>(*address), g.bytes);
  }
  if (failed(writeFile(directory + "/state.bin", stateBytes, error)))
    return fail(error);

  // 6. The manifest, written last: a directory without one is no artifact.
  std::string manifest;
  {
    llvm::raw_string_ostream os(manifest);
    llvm::json::OStream j(os, 2);
    j.object([&] {
      j.attribute("format", 1);
      j.attribute("producer", "quantc");
      j.attribute("triple", (*tm)->getTargetTriple().str());
      j.attribute("cpu", (*tm)->getTargetCPU().str());
      j.attributeArray("cpu_features", [&] {
        for (const std::string &f : requiredFeatures(**tm))
          j.value(f);
      });
      j.attribute("code", "code.so");
      j.attributeArray("needed", [&] {
        for (const std::string &lib : needed)
          j.value(llvm::sys::path::filename(lib));
      });
      j.attributeArray("runtime_symbols", [&] {
        for (const std::string &s : runtimeSymbols)
          j.value(s);
      });
      j.attributeArray("functions",
                       [&] { writeFunctions(j, impl->functions); });
      // The parameters the state was prepared from (JitModule::params(),
      // per the load-time state contract); loading never runs
      // __quantc_prepare, quantc_bind_params does.
      j.attributeArray("params", [&] { writeParams(j, impl->params); });
      j.attribute("state_file", "state.bin");
      j.attribute("state_bytes", static_cast<int64_t>(stateBytes.size()));
      j.attributeArray("state", [&] {
        for (size_t k = 0; k < state.size(); ++k)
          j.object([&] {
            j.attribute("symbol", state[k].symbol);
            j.attribute("bytes", static_cast<int64_t>(state[k].bytes));
            j.attribute("offset", static_cast<int64_t>(offsets[k]));
          });
      });
    });
    os << "\n";
  }
  if (failed(writeFile(directory + "/manifest.json", manifest, error)))
    return fail(error);
  result.ok = true;
  return result;
}
