//===- Runtime.cpp - load and call saved quantc artifacts -----------------===//
//
// The C API of include/quantc/Runtime/quantc_runtime.h: reads an artifact's
// manifest, checks the CPU, dlopens its code, fills the state globals from
// state.bin and hands out the packed entry points. Links only the C and C++
// libraries (and libdl).
//
//===----------------------------------------------------------------------===//
#include "quantc/Runtime/Allocator.h"
#include "quantc/Runtime/IndexBounds.h"
#include "quantc/Runtime/LoadedObjects.h"
#include "quantc/Runtime/quantc_runtime.h"

#include "CodeChecks.h"
#include "CpuFeatures.h"
#include "Json.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <iterator>
#include <link.h>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <sys/stat.h>
#include <vector>

#define QUANTC_RT_API extern "C" __attribute__((visibility("default")))

using namespace quantc::runtime;

namespace {
thread_local std::string lastError;

/// Sets the error message and returns `value`.
template <typename T> T failWith(const std::string &message, T value) {
  lastError = message;
  return value;
}

struct TypeRecord {
  std::string element;
  std::vector<int64_t> shape;
  quantc_type view;
};

struct DimGroupRecord {
  std::vector<int> members; // (argument, dimension) pairs, flattened
  int64_t size = -1;
  int64_t min = 0, max = -1; // the range of a dynamic size
};

/// An integer tensor argument whose elements index a table of `size` rows.
struct IndexBoundRecord {
  int arg = 0;
  int64_t size = 0;
};
} // namespace

struct quantc_function {
  std::string name;
  std::vector<std::unique_ptr<TypeRecord>> args, results;
  std::vector<DimGroupRecord> groups;
  std::vector<IndexBoundRecord> indexBounds;
  quantc_packed_fn entry = nullptr;
  int packedSize = 0;
};

struct quantc_artifact {
  void *handle = nullptr;
  std::string triple;
  std::vector<std::string> features;
  /// The manifest's "params" (weights bound at load time), index order.
  struct Param {
    std::string name, element;
    std::vector<int64_t> shape;
    int64_t bytes = 0;
  };
  std::vector<Param> params;
  /// void __quantc_prepare(void **params); null without parameters.
  void (*prepare)(void **) = nullptr;
  /// The state globals (symbol, bytes) in the manifest's order.
  std::vector<std::pair<std::string, int64_t>> state;
  std::vector<std::unique_ptr<quantc_function>> functions;
  ~quantc_artifact() {
    if (handle)
      dlclose(handle);
  }
};

namespace {
bool readFile(const std::string &path, std::string &out) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return false;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0)
    out.append(buffer, n);
  bool ok = !std::ferror(f);
  std::fclose(f);
  return ok;
}

const char *kElements[] = {"f16", "f32", "f64", "i1",  "i8",
                           "u8",  "i16", "i32", "i64", "index"};

/// Element types an index argument can have.
bool isIndexElement(const std::string &e) {
  return e == "i8" || e == "u8" || e == "i16" || e == "i32" || e == "i64" ||
         e == "index";
}

/// A manifest type {"shaped": bool, "element": str, "shape": [int]}.
bool readType(const JsonValue &v, TypeRecord &t, std::string &error) {
  const JsonValue *shaped = v.get("shaped"), *element = v.get("element"),
                  *shape = v.get("shape");
  if (!shaped || shaped->kind != JsonValue::Bool || !isString(element) ||
      !isArray(shape)) {
    error = "a type needs 'shaped', 'element' and 'shape'";
    return false;
  }
  t.element = element->string;
  // "unsupported:<type>": a type no caller can pass (the Python side says
  // so when the function is called).
  if (std::find(std::begin(kElements), std::end(kElements), t.element) ==
          std::end(kElements) &&
      t.element.rfind("unsupported:", 0) != 0) {
    error = "unsupported element type '" + t.element + "'";
    return false;
  }
  for (const JsonValue &d : shape->array) {
    if (!isInt(&d) || d.integer < -1) {
      error = "invalid size in the shape of a type";
      return false;
    }
    t.shape.push_back(d.integer);
  }
  if (!shaped->boolean && !t.shape.empty()) {
    error = "a scalar type with a shape";
    return false;
  }
  t.view.shaped = shaped->boolean;
  t.view.element = t.element.c_str();
  t.view.rank = static_cast<int>(t.shape.size());
  t.view.shape = t.shape.data();
  return true;
}

