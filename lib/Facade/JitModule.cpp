//===- JitModule.cpp - JIT compilation for the host CPU
//--------------------===//
//
// JitModule: a module lowered by a pipeline and JIT-compiled with the host's
// target machine; weights bound at load time (params, state, prepare).
//
//===----------------------------------------------------------------------===//
#include "FacadeInternal.h"
#include "ShapeRelations.h"

#include "mlir/Bytecode/BytecodeReader.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
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
#include "quantc/Dialect/QuantC/Utils/ConstantWeights.h"
#include "quantc/Dialect/QuantC/Utils/LoadTimeParams.h"
#include "quantc/InitAll.h"
#include "quantc/Runtime/Allocator.h"
#include "quantc/Runtime/MemRefCopy.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

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
#include <link.h>
#include <map>
#include <set>
using namespace mlir;
using namespace quantc::facade;
using namespace quantc::facade::detail;

//===----------------------------------------------------------------------===//
// JitModule
//===----------------------------------------------------------------------===//

JitModule::JitModule(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}
JitModule::~JitModule() = default;

const std::vector<FunctionDesc> &JitModule::functions() const {
  return impl->functions;
}

const std::vector<ParamDesc> &JitModule::params() const { return impl->params; }

const std::vector<StateDesc> &JitModule::state() const { return impl->state; }

bool JitModule::bindParams(const std::vector<const void *> &data,
                           std::string &diagnostics) const {
  if (data.size() != impl->params.size()) {
    diagnostics = "error: the module has " +
                  std::to_string(impl->params.size()) + " parameters, got " +
                  std::to_string(data.size());
    return false;
  }
  if (impl->params.empty())
    return true;
  std::vector<void *> ptrs;
  for (const void *d : data)
    ptrs.push_back(const_cast<void *>(d));
  impl->prepare(ptrs.data());
  return true;
}

/// Binds the parameters of `jit` to the resource blobs of their names in
/// `ctx` (the module's weights, as parsed or bound by a ModuleHandle):
/// calls __quantc_prepare once. Fails with a diagnostic naming a parameter
/// whose blob is missing or of the wrong size.
/// Asks Linux for the AMX tile data state of this process (idempotent);
/// false where it is refused or the CPU has none.
static bool requestAmxTileState() {
#if defined(__linux__) && defined(__x86_64__)
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
#else
  return false;
#endif
}

static bool bindBlobs(MLIRContext *ctx, const JitModule &jit,
                      std::string &diagnostics) {
  if (jit.params().empty())
    return true;
  DialectResourceBlobManager &manager =
      DenseResourceElementsHandle::getManagerInterface(ctx).getBlobManager();
  std::vector<const void *> data;
  for (const ParamDesc &p : jit.params()) {
    auto *entry = manager.lookup(p.name);
    const AsmResourceBlob *blob = entry ? entry->getBlob() : nullptr;
    if (!blob || blob->getData().size() != p.bytes) {
      diagnostics +=
          "error: parameter '" + p.name + "' has " +
          (blob ? std::to_string(blob->getData().size()) +
                      " bytes of data, not " + std::to_string(p.bytes)
                : std::string("no data")) +
          " (a dense_resource blob the module was given)\n";
      return false;
    }
    data.push_back(blob->getData().data());
  }
  return jit.bindParams(data, diagnostics);
}

/// A parameter's element type as ParamDesc names it.
static std::string paramElement(Type t) {
  if (t.isBF16())
    return "bf16";
  // One byte per element, sign-extended (storageBytes).
  if (t.isSignlessInteger(4))
    return "i4";
  return describe(t).element;
}

/// The parameters and state globals the lowered `module` describes
/// (quantc.params, quantc.state).
static void describeLoadTimeState(ModuleOp module, JitModule::Impl &impl) {
  if (auto params = module->getAttrOfType<ArrayAttr>(quantc::kParamsAttrName))
    for (Attribute a : params) {
      auto d = cast<DictionaryAttr>(a);
      auto t = cast<RankedTensorType>(d.getAs<TypeAttr>("type").getValue());
      ParamDesc p;
      p.name = d.getAs<StringAttr>("name").getValue().str();
      p.element = paramElement(t.getElementType());
      p.shape.assign(t.getShape().begin(), t.getShape().end());
      p.bytes =
          size_t(t.getNumElements() * quantc::storageBytes(t.getElementType()));
      impl.params.push_back(std::move(p));
    }
  if (auto state = module->getAttrOfType<ArrayAttr>(quantc::kStateAttrName))
    for (Attribute a : state) {
      auto d = cast<DictionaryAttr>(a);
      StateDesc sd;
      sd.symbol = d.getAs<StringAttr>("symbol").getValue().str();
      sd.bytes = size_t(d.getAs<IntegerAttr>("bytes").getInt());
      impl.state.push_back(std::move(sd));
    }
}

/// Lowers the module of `s` with `pipeline` and JIT-compiles it (the
/// common part of both JitModule::create).
static std::unique_ptr<JitModule::Impl>
compileSession(Session &s, const std::string &pipeline, unsigned optLevel,
               const std::vector<std::string> &sharedLibs,
               std::string &diagnostics);

