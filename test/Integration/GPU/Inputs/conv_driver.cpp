// Runs the QDQ int8 convolutions of conv.mlir (compiled by quantc-aot) on
// inputs read from DIR/*.bin and writes each result to DIR/out_<function>.bin.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

template <typename T> struct MemRef4D {
  T *allocated, *aligned;
  int64_t offset, sizes[4], strides[4];
};

extern "C" {
#define I8 MemRef4D<int8_t> *
#define F32 MemRef4D<float> *
void _mlir_ciface_conv_s2(MemRef4D<float> *, I8, F32, I8, F32);
void _mlir_ciface_conv_d2(MemRef4D<float> *, I8, F32, I8, F32);
}

static std::string dir;

/// A contiguous 4-D array read from DIR/name.bin.
template <typename T> struct Arr {
  std::vector<T> data;
  int64_t d[4];
  Arr(const std::string &name, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
      : data(d0 * d1 * d2 * d3), d{d0, d1, d2, d3} {
    std::ifstream f(dir + "/" + name + ".bin", std::ios::binary);
    if (!f.read((char *)data.data(), data.size() * sizeof(T))) {
      fprintf(stderr, "cannot read %s/%s.bin\n", dir.c_str(), name.c_str());
      exit(1);
    }
  }
  MemRef4D<T> ref() {
    return {data.data(),
            data.data(),
            0,
            {d[0], d[1], d[2], d[3]},
            {d[1] * d[2] * d[3], d[2] * d[3], d[3], 1}};
  }
};

static void save(const std::string &name, const int64_t (&want)[4],
                 MemRef4D<float> &r) {
  for (int i = 0; i < 4; ++i)
    if (r.sizes[i] != want[i]) {
      fprintf(stderr, "%s: dimension %d is %ld, expected %ld\n", name.c_str(),
              i, (long)r.sizes[i], (long)want[i]);
      exit(1);
    }
  std::ofstream f(dir + "/out_" + name + ".bin", std::ios::binary);
  for (int64_t a = 0; a < r.sizes[0]; ++a)
    for (int64_t b = 0; b < r.sizes[1]; ++b)
      for (int64_t c = 0; c < r.sizes[2]; ++c)
        for (int64_t e = 0; e < r.sizes[3]; ++e)
          f.write((const char *)&r
                      .aligned[r.offset + a * r.strides[0] + b * r.strides[1] +
                               c * r.strides[2] + e * r.strides[3]],
                  sizeof(float));
  printf("wrote out_%s.bin\n", name.c_str());
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  dir = argv[1];
  Arr<int8_t> x("x", 2, 17, 17, 32), w("w", 3, 3, 32, 64);
  Arr<float> xs("xs", 1, 1, 1, 1), ws("ws", 1, 1, 1, 64);
  MemRef4D<int8_t> xm = x.ref(), wm = w.ref();
  MemRef4D<float> xsm = xs.ref(), wsm = ws.ref();
  {
    MemRef4D<float> r;
    _mlir_ciface_conv_s2(&r, &xm, &xsm, &wm, &wsm);
    save("conv_s2", {2, 8, 8, 64}, r);
  }
  {
    MemRef4D<float> r;
    _mlir_ciface_conv_d2(&r, &xm, &xsm, &wm, &wsm);
    save("conv_d2", {2, 13, 13, 64}, r);
  }
  return 0;
}
