//===- InitAll.h - register everything quantc provides ----------*- C++ -*-===//
#ifndef QUANTC_INITALL_H
#define QUANTC_INITALL_H

namespace mlir {
class DialectRegistry;
}

namespace quantc {
/// Adds the quantc dialect and the upstream dialects its passes create.
void registerAllDialects(mlir::DialectRegistry &registry);
/// Registers every quantc pass and pipeline with the global registry.
void registerAllPasses();
} // namespace quantc

#endif
