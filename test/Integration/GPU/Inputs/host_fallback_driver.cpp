// Runs the functions of host_fallback.mlir (compiled by quantc-aot) on inputs
// read from DIR/*.bin and writes each result to DIR/out_<function>.bin.
#include "driver_io.h"

extern "C" {
#define I8 MemRef2D<int8_t> *
#define F32 MemRef2D<float> *
void _mlir_ciface_host_k16_f32(MemRef2D<float> *, I8, I8, F32, F32, F32);
void _mlir_ciface_host_n24_i32(MemRef2D<int32_t> *, I8, I8);
void _mlir_ciface_gpu_then_host(MemRef2D<int32_t> *, I8, I8, F32, F32, F32, I8);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  dir = argv[1];
  Arr<int8_t> kx("kx", 33, 16), kw("kw", 48, 16);
  Arr<float> kxs("kxs", 33, 1), kws("kws", 1, 48), kb("kb", 1, 48);
  Arr<int8_t> nx("nx", 64, 64), nw("nw", 24, 64);
  Arr<int8_t> gx("gx", 32, 128), gw1("gw1", 64, 128), gw2("gw2", 24, 64);
  Arr<float> gxs("gxs", 32, 1), gws1("gws1", 1, 64), ghs("ghs", 1, 1);
  {
    MemRef2D<float> r;
    _mlir_ciface_host_k16_f32(&r, &kx.ref, &kw.ref, &kxs.ref, &kws.ref,
                              &kb.ref);
    save("host_k16_f32", r);
  }
  {
    MemRef2D<int32_t> r;
    _mlir_ciface_host_n24_i32(&r, &nx.ref, &nw.ref);
    save("host_n24_i32", r);
  }
  {
    MemRef2D<int32_t> r;
    _mlir_ciface_gpu_then_host(&r, &gx.ref, &gw1.ref, &gxs.ref, &gws1.ref,
                               &ghs.ref, &gw2.ref);
    save("gpu_then_host", r);
  }
  return 0;
}
