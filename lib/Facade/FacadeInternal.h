//===- FacadeInternal.h - what the Facade's files share ---------*- C++ -*-===//
//
// Private to lib/Facade: the parse-and-run Session, the Impl structs of the
// public classes, and the helpers Facade.cpp, JitModule.cpp and
// SaveArtifact.cpp share.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_FACADE_FACADEINTERNAL_H
#define QUANTC_LIB_FACADE_FACADEINTERNAL_H

#include "quantc/Facade/Facade.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>
#include <vector>

namespace quantc::facade {
namespace detail {
using mlir::MLIRContext;
using mlir::ModuleOp;
using mlir::OwningOpRef;
using mlir::SourceMgrDiagnosticHandler;

/// A context with quantc, everything its pipelines need, and the LLVM IR
/// translations the JIT uses. Single-threaded: the machines this runs on in
/// tests are small and results must not depend on scheduling.
std::unique_ptr<MLIRContext> makeContext();

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

  /// Parses `ir` into `module` (screened as quantc-opt screens its input).
  mlir::LogicalResult parse(const std::string &ir);
  /// Runs `pipeline` (normalizePipeline, nested implicitly) on `module`.
  mlir::LogicalResult run(const std::string &pipeline);
};

/// The argument/result description of `type` (TypeDesc).
TypeDesc describe(mlir::Type type);

/// The keys of the resources `module` references.
llvm::StringSet<> referencedResources(mlir::Operation *module);

/// Frees the bytes of the blobs named in `candidates` that are not in
/// `live` (see Facade.cpp).
void releaseDeadBlobs(MLIRContext *ctx, const llvm::StringSet<> &candidates,
                      const llvm::StringSet<> &live);

/// What JitModule::save needs after the JIT compiled the module: the
/// lowered (LLVM dialect) module in its context and the JIT's options.
struct SaveSource {
  std::shared_ptr<MLIRContext> ctx;
  OwningOpRef<ModuleOp> lowered;
  unsigned optLevel = 3;
  std::vector<std::string> sharedLibs;
};
} // namespace detail

struct ModuleHandle::Impl {
  detail::Session session;
};

struct JitModule::Impl {
  std::unique_ptr<mlir::ExecutionEngine> engine;
  std::vector<FunctionDesc> functions;
  detail::SaveSource saveSource;
  std::vector<ParamDesc> params;
  std::vector<StateDesc> state;
  /// void __quantc_prepare(void **params); null without parameters.
  void (*prepare)(void **) = nullptr;
};

namespace detail {
/// Keeps the lowered module of `s` in `impl` for JitModule::save
/// (SaveArtifact.cpp).
void keepForSave(JitModule::Impl &impl, Session &s, unsigned optLevel,
                 const std::vector<std::string> &sharedLibs);
} // namespace detail
} // namespace quantc::facade

#endif // QUANTC_LIB_FACADE_FACADEINTERNAL_H
