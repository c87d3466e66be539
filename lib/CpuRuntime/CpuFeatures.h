//===- CpuFeatures.h - checking an artifact's CPU features ------*- C++ -*-===//
#ifndef QUANTC_CPURUNTIME_CPUFEATURES_H
#define QUANTC_CPURUNTIME_CPUFEATURES_H

#include <string>
#include <vector>

namespace quantc::runtime {

/// The features of `required` (LLVM's names, include/quantc/Runtime/
/// CpuFeatures.def) this CPU and OS cannot run: "name" when cpuid lacks it,
/// "name (disabled by the OS)" when XCR0 (or Linux's AMX permission) does,
/// "name (unknown to this runtime)" when the table does not have it.
std::vector<std::string>
missingCpuFeatures(const std::vector<std::string> &required);

} // namespace quantc::runtime

#endif // QUANTC_CPURUNTIME_CPUFEATURES_H
