//===- Facade.cpp - string-in/string-out entry points for bindings --------===//
#include "quantc/Facade/Facade.h"
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
#include <link.h>
#include <map>
#include <set>

using namespace mlir;
using namespace quantc::facade;

/// Splits a pipeline at top-level commas: commas inside (...), {...} or
/// quotes belong to nested pipelines and options.
static std::vector<std::string> splitTopLevel(const std::string &pipeline) {
  std::vector<std::string> elements(1);
  int depth = 0;
  char quote = 0;
  for (char c : pipeline) {
    if (quote) {
      if (c == quote)
        quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '(' || c == '{') {
      ++depth;
    } else if (c == ')' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 0) {
      elements.emplace_back();
      continue;
    }
    elements.back() += c;
  }
  return elements;
}

namespace {
/// A context with quantc, everything its pipelines need, and the LLVM IR
/// translations the JIT uses. Single-threaded: the machines this runs on in
/// tests are small and results must not depend on scheduling.
std::unique_ptr<MLIRContext> makeContext() {
  DialectRegistry registry;
  quantc::registerAllDialects(registry);
  registerAllToLLVMIRTranslations(registry);
  quantc::registerAllPasses();
  return std::make_unique<MLIRContext>(registry,
                                       MLIRContext::Threading::DISABLED);
}

/// Pass::canScheduleOn is protected; naming it through a derived class is
/// the standard way to ask a pass where it can run.
struct PassAccess : Pass {
  static bool canSchedule(const Pass &pass, RegisteredOperationName op) {
    auto fn = static_cast<bool (Pass::*)(RegisteredOperationName) const>(
        &PassAccess::canScheduleOn);
    return (pass.*fn)(op);
  }
};

/// Whether every pass of the pipeline `element` can run on `anchor` ops.
bool fitsOn(MLIRContext *ctx, StringRef element, StringRef anchor) {
  std::optional<RegisteredOperationName> op =
      RegisteredOperationName::lookup(anchor, ctx);
  OpPassManager pm(anchor, OpPassManager::Nesting::Explicit);
  if (!op || failed(parsePassPipeline(element, pm, llvm::nulls())))
    return false;
  return llvm::all_of(pm.getPasses(), [&](const Pass &pass) {
    return PassAccess::canSchedule(pass, *op);
  });
}

/// Nests each top-level element of a normalized pipeline where it anchors:
/// on the module if it can run there, else on every func.func.
std::string nestPipeline(MLIRContext *ctx, const std::string &pipeline) {
  std::string out;
  for (const std::string &element : splitTopLevel(pipeline)) {
    StringRef e = StringRef(element).trim();
    size_t open = e.find('(');
    bool anchored =
        open != StringRef::npos && e.ends_with(")") && e.find('{') > open;
    std::string text = e.str();
    if (!anchored && !fitsOn(ctx, e, ModuleOp::getOperationName()) &&
        fitsOn(ctx, e, func::FuncOp::getOperationName()))
      text = "func.func(" + text + ")";
    if (!out.empty())
      out += ",";
    out += text;
  }
  return out;
}

/// Parses `ir` and runs `pipeline` on it, reporting every diagnostic (with
/// the source line) to `diag`.
/// A session may share the context of another (a ModuleHandle's, whose
/// weight blobs its module uses).
struct Session {
  std::shared_ptr<MLIRContext> ctx;
  std::string diag;
  llvm::raw_string_ostream os{diag};
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler{sourceMgr, ctx.get(), os};
  OwningOpRef<ModuleOp> module;

  explicit Session(std::shared_ptr<MLIRContext> context = makeContext())
      : ctx(std::move(context)) {}

