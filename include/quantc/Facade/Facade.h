//===- Facade.h - string-in/string-out API for bindings ---------*- C++ -*-===//
//
// The small C++ surface the Python module wraps (Triton's model): IR goes in
// and out as text, diagnostics come back as text, and compiled functions are
// called through MLIR's packed calling convention with raw pointers. Nothing
// here throws (LLVM code is built without exceptions); failures are values.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_FACADE_FACADE_H
#define QUANTC_FACADE_FACADE_H

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace quantc::facade {

/// Output of a compilation step: the printed IR, or the diagnostics.
struct Result {
  bool ok = false;
  std::string output;
  std::string diagnostics;
};

/// Rewrites a pipeline written as on the quantc-opt command line, without
/// dashes and comma separated
/// ("quantc-import-quant,quantc-smoothquant=alpha=0.5") into MLIR's textual
/// form ("quantc-import-quant,quantc-smoothquant{alpha=0.5}"). Elements already
/// in textual form pass through unchanged.
std::string normalizePipeline(const std::string &pipeline);

/// Parses `ir`, runs `pipeline` (see normalizePipeline) on the module and
/// prints the result. Passes anchored on nested operations (func.func) are
/// nested implicitly. Parse errors, unknown passes and pass failures give
/// `ok == false` with every diagnostic (with source lines) in `diagnostics`.
Result runPipeline(const std::string &ir, const std::string &pipeline);

/// A function argument or result: a tensor/memref (rank >= 0, `shape` with -1
/// for dynamic sizes) or a scalar (`shaped == false`). `element` is "f32",
/// "f64", "f16", "i1", "i8", "i16", "i32", "i64" or "index"; anything else is
/// "unsupported:<type>".
struct TypeDesc {
  bool shaped = false;
  std::string element;
  std::vector<int64_t> shape;
};

/// Argument dimensions that must be equal at run time: (argument, dimension)
/// pairs, and the static size they must have (-1: any, but the same).
struct DimGroup {
  std::vector<std::pair<unsigned, unsigned>> members;
  int64_t size = -1;
};

struct FunctionDesc {
  std::string name;
  std::vector<TypeDesc> args;
  std::vector<TypeDesc> results;
  /// Relations between dynamic argument sizes that a call must satisfy.
  std::vector<DimGroup> dimGroups;
};

/// A module lowered to LLVM and JIT-compiled for the host CPU.
class JitModule {
public:
  /// Lowers `ir` with `pipeline` (default: quantc-cpu-pipeline) and
  /// JIT-compiles it at `optLevel`. `sharedLibs` are loaded for external
  /// symbols (e.g. libmlir_c_runner_utils.so). On failure returns null and
  /// fills `diagnostics`.
  static std::unique_ptr<JitModule>
  create(const std::string &ir, const std::string &pipeline, unsigned optLevel,
         const std::vector<std::string> &sharedLibs, std::string &diagnostics);
  ~JitModule();

  /// Public functions with bodies, with their tensor-level signatures.
  const std::vector<FunctionDesc> &functions() const;

  /// Calls `name` through MLIR's packed interface. `args[i]` is the address
  /// of argument i: for a shaped argument of rank r, a memref descriptor of
  /// 3 + 2r 64-bit words {allocated, aligned, offset, sizes[r], strides[r]};
  /// for a scalar, the value. `result` is the address of the return storage
  /// (the LLVM struct of all results; unused when there are none).
  Result invoke(const std::string &name, const std::vector<uintptr_t> &args,
                uintptr_t result) const;

private:
  struct Impl;
  explicit JitModule(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
};

} // namespace quantc::facade

#endif // QUANTC_FACADE_FACADE_H
