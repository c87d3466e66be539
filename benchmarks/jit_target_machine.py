"""The JIT with and without a target machine (issue 16 finding): a per-token
W8A8 linear 512x1024x1024 and its quantization alone, best of 20 calls.

    OMP_NUM_THREADS=1 PYTHONPATH=build/python /usr/bin/python3 benchmarks/jit_target_machine.py
"""
import time, numpy as np, quantc, sys
M,K,N=512,1024,1024
rng=np.random.default_rng(0)
wq=rng.integers(-127,128,(N,K),dtype=np.int8)
ws=(rng.uniform(0.001,0.002,(1,N))).astype(np.float32)
def dense(a):
    if a.dtype==np.float32:
        return "dense<["+",".join("["+",".join("0x%08X"%v for v in r)+"]" for r in a.view(np.uint32))+"]>"
    return "dense<["+",".join("["+",".join(str(int(v)) for v in r)+"]" for r in a)+"]>"
ir=f"""
func.func @linear(%x: tensor<{M}x{K}xf32>) -> tensor<{M}x{N}xf32> {{
  %w = arith.constant {dense(wq)} : tensor<{N}x{K}xi8>
  %ws = arith.constant {dense(ws)} : tensor<1x{N}xf32>
  %xs = quantc.compute_scale %x {{dims = array<i64: 1>}} : tensor<{M}x{K}xf32> -> tensor<{M}x1xf32>
  %q = quantc.quantize %x, %xs : tensor<{M}x{K}xf32>, tensor<{M}x1xf32> -> tensor<{M}x{K}xi8>
  %acc = quantc.matmul %q, %w : tensor<{M}x{K}xi8>, tensor<{N}x{K}xi8> -> tensor<{M}x{N}xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<{M}x{N}xi32>, tensor<{M}x1xf32>, tensor<1x{N}xf32>) -> tensor<{M}x{N}xf32>
  return %y : tensor<{M}x{N}xf32>
}}
func.func @quant_only(%x: tensor<{M}x{K}xf32>) -> tensor<{M}x{K}xi8> {{
  %xs = quantc.compute_scale %x {{dims = array<i64: 1>}} : tensor<{M}x{K}xf32> -> tensor<{M}x1xf32>
  %q = quantc.quantize %x, %xs : tensor<{M}x{K}xf32>, tensor<{M}x1xf32> -> tensor<{M}x{K}xi8>
  return %q : tensor<{M}x{K}xi8>
}}
"""
m=quantc.compile_cpu(ir)
x=rng.standard_normal((M,K)).astype(np.float32)
for name in ["linear","quant_only"]:
    f=m[name]; f(x)
    best=1e9
    for _ in range(20):
        t=time.perf_counter(); f(x); best=min(best,time.perf_counter()-t)
    print(name, f"{best*1e3:.3f} ms")
