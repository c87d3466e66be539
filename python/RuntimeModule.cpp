//===- RuntimeModule.cpp - pybind11 module quantc._quantc_rt --------------===//
//
// The part of the Python package that runs compiled code, without LLVM or
// MLIR: the call path of compiled functions (CallPath.cpp, used for JIT
// modules of quantc._quantc too) and artifacts loaded by libquantc_runtime
// (include/quantc/Runtime/quantc_runtime.h). `import quantc` loads this
// module only; quantc._quantc (libMLIR.so) is loaded when something is
// compiled.
//
//===----------------------------------------------------------------------===//
#include "CallPath.h"
#include "quantc/Runtime/quantc_runtime.h"

#include <cstdint>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <stdexcept>

namespace py = pybind11;

namespace {
/// A loaded artifact, with the interface quantc.CompiledModule expects of a
/// compiled module: `functions` and `entry(name)`.
class Artifact {
public:
  explicit Artifact(const std::string &path) {
    artifact = quantc_load(path.c_str());
    if (!artifact)
      throw std::runtime_error(quantc_last_error());
  }
  Artifact(const Artifact &) = delete;
  Artifact &operator=(const Artifact &) = delete;
  ~Artifact() { quantc_unload(artifact); }

  /// [(name, args, results, dim_groups, index_bounds)] as
  /// quantc._quantc.JitModule gives them.
  py::list functions() const {
    py::list out;
    for (int i = 0, e = quantc_num_functions(artifact); i < e; ++i) {
      const quantc_function *fn = quantc_function_at(artifact, i);
      py::list args, results, groups;
      for (int a = 0; a < quantc_function_num_args(fn); ++a)
        args.append(type(quantc_function_arg(fn, a)));
      for (int r = 0; r < quantc_function_num_results(fn); ++r)
        results.append(type(quantc_function_result(fn, r)));
      for (int g = 0,
               n = quantc_function_dim_group(fn, -1, nullptr, nullptr, nullptr);
           g < n; ++g) {
        const int *members;
        int count;
        int64_t size;
        quantc_function_dim_group(fn, g, &members, &count, &size);
        py::list pairs;
        for (int m = 0; m < count; ++m)
          pairs.append(py::make_tuple(members[2 * m], members[2 * m + 1]));
        int64_t min, max;
        quantc_function_dim_range(fn, g, &min, &max);
        groups.append(py::make_tuple(pairs, size, min, max));
      }
      py::list bounds;
      for (int b = 0, n = quantc_function_index_bound(fn, -1, nullptr, nullptr);
           b < n; ++b) {
        int arg;
        int64_t size;
        quantc_function_index_bound(fn, b, &arg, &size);
        bounds.append(py::make_tuple(arg, size));
      }
      out.append(py::make_tuple(quantc_function_name(fn), args, results, groups,
                                bounds));
    }
    return out;
  }

  /// The address of the packed entry point of `name`.
  uintptr_t entry(const std::string &name) const {
    const quantc_function *fn = quantc_lookup(artifact, name.c_str());
    if (!fn)
      throw std::runtime_error(quantc_last_error());
    return reinterpret_cast<uintptr_t>(quantc_function_entry(fn));
  }

  std::vector<std::string> features() const {
    std::vector<std::string> out;
    for (int i = 0; i < quantc_artifact_num_features(artifact); ++i)
      out.push_back(quantc_artifact_feature(artifact, i));
    return out;
  }

  std::string triple() const { return quantc_artifact_triple(artifact); }

  /// [(name, element, shape, bytes)] as quantc._quantc.JitModule.params.
  py::list params() const {
    py::list out;
    for (int i = 0, e = quantc_artifact_num_params(artifact); i < e; ++i) {
      const char *element;
      int rank;
      const int64_t *shape;
      int64_t bytes;
      const char *name =
          quantc_artifact_param(artifact, i, &element, &rank, &shape, &bytes);
      out.append(py::make_tuple(
          name, element, std::vector<int64_t>(shape, shape + rank), bytes));
    }
    return out;
  }

  /// [(symbol, bytes, 0)] as quantc._quantc.JitModule.state (no address).
  py::list state() const {
    py::list out;
    for (int i = 0, e = quantc_artifact_num_state(artifact); i < e; ++i) {
      int64_t bytes;
      const char *symbol = quantc_artifact_state(artifact, i, &bytes);
      out.append(py::make_tuple(symbol, bytes, 0));
    }
    return out;
  }

  /// Runs __quantc_prepare on `buffers` (C-contiguous arrays, one per
  /// parameter, checked by the caller: CompiledModule.load_params).
  void bindParams(const py::list &buffers) {
    int n = quantc_artifact_num_params(artifact);
    if (static_cast<int>(buffers.size()) != n)
      throw std::invalid_argument("bind_params: the artifact has " +
                                  std::to_string(n) + " parameters, got " +
                                  std::to_string(buffers.size()) + " buffers");
    std::vector<void *> pointers;
    for (int i = 0; i < n; ++i) {
      py::buffer_info info = buffers[i].cast<py::buffer>().request();
      int64_t bytes;
      quantc_artifact_param(artifact, i, nullptr, nullptr, nullptr, &bytes);
      if (info.size * info.itemsize != bytes)
        throw std::invalid_argument("bind_params: buffer " + std::to_string(i) +
                                    " has the wrong size");
      pointers.push_back(info.ptr);
    }
    if (quantc_bind_params(artifact, pointers.data()) != 0)
      throw std::runtime_error(quantc_last_error());
  }

private:
  static py::tuple type(const quantc_type *t) {
    std::vector<int64_t> shape(t->shape, t->shape + t->rank);
    return py::make_tuple(static_cast<bool>(t->shaped), std::string(t->element),
                          shape);
  }

  quantc_artifact *artifact = nullptr;
};
} // namespace

PYBIND11_MODULE(_quantc_rt, m) {
  m.doc() = "quantc runtime bindings (use the quantc package, not this)";
  quantc::python::bindCallPath(m);
  py::class_<Artifact>(m, "Artifact")
      .def(py::init<const std::string &>(), py::arg("path"),
           "Loads the artifact directory `path`; raises RuntimeError with "
           "the runtime's message when it cannot.")
      .def_property_readonly("functions", &Artifact::functions)
      .def_property_readonly("cpu_features", &Artifact::features)
      .def_property_readonly("triple", &Artifact::triple)
      .def("entry", &Artifact::entry, py::arg("name"))
      .def_property_readonly("params", &Artifact::params)
      .def_property_readonly("state", &Artifact::state)
      .def("bind_params", &Artifact::bindParams, py::arg("buffers"));
}