  LogicalResult parse(const std::string &ir) {
    // NUL bytes (MLIR's lexer would silently parse the text's prefix) and
    // inputs MLIR 22's parser crashes on; quantc-opt refuses them the same
    // way.
    std::string bad = quantc::screenInput(ir);
    if (!bad.empty()) {
      os << "<input>:" << bad << "\n";
      return failure();
    }
    sourceMgr.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(ir, "<input>"), llvm::SMLoc());
    module = parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(ctx.get()));
    return success(static_cast<bool>(module));
  }

  LogicalResult run(const std::string &pipeline) {
    std::string text = normalizePipeline(pipeline);
    StringRef inner = StringRef(text).trim();
    // A fully anchored "builtin.module(...)" pipeline is accepted as well.
    if (inner.consume_front("builtin.module(") && inner.consume_back(")"))
      text = inner.str();
    ctx->getOrLoadDialect<func::FuncDialect>();
    text = nestPipeline(ctx.get(), text);
    PassManager pm(ctx.get(), ModuleOp::getOperationName());
    std::string err;
    llvm::raw_string_ostream es(err);
    if (failed(parsePassPipeline(text, pm, es))) {
      os << "error: invalid pass pipeline '" << pipeline << "': " << err;
      return failure();
    }
    if (failed(pm.run(*module))) {
      if (diag.empty())
        os << "error: pass pipeline '" << pipeline << "' failed";
      return failure();
    }
    return success();
  }
};

std::string typeString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  type.print(os);
  return s;
}

TypeDesc describe(Type type) {
  TypeDesc desc;
  if (auto shaped = dyn_cast<ShapedType>(type)) {
    desc.shaped = true;
    if (!shaped.hasRank() ||
        (isa<MemRefType>(type) &&
         !cast<MemRefType>(type).getLayout().isIdentity())) {
      desc.element = "unsupported:" + typeString(type);
      return desc;
    }
    for (int64_t d : shaped.getShape())
      desc.shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
    type = shaped.getElementType();
  }
  if (type.isF32())
    desc.element = "f32";
  else if (type.isF64())
    desc.element = "f64";
  else if (type.isF16())
    desc.element = "f16";
  else if (type.isIndex())
    desc.element = "index";
  else if (type.isSignlessInteger(1) || type.isSignlessInteger(8) ||
           type.isSignlessInteger(16) || type.isSignlessInteger(32) ||
           type.isSignlessInteger(64))
    desc.element = "i" + std::to_string(type.getIntOrFloatBitWidth());
  else
    desc.element = "unsupported:" + typeString(type);
  return desc;
}
} // namespace

std::string quantc::facade::normalizePipeline(const std::string &pipeline) {
  std::string out;
  for (const std::string &element : splitTopLevel(pipeline)) {
    StringRef e = StringRef(element).trim().ltrim('-');
    if (e.empty())
      continue;
    // Command-line option syntax: name=value or name="a=1 b=2".
    size_t eq = e.find('='), open = e.find_first_of("{(");
    std::string text = e.str();
    if (eq != StringRef::npos && (open == StringRef::npos || eq < open)) {
      StringRef value = e.drop_front(eq + 1).trim();
      if (value.size() >= 2 &&
          (value.front() == '"' || value.front() == '\'') &&
          value.back() == value.front())
        value = value.drop_front().drop_back();
      text = (e.take_front(eq) + "{" + value + "}").str();
    }
    if (!out.empty())
      out += ",";
    out += text;
  }
  return out;
}

Result quantc::facade::runPipeline(const std::string &ir,
                                   const std::string &pipeline) {
  Result result;
  Session s;
  if (succeeded(s.parse(ir)) && succeeded(s.run(pipeline))) {
    llvm::raw_string_ostream out(result.output);
    s.module->print(out);
    result.ok = true;
  }
  result.diagnostics = s.diag;
  return result;
}

//===----------------------------------------------------------------------===//
// ModuleHandle
//===----------------------------------------------------------------------===//

struct ModuleHandle::Impl {
  Session session;
};

ModuleHandle::ModuleHandle(std::unique_ptr<Impl> impl)
    : impl(std::move(impl)) {}
ModuleHandle::~ModuleHandle() = default;

/// The resource attributes `op` holds directly (a constant's value, a
/// global's initializer).
static SmallVector<DenseResourceElementsAttr> resourceAttrs(Operation *op) {
  SmallVector<DenseResourceElementsAttr> out;
  for (NamedAttribute a : op->getAttrs())
    if (auto r = dyn_cast<DenseResourceElementsAttr>(a.getValue()))
      out.push_back(r);
  return out;
}

