// Input and output of the AOT drivers (*_driver.cpp): 2-D memref
// descriptors of the C interface, operands read from DIR/<name>.bin and
// results written to DIR/out_<name>.bin, which the run_*_checks.py scripts
// compare with NumPy.
#ifndef QUANTC_TEST_GPU_DRIVER_IO_H
#define QUANTC_TEST_GPU_DRIVER_IO_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

/// The C-interface descriptor of a 2-D memref.
template <typename T> struct MemRef2D {
  T *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};

/// The folder of the .bin files (the driver's argument).
static std::string dir;

/// A row-major [r, c] operand read from DIR/<name>.bin.
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

/// Writes the result `m` (any strides) row-major to DIR/out_<fn>.bin.
template <typename T> static void save(const std::string &fn, MemRef2D<T> &m) {
  std::ofstream f(dir + "/out_" + fn + ".bin", std::ios::binary);
  for (int64_t i = 0; i < m.sizes[0]; ++i)
    for (int64_t j = 0; j < m.sizes[1]; ++j)
      f.write((const char *)&m
                  .aligned[m.offset + i * m.strides[0] + j * m.strides[1]],
              sizeof(T));
  printf("wrote out_%s.bin (%ldx%ld)\n", fn.c_str(), (long)m.sizes[0],
         (long)m.sizes[1]);
}

#endif // QUANTC_TEST_GPU_DRIVER_IO_H
