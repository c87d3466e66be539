//===- QuantCGPU.td - GPU kernel launch attributes ---------*- tablegen -*-===//
//
// The typed launch configuration of a generated Tensor Core kernel.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTC_DIALECT_QUANTC_IR_QUANTCGPU_TD
#define QUANTC_DIALECT_QUANTC_IR_QUANTCGPU_TD

#endif // QUANTC_DIALECT_QUANTC_IR_QUANTCGPU_TD