/// The function record of manifest entry `v`, its entry point looked up in
/// `handle`.
std::unique_ptr<quantc_function> readFunction(const JsonValue &v, void *handle,
                                              std::string &error) {
  auto fn = std::make_unique<quantc_function>();
  const JsonValue *name = v.get("name"), *args = v.get("args"),
                  *results = v.get("results"), *groups = v.get("dim_groups");
  if (!isString(name) || !isArray(args) || !isArray(results) ||
      !isArray(groups)) {
    error = "a function needs 'name', 'args', 'results' and 'dim_groups'";
    return nullptr;
  }
  fn->name = name->string;
  if (fn->name.find('\0') != std::string::npos) {
    error = "a function name contains a NUL character";
    return nullptr;
  }
  for (auto [list, out] :
       {std::make_pair(args, &fn->args), std::make_pair(results, &fn->results)})
    for (const JsonValue &t : list->array) {
      out->push_back(std::make_unique<TypeRecord>());
      if (!readType(t, *out->back(), error)) {
        error = "@" + fn->name + ": " + error;
        return nullptr;
      }
    }
  for (const JsonValue &g : groups->array) {
    DimGroupRecord group;
    const JsonValue *members = g.get("members"), *size = g.get("size");
    if (!isArray(members) || !isInt(size)) {
      error = "@" + fn->name + ": a dim group needs 'members' and 'size'";
      return nullptr;
    }
    group.size = size->integer;
    // (Artifacts saved before ranges were recorded have none.)
    const JsonValue *min = g.get("min"), *max = g.get("max");
    if ((min && (!isInt(min) || min->integer < 0)) ||
        (max && (!isInt(max) || max->integer < -1 ||
                 (min && max->integer >= 0 && min->integer > max->integer)))) {
      error = "@" + fn->name + ": invalid dim group range";
      return nullptr;
    }
    group.min = min ? min->integer : 0;
    group.max = max ? max->integer : -1;
    for (const JsonValue &m : members->array) {
      if (!isArray(&m) || m.array.size() != 2 || !isInt(&m.array[0]) ||
          !isInt(&m.array[1]) || m.array[0].integer < 0 ||
          m.array[0].integer >= static_cast<int64_t>(fn->args.size()) ||
          !fn->args[m.array[0].integer]->view.shaped ||
          m.array[1].integer < 0 ||
          m.array[1].integer >= fn->args[m.array[0].integer]->view.rank) {
        error = "@" + fn->name + ": invalid dim group member";
        return nullptr;
      }
      group.members.push_back(static_cast<int>(m.array[0].integer));
      group.members.push_back(static_cast<int>(m.array[1].integer));
    }
    fn->groups.push_back(std::move(group));
  }
  // (Artifacts saved before index bounds were recorded have none.)
  if (const JsonValue *bounds = v.get("index_bounds")) {
    if (!isArray(bounds)) {
      error = "@" + fn->name + ": 'index_bounds' is not an array";
      return nullptr;
    }
    for (const JsonValue &b : bounds->array) {
      const JsonValue *arg = b.get("arg"), *size = b.get("size");
      if (!isInt(arg) || !isInt(size) || arg->integer < 0 ||
          arg->integer >= static_cast<int64_t>(fn->args.size()) ||
          !fn->args[arg->integer]->view.shaped || size->integer < 0 ||
          !isIndexElement(fn->args[arg->integer]->element)) {
        error = "@" + fn->name + ": invalid index bound";
        return nullptr;
      }
      fn->indexBounds.push_back(
          {static_cast<int>(arg->integer), size->integer});
    }
  }
  int words = 0;
  for (auto &t : fn->args)
    words += t->view.shaped ? 3 + 2 * t->view.rank : 1;
  fn->packedSize = words + (fn->results.empty() ? 0 : 1);
  std::string symbol = "_mlir_" + fn->name;
  fn->entry = reinterpret_cast<quantc_packed_fn>(dlsym(handle, symbol.c_str()));
  if (!fn->entry) {
    error = "the code has no entry point " + symbol + " for @" + fn->name;
    return nullptr;
  }
  return fn;
}

