//===- PassOptions.h - closed sets of quantc pass option values -*- C++ -*-===//
//
// Every pass option whose values form a closed set is an enum, so that an
// unknown value is an option-parsing error (exit code 1, the list of values in
// the message) rather than a string checked when the pass runs.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_DIALECT_QUANTC_TRANSFORMS_PASSOPTIONS_H
#define QUANTC_DIALECT_QUANTC_TRANSFORMS_PASSOPTIONS_H

namespace quantc {

/// --quantc-verify-gemm mode=: what an illegal GEMM does.
enum class VerifyMode { error, warn };

/// Granularity of weight scales (--quantc-quantize weights=).
enum class WeightGranularity { PerChannel, PerTensor };

/// Activation quantization (--quantc-quantize activations=,
/// --quantc-smoothquant legalize-activations=): per-token (dynamic), per-tensor
/// (static, from calibration statistics), none (W8A16).
enum class ActGranularity { PerToken, PerTensor, None };

/// --quantc-report-cost / --quantc-select-scheme / --quantc-record-cost-target
/// target=: the roofline of a machine, named after the machine it describes
/// (CostModel.cpp). `automatic` (report only): the target recorded on the
/// function (quantc.cost_target), else zen5-2c. `hostCpu` is the legacy
/// name of zen5-2c (it never described the compiling host).
enum class CostTarget {
  automatic,
  hostCpu,
  zen5_2c,
  zen3_2c,
  xeonAmx2c,
  h100,
  h200
};

/// --quantc-report-cost format=.
enum class ReportFormat { text, json };

} // namespace quantc

#endif
