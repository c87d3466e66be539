// A target file nested deeper than the JSON readers' limit (64) is an error
// naming the file, not a stack overflow in the recursive JSON parser.
// RUN: %python -c "print('[' * 200000 + ']' * 200000)" > %t.deep.json
// RUN: not quantc-opt %s --quantc-report-cost="target-file=%t.deep.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=DEEP
// RUN: not quantc-opt %s --quantc-select-scheme="target-file=%t.deep.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=DEEP
// RUN: not quantc-opt %s --quantc-record-cost-target="target-file=%t.deep.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=DEEP
// DEEP: error: target file '{{.*}}.json': not JSON: nested deeper than 64 levels

// 65 levels is one too many; brackets inside strings do not count.
// RUN: %python -c "print('{\"x\": ' + '[' * 64 + ']' * 64 + '}')" > %t.65.json
// RUN: not quantc-opt %s --quantc-report-cost="target-file=%t.65.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=DEEP

// 64 levels parses (and is then checked for its fields as usual).
// RUN: %python -c "print('{\"name\": \"' + '[' * 100 + '\", \"x\": ' + '[' * 63 + ']' * 63 + ', \"peak_int8\": 1, \"peak_fp16\": 1, \"bandwidth\": 1}')" > %t.64.json
// RUN: quantc-opt %s --quantc-report-cost="target-file=%t.64.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=OK
// OK-NOT: error
// OK: remark: quantc cost

func.func @f(%x: tensor<1x8xf32>, %w: tensor<8x16xf32>, %i: tensor<1x16xf32>) -> tensor<1x16xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<1x8xf32>, tensor<8x16xf32>) outs(%i : tensor<1x16xf32>) -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}
