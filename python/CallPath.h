//===- CallPath.h - calling JIT-compiled functions from Python --*- C++ -*-===//
//
// The per-call work of quantc.CompiledFunction (python/quantc/compiler.py),
// in C++. See CallPath.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_PYTHON_CALLPATH_H
#define QUANTC_PYTHON_CALLPATH_H

#include "quantc/Facade/Facade.h"

#include <pybind11/pybind11.h>

namespace quantc::python {

/// Registers the class `CallPath` and the sentinel `NOT_TAKEN` in `m`.
void bindCallPath(pybind11::module_ &m);

/// A `CallPath` for `desc`, calling `fn` (the packed entry point of a
/// function of `owner`, a JitModule kept alive by the result).
pybind11::object makeCallPath(pybind11::object owner,
                              facade::JitModule::PackedFn fn,
                              const facade::FunctionDesc &desc);

} // namespace quantc::python

#endif // QUANTC_PYTHON_CALLPATH_H
