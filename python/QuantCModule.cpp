//===- QuantCModule.cpp - pybind11 module quantc._quantc ------------------===//
//
// A thin layer over quantc/Facade/Facade.h: strings and integers (addresses)
// cross the boundary, failures come back as (ok, diagnostics) and the Python
// side (quantc/compiler.py) raises quantc.CompileError.
//
//===----------------------------------------------------------------------===//
#include "quantc/Facade/Facade.h"

#include <cstdlib>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;
using namespace quantc::facade;

static py::tuple toTuple(const TypeDesc &t) {
  return py::make_tuple(t.shaped, t.element, t.shape);
}

PYBIND11_MODULE(_quantc, m) {
  m.doc() = "quantc compiler bindings (use the quantc package, not this)";

  m.def(
      "run_pipeline",
      [](const std::string &ir, const std::string &pipeline) {
        Result r;
        {
          py::gil_scoped_release release;
          r = runPipeline(ir, pipeline);
        }
        return py::make_tuple(r.ok, r.output, r.diagnostics);
      },
      py::arg("ir"), py::arg("pipeline"));

  m.def("normalize_pipeline", &normalizePipeline, py::arg("pipeline"));

  py::class_<JitModule>(m, "JitModule")
      .def_property_readonly(
          "functions",
          [](const JitModule &j) {
            py::list out;
            for (const FunctionDesc &f : j.functions()) {
              py::list args, results;
              for (const TypeDesc &t : f.args)
                args.append(toTuple(t));
              for (const TypeDesc &t : f.results)
                results.append(toTuple(t));
              py::list groups;
              for (const DimGroup &g : f.dimGroups)
                groups.append(py::make_tuple(g.members, g.size));
              out.append(py::make_tuple(f.name, args, results, groups));
            }
            return out;
          })
      .def("invoke", [](const JitModule &j, const std::string &name,
                        const std::vector<uintptr_t> &args, uintptr_t result) {
        Result r;
        {
          py::gil_scoped_release release;
          r = j.invoke(name, args, result);
        }
        return py::make_tuple(r.ok, r.diagnostics);
      });

  m.def(
      "jit_compile",
      [](const std::string &ir, const std::string &pipeline, unsigned opt,
         const std::vector<std::string> &libs) {
        std::string diag;
        std::unique_ptr<JitModule> jit;
        {
          py::gil_scoped_release release;
          jit = JitModule::create(ir, pipeline, opt, libs, diag);
        }
        py::object obj = jit ? py::cast(std::move(jit)) : py::none();
        return py::make_tuple(obj, diag);
      },
      py::arg("ir"), py::arg("pipeline"), py::arg("opt_level") = 3,
      py::arg("shared_libs") = std::vector<std::string>());

  // Buffers returned by compiled functions come from the JIT code's malloc.
  m.def("free_buffer",
        [](uintptr_t p) { std::free(reinterpret_cast<void *>(p)); });
}