/// Makes this library's symbols (memrefCopy, which artifacts leave
/// undefined) visible to libraries loaded later: a Python extension loads it
/// RTLD_LOCAL.
bool exportRuntimeSymbols(std::string &error) {
  Dl_info info;
  if (!dladdr(reinterpret_cast<void *>(&quantc_load), &info) ||
      !info.dli_fname) {
    error = "cannot locate libquantc_runtime itself";
    return false;
  }
  void *self = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
  if (!self) {
    const char *e = dlerror();
    error = std::string("cannot make libquantc_runtime's symbols global: ") +
            (e ? e : "?");
    return false;
  }
  dlclose(self); // the library stays loaded: this was a second reference
  return true;
}

/// The file identity of the code libraries this process loaded, by path.
struct FileId {
  dev_t device;
  ino_t inode;
  bool operator!=(const FileId &o) const {
    return device != o.device || inode != o.inode;
  }
};
std::mutex loadedMutex;
std::map<std::string, FileId> loadedCode;

/// Keeps the libraries that loading a code library brought in (`before`:
/// the objects loaded until then) for the rest of the process. An OpenMP
/// runtime must outlive its threads: libgomp's workers keep spinning in, or
/// sleep inside, its code after a parallel call returns, and unloading it
/// with the last artifact that needed it made them fault on unmapped code
/// (a SIGSEGV on a worker thread, seen when Python freed an artifact right
/// after a call). The code library itself is still unloaded. (A library
/// another thread loads at the same moment is kept too: harmless.)
void pinNewDependencies(std::vector<std::string> before, void *code) {
  std::sort(before.begin(), before.end());
  for (const std::string &path : loadedObjects()) {
    if (std::binary_search(before.begin(), before.end(), path))
      continue;
    void *h = dlopen(path.c_str(), RTLD_LAZY | RTLD_NOLOAD);
    if (!h)
      continue;
    bool isCode = h == code;
    dlclose(h);
    if (isCode)
      continue;
    if (void *p = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE))
      dlclose(p); // RTLD_NODELETE stays; this was a second reference
  }
}

/// Keeps the libraries the manifest lists as needed (sonames) that are
/// loaded: one the process had loaded before the code (its other user may
/// unload it) must outlive the code's threads too.
void pinNeeded(const JsonValue *needed) {
  if (!isArray(needed))
    return;
  for (const JsonValue &name : needed->array)
    if (isString(&name))
      if (void *p = dlopen(name.string.c_str(),
                           RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE))
        dlclose(p);
}

/// dlopens the code library `path` into `handle`. The dynamic loader hands
/// out the library already loaded from the same path, so a code.so replaced
/// on disk (an artifact saved again over one still loaded) would run the old
/// code with the new manifest: that is refused.
bool openCode(const std::string &path, void *&handle, std::string &error) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    error = "cannot load the code: " + path + ": " + std::strerror(errno);
    return false;
  }
  FileId id{st.st_dev, st.st_ino};
  std::lock_guard<std::mutex> lock(loadedMutex);
  if (void *earlier = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD)) {
    dlclose(earlier);
    auto it = loadedCode.find(path);
    if (it != loadedCode.end() && it->second != id) {
      error = "cannot load the code: " + path +
              " was replaced since this process loaded it, and the earlier "
              "artifact is still loaded (unload it first)";
      return false;
    }
  }
  if (!checkElfExtents(path, error))
    return false;
  std::vector<std::string> before = loadedObjects();
  handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *e = dlerror();
    error = std::string("cannot load the code: ") + (e ? e : "?");
    return false;
  }
  pinNewDependencies(before, handle);
  loadedCode[path] = id;
  return true;
}

