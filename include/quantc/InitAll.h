//===- InitAll.h - register everything quantc provides ----------*- C++ -*-===//
#ifndef QUANTC_INITALL_H
#define QUANTC_INITALL_H

namespace mlir {
class DialectRegistry;
}

namespace quantc {
/// Adds the quantc dialect, the upstream dialects its passes create, and
/// every upstream dialect and extension its pipelines need (bufferization and
/// LLVM lowering interfaces), so one call makes every quantc pipeline work.
void registerAllDialects(mlir::DialectRegistry &registry);
/// Registers every quantc pass and pipeline with the global registry, and the
/// upstream passes the textual pipelines are written in. Idempotent.
void registerAllPasses();
} // namespace quantc

#endif