/// The keys of the resources `module` references.
static llvm::StringSet<> referencedResources(Operation *module) {
  llvm::StringSet<> keys;
  module->walk([&](Operation *op) {
    for (DenseResourceElementsAttr r : resourceAttrs(op))
      keys.insert(r.getRawHandle().getKey());
  });
  return keys;
}

/// Frees the bytes of the blobs named in `candidates` that are not in
/// `live`. The blob manager keeps every entry until the context dies: a
/// weight replaced by a pass (the float weight once quantized, the [K, N]
/// int8 weight once transposed, packed weights once JIT-compiled) would
/// otherwise stay in memory. A freed entry holds an empty blob, which the
/// readers report as a size mismatch, never read out of bounds.
static void releaseDeadBlobs(MLIRContext *ctx,
                             const llvm::StringSet<> &candidates,
                             const llvm::StringSet<> &live) {
  DialectResourceBlobManager &manager =
      DenseResourceElementsHandle::getManagerInterface(ctx).getBlobManager();
  for (const auto &key : candidates)
    if (!live.contains(key.getKey()))
      if (auto *entry = manager.lookup(key.getKey());
          entry && entry->getBlob() && !entry->getBlob()->getData().empty())
        manager.update(key.getKey(), AsmResourceBlob());
}

std::unique_ptr<ModuleHandle> ModuleHandle::parse(const std::string &ir,
                                                  std::vector<Blob> blobs,
                                                  std::string &diagnostics) {
  auto impl = std::make_unique<Impl>();
  Session &s = impl->session;
  auto releaseAll = [&] {
    for (Blob &b : blobs)
      if (b.release)
        std::exchange(b.release, nullptr)();
  };
  if (failed(s.parse(ir))) {
    releaseAll();
    diagnostics = s.diag;
    return nullptr;
  }
  DialectResourceBlobManager &manager =
      DenseResourceElementsHandle::getManagerInterface(s.ctx.get())
          .getBlobManager();
  // The parser declared an entry (without bytes, the text has no
  // dialect_resources section for them) for every name the IR uses; the
  // bytes are bound to it in place.
  for (Blob &b : blobs) {
    if (!manager.lookup(b.name))
      continue;
    std::function<void()> release = std::exchange(b.release, nullptr);
    AsmResourceBlob blob(
        ArrayRef<char>(b.data, b.size), b.alignment,
        [release = std::move(release)](void *, size_t, size_t) {
          if (release)
            release();
        },
        /*dataIsMutable=*/false);
    manager.update(b.name, std::move(blob));
  }
  releaseAll();
  bool missing = false;
  s.module->walk([&](Operation *op) {
    for (DenseResourceElementsAttr r : resourceAttrs(op))
      if (!r.getRawHandle().getBlob()) {
        op->emitError("dense_resource<")
            << r.getRawHandle().getKey()
            << "> has no data: no parameter of that name was given and the "
               "text has no dialect_resources entry for it";
        missing = true;
      }
  });
  if (missing) {
    diagnostics = s.diag;
    return nullptr;
  }
  diagnostics = s.diag;
  return std::unique_ptr<ModuleHandle>(new ModuleHandle(std::move(impl)));
}

Result ModuleHandle::run(const std::string &pipeline) {
  Session &s = impl->session;
  s.diag.clear();
  llvm::StringSet<> before = referencedResources(*s.module);
  Result r;
  r.ok = succeeded(s.run(pipeline));
  r.diagnostics = s.diag;
  if (r.ok)
    releaseDeadBlobs(s.ctx.get(), before, referencedResources(*s.module));
  return r;
}

std::string ModuleHandle::print(int64_t elideResourcesOver) const {
  std::string out;
  llvm::raw_string_ostream os(out);
  OpPrintingFlags flags;
  if (elideResourcesOver >= 0)
    flags.elideLargeResourceString(elideResourcesOver);
  impl->session.module->print(os, flags);
  // Every blob elided leaves an empty resource section: drop it.
  StringRef text(out);
  StringRef body = text.rtrim();
  if (body.consume_back("#-}") && body.rtrim().ends_with("{-#")) {
    body = body.rtrim();
    body.consume_back("{-#");
    return body.rtrim().str() + "\n";
  }
  return out;
}

