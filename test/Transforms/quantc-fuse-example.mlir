// The figures docs/FUSION.md gives for examples/mlp.mlir, counted from the
// IR before and after fusion, and the fused structure: int8 between layers,
// no float matmul, no float tensor of the intermediate's shape.
// RUN: quantc-opt %S/../../examples/mlp.mlir --quantc-import-quant --canonicalize --quantc-report-cost -o /dev/null 2>&1 | FileCheck %s --check-prefix=BEFORE
// RUN: quantc-opt %S/../../examples/mlp.mlir --quantc-import-quant --quantc-fuse --canonicalize --cse --quantc-report-cost -o /dev/null 2>&1 | FileCheck %s --check-prefix=AFTER
// RUN: quantc-opt %S/../../examples/mlp.mlir --quantc-import-quant --quantc-fuse --canonicalize --cse | FileCheck %s --check-prefix=IR

// BEFORE: quantc cost: function @mlp_int8 moves 13136 bytes between ops (7184 read, 5952 written, 5760 of them float results) in 12 kernels
// AFTER: quantc cost: function @mlp_int8 moves 3152 bytes between ops (2192 read, 960 written, 128 of them float results) in 5 kernels

// IR-LABEL: func.func @mlp_int8
// IR-NOT: linalg.matmul
// IR-NOT: tensor<4x32xf32>
// IR: %[[X:.+]] = quantc.quantize %{{.+}} : tensor<4x16xf32>, tensor<1x1xf32> -> tensor<4x16xi8>
// IR: %[[A1:.+]] = quantc.matmul %[[X]], %{{.+}} : tensor<4x16xi8>, tensor<32x16xi8> -> tensor<4x32xi32>
// IR: %[[H:.+]] = quantc.rescale %[[A1]], {{.+}} bias {{.+}} output_scale {{.+}} {activation = #quantc.activation<relu>{{.*}}} : {{.+}} -> tensor<4x32xi8>
// IR: %[[A2:.+]] = quantc.matmul %[[H]], %{{.+}} : tensor<4x32xi8>, tensor<8x32xi8> -> tensor<4x8xi32>
// IR: quantc.rescale %[[A2]], {{.+}} bias {{.+}} -> tensor<4x8xf32>
// IR-NOT: linalg.matmul
// IR-NOT: tensor<4x32xf32>
// IR-LABEL: func.func @mlp_f32
