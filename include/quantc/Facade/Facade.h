//===- Facade.h - string-in/string-out API for bindings ---------*- C++ -*-===//
//
// The small C++ surface the Python module wraps (Triton's model): IR goes in
// and out as text, diagnostics come back as text, and compiled functions are
// called through MLIR's packed calling convention with raw pointers. A model's
// weights do not go through text: a ModuleHandle keeps the module in C++ with
// the weights bound as dense_resource blobs. Nothing here throws (LLVM code is
// built without exceptions); failures are values.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_FACADE_FACADE_H
#define QUANTC_FACADE_FACADE_H

#include <cstddef>
#include <cstdint>
#include <functional>
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
/// pairs, and the static size they must have (-1: any, but the same); a
/// dynamic size must also lie in [min, max] (max -1: unbounded), the range
/// the function's slices of static buffers allow (a causal mask sliced to
/// the token count, a fixed-size slice of the token dimension).
struct DimGroup {
  std::vector<std::pair<unsigned, unsigned>> members;
  int64_t size = -1;
  int64_t min = 0;
  int64_t max = -1;
};

/// An integer tensor argument whose elements index a dimension of `size`
/// elements (an embedding's token ids): a call keeps each in [0, size).
struct IndexBound {
  unsigned arg = 0;
  int64_t size = 0;
};

struct FunctionDesc {
  std::string name;
  std::vector<TypeDesc> args;
  std::vector<TypeDesc> results;
  /// Relations between dynamic argument sizes that a call must satisfy.
  std::vector<DimGroup> dimGroups;
  /// Arguments used as indices, which a call must keep in range.
  std::vector<IndexBound> indexBounds;
};

/// A parameter of a module compiled with weights bound at load time
/// (`quantc-cpu-pipeline{weights=load}`): `params[i]` of
/// `__quantc_prepare(void **params)` points to its `bytes` row-major bytes
/// of `element` ("i8", "f32", "f16", "bf16", ...) in `shape`.
struct ParamDesc {
  std::string name;
  std::string element;
  std::vector<int64_t> shape;
  size_t bytes = 0;
};

/// A load-time state global `__quantc_state_<k>` (packed weights, raw
/// copies), which `__quantc_prepare` fills: its symbol, size and address in
/// the JIT-compiled code.
struct StateDesc {
  std::string symbol;
  size_t bytes = 0;
  void *address = nullptr;
};

/// Bytes bound to `dense_resource<name>` constants when a module is parsed:
/// a model's weights, kept out of the text. The bytes are used in place
/// (row-major, the element type's storage) until `release` is called, when
/// MLIR no longer needs them.
struct Blob {
  std::string name;
  const char *data = nullptr;
  size_t size = 0;
  /// Alignment of `data` (a power of two).
  size_t alignment = 1;
  std::function<void()> release;
};

/// A module kept in C++ between compilation steps, with its weights as
/// resource blobs: only the program goes through text, never the weights.
class ModuleHandle {
public:
  /// Parses `ir` and binds `blobs` to the `dense_resource` entries of the
  /// same names. Fails (null, `diagnostics` filled) on a parse error or when
  /// a constant refers to a resource that has no bytes after binding. Blobs
  /// whose name the IR does not use are released unused.
  static std::unique_ptr<ModuleHandle> parse(const std::string &ir,
                                             std::vector<Blob> blobs,
                                             std::string &diagnostics);
  ~ModuleHandle();

  /// Runs `pipeline` (see runPipeline) on the module in place. `output` is
  /// empty; `diagnostics` holds this run's remarks, warnings and errors.
  Result run(const std::string &pipeline);

  /// The module as text. With `elideResourcesOver` >= 0, resource blobs
  /// larger than that many bytes are printed elided (the text cannot be
  /// parsed back with their values); -1 prints every blob in full.
  std::string print(int64_t elideResourcesOver) const;

