"""An LLM-like block in float linalg IR, for SmoothQuant / outlier-split tests
and the accuracy study: LayerNorm (gamma, beta) -> linear -> GELU -> linear.

    h = LN(x) * gamma + beta          observed: absmax1
    a = gelu(h @ w1)                  w1: [C, H], plain layout
    y = a @ w2^T                      w2: [D, H], transposed-B layout; observed: absmax2

The LayerNorm is written the way a front end emits it: reductions and
elementwise `linalg.generic`s, with the affine tail `xhat * gamma + beta` in
one generic (the pattern --quantc-smoothquant folds into).
"""
import numpy as np

import qtest

EPS = 1e-5


def _t(*shape):
    return qtest.tensor_type(shape, "f32")


def block_mlir(x, gamma, beta, w1, w2, absmax1, absmax2, print_hidden=False):
    """`main` prints y (and first the first linear's output with
    `print_hidden`)."""
    n, c = x.shape
    h = w1.shape[1]
    d = w2.shape[0]
    a1 = qtest.dense_shaped(np.asarray(absmax1, np.float32)).split(" : ")[0]
    a2 = qtest.dense_shaped(np.asarray(absmax2, np.float32)).split(" : ")[0]
    return f"""
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#ch = affine_map<(d0, d1) -> (d1)>
#r1 = affine_map<(d0) -> (d0)>
{qtest.PRINT_DECLS}
func.func @main() {{
  {qtest.const("x", x)}  {qtest.const("gamma", gamma)}  {qtest.const("beta", beta)}
  {qtest.const("w1", w1)}  {qtest.const("w2", w2)}
  %zero = arith.constant 0.0 : f32
  %cn = arith.constant {float(c)} : f32
  %eps = arith.constant {EPS:.6e} : f32
  %er = tensor.empty() : tensor<{n}xf32>
  %zr = linalg.fill ins(%zero : f32) outs(%er : tensor<{n}xf32>) -> tensor<{n}xf32>
  %ex = tensor.empty() : {_t(n, c)}
  %sum = linalg.generic {{indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}}
      ins(%x : {_t(n, c)}) outs(%zr : tensor<{n}xf32>) {{
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %acc, %a : f32
    linalg.yield %r : f32
  }} -> tensor<{n}xf32>
  %xc = linalg.generic {{indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}}
      ins(%x, %sum : {_t(n, c)}, tensor<{n}xf32>) outs(%ex : {_t(n, c)}) {{
  ^bb0(%a: f32, %s: f32, %o: f32):
    %m = arith.divf %s, %cn : f32
    %r = arith.subf %a, %m : f32
    linalg.yield %r : f32
  }} -> {_t(n, c)}
  %ssq = linalg.generic {{indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}}
      ins(%xc : {_t(n, c)}) outs(%zr : tensor<{n}xf32>) {{
  ^bb0(%a: f32, %acc: f32):
    %sq = arith.mulf %a, %a : f32
    %r = arith.addf %acc, %sq : f32
    linalg.yield %r : f32
  }} -> tensor<{n}xf32>
  %xhat = linalg.generic {{indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}}
      ins(%xc, %ssq : {_t(n, c)}, tensor<{n}xf32>) outs(%ex : {_t(n, c)}) {{
  ^bb0(%a: f32, %s: f32, %o: f32):
    %v = arith.divf %s, %cn : f32
    %ve = arith.addf %v, %eps : f32
    %rs = math.rsqrt %ve : f32
    %r = arith.mulf %a, %rs : f32
    linalg.yield %r : f32
  }} -> {_t(n, c)}
  %ln = linalg.generic {{indexing_maps = [#id, #ch, #ch, #id], iterator_types = ["parallel", "parallel"]}}
      ins(%xhat, %gamma, %beta : {_t(n, c)}, tensor<{c}xf32>, tensor<{c}xf32>) outs(%ex : {_t(n, c)}) {{
  ^bb0(%a: f32, %g: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %g : f32
    %r = arith.addf %m, %b : f32
    linalg.yield %r : f32
  }} -> {_t(n, c)}
  %o1 = quantc.observe %ln {{absmax = {a1} : tensor<{c}xf32>}} : {_t(n, c)}
  %eh = tensor.empty() : {_t(n, h)}
  %zh = linalg.fill ins(%zero : f32) outs(%eh : {_t(n, h)}) -> {_t(n, h)}
  %h1 = linalg.matmul ins(%o1, %w1 : {_t(n, c)}, {_t(c, h)}) outs(%zh : {_t(n, h)}) -> {_t(n, h)}
  {qtest.print_tensor("%h1", _t(n, h), "ph") if print_hidden else ""}
  %act = linalg.generic {{indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}}
      ins(%h1 : {_t(n, h)}) outs(%eh : {_t(n, h)}) {{
  ^bb0(%a: f32, %o: f32):
    %half = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %rsqrt2 = arith.constant 0.70710678118654752 : f32
    %u = arith.mulf %a, %rsqrt2 : f32
    %erf = math.erf %u : f32
    %p = arith.addf %erf, %one : f32
    %ha = arith.mulf %a, %half : f32
    %r = arith.mulf %ha, %p : f32
    linalg.yield %r : f32
  }} -> {_t(n, h)}
  %o2 = quantc.observe %act {{absmax = {a2} : tensor<{h}xf32>}} : {_t(n, h)}
  %ed = tensor.empty() : {_t(n, d)}
  %zd = linalg.fill ins(%zero : f32) outs(%ed : {_t(n, d)}) -> {_t(n, d)}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%o2, %w2 : {_t(n, h)}, {_t(d, h)}) outs(%zd : {_t(n, d)}) -> {_t(n, d)}
  {qtest.print_tensor("%y", _t(n, d), "py")}
  return
}}
"""


def layernorm(x, gamma, beta):
    x = np.asarray(x, np.float64)
    m = x.mean(axis=1, keepdims=True)
    v = ((x - m) ** 2).mean(axis=1, keepdims=True)
    return (x - m) / np.sqrt(v + EPS) * gamma + beta


def gelu(x):
    from math import erf, sqrt
    return 0.5 * x * (1.0 + np.vectorize(erf)(x / sqrt(2.0)))


def block_fp(x, gamma, beta, w1, w2):
    """The block in float64 (the accuracy baseline)."""
    h = layernorm(x, gamma, beta)
    a = gelu(h @ np.asarray(w1, np.float64))
    return a @ np.asarray(w2, np.float64).T, h, a


def llm_like(rng, n, c, h, d, outliers=5, factor=80.0):
    """Activations with a few systematic outlier channels `factor` times
    larger than the rest (in the input and in gamma, as in LLMs), weights
    ~ N(0, 1/fan_in)."""
    x = rng.standard_normal((n, c)).astype(np.float32)
    idx = rng.choice(c, size=outliers, replace=False)
    gamma = (1.0 + 0.1 * rng.standard_normal(c)).astype(np.float32)
    gamma[idx] *= np.float32(factor)
    beta = (0.1 * rng.standard_normal(c)).astype(np.float32)
    w1 = (rng.standard_normal((c, h)) / np.sqrt(c)).astype(np.float32)
    w2 = (rng.standard_normal((d, h)) / np.sqrt(h)).astype(np.float32)
    return x, gamma, beta, w1, w2, idx
