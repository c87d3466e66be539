// Runs the batched GEMMs of batched.mlir (compiled by quantc-aot) on inputs
// read from DIR/*.bin and writes each result to DIR/out_<function>[_<M>].bin.
// The dynamic-M functions are called for every M of the list on the first M
// rows of every batch (copied into a contiguous [B, M, C] buffer).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

template <typename T> struct MemRef3D {
  T *allocated, *aligned;
  int64_t offset, sizes[3], strides[3];
};

extern "C" {
#define I8 MemRef3D<int8_t> *
#define F32 MemRef3D<float> *
void _mlir_ciface_qk_f32(MemRef3D<float> *, I8, I8, F32, F32);
void _mlir_ciface_pv_i32(MemRef3D<int32_t> *, I8, I8);
void _mlir_ciface_qk_b1_i32(MemRef3D<int32_t> *, I8, I8);
void _mlir_ciface_pv_f16(MemRef3D<uint16_t> *, I8, I8, F32, F32);
}

static std::string dir;
static constexpr int64_t kBatch = 33, kMaxRows = 130;
static const int64_t kRows[] = {0, 1, 7, 33, 130};

/// A [batch, rows, cols] array read from DIR/name.bin.
template <typename T> struct Arr {
  std::vector<T> data;
  int64_t batch, rows, cols;
  Arr(const std::string &name, int64_t b, int64_t r, int64_t c)
      : data(b * r * c), batch(b), rows(r), cols(c) {
    std::ifstream f(dir + "/" + name + ".bin", std::ios::binary);
    if (!f.read((char *)data.data(), data.size() * sizeof(T))) {
      fprintf(stderr, "cannot read %s/%s.bin\n", dir.c_str(), name.c_str());
      exit(1);
    }
  }
  /// The whole array.
  MemRef3D<T> all() {
    return {data.data(),
            data.data(),
            0,
            {batch, rows, cols},
            {rows * cols, cols, 1}};
  }
  /// The first m rows of every batch, copied into `buf` (contiguous).
  MemRef3D<T> firstRows(int64_t m, std::vector<T> &buf) {
    buf.assign(batch * m * cols + 1, T());
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t i = 0; i < m * cols; ++i)
        buf[b * m * cols + i] = data[b * rows * cols + i];
    return {buf.data(), buf.data(), 0, {batch, m, cols}, {m * cols, cols, 1}};
  }
};

template <typename T>
static void save(const std::string &name, const int64_t (&want)[3],
                 MemRef3D<T> &r) {
  for (int i = 0; i < 3; ++i)
    if (r.sizes[i] != want[i]) {
      fprintf(stderr, "%s: dimension %d is %ld, expected %ld\n", name.c_str(),
              i, (long)r.sizes[i], (long)want[i]);
      exit(1);
    }
  std::ofstream f(dir + "/out_" + name + ".bin", std::ios::binary);
  for (int64_t b = 0; b < r.sizes[0]; ++b)
    for (int64_t i = 0; i < r.sizes[1]; ++i)
      for (int64_t j = 0; j < r.sizes[2]; ++j)
        f.write((const char *)&r.aligned[r.offset + b * r.strides[0] +
                                         i * r.strides[1] + j * r.strides[2]],
                sizeof(T));
  printf("wrote out_%s.bin (%ldx%ldx%ld)\n", name.c_str(), (long)r.sizes[0],
         (long)r.sizes[1], (long)r.sizes[2]);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  dir = argv[1];
  Arr<int8_t> q("q", kBatch, kMaxRows, 128), k("k", kBatch, 128, 128),
      p("p", kBatch, kMaxRows, 128), v("v", kBatch, 128, 64),
      q1("q1", 1, 37, 64), k1("k1", 1, 80, 64), p2("p2", kBatch, 7, 256),
      v2("v2", kBatch, 256, 64);
  Arr<float> qs("qs", kBatch, kMaxRows, 1), ks("ks", 1, 1, 1),
      ps("ps", kBatch, 7, 1), vs("vs", kBatch, 1, 64);
  MemRef3D<int8_t> km = k.all(), vm = v.all();
  MemRef3D<float> ksm = ks.all();
  for (int64_t m : kRows) {
    std::vector<int8_t> qb, pb;
    std::vector<float> qsb;
    MemRef3D<int8_t> qm = q.firstRows(m, qb), pm = p.firstRows(m, pb);
    MemRef3D<float> qsm = qs.firstRows(m, qsb);
    {
      MemRef3D<float> r;
      _mlir_ciface_qk_f32(&r, &qm, &km, &qsm, &ksm);
      save("qk_f32_" + std::to_string(m), {kBatch, m, 128}, r);
    }
    {
      MemRef3D<int32_t> r;
      _mlir_ciface_pv_i32(&r, &pm, &vm);
      save("pv_i32_" + std::to_string(m), {kBatch, m, 64}, r);
    }
  }
  {
    MemRef3D<int8_t> a = q1.all(), b = k1.all();
    MemRef3D<int32_t> r;
    _mlir_ciface_qk_b1_i32(&r, &a, &b);
    save("qk_b1_i32", {1, 37, 80}, r);
  }
  {
    MemRef3D<int8_t> a = p2.all(), b = v2.all();
    MemRef3D<float> as = ps.all(), bs = vs.all();
    MemRef3D<uint16_t> r;
    _mlir_ciface_pv_f16(&r, &a, &b, &as, &bs);
    save("pv_f16", {kBatch, 7, 64}, r);
  }
  return 0;
}
