// Runs the functions of split_k.mlir (compiled by quantc-aot) on inputs read
// from DIR/*.bin and writes each result to DIR/out_<function>.bin; every
// function runs twice (the second call checks that the per-call workspace
// starts from zero again) and both results are written (out_<fn>.bin,
// out_<fn>.again.bin).
#include "driver_io.h"

extern "C" {
#define I8 MemRef2D<int8_t> *
#define F32 MemRef2D<float> *
void _mlir_ciface_gemm_m1(MemRef2D<int32_t> *, I8, I8);
void _mlir_ciface_gemm_m7(MemRef2D<int32_t> *, I8, I8);
void _mlir_ciface_gemm_m16(MemRef2D<int32_t> *, I8, I8);
void _mlir_ciface_tail_m7_i32(MemRef2D<int32_t> *, I8, I8);
void _mlir_ciface_tail_m7_f32(MemRef2D<float> *, I8, I8, F32, F32, F32);
void _mlir_ciface_f16_relu_m1(MemRef2D<uint16_t> *, I8, I8, F32, F32);
void _mlir_ciface_requant_m16(MemRef2D<int8_t> *, I8, I8, F32, F32, F32, F32);
}

/// Calls `call(result)` twice and saves both results.
template <typename T, typename F> static void twice(const char *fn, F call) {
  for (int i = 0; i < 2; ++i) {
    MemRef2D<T> r;
    call(&r);
    save(std::string(fn) + (i ? ".again" : ""), r);
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  dir = argv[1];
  Arr<int8_t> x1("x1", 1, 4096), x7("x7", 7, 4096), x16("x16", 16, 4096);
  Arr<int8_t> w("w", 4096, 4096), wt("wt", 4144, 4096);
  Arr<float> xs1("xs1", 1, 1), xs7("xs7", 7, 1), xs16("xs16", 16, 1);
  Arr<float> ws("ws", 1, 4096), b("b", 1, 4096), wst("wst", 1, 4144),
      bt("bt", 1, 4144), os("os", 1, 1);
  twice<int32_t>("gemm_m1",
                 [&](auto *r) { _mlir_ciface_gemm_m1(r, &x1.ref, &w.ref); });
  twice<int32_t>("gemm_m7",
                 [&](auto *r) { _mlir_ciface_gemm_m7(r, &x7.ref, &w.ref); });
  twice<int32_t>("gemm_m16",
                 [&](auto *r) { _mlir_ciface_gemm_m16(r, &x16.ref, &w.ref); });
  twice<int32_t>("tail_m7_i32", [&](auto *r) {
    _mlir_ciface_tail_m7_i32(r, &x7.ref, &wt.ref);
  });
  twice<float>("tail_m7_f32", [&](auto *r) {
    _mlir_ciface_tail_m7_f32(r, &x7.ref, &wt.ref, &xs7.ref, &wst.ref, &bt.ref);
  });
  twice<uint16_t>("f16_relu_m1", [&](auto *r) {
    _mlir_ciface_f16_relu_m1(r, &x1.ref, &w.ref, &xs1.ref, &ws.ref);
  });
  twice<int8_t>("requant_m16", [&](auto *r) {
    _mlir_ciface_requant_m16(r, &x16.ref, &w.ref, &xs16.ref, &ws.ref, &b.ref,
                             &os.ref);
  });
  return 0;
}
