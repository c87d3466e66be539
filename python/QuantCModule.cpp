//===- QuantCModule.cpp - pybind11 module quantc._quantc ------------------===//
//
// A thin layer over quantc/Facade/Facade.h: strings and integers (addresses)
// cross the boundary, failures come back as (ok, diagnostics) and the Python
// side (quantc/compiler.py) raises quantc.CompileError.
//
//===----------------------------------------------------------------------===//
#include "quantc/Facade/Facade.h"

#include <algorithm>
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

  // A module kept in C++; `blobs` maps resource names to C-contiguous
  // buffers (NumPy arrays) bound in place, each kept alive until MLIR
  // releases it.
  py::class_<ModuleHandle>(m, "ModuleHandle")
      .def(
          "run",
          [](ModuleHandle &h, const std::string &pipeline) {
            Result r;
            {
              py::gil_scoped_release release;
              r = h.run(pipeline);
            }
            return py::make_tuple(r.ok, r.diagnostics);
          },
          py::arg("pipeline"))
      .def("print", &ModuleHandle::print, py::arg("elide_resources_over"))
      .def("set_keep_float", &ModuleHandle::setKeepFloat, py::arg("layers"),
           py::arg("keep"))
      .def("resources", &ModuleHandle::resources)
      // A copy of blob `name`'s bytes, or None.
      .def("blob", [](const ModuleHandle &h, const std::string &name) {
        auto [data, size] = h.blob(name);
        if (!data)
          return py::object(py::none());
        return py::object(py::bytes(data, size));
      });

  // merge_modules([(handle, from, to), ...]) -> (handle or None, diagnostics)
  m.def(
      "merge_modules",
      [](const py::list &parts) {
        std::vector<ModuleHandle::MergePart> list;
        for (py::handle item : parts) {
          auto t = item.cast<py::tuple>();
          ModuleHandle::MergePart p;
          p.module = t[0].cast<const ModuleHandle *>();
          p.from = t[1].cast<std::string>();
          p.to = t[2].cast<std::string>();
          list.push_back(std::move(p));
        }
        std::string diag;
        std::unique_ptr<ModuleHandle> h;
        {
          py::gil_scoped_release release;
          h = ModuleHandle::merge(list, diag);
        }
        py::object obj = h ? py::cast(std::move(h)) : py::none();
        return py::make_tuple(obj, diag);
      },
      py::arg("parts"));

  m.def(
      "parse_module",
      [](const std::string &ir, const py::dict &blobs) {
        std::vector<Blob> list;
        for (auto [key, value] : blobs) {
          py::buffer buffer = py::reinterpret_borrow<py::buffer>(value);
          py::buffer_info info = buffer.request();
          // C-contiguous: each stride is the product of the inner sizes.
          py::ssize_t expect = info.itemsize;
          for (py::ssize_t d = info.ndim - 1; d >= 0; --d) {
            if (info.shape[d] != 1 && info.strides[d] != expect)
              throw py::value_error("parameter '" +
                                    py::str(key).cast<std::string>() +
                                    "' is not C-contiguous");
            expect *= info.shape[d];
          }
          Blob b;
          b.name = py::str(key).cast<std::string>();
          b.data = static_cast<const char *>(info.ptr);
          b.size = static_cast<size_t>(info.size * info.itemsize);
          auto address = reinterpret_cast<uintptr_t>(info.ptr);
          b.alignment = address ? std::min<size_t>(address & -address, 64) : 1;
          PyObject *owner = value.ptr();
          Py_INCREF(owner);
          b.release = [owner] {
            py::gil_scoped_acquire gil;
            Py_DECREF(owner);
          };
          list.push_back(std::move(b));
        }
        std::string diag;
        std::unique_ptr<ModuleHandle> h;
        {
          py::gil_scoped_release release;
          h = ModuleHandle::parse(ir, std::move(list), diag);
        }
        py::object obj = h ? py::cast(std::move(h)) : py::none();
        return py::make_tuple(obj, diag);
      },
      py::arg("ir"), py::arg("blobs"));

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
                groups.append(py::make_tuple(g.members, g.size, g.min, g.max));
              py::list bounds;
              for (const IndexBound &b : f.indexBounds)
                bounds.append(py::make_tuple(b.arg, b.size));
              out.append(py::make_tuple(f.name, args, results, groups, bounds));
            }
            return out;
          })
      // The address of the packed entry point of function `name`, for a
      // quantc._quantc_rt.CallPath; raises RuntimeError when the JIT has
      // none.
      .def("entry",
           [](const JitModule &j, const std::string &name) {
             for (const FunctionDesc &f : j.functions()) {
               if (f.name != name)
                 continue;
               std::string diag;
               JitModule::PackedFn fn = j.lookupPacked(name, diag);
               if (!fn)
                 throw std::runtime_error(diag);
               return reinterpret_cast<uintptr_t>(fn);
             }
             throw py::key_error("no public function @" + name);
           })
      // Writes the module as an artifact directory; (ok, diagnostics).
      .def("save",
           [](const JitModule &j, const std::string &path) {
             Result r = j.save(path);
             return py::make_tuple(r.ok, r.diagnostics);
           })
      // Weights bound at load time (quantc-cpu-pipeline{weights=load}):
      // [(name, element, shape, bytes)] in index order, and the state
      // globals [(symbol, bytes, address)] in k order.
      .def_property_readonly(
          "params",
          [](const JitModule &j) {
            py::list out;
            for (const ParamDesc &p : j.params())
              out.append(py::make_tuple(p.name, p.element, p.shape, p.bytes));
            return out;
          })
      .def_property_readonly("state",
                             [](const JitModule &j) {
                               py::list out;
                               for (const StateDesc &sd : j.state())
                                 out.append(py::make_tuple(
                                     sd.symbol, sd.bytes,
                                     reinterpret_cast<uintptr_t>(sd.address)));
                               return out;
                             })
      // Calls __quantc_prepare on `buffers` (one C-contiguous buffer per
      // parameter, in index order, each of the parameter's byte size; the
      // Python side checks dtypes and shapes), without the GIL.
      .def("bind_params", [](const JitModule &j, const py::list &buffers) {
        const std::vector<ParamDesc> &params = j.params();
        if (buffers.size() != params.size())
          throw py::value_error(
              "bind_params: the module has " + std::to_string(params.size()) +
              " parameters, got " + std::to_string(buffers.size()));
        std::vector<py::buffer_info> infos;
        std::vector<const void *> data;
        for (size_t i = 0; i < params.size(); ++i) {
          py::buffer b = py::reinterpret_borrow<py::buffer>(buffers[i]);
          infos.push_back(b.request());
          const py::buffer_info &info = infos.back();
          size_t bytes = size_t(info.size) * size_t(info.itemsize);
          py::ssize_t expect = info.itemsize;
          for (py::ssize_t d = info.ndim - 1; d >= 0; --d) {
            if (info.shape[d] != 1 && info.strides[d] != expect)
              throw py::value_error("parameter '" + params[i].name +
                                    "' is not C-contiguous");
            expect *= info.shape[d];
          }
          if (bytes != params[i].bytes)
            throw py::value_error("parameter '" + params[i].name + "' has " +
                                  std::to_string(bytes) + " bytes, expected " +
                                  std::to_string(params[i].bytes));
          data.push_back(info.ptr);
        }
        std::string diag;
        bool ok;
        {
          py::gil_scoped_release release;
          ok = j.bindParams(data, diag);
        }
        if (!ok)
          throw py::value_error(diag);
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

  m.def(
      "jit_compile_module",
      [](const ModuleHandle &module, const std::string &pipeline, unsigned opt,
         const std::vector<std::string> &libs) {
        std::string diag;
        std::unique_ptr<JitModule> jit;
        {
          py::gil_scoped_release release;
          jit = JitModule::create(module, pipeline, opt, libs, diag);
        }
        py::object obj = jit ? py::cast(std::move(jit)) : py::none();
        return py::make_tuple(obj, diag);
      },
      py::arg("module"), py::arg("pipeline"), py::arg("opt_level") = 3,
      py::arg("shared_libs") = std::vector<std::string>());
}
