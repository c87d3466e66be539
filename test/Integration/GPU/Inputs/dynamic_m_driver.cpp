// Runs the dynamic-M functions of dynamic_m.mlir (compiled by quantc-aot) on
// the first M rows of the inputs read from DIR/*.bin, for every M of the list,
// and writes each result to DIR/out_<function>_<M>.bin. One compiled function
// serves every M.
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
void _mlir_ciface_dyn_gemm_i32(MemRef2D<int32_t> *, I8, I8);
void _mlir_ciface_dyn_rescale_f32(MemRef2D<float> *, I8, I8, F32, F32, F32);
void _mlir_ciface_dyn_requant_i8(MemRef2D<int8_t> *, I8, I8, F32, F32, F32,
                                 F32);
void _mlir_ciface_dyn_const_w_f16(MemRef2D<uint16_t> *, I8, F32, F32);
}

static std::string dir;
static constexpr int64_t kMaxRows = 1100;
static const int64_t kRows[] = {0, 1, 7, 16, 33, 200, 1100};

template <typename T> struct Arr {
  std::vector<T> data;
  int64_t cols;
  Arr(const std::string &name, int64_t r, int64_t c) : data(r * c), cols(c) {
    std::ifstream f(dir + "/" + name + ".bin", std::ios::binary);
    if (!f.read((char *)data.data(), data.size() * sizeof(T))) {
      fprintf(stderr, "cannot read %s/%s.bin\n", dir.c_str(), name.c_str());
      exit(1);
    }
  }
  /// The first `rows` rows (all of them for a broadcast operand).
  MemRef2D<T> rows(int64_t rows) {
    return {data.data(), data.data(), 0, {rows, cols}, {cols, 1}};
  }
};

template <typename T>
static void save(const char *fn, int64_t m, MemRef2D<T> &r) {
  if (r.sizes[0] != m) {
    fprintf(stderr, "%s: M = %ld returned %ld rows\n", fn, (long)m,
            (long)r.sizes[0]);
    exit(1);
  }
  std::string path = dir + "/out_" + fn + "_" + std::to_string(m) + ".bin";
  std::ofstream f(path, std::ios::binary);
  for (int64_t i = 0; i < r.sizes[0]; ++i)
    for (int64_t j = 0; j < r.sizes[1]; ++j)
      f.write((const char *)&r
                  .aligned[r.offset + i * r.strides[0] + j * r.strides[1]],
              sizeof(T));
  printf("wrote out_%s_%ld.bin (%ldx%ld)\n", fn, (long)m, (long)r.sizes[0],
         (long)r.sizes[1]);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  dir = argv[1];
  Arr<int8_t> x("x", kMaxRows, 256), w("w", 512, 256), x2("x2", kMaxRows, 128);
  Arr<float> xs("xs", kMaxRows, 1), ws("ws", 1, 512), b("b", 1, 512),
      os("os", 1, 1), ws2("ws2", 1, 64);
  for (int64_t m : kRows) {
    MemRef2D<int8_t> xm = x.rows(m), wm = w.rows(512), x2m = x2.rows(m);
    MemRef2D<float> xsm = xs.rows(m), wsm = ws.rows(1), bm = b.rows(1),
                    osm = os.rows(1), ws2m = ws2.rows(1);
    {
      MemRef2D<int32_t> r;
      _mlir_ciface_dyn_gemm_i32(&r, &xm, &wm);
      save("dyn_gemm_i32", m, r);
    }
    {
      MemRef2D<float> r;
      _mlir_ciface_dyn_rescale_f32(&r, &xm, &wm, &xsm, &wsm, &bm);
      save("dyn_rescale_f32", m, r);
    }
    {
      MemRef2D<int8_t> r;
      _mlir_ciface_dyn_requant_i8(&r, &xm, &wm, &xsm, &wsm, &bm, &osm);
      save("dyn_requant_i8", m, r);
    }
    {
      MemRef2D<uint16_t> r;
      _mlir_ciface_dyn_const_w_f16(&r, &x2m, &xsm, &ws2m);
      save("dyn_const_w_f16", m, r);
    }
  }
  return 0;
}
