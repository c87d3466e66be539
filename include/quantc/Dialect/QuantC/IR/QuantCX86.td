//===- QuantCX86.td - x86 kernel plans and intrinsics ------*- tablegen -*-===//
//
// The typed plan of a generated x86 GEMM kernel and the dot-product
// intrinsics its micro-kernel is built from (Pure, so that dataflow and
// deallocation passes see no side effect).
//
//===----------------------------------------------------------------------===//

#ifndef QUANTC_DIALECT_QUANTC_IR_QUANTCX86_TD
#define QUANTC_DIALECT_QUANTC_IR_QUANTCX86_TD

#endif // QUANTC_DIALECT_QUANTC_IR_QUANTCX86_TD