  /// Adds (`keep`) or removes the unit attribute `quantc.keep_float` on every
  /// operation whose `quantc.layer` is one of `layers`.
  void setKeepFloat(const std::vector<std::string> &layers, bool keep);

  /// The names and sizes in bytes of the resource blobs the module uses.
  std::vector<std::pair<std::string, size_t>> resources() const;

  /// The bytes of the resource blob `name` (empty when the module has no
  /// such blob), valid while the module lives and no pass replaces it.
  std::pair<const char *, size_t> blob(const std::string &name) const;

  /// One function of a module given to `merge`: `module`'s function `from`
  /// becomes `to` in the merged module.
  struct MergePart {
    const ModuleHandle *module = nullptr;
    std::string from;
    std::string to;
  };

  /// A new module holding the functions of every part (in a fresh context;
  /// the parts are unchanged), with each part's `from` renamed to `to`.
  /// Resource blobs with identical bytes and type are bound once: a weight
  /// that several parts read is one blob (and, with weights bound at load
  /// time, one parameter). Fails (null, `diagnostics` filled) when a part has
  /// no function `from`, two parts define the same symbol, or their module
  /// attributes disagree.
  static std::unique_ptr<ModuleHandle>
  merge(const std::vector<MergePart> &parts, std::string &diagnostics);

private:
  friend class JitModule;
  struct Impl;
  explicit ModuleHandle(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
};

/// A module lowered to LLVM and JIT-compiled for the host CPU.
class JitModule {
public:
  /// Lowers a copy of `module` (sharing its weight blobs) with `pipeline`
  /// and JIT-compiles it, as `create` does for text.
  static std::unique_ptr<JitModule>
  create(const ModuleHandle &module, const std::string &pipeline,
         unsigned optLevel, const std::vector<std::string> &sharedLibs,
         std::string &diagnostics);

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

  /// The entry point of `name` in MLIR's packed interface, looked up once so
  /// that callers call it without a symbol lookup per call: it takes one
  /// pointer per LLVM-level argument (a memref descriptor of rank r,
  /// {allocated, aligned, offset, sizes[r], strides[r]}, expands to 3 + 2r
  /// 64-bit words; a scalar is one), then the address of the return storage
  /// (the LLVM struct of all results) when there are results. Null with
  /// `diagnostics` filled when there is none. Valid while this module lives.
  using PackedFn = void (*)(void **);
  PackedFn lookupPacked(const std::string &name,
                        std::string &diagnostics) const;

  /// Writes the compiled module as an artifact into `directory` (created if
  /// needed; docs/EMBEDDING.md): code.so, the module re-optimized as the JIT
  /// did and compiled for the host CPU as a shared library (ld.lld), with
  /// the packed entry points `_mlir_<name>`; state.bin, the current bytes of
  /// the `__quantc_state_<k>` globals; manifest.json, the signatures, the
  /// CPU features and the state's layout. Fails (`ok == false`, an error in
  /// `diagnostics`) when the code would need LLVM or MLIR at run time, a
  /// symbol no loaded library defines, or the files cannot be written.
  Result save(const std::string &directory) const;

  /// The parameters in index order (empty unless compiled with weights
  /// bound at load time).
  const std::vector<ParamDesc> &params() const;

  /// The state globals in k order.
  const std::vector<StateDesc> &state() const;

  /// Calls `__quantc_prepare` with `data[i]` the bytes of parameter i (in
  /// index order, params()[i].bytes each, row-major; the caller checks the
  /// sizes): fills the state, after which `data` is no longer needed. A
  /// module without parameters needs none. Returns false with
  /// `diagnostics` when `data` has the wrong count.
  bool bindParams(const std::vector<const void *> &data,
                  std::string &diagnostics) const;

  /// The compiled engine and signatures (opaque outside Facade.cpp).
  struct Impl;

private:
  explicit JitModule(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
};

} // namespace quantc::facade

#endif // QUANTC_FACADE_FACADE_H
