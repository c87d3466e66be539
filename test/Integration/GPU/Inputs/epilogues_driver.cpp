// Runs the functions of epilogues.mlir (compiled by quantc-aot) on inputs read
// from DIR/*.bin and writes each result to DIR/out_<function>.bin.
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
#define I8 MemRef2D<int8_t> *
#define F32 MemRef2D<float> *
void _mlir_ciface_gemm_i32(MemRef2D<int32_t> *, I8, I8);
void _mlir_ciface_gemm_small(MemRef2D<int32_t> *, I8, I8);
void _mlir_ciface_rescale_f32(MemRef2D<float> *, I8, I8, F32, F32, F32);
void _mlir_ciface_rescale_f16_relu(MemRef2D<uint16_t> *, I8, I8, F32, F32);
void _mlir_ciface_requant_i8(MemRef2D<int8_t> *, I8, I8, F32, F32, F32, F32);
void _mlir_ciface_gelu_f32(MemRef2D<float> *, I8, I8, F32, F32);
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
