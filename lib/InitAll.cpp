//===- InitAll.cpp - register everything quantc provides ------------------===//
#include "quantc/InitAll.h"

#include "mlir/Bytecode/BytecodeReader.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "quantc/Conversion/Passes.h"
#include "quantc/Dialect/QuantC/IR/QuantCDialect.h"
#include "quantc/Dialect/QuantC/Transforms/Passes.h"
#include "quantc/Pipelines/Pipelines.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBufferRef.h"

void quantc::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<QuantCDialect, mlir::quant::QuantDialect,
                  mlir::arith::ArithDialect, mlir::func::FuncDialect,
                  mlir::linalg::LinalgDialect, mlir::math::MathDialect,
                  mlir::tensor::TensorDialect>();
  // quantc's pipelines bufferize and lower to LLVM: they need upstream's
  // external interface models (BufferizableOpInterface, ...). Drivers that do
  // not register all of upstream themselves (C API, Python, downstream tools)
  // get them here; re-inserting into mlir-opt's full registry is a no-op.
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
}

void quantc::registerAllPasses() {
  static bool once = [] {
    registerQuantCPasses();
    registerQuantCConversionPasses();
    registerPipelines();
    // The pipelines are textual and name upstream passes, which must be
    // registered for them to parse. Drivers that registered upstream's passes
    // already (mlir-opt, quantc-opt) are left alone: registering a pipeline
    // twice is an assertion failure in MLIR builds with assertions.
    if (!mlir::PassPipelineInfo::lookup("buffer-deallocation-pipeline"))
      mlir::registerAllPasses();
    return true;
  }();
  (void)once;
}

std::string quantc::screenInput(llvm::StringRef text) {
  if (mlir::isBytecode(llvm::MemoryBufferRef(text, "<input>")))
    return {};
  size_t line = 1, lineStart = 0;
  auto where = [&](size_t pos) {
    return std::to_string(line) + ":" + std::to_string(pos - lineStart + 1) +
           ": error: ";
  };
  auto isIdent = [](char c) {
    return llvm::isAlnum(c) || c == '_' || c == '.' || c == '$';
  };
  size_t n = text.size();
  int64_t depth = 0;
  // Set after the name of a custom linalg op with an integer-list keyword.
  bool pendingLinalgList = false;
  for (size_t i = 0; i < n; ++i) {
    char c = text[i];
    if (c == '{' || c == '(' || c == '[') {
      if (++depth > kMaxNestingDepth)
        return where(i) + "brackets nest deeper than " +
               std::to_string(kMaxNestingDepth) +
               " levels; MLIR's recursive parser would overflow the stack";
    } else if (c == '}' || c == ')' || c == ']') {
      --depth;
    }
    if (c == '\0')
      return where(i) + "input contains a NUL byte at offset " +
             std::to_string(i) + "; it is neither MLIR text nor MLIR bytecode";
    if (c == '\n') {
      ++line;
      lineStart = i + 1;
      continue;
    }
    if (c == '/' && i + 1 < n && text[i + 1] == '/') { // comment
      while (i + 1 < n && text[i + 1] != '\n' && text[i + 1] != '\0')
        ++i;
      continue;
    }
    if (c == '"') { // string literal (the generic op form is not affected)
      while (i + 1 < n && text[i + 1] != '"' && text[i + 1] != '\n' &&
             text[i + 1] != '\0')
        i += text[i + 1] == '\\' ? 2 : 1;
      ++i;
      continue;
    }
    // `permutation = [...]` / `dimensions = [...]` of the custom linalg ops
    // (transpose, broadcast, reduce): MLIR 22's parser crashes on a list that
    // is not plain integers (fuzzer crash 10, stock mlir-opt too).
    if (pendingLinalgList &&
        (text.substr(i).starts_with("permutation") ||
         text.substr(i).starts_with("dimensions")) &&
        (i == 0 || !isIdent(text[i - 1]))) {
      size_t start = i, end = i;
      while (end < n && isIdent(text[end]))
        ++end;
      llvm::StringRef word = text.slice(start, end);
      size_t j = end;
      while (j < n && llvm::isSpace(text[j]) && text[j] != '\0')
        ++j;
      if ((word == "permutation" || word == "dimensions") && j < n &&
          text[j] == '=') {
        pendingLinalgList = false;
        ++j;
        while (j < n && llvm::isSpace(text[j]) && text[j] != '\0')
          ++j;
        bool ok = j < n && text[j] == '[';
        size_t k = j + 1;
        while (ok && k < n && text[k] != ']') {
          char d = text[k++];
          ok = llvm::isDigit(d) || d == ',' || d == '-' ||
               (llvm::isSpace(d) && d != '\0');
        }
        if (!ok || k >= n)
          return where(start) + "'" + word.str() +
                 "' of a linalg op must be a list of integers '[0, 1, ...]' "
                 "(MLIR 22's linalg parser crashes on anything else)";
        i = k;
        continue;
      }
    }
    if (!text.substr(i).starts_with("linalg.") ||
        (i > 0 &&
         (isIdent(text[i - 1]) || text[i - 1] == '%' || text[i - 1] == '@' ||
          text[i - 1] == '#' || text[i - 1] == '!' || text[i - 1] == '^')))
      continue;
    size_t start = i, end = i;
    while (end < n && isIdent(text[end]))
      ++end;
    llvm::StringRef opName = text.slice(start, end);
    pendingLinalgList = opName == "linalg.transpose" ||
                        opName == "linalg.broadcast" ||
                        opName == "linalg.reduce";
    size_t j = end;
    while (j < n && llvm::isSpace(text[j]) && text[j] != '\0')
      ++j;
    if (j < n && text[j] == '<') {
      size_t k = j + 1;
      while (k < n && llvm::isSpace(text[k]) && text[k] != '\0')
        ++k;
      if (k >= n || text[k] != '{')
        return where(start) + "the properties of '" +
               text.slice(start, end).str() +
               "' must be a dictionary '<{...}>' (MLIR 22's linalg parser "
               "crashes on anything else)";
    }
    // Newlines skipped above are counted when the scan reaches them.
    i = end - 1;
  }
  return {};
}
