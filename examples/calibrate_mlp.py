"""Calibrate, smooth, quantize, compile and run a small MLP from Python.

    PYTHONPATH=build/python /usr/bin/python3 examples/calibrate_mlp.py

The MLP (64 -> 256 -> 64, ReLU) sees activations with a few outlier channels
(x40), as LLMs do. Per-token int8 quantization of such activations loses the
small channels; SmoothQuant moves the outliers' range into the weights first.
"""
import numpy as np

import quantc

rng = np.random.default_rng(0)
C, H, D, TOKENS = 64, 256, 64, 32
OUTLIERS = [5, 23, 41]


def batch(n=TOKENS):
    x = rng.standard_normal((n, C)).astype(np.float32)
    x[:, OUTLIERS] *= 40.0
    return x


w1 = (rng.standard_normal((H, C)) / np.sqrt(C)).astype(np.float32)
b1 = (0.1 * rng.standard_normal(H)).astype(np.float32)
w2 = (rng.standard_normal((D, H)) / np.sqrt(H)).astype(np.float32)
b2 = (0.1 * rng.standard_normal(D)).astype(np.float32)

# 1. Calibrate: per-channel max |x| of each layer's input over 8 batches.
calibration = [batch() for _ in range(8)]
obs1, obs2 = quantc.AbsMaxObserver(), quantc.AbsMaxObserver()
for x in calibration:
    obs1.update(x)
    obs2.update(np.maximum(x @ w1.T + b1, 0))
layers = [quantc.Linear(w1, b1, "relu", obs1.absmax),
          quantc.Linear(w2, b2, "none", obs2.absmax)]

# 2. Smooth: the alpha that minimises the first layer's W8A8 output error.
alpha = quantc.search_alpha(calibration, w1)


# 3. Quantize (W8A8: weights per output channel, activations per token).
def has_pass(name):
    try:
        quantc.run_pipeline("module {}", name)
        return True
    except quantc.CompileError:
        return False


def quantized_ir(alpha):
    if has_pass("quantc-smoothquant") and has_pass("quantc-quantize"):
        # The compiler does it: float IR with statistics -> QDQ IR.
        steps = ([f"quantc-smoothquant=alpha={alpha}"] if alpha is not None else [])
        return quantc.run_pipeline(quantc.mlp_ir(layers, TOKENS),
                                   ",".join(steps + ["quantc-quantize"]))
    # Until those passes are in this build: the same QDQ form from Python.
    return quantc.mlp_ir(quantc.quantize_layers(layers, alpha), TOKENS, form="qdq")


# 4. Compile for this CPU, run on held-out data and compare with float.
def main():
    x = batch()
    y_ref = quantc.mlp_reference(layers, x)
    results = {}
    # fuse=true: QDQ pairs become int8 GEMMs (quantc.matmul + rescale).
    fused = "quantc-cpu-pipeline=fuse=true"
    for label, ir, pipeline in [
            ("float", quantc.mlp_ir(layers, TOKENS), "quantc-cpu-pipeline"),
            ("W8A8", quantized_ir(None), fused),
            (f"W8A8 + SmoothQuant (alpha={alpha})", quantized_ir(alpha), fused)]:
        y = quantc.compile_cpu(ir, pipeline).forward(x)
        results[label] = float(np.linalg.norm(y - y_ref) / np.linalg.norm(y_ref))
        print(f"{label:32s} relative error vs NumPy float: {results[label]:.2e}")
    return alpha, results


if __name__ == "__main__":
    main()