/// Reads `path` into the state globals of `handle` as the manifest's
/// "state" list places them.
bool loadState(const std::string &path, const JsonValue &state,
               const JsonValue *totalBytes, void *handle, std::string &error) {
  if (!isArray(&state) || !isInt(totalBytes)) {
    error = "the manifest needs 'state' (a list) and 'state_bytes'";
    return false;
  }
  if (state.array.empty())
    return true;
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  std::unique_ptr<FILE, int (*)(FILE *)> closer(f, &std::fclose);
  if (std::fseek(f, 0, SEEK_END) != 0 || std::ftell(f) != totalBytes->integer) {
    error = path + " has " + std::to_string(std::ftell(f)) +
            " bytes; the manifest says " + std::to_string(totalBytes->integer);
    return false;
  }
  for (const JsonValue &s : state.array) {
    const JsonValue *symbol = s.get("symbol"), *bytes = s.get("bytes"),
                    *offset = s.get("offset");
    if (!isString(symbol) || !isInt(bytes) || !isInt(offset) ||
        bytes->integer < 0 || offset->integer < 0 ||
        offset->integer + bytes->integer > totalBytes->integer) {
      error = "invalid state entry in the manifest";
      return false;
    }
    void *global = dlsym(handle, symbol->string.c_str());
    if (!global) {
      error = "the code has no state global " + symbol->string;
      return false;
    }
    size_t n = static_cast<size_t>(bytes->integer);
    // The bytes are read into the global: its size in the code must be the
    // manifest's, or the read would write past it.
    Dl_info info;
    void *entry = nullptr;
    bool found = dladdr1(global, &info, &entry, RTLD_DL_SYMENT);
    auto *sym = static_cast<const ElfW(Sym) *>(entry);
    if (!found || !sym || sym->st_size != n) {
      error = "the state global " + symbol->string + " has " +
              (sym ? std::to_string(sym->st_size) : std::string("unknown")) +
              " bytes in the code; the manifest says " + std::to_string(n);
      return false;
    }
    if (std::fseek(f, static_cast<long>(offset->integer), SEEK_SET) != 0 ||
        std::fread(global, 1, n, f) != n) {
      error = "cannot read " + std::to_string(n) + " bytes of " +
              symbol->string + " from " + path;
      return false;
    }
  }
  return true;
}
} // namespace

QUANTC_RT_API const char *quantc_last_error(void) { return lastError.c_str(); }

