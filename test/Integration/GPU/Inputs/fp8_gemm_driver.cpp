// Runs the functions of fp8_gemm.mlir (compiled by quantc-aot) on inputs read
// from DIR/*.bin and writes each result to DIR/out_<function>.bin. E4M3
// tensors are bytes.
#include "driver_io.h"

extern "C" {
#define F8 MemRef2D<uint8_t> *
#define F32 MemRef2D<float> *
void _mlir_ciface_fp8_gemm(MemRef2D<float> *, F8, F8);
void _mlir_ciface_fp8_quantize(MemRef2D<uint8_t> *, F32, F32);
void _mlir_ciface_fp8_linear(MemRef2D<float> *, F32, F8, F32, F32);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  dir = argv[1];
  Arr<uint8_t> xq("xq", 256, 512), wq("wq", 384, 512);
  Arr<float> x("x", 200, 512), xs("xs", 200, 1), ws("ws", 1, 384),
      b("b", 1, 384);
  {
    MemRef2D<float> r;
    _mlir_ciface_fp8_gemm(&r, &xq.ref, &wq.ref);
    save("fp8_gemm", r);
  }
  {
    MemRef2D<uint8_t> r;
    _mlir_ciface_fp8_quantize(&r, &x.ref, &xs.ref);
    save("fp8_quantize", r);
  }
  {
    MemRef2D<float> r;
    _mlir_ciface_fp8_linear(&r, &x.ref, &wq.ref, &ws.ref, &b.ref);
    save("fp8_linear", r);
  }
  return 0;
}