std::unique_ptr<JitModule>
JitModule::create(const std::string &ir, const std::string &pipeline,
                  unsigned optLevel, const std::vector<std::string> &sharedLibs,
                  std::string &diagnostics) {
  Session s;
  if (failed(s.parse(ir))) {
    diagnostics = s.diag;
    return nullptr;
  }
  std::unique_ptr<Impl> impl =
      compileSession(s, pipeline, optLevel, sharedLibs, diagnostics);
  if (!impl)
    return nullptr;
  auto jit = std::unique_ptr<JitModule>(new JitModule(std::move(impl)));
  if (!bindBlobs(s.ctx.get(), *jit, diagnostics))
    return nullptr;
  return jit;
}

std::unique_ptr<JitModule>
JitModule::create(const ModuleHandle &module, const std::string &pipeline,
                  unsigned optLevel, const std::vector<std::string> &sharedLibs,
                  std::string &diagnostics) {
  // A copy in the same context: the weight blobs are shared, not copied.
  Session s(module.impl->session.ctx);
  s.module = OwningOpRef<ModuleOp>(module.impl->session.module->clone());
  std::unique_ptr<Impl> impl =
      compileSession(s, pipeline, optLevel, sharedLibs, diagnostics);
  // The JIT has its own copy of the constants: the blobs the lowering made
  // (packed weights) are not needed any more.
  if (s.module)
    releaseDeadBlobs(s.ctx.get(), referencedResources(*s.module),
                     referencedResources(*module.impl->session.module));
  if (!impl)
    return nullptr;
  // Weights bound at load time: packed into the state now, from the
  // module's blobs (the JIT keeps no copy of them).
  auto jit = std::unique_ptr<JitModule>(new JitModule(std::move(impl)));
  if (!bindBlobs(s.ctx.get(), *jit, diagnostics))
    return nullptr;
  return jit;
}

/// Whether the i8 function argument `arg` holds u8 bytes: every use that
/// reads its values (at least one; tensor.dim reads none) is a quant.scast
/// to a quantized type with unsigned 8-bit storage (ONNX/TFLite asymmetric
/// activations). Its callers pass np.uint8 arrays.
static bool holdsUnsignedBytes(BlockArgument arg) {
  bool cast = false;
  for (Operation *user : arg.getUsers()) {
    if (isa<tensor::DimOp>(user))
      continue;
    auto scast = dyn_cast<quant::StorageCastOp>(user);
    if (!scast)
      return false;
    cast = true;
    auto q = dyn_cast<quant::QuantizedType>(
        getElementTypeOrSelf(scast.getResult().getType()));
    if (!q || q.isSigned() || q.getStorageTypeIntegralWidth() != 8)
      return false;
  }
  return cast;
}