QUANTC_RT_API quantc_artifact *quantc_load(const char *path) {
  lastError.clear();
  // The code's temporaries stay mapped between calls.
  quantc::configureAllocator();
  if (!path)
    return failWith("quantc_load: null path", nullptr);
  std::string dir = path;
  std::string where = "artifact '" + dir + "': ";
  std::string text, error;
  if (!readFile(dir + "/manifest.json", text))
    return failWith(
        where + "cannot read manifest.json: " + std::strerror(errno), nullptr);
  JsonValue manifest;
  if (!parseJson(text, manifest, error))
    return failWith(where + "manifest.json: " + error, nullptr);
  const JsonValue *format = manifest.get("format");
  if (!isInt(format))
    return failWith(where + "manifest.json has no format version", nullptr);
  if (format->integer != QUANTC_ARTIFACT_FORMAT)
    return failWith(where + "format version " +
                        std::to_string(format->integer) +
                        ", this runtime reads version " +
                        std::to_string(QUANTC_ARTIFACT_FORMAT),
                    nullptr);

  auto artifact = std::make_unique<quantc_artifact>();
  const JsonValue *triple = manifest.get("triple"),
                  *features = manifest.get("cpu_features"),
                  *functions = manifest.get("functions"),
                  *state = manifest.get("state"), *code = manifest.get("code"),
                  *stateFile = manifest.get("state_file");
  if (!isString(triple) || !isArray(features) || !isArray(functions) ||
      !state || !isString(code) || !isString(stateFile))
    return failWith(where + "manifest.json lacks 'triple', 'cpu_features', "
                            "'functions', 'state', 'code' or 'state_file'",
                    nullptr);
  artifact->triple = triple->string;
#if defined(__x86_64__)
  if (artifact->triple.rfind("x86_64", 0) != 0)
    return failWith(where + "compiled for " + artifact->triple +
                        ", this runtime runs x86_64 code",
                    nullptr);
#endif
  for (const JsonValue &f : features->array) {
    if (!isString(&f))
      return failWith(where + "invalid entry in 'cpu_features'", nullptr);
    artifact->features.push_back(f.string);
  }
  std::vector<std::string> missing = missingCpuFeatures(artifact->features);
  if (!missing.empty()) {
    std::string list;
    for (const std::string &m : missing)
      list += (list.empty() ? "" : ", ") + m;
    return failWith(where +
                        "this CPU lacks features the code was compiled "
                        "for: " +
                        list,
                    nullptr);
  }

  if (!exportRuntimeSymbols(error))
    return failWith(where + error, nullptr);
  std::string codePath = dir + "/" + code->string;
  if (!openCode(codePath, artifact->handle, error))
    return failWith(where + error, nullptr);
  pinNeeded(manifest.get("needed"));
  if (!loadState(dir + "/" + stateFile->string, *state,
                 manifest.get("state_bytes"), artifact->handle, error))
    return failWith(where + error, nullptr);
  for (const JsonValue &s : state->array)
    artifact->state.emplace_back(s.get("symbol")->string,
                                 s.get("bytes")->integer);
  if (const JsonValue *params = manifest.get("params")) {
    if (!isArray(params))
      return failWith(where + "'params' in manifest.json is not a list",
                      nullptr);
    for (const JsonValue &p : params->array) {
      const JsonValue *name = p.get("name"), *element = p.get("element"),
                      *shape = p.get("shape"), *bytes = p.get("bytes");
      if (!isString(name) || !isString(element) || !isArray(shape) ||
          !isInt(bytes) || bytes->integer < 0)
        return failWith(where + "invalid entry in 'params'", nullptr);
      quantc_artifact::Param param{
          name->string, element->string, {}, bytes->integer};
      for (const JsonValue &d : shape->array) {
        if (!isInt(&d) || d.integer < 0)
          return failWith(where + "invalid shape of parameter " + name->string,
                          nullptr);
        param.shape.push_back(d.integer);
      }
      artifact->params.push_back(std::move(param));
    }
    if (!artifact->params.empty()) {
      artifact->prepare = reinterpret_cast<void (*)(void **)>(
          dlsym(artifact->handle, "__quantc_prepare"));
      if (!artifact->prepare)
        return failWith(where + "the manifest lists parameters but the code "
                                "has no __quantc_prepare",
                        nullptr);
    }
  }
  for (const JsonValue &f : functions->array) {
    std::unique_ptr<quantc_function> fn =
        readFunction(f, artifact->handle, error);
    if (!fn)
      return failWith(where + error, nullptr);
    artifact->functions.push_back(std::move(fn));
  }
  if (!checkSignatures(artifact->handle, *functions, manifest.get("params"),
                       error))
    return failWith(where + error, nullptr);
  return artifact.release();
}

QUANTC_RT_API void quantc_unload(quantc_artifact *artifact) { delete artifact; }

QUANTC_RT_API const char *quantc_artifact_triple(const quantc_artifact *a) {
  return a->triple.c_str();
}

QUANTC_RT_API int quantc_artifact_num_features(const quantc_artifact *a) {
  return static_cast<int>(a->features.size());
}

QUANTC_RT_API const char *quantc_artifact_feature(const quantc_artifact *a,
                                                  int index) {
  if (index < 0 || index >= static_cast<int>(a->features.size()))
    return failWith("feature index out of range", nullptr);
  return a->features[index].c_str();
}

QUANTC_RT_API int quantc_num_functions(const quantc_artifact *a) {
  return static_cast<int>(a->functions.size());
}

QUANTC_RT_API const quantc_function *
quantc_function_at(const quantc_artifact *a, int index) {
  if (index < 0 || index >= static_cast<int>(a->functions.size()))
    return failWith("function index out of range", nullptr);
  return a->functions[index].get();
}

