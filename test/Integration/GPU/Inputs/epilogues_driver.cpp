// Runs the functions of epilogues.mlir (compiled by quantc-aot) on inputs read
// from DIR/*.bin and writes each result to DIR/out_<function>.bin.
#include "driver_io.h"

extern "C" {
#define I8 MemRef2D<int8_t> *
#define F32 MemRef2D<float> *
void _mlir_ciface_gemm_i32(MemRef2D<int32_t> *, I8, I8);
void _mlir_ciface_gemm_small(MemRef2D<int32_t> *, I8, I8);
void _mlir_ciface_rescale_f32(MemRef2D<float> *, I8, I8, F32, F32, F32);
void _mlir_ciface_rescale_f16_relu(MemRef2D<uint16_t> *, I8, I8, F32, F32);
void _mlir_ciface_requant_i8(MemRef2D<int8_t> *, I8, I8, F32, F32, F32, F32);
void _mlir_ciface_gelu_f32(MemRef2D<float> *, I8, I8, F32, F32);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  dir = argv[1];
  Arr<int8_t> x("x", 256, 256), w("w", 512, 256);
  Arr<int8_t> sx("sx", 48, 96), sw("sw", 80, 96);
  Arr<float> xs("xs", 256, 1), ws("ws", 1, 512), b("b", 1, 512), os("os", 1, 1),
      ts("ts", 1, 1);
  {
    MemRef2D<int32_t> r;
    _mlir_ciface_gemm_i32(&r, &x.ref, &w.ref);
    save("gemm_i32", r);
  }
  {
    MemRef2D<int32_t> r;
    _mlir_ciface_gemm_small(&r, &sx.ref, &sw.ref);
    save("gemm_small", r);
  }
  {
    MemRef2D<float> r;
    _mlir_ciface_rescale_f32(&r, &x.ref, &w.ref, &xs.ref, &ws.ref, &b.ref);
    save("rescale_f32", r);
  }
  {
    MemRef2D<uint16_t> r;
    _mlir_ciface_rescale_f16_relu(&r, &x.ref, &w.ref, &xs.ref, &ws.ref);
    save("rescale_f16_relu", r);
  }
  {
    MemRef2D<int8_t> r;
    _mlir_ciface_requant_i8(&r, &x.ref, &w.ref, &xs.ref, &ws.ref, &b.ref,
                            &os.ref);
    save("requant_i8", r);
  }
  {
    MemRef2D<float> r;
    _mlir_ciface_gelu_f32(&r, &x.ref, &w.ref, &ts.ref, &ws.ref);
    save("gelu_f32", r);
  }
  return 0;
}