static std::unique_ptr<JitModule::Impl>
compileSession(Session &s, const std::string &pipeline, unsigned optLevel,
               const std::vector<std::string> &sharedLibs,
               std::string &diagnostics) {
  static bool targetsReady = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)targetsReady;
  auto impl = std::make_unique<JitModule::Impl>();
  // Signatures are taken before lowering, where they are still readable.
  s.module->walk([&](func::FuncOp fn) {
    if (fn.isExternal() || !fn.isPublic())
      return;
    // NumPy arrays passed in belong to the caller: bufferization must copy
    // instead of writing into them.
    for (auto [i, t] : llvm::enumerate(fn.getArgumentTypes()))
      if (isa<TensorType>(t))
        fn.setArgAttr(i, "bufferization.writable",
                      BoolAttr::get(fn.getContext(), false));
    FunctionDesc desc;
    desc.name = fn.getSymName().str();
    for (BlockArgument arg : fn.getArguments()) {
      desc.args.push_back(describe(arg.getType()));
      if (desc.args.back().element == "i8" && holdsUnsignedBytes(arg))
        desc.args.back().element = "u8";
    }
    for (Type t : fn.getResultTypes())
      desc.results.push_back(describe(t));
    desc.dimGroups = computeDimGroups(fn);
    desc.indexBounds = computeIndexBounds(fn);
    impl->functions.push_back(std::move(desc));
  });
  if (failed(s.run(pipeline.empty() ? "quantc-cpu-pipeline" : pipeline))) {
    diagnostics = s.diag;
    return nullptr;
  }

  // Large int8 GEMMs run on an OpenMP team (GOMP_parallel): unless the
  // process already has an OpenMP runtime (libgomp, or libomp/libiomp5,
  // which export the GOMP ABI) or one is among `sharedLibs`, libgomp is
  // loaded for the JIT to resolve it.
  bool ompGiven = llvm::any_of(sharedLibs, [](const std::string &lib) {
    return StringRef(lib).contains("omp");
  });
  if (s.module->lookupSymbol("GOMP_parallel") && !ompGiven &&
      !llvm::sys::DynamicLibrary::SearchForAddressOfSymbol("GOMP_parallel")) {
    std::string err;
    if (llvm::sys::DynamicLibrary::LoadLibraryPermanently("libgomp.so.1",
                                                          &err)) {
      s.os << "error: the module runs GEMMs on an OpenMP team "
              "(GOMP_parallel), but libgomp.so.1 could not be loaded ("
           << err
           << "): install libgomp, pass an OpenMP runtime in shared_libs, "
              "or compile with the pipeline "
              "\"quantc-cpu-pipeline{vnni-parallel-min-macs=-1}\"\n";
      diagnostics = s.diag;
      return nullptr;
    }
  }

  // AMX tiles (cpu=amx kernels): Linux enables the tile state per process
  // on request; without it the first tile instruction faults.
  bool usesAmx = false;
  s.module->walk([&](LLVM::CallIntrinsicOp call) {
    usesAmx |= call.getIntrin().starts_with("llvm.x86.t");
  });
  if (usesAmx && !requestAmxTileState()) {
    s.os << "error: the module runs GEMMs on AMX tiles (cpu=amx), but this "
            "CPU has no AMX or Linux refused the tile state (arch_prctl "
            "ARCH_REQ_XCOMP_PERM XTILEDATA): compile with "
            "\"quantc-cpu-pipeline{cpu=vnni}\"\n";
    diagnostics = s.diag;
    return nullptr;
  }

  // The ExecutionEngine skips a library it cannot load and fails later (or
  // not at all): say which one, now.
  for (const std::string &lib : sharedLibs) {
    std::string err;
    llvm::sys::DynamicLibrary dl =
        llvm::sys::DynamicLibrary::getPermanentLibrary(lib.c_str(), &err);
    if (!dl.isValid()) {
      s.os << "error: cannot load shared library '" << lib << "': " << err
           << "\n";
      diagnostics = s.diag;
      return nullptr;
    }
  }
  ExecutionEngineOptions options;
  // Optimize for this machine (its vector width and ISA): without a target
  // machine LLVM's vectorizers assume a generic target and leave the code
  // outside the hand-written kernels scalar.
  auto tmBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!tmBuilder) {
    s.os << "error: cannot describe the host CPU for the JIT: "
         << llvm::toString(tmBuilder.takeError()) << "\n";
    diagnostics = s.diag;
    return nullptr;
  }
  tmBuilder->setCodeGenOptLevel(
      static_cast<llvm::CodeGenOptLevel>(std::min<unsigned>(optLevel, 3)));
  auto targetMachine = tmBuilder->createTargetMachine();
  if (!targetMachine) {
    s.os << "error: cannot create a target machine for the JIT: "
         << llvm::toString(targetMachine.takeError()) << "\n";
    diagnostics = s.diag;
    return nullptr;
  }
  auto transformer = makeOptimizingTransformer(optLevel, /*sizeLevel=*/0,
                                               targetMachine->get());
  options.transformer = transformer;
  options.jitCodeGenOptLevel =
      static_cast<llvm::CodeGenOptLevel>(std::min<unsigned>(optLevel, 3));
  llvm::SmallVector<StringRef> libs(sharedLibs.begin(), sharedLibs.end());
  options.sharedLibPaths = libs;
  auto engine = ExecutionEngine::create(s.module.get(), options);
  if (!engine) {
    s.os << "error: JIT compilation failed: "
         << llvm::toString(engine.takeError());
    diagnostics = s.diag;
    return nullptr;
  }
  impl->engine = std::move(*engine);
  // memref.copy between strided memrefs calls memrefCopy (upstream's is in
  // libmlir_c_runner_utils, which nothing here loads): quantc's own.
  impl->engine->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    symbols[interner("memrefCopy")] = {
        llvm::orc::ExecutorAddr::fromPtr(&memrefCopy),
        llvm::JITSymbolFlags::Exported};
    return symbols;
  });
  impl->engine->initialize();
  // The code's temporaries stay mapped between calls.
  quantc::configureAllocator();
  describeLoadTimeState(*s.module, *impl);
  if (!impl->params.empty()) {
    auto prepare = impl->engine->lookup(quantc::kPrepareName);
    if (!prepare) {
      s.os << "error: the module has parameters but no " << quantc::kPrepareName
           << ": " << llvm::toString(prepare.takeError()) << "\n";
      diagnostics = s.diag;
      return nullptr;
    }
    impl->prepare = reinterpret_cast<void (*)(void **)>(*prepare);
  }
  for (StateDesc &sd : impl->state) {
    auto address = impl->engine->lookup(sd.symbol);
    if (!address) {
      s.os << "error: no state global " << sd.symbol
           << " in the JIT: " << llvm::toString(address.takeError()) << "\n";
      diagnostics = s.diag;
      return nullptr;
    }
    sd.address = *address;
  }
  diagnostics = s.diag;
  keepForSave(*impl, s, optLevel, sharedLibs);
  return impl;
}

JitModule::PackedFn JitModule::lookupPacked(const std::string &name,
                                            std::string &diagnostics) const {
  auto fn = impl->engine->lookupPacked(name);
  if (!fn) {
    diagnostics = "error: " + llvm::toString(fn.takeError());
    return nullptr;
  }
  return *fn;
}
