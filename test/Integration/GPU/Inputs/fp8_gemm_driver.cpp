// Runs the functions of fp8_gemm.mlir (compiled by quantc-aot) on inputs read
// from DIR/*.bin and writes each result to DIR/out_<function>.bin. E4M3
// tensors are bytes.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

template <typename T> struct MemRef2D {
  T *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};

extern "C" {
#define F8 MemRef2D<uint8_t> *
#define F32 MemRef2D<float> *
void _mlir_ciface_fp8_gemm(MemRef2D<float> *, F8, F8);
void _mlir_ciface_fp8_quantize(MemRef2D<uint8_t> *, F32, F32);
void _mlir_ciface_fp8_linear(MemRef2D<float> *, F32, F8, F32, F32);
}

static std::string dir;

template <typename T> struct Arr {
  std::vector<T> data;
  MemRef2D<T> ref;
  Arr(const std::string &name, int64_t r, int64_t c) : data(r * c) {
    std::ifstream f(dir + "/" + name + ".bin", std::ios::binary);
    if (!f.read((char *)data.data(), data.size() * sizeof(T))) {
      fprintf(stderr, "cannot read %s/%s.bin\n", dir.c_str(), name.c_str());
      exit(1);
    }
    ref = {data.data(), data.data(), 0, {r, c}, {c, 1}};
  }
};

template <typename T> static void save(const char *fn, MemRef2D<T> &m) {
  std::ofstream f(dir + "/out_" + fn + ".bin", std::ios::binary);
  for (int64_t i = 0; i < m.sizes[0]; ++i)
    for (int64_t j = 0; j < m.sizes[1]; ++j)
      f.write((const char *)&m
                  .aligned[m.offset + i * m.strides[0] + j * m.strides[1]],
              sizeof(T));
  printf("wrote out_%s.bin (%ldx%ld)\n", fn, (long)m.sizes[0],
         (long)m.sizes[1]);
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
