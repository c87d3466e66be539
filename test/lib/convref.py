"""Independent NumPy references for the convolution tests (conv.py,
conv-int8.py): direct convolutions as sums over the window of strided input
slices times the taps (no im2col, so they share nothing with the compiler's
rewrite), in the dtype of the operands (float64 or int64), plus the layout
and attribute helpers both tests need."""
import numpy as np

# Layouts of the linalg convolution forms: (input, filter, result) axis
# orders in terms of n, h, w, c / H, W (window), c, f (1-D: no h / H).
OPS = {
    "conv_2d_nhwc_hwcf": ("nhwc", "HWcf", "nhwf"),
    "conv_2d_nhwc_fhwc": ("nhwc", "fHWc", "nhwf"),
    "conv_2d_nchw_fchw": ("nchw", "fcHW", "nfhw"),
    "conv_1d_nwc_wcf": ("nwc", "Wcf", "nwf"),
}
for _op in ("conv_2d_nhwc_hwcf", "conv_2d_nhwc_fhwc", "conv_2d_nchw_fchw"):
    OPS[_op + "_q"] = OPS[_op]


def to_layout(a, src, dst):
    """`a` with axes named by the letters of `src`, transposed to `dst`."""
    return np.transpose(a, [src.index(ch) for ch in dst])


def out_size(size, window, strides, dilations):
    """Output extent per spatial dimension of a valid (unpadded) window."""
    return [(size[i] - dilations[i] * (window[i] - 1) - 1) // strides[i] + 1
            for i in range(len(size))]


def attrs(strides, dilations):
    """The dilations/strides attribute dictionary of a linalg convolution."""
    r = len(strides)
    s = ", ".join(map(str, strides))
    d = ", ".join(map(str, dilations))
    return (f"{{dilations = dense<[{d}]> : tensor<{r}xi64>, "
            f"strides = dense<[{s}]> : tensor<{r}xi64>}}")


def _window_slice(off, strides, dilations, out):
    return tuple(slice(off[i] * dilations[i],
                       off[i] * dilations[i] + strides[i] * (out[i] - 1) + 1,
                       strides[i]) for i in range(len(out)))


def conv_ref(x, w, op, strides, dilations):
    """Direct convolution of x (the input layout of `op`, an OPS key) and w
    (its filter layout), in the dtype of x and w: for each window offset, a
    strided slice of the input times that offset's [C, F] filter, summed;
    the result in the op's result layout."""
    lin, lw, lout = OPS[op]
    spatial = "hw" if "h" in lin else "w"
    win = "HW" if "h" in lin else "W"
    xc = to_layout(x, lin, "n" + spatial + "c")
    wc = to_layout(w, lw, win + "cf")
    out = out_size(xc.shape[1:-1], wc.shape[:len(spatial)], strides, dilations)
    y = np.zeros([xc.shape[0]] + out + [wc.shape[-1]], dtype=np.result_type(x, w))
    for off in np.ndindex(*wc.shape[:len(spatial)]):
        sl = _window_slice(off, strides, dilations, out)
        y += np.einsum("n...c,cf->n...f", xc[(slice(None),) + sl], wc[off])
    return to_layout(y, "n" + spatial + "f", lout)


def depthwise_ref(x, w, strides, dilations, init=None):
    """Depthwise convolution of x [N, H, W, C] and w [KH, KW, C] in their
    dtype, added to `init` (default zeros): the sum over the window of the
    strided input slice times the tap. Returns (y, bound), bound the same
    sum of |products| (for float error bounds)."""
    out = out_size(x.shape[1:3], w.shape[:2], strides, dilations)
    shape = (x.shape[0], out[0], out[1], x.shape[3])
    dtype = np.result_type(x, w)
    y = np.zeros(shape, dtype) if init is None else init.astype(dtype)
    bound = np.abs(y)
    for off in np.ndindex(*w.shape[:2]):
        prod = x[(slice(None),) + _window_slice(off, strides, dilations, out)] * w[off]
        y = y + prod
        bound = bound + np.abs(prod)
    return y, bound


def pad_spatial(x, layout, pads, value=0):
    """x (axes named by `layout`) padded by pads[i] on both sides of its
    i-th spatial axis (h, w in that order) with `value`."""
    spatial = "hw" if "h" in layout else "w"
    widths = [(0, 0)] * x.ndim
    for i, ch in enumerate(spatial):
        widths[layout.index(ch)] = (pads[i], pads[i])
    return np.pad(x, widths, constant_values=value)
