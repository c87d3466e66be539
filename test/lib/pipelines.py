"""Every quantc pipeline, in one place: the robustness tests
(test/Robustness/bad-inputs.py) and the fuzz corpus/driver scripts read this
list. A new pipeline is one more line here (and one more row in
test/fuzz/quantc-fuzz.cpp's kPipelines table)."""

PIPELINES = [
    ["--quantc-import-quant", "--quantc-verify-gemm"],
    ["--quantc-smoothquant", "--quantc-quantize"],
    ["--quantc-fuse"],
    ["--quantc-outlier-split"],
    ["--quantc-report-cost"],
    ["--convert-quantc-to-linalg"],
    ["--quantc-cpu-pipeline"],
]
