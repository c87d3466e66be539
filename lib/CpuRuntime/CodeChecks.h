//===- CodeChecks.h - an artifact's code.so checked before use --*- C++ -*-===//
//
// What quantc_load checks of a code library before it runs any of it: that
// the file is whole (before dlopen maps it) and that the manifest describes
// the functions the code was compiled with (after).
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_CPURUNTIME_CODECHECKS_H
#define QUANTC_CPURUNTIME_CODECHECKS_H

#include "Json.h"

#include <string>

namespace quantc::runtime {

/// Refuses a code library whose ELF headers point past the end of the file
/// (a truncated copy): dlopen maps such a segment, and reading its missing
/// pages raises SIGBUS. What is not an ELF file of this machine's class is
/// left to dlopen, whose message says so.
bool checkElfExtents(const std::string &path, std::string &error);

/// Compares the manifest's "functions" (each by name: its args, results,
/// dim groups and index bounds) and "params" with the record the code carries
/// (QUANTC_SIGNATURE_SYMBOL). Code saved before the record existed has none
/// and is not checked.
bool checkSignatures(void *handle, const JsonValue &functions,
                     const JsonValue *params, std::string &error);

} // namespace quantc::runtime

#endif // QUANTC_CPURUNTIME_CODECHECKS_H
