//===- onednn_saturation.cpp - is oneDNN's int8 matmul exact here? -------===//
//
// Runs oneDNN's s8 x s8 -> s32 matmul (weights prepacked) on full-range int8
// inputs and on 7-bit inputs, and counts the outputs that differ from an
// int64 dot product. Without VNNI (AVX2), oneDNN's kernels sum u8 x s8 pairs
// with vpmaddubsw, whose i16 result saturates: full-range inputs come out
// wrong, 7-bit inputs exact. quantc's AVX2 kernels (vpmaddwd on i16) are
// exact for both; see docs/BENCHMARKS.md.
//
//===----------------------------------------------------------------------===//
#include <cstdio>
#include <cstdlib>
#include <dnnl.hpp>
#include <vector>
using namespace dnnl;
using dt = memory::data_type;
using tag = memory::format_tag;
int main() {
  const long M = 64, N = 64, K = 256;
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  for (int lim : {128, 64}) {
    std::vector<int8_t> x(M * K), w(N * K);
    srand(1);
    for (auto &v : x)
      v = (int8_t)(rand() % (2 * lim) - lim);
    for (auto &v : w)
      v = (int8_t)(rand() % (2 * lim - 1) - (lim - 1));
    memory::desc a({M, K}, dt::s8, tag::ab), wd({K, N}, dt::s8, tag::any),
        d({M, N}, dt::s32, tag::ab);
    matmul::primitive_desc pd(matmul::desc(a, wd, d), eng);
    memory wu({{K, N}, dt::s8, tag::ba}, eng, w.data()),
        wp(pd.weights_desc(), eng);
    reorder(wu, wp).execute(s, wu, wp);
    std::vector<int32_t> y(M * N);
    memory src(a, eng, x.data()), dst(d, eng, y.data());
    matmul(pd).execute(
        s, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wp}, {DNNL_ARG_DST, dst}});
    s.wait();
    long bad = 0, maxd = 0;
    for (long m = 0; m < M; m++)
      for (long n = 0; n < N; n++) {
        long e = 0;
        for (long k = 0; k < K; k++)
          e += (long)x[m * K + k] * w[n * K + k];
        long dd = labs(e - y[m * N + n]);
        if (dd) {
          bad++;
          if (dd > maxd)
            maxd = dd;
        }
      }
    printf("inputs in [-%d, %d): %s, %ld of %ld int32 outputs differ from the "
           "exact sum (max |diff| %ld)\n",
           lim, lim, pd.impl_info_str(), bad, M * N, maxd);
  }
}