void ModuleHandle::setKeepFloat(const std::vector<std::string> &layers,
                                bool keep) {
  llvm::StringSet<> names;
  for (const std::string &l : layers)
    names.insert(l);
  impl->session.module->walk([&](Operation *op) {
    auto layer = op->getAttrOfType<StringAttr>("quantc.layer");
    if (!layer || !names.contains(layer.getValue()))
      return;
    if (keep)
      op->setAttr("quantc.keep_float", UnitAttr::get(op->getContext()));
    else
      op->removeAttr("quantc.keep_float");
  });
}

std::vector<std::pair<std::string, size_t>> ModuleHandle::resources() const {
  std::vector<std::pair<std::string, size_t>> out;
  llvm::StringSet<> seen;
  impl->session.module->walk([&](Operation *op) {
    for (DenseResourceElementsAttr r : resourceAttrs(op)) {
      DenseResourceElementsHandle h = r.getRawHandle();
      if (seen.insert(h.getKey()).second)
        out.emplace_back(h.getKey().str(),
                         h.getBlob() ? h.getBlob()->getData().size() : 0);
    }
  });
  return out;
}

//===----------------------------------------------------------------------===//
// JitModule
//===----------------------------------------------------------------------===//

/// What JitModule::save needs after the JIT compiled the module: the
/// lowered (LLVM dialect) module in its context and the JIT's options.
struct SaveSource {
  std::shared_ptr<MLIRContext> ctx;
  OwningOpRef<ModuleOp> lowered;
  unsigned optLevel = 3;
  std::vector<std::string> sharedLibs;
};

struct JitModule::Impl {
  std::unique_ptr<ExecutionEngine> engine;
  std::vector<FunctionDesc> functions;
  SaveSource saveSource;
  std::vector<ParamDesc> params;
  std::vector<StateDesc> state;
  /// void __quantc_prepare(void **params); null without parameters.
  void (*prepare)(void **) = nullptr;
};

/// Keeps the lowered module of `s` in `impl` for JitModule::save (defined
/// with it at the end of the file).
static void keepForSave(JitModule::Impl &impl, Session &s, unsigned optLevel,
                        const std::vector<std::string> &sharedLibs);

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
      p.bytes = size_t(t.getNumElements()) *
                (t.getElementType().getIntOrFloatBitWidth() / 8);
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
    for (Type t : fn.getArgumentTypes())
      desc.args.push_back(describe(t));
    for (Type t : fn.getResultTypes())
      desc.results.push_back(describe(t));
    desc.dimGroups = computeDimGroups(fn);
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
  impl->engine->initialize();
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

//===----------------------------------------------------------------------===//
// JitModule::save: the compiled module as an artifact for libquantc_runtime
//===----------------------------------------------------------------------===//

static void keepForSave(JitModule::Impl &impl, Session &s, unsigned optLevel,
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
  dl_iterate_phdr(
      [](struct dl_phdr_info *info, size_t, void *data) {
        if (info->dlpi_name && info->dlpi_name[0])
          static_cast<std::vector<std::string> *>(data)->push_back(
              info->dlpi_name);
        return 0;
      },
      &libraries);
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
    auto type = [&](const TypeDesc &t) {
      j.object([&] {
        j.attribute("shaped", t.shaped);
        j.attribute("element", t.element);
        j.attributeArray("shape", [&] {
          for (int64_t d : t.shape)
            j.value(d);
        });
      });
    };
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
      j.attributeArray("functions", [&] {
        for (const FunctionDesc &f : impl->functions) {
          // Loading fills the state from state.bin and never prepares it.
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
                });
            });
          });
        }
      });
      // The parameters the state was prepared from (JitModule::params(),
      // per the load-time state contract); informational: loading never
      // runs __quantc_prepare.
      j.attributeArray("params", [&] {
        for (const ParamDesc &p : impl->params)
          j.object([&] {
            j.attribute("name", p.name);
            j.attribute("element", p.element);
            j.attributeArray("shape", [&] {
              for (int64_t d : p.shape)
                j.value(d);
            });
            j.attribute("bytes", static_cast<int64_t>(p.bytes));
          });
      });
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
