//===- CallPath.h - calling compiled functions from Python ------*- C++ -*-===//
//
// The per-call work of quantc.CompiledFunction (python/quantc/compiler.py),
// in C++, for JIT-compiled functions and loaded artifacts alike. See
// CallPath.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_PYTHON_CALLPATH_H
#define QUANTC_PYTHON_CALLPATH_H

#include <pybind11/pybind11.h>

namespace quantc::python {

/// Registers the class `CallPath` (constructed from an owner, the address of
/// a packed entry point and the signature) and the sentinel `NOT_TAKEN` in
/// `m`.
void bindCallPath(pybind11::module_ &m);

} // namespace quantc::python

#endif // QUANTC_PYTHON_CALLPATH_H
