//===- InitAll.h - register everything quantc provides ----------*- C++ -*-===//
#ifndef QUANTC_INITALL_H
#define QUANTC_INITALL_H

#include "llvm/ADT/StringRef.h"

#include <string>

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

/// Screens MLIR text for inputs that MLIR 22's parser cannot be trusted with,
/// before it is parsed. Returns an empty string if `text` may be parsed,
/// else a message "LINE:COL: error: ...". It catches
///  - a NUL byte (MLIR's lexer stops there: the text would parse as its
///    prefix), and
///  - a linalg named op whose `<...>` properties are not a dictionary, e.g.
///    `linalg.matmul <[1]>`: MLIR 22's named-op parser then crashes (it
///    does in stock mlir-opt too),
///  - a `permutation = [...]` / `dimensions = [...]` of linalg.transpose,
///    broadcast or reduce that is not a list of integers (the same parser
///    crashes), and
///  - nesting deeper than kMaxNestingDepth brackets (`{`, `(`, `[`): MLIR's
///    parser and walkers recurse once per level, and a few thousand levels
///    overflow the stack (SIGSEGV, also in stock mlir-opt).
/// Bytecode is not screened. quantc-opt, the Python facade and the fuzzer
/// all call it.
std::string screenInput(llvm::StringRef text);

/// The deepest bracket nesting screenInput accepts. Real models nest a few
/// dozen levels; 3000 levels of scf.execute_region still parse on an 8 MiB
/// stack, 5000 do not.
inline constexpr int64_t kMaxNestingDepth = 1000;
} // namespace quantc

#endif