QUANTC_RT_API const quantc_function *quantc_lookup(const quantc_artifact *a,
                                                   const char *name) {
  for (const auto &fn : a->functions)
    if (name && fn->name == name)
      return fn.get();
  std::string have;
  for (const auto &fn : a->functions)
    have += (have.empty() ? "@" : ", @") + fn->name;
  return failWith(std::string("no function @") + (name ? name : "") +
                      " in the artifact; it has " + have,
                  nullptr);
}

QUANTC_RT_API const char *quantc_function_name(const quantc_function *fn) {
  return fn->name.c_str();
}

QUANTC_RT_API int quantc_function_num_args(const quantc_function *fn) {
  return static_cast<int>(fn->args.size());
}

QUANTC_RT_API int quantc_function_num_results(const quantc_function *fn) {
  return static_cast<int>(fn->results.size());
}

QUANTC_RT_API const quantc_type *quantc_function_arg(const quantc_function *fn,
                                                     int index) {
  if (index < 0 || index >= static_cast<int>(fn->args.size()))
    return failWith("argument index out of range", nullptr);
  return &fn->args[index]->view;
}

QUANTC_RT_API const quantc_type *
quantc_function_result(const quantc_function *fn, int index) {
  if (index < 0 || index >= static_cast<int>(fn->results.size()))
    return failWith("result index out of range", nullptr);
  return &fn->results[index]->view;
}

QUANTC_RT_API int quantc_function_dim_group(const quantc_function *fn,
                                            int group, const int *members[],
                                            int *count, int64_t *size) {
  int n = static_cast<int>(fn->groups.size());
  if (group < 0)
    return n;
  if (group >= n)
    return failWith("dim group index out of range", -1);
  const DimGroupRecord &g = fn->groups[group];
  if (members)
    *members = g.members.data();
  if (count)
    *count = static_cast<int>(g.members.size() / 2);
  if (size)
    *size = g.size;
  return n;
}

QUANTC_RT_API int quantc_function_dim_range(const quantc_function *fn,
                                            int group, int64_t *min,
                                            int64_t *max) {
  int n = static_cast<int>(fn->groups.size());
  if (group < 0 || group >= n)
    return failWith("dim group index out of range", -1);
  if (min)
    *min = fn->groups[group].min;
  if (max)
    *max = fn->groups[group].max;
  return n;
}

QUANTC_RT_API quantc_packed_fn
quantc_function_entry(const quantc_function *fn) {
  return fn->entry;
}

QUANTC_RT_API int quantc_function_packed_size(const quantc_function *fn) {
  return fn->packedSize;
}

QUANTC_RT_API void **quantc_pack_memref(void *descriptor, int rank,
                                        void **slots) {
  auto *fields = static_cast<char *>(descriptor);
  for (int k = 0; k < 3 + 2 * rank; ++k)
    *slots++ = fields + 8 * k;
  return slots;
}

