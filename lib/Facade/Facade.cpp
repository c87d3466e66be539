//===- Facade.cpp - pipelines on text, modules kept in C++ ----------------===//
//
// runPipeline, normalizePipeline, the Session every entry point parses and
// runs in, and ModuleHandle (a module kept in C++ with its weights as
// resource blobs). JitModule is in JitModule.cpp, JitModule::save in
// SaveArtifact.cpp.
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
using namespace quantc::facade::detail;

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

std::string typeString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  type.print(os);
  return s;
}

} // namespace

TypeDesc quantc::facade::detail::describe(Type type) {
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

/// A context with quantc, everything its pipelines need, and the LLVM IR
/// translations the JIT uses. Single-threaded: the machines this runs on in
/// tests are small and results must not depend on scheduling.
std::unique_ptr<MLIRContext> quantc::facade::detail::makeContext() {
  DialectRegistry registry;
  quantc::registerAllDialects(registry);
  registerAllToLLVMIRTranslations(registry);
  quantc::registerAllPasses();
  return std::make_unique<MLIRContext>(registry,
                                       MLIRContext::Threading::DISABLED);
}

LogicalResult Session::parse(const std::string &ir) {
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

LogicalResult Session::run(const std::string &pipeline) {
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
llvm::StringSet<>
quantc::facade::detail::referencedResources(Operation *module) {
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
void quantc::facade::detail::releaseDeadBlobs(
    MLIRContext *ctx, const llvm::StringSet<> &candidates,
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

std::pair<const char *, size_t>
ModuleHandle::blob(const std::string &name) const {
  DialectResourceBlobManager &manager =
      DenseResourceElementsHandle::getManagerInterface(impl->session.ctx.get())
          .getBlobManager();
  auto *entry = manager.lookup(name);
  if (!entry || !entry->getBlob())
    return {nullptr, 0};
  ArrayRef<char> data = entry->getBlob()->getData();
  return {data.data(), data.size()};
}