QUANTC_RT_API int quantc_check_args(const quantc_function *fn,
                                    const void *const *descriptors) {
  auto sizeOf = [&](int arg, int dim) {
    return static_cast<const int64_t *>(descriptors[arg])[3 + dim];
  };
  for (size_t i = 0; i < fn->args.size(); ++i) {
    const quantc_type &t = fn->args[i]->view;
    if (!t.shaped)
      continue;
    if (!descriptors[i])
      return failWith("@" + fn->name + " argument " + std::to_string(i) +
                          ": a tensor needs a descriptor",
                      -1);
    for (int d = 0; d < t.rank; ++d)
      if (t.shape[d] >= 0 && sizeOf(i, d) != t.shape[d])
        return failWith("@" + fn->name + " argument " + std::to_string(i) +
                            ": dimension " + std::to_string(d) + " is " +
                            std::to_string(sizeOf(i, d)) + ", expected " +
                            std::to_string(t.shape[d]),
                        -1);
  }
  for (const DimGroupRecord &g : fn->groups) {
    int64_t want = g.size;
    for (size_t m = 0; m < g.members.size(); m += 2) {
      int64_t got = sizeOf(g.members[m], g.members[m + 1]);
      if (want < 0)
        want = got;
      else if (got != want)
        return failWith(
            "@" + fn->name + ": dimension " + std::to_string(g.members[m + 1]) +
                " of argument " + std::to_string(g.members[m]) + " is " +
                std::to_string(got) + " but must be " + std::to_string(want) +
                " (the function's ops tie these sizes together)",
            -1);
      if (!inDimRange(got, g.min, g.max))
        return failWith("@" + fn->name + " " +
                            dimOutOfRangeMessage(g.members[m], g.members[m + 1],
                                                 got, g.min, g.max),
                        -1);
    }
  }
  // Index arguments (an embedding's token ids): the code does not bound
  // them, and one outside its table reads past it.
  for (const IndexBoundRecord &b : fn->indexBounds) {
    const TypeRecord &t = *fn->args[b.arg];
    auto *desc = static_cast<const int64_t *>(descriptors[b.arg]);
    int rank = t.view.rank;
    const char *aligned;
    std::memcpy(&aligned, &desc[1], sizeof(aligned));
    const int64_t *sizes = desc + 3, *strides = desc + 3 + rank;
    int64_t count = 1;
    for (int d = 0; d < rank; ++d)
      count *= sizes[d];
    // Element i at the offset its strides give (row-major index order).
    for (int64_t i = 0; i < count; ++i) {
      int64_t offset = desc[2], rest = i;
      for (int d = rank - 1; d >= 0; --d) {
        offset += (rest % sizes[d]) * strides[d];
        rest /= sizes[d];
      }
      int64_t v = loadIndexElement(aligned, offset,
                                   t.element == "i8" || t.element == "u8" ? 1
                                   : t.element == "i16"                   ? 2
                                   : t.element == "i32"                   ? 4
                                                                          : 8,
                                   t.element == "u8");
      if (v < 0 || v >= b.size)
        return failWith("@" + fn->name + " " +
                            indexOutOfRangeMessage(b.arg, v, b.size),
                        -1);
    }
  }
  return 0;
}

QUANTC_RT_API int quantc_function_index_bound(const quantc_function *fn,
                                              int bound, int *arg,
                                              int64_t *size) {
  int n = static_cast<int>(fn->indexBounds.size());
  if (bound < 0)
    return n;
  if (bound >= n)
    return failWith("index bound out of range", -1);
  if (arg)
    *arg = fn->indexBounds[bound].arg;
  if (size)
    *size = fn->indexBounds[bound].size;
  return n;
}

QUANTC_RT_API int quantc_artifact_num_params(const quantc_artifact *a) {
  return static_cast<int>(a->params.size());
}

QUANTC_RT_API const char *
quantc_artifact_param(const quantc_artifact *a, int index, const char **element,
                      int *rank, const int64_t **shape, int64_t *bytes) {
  if (index < 0 || index >= static_cast<int>(a->params.size()))
    return failWith("parameter index out of range", nullptr);
  const quantc_artifact::Param &p = a->params[index];
  if (element)
    *element = p.element.c_str();
  if (rank)
    *rank = static_cast<int>(p.shape.size());
  if (shape)
    *shape = p.shape.data();
  if (bytes)
    *bytes = p.bytes;
  return p.name.c_str();
}

QUANTC_RT_API int quantc_bind_params(quantc_artifact *a, void *const *params) {
  if (!a->prepare)
    return failWith("the artifact has no parameters (its weights are "
                    "compiled in)",
                    -1);
  std::vector<void *> pointers(params, params + a->params.size());
  a->prepare(pointers.data());
  return 0;
}

QUANTC_RT_API int quantc_artifact_num_state(const quantc_artifact *a) {
  return static_cast<int>(a->state.size());
}

QUANTC_RT_API const char *quantc_artifact_state(const quantc_artifact *a,
                                                int index, int64_t *bytes) {
  if (index < 0 || index >= static_cast<int>(a->state.size()))
    return failWith("state index out of range", nullptr);
  if (bytes)
    *bytes = a->state[index].second;
  return a->state[index].first.c_str();
}
