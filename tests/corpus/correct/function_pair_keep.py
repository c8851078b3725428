"""The reference rewritten as a course-style function pair (CS231n assignment 2 since 2017):
``dropout_param["p"]`` is the *keep* probability, the cache carries the param dict and the mask,
and the mode string picks training or test. Validates p as a keep probability, 0 < p <= 1."""

import math

import numpy as np

CONVENTION = "function-pair=keep"
STRICT = True


def _scaled(a, keep, p):
    dtype = a.dtype if np.issubdtype(a.dtype, np.inexact) else np.dtype(np.float64)
    with np.errstate(over="ignore"):
        scale = dtype.type(1.0 / p)
        if np.isfinite(scale):
            out = a.astype(dtype, copy=True)
            out *= scale
        else:  # 1/p beyond the dtype's range (float16, p near 0)
            out = (a.astype(np.promote_types(dtype, np.float64)) * (1.0 / p)).astype(dtype)
    out[~keep] = 0
    return out


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) or math.isnan(p) or not 0 < p <= 1:
        raise ValueError(f"keep probability must satisfy 0 < p <= 1, got {p!r}")
    p = float(p)
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    if mode == "train":
        keep = np.random.random_sample(np.shape(x)) < p
        return _scaled(np.asarray(x), keep, p), (dropout_param, keep)
    if mode == "test":
        return x, (dropout_param, None)
    raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")


def dropout_backward(dout, cache):
    if cache is None:
        raise RuntimeError("dropout_backward needs the cache of a dropout_forward")
    dropout_param, keep = cache
    if dropout_param["mode"] == "test" or keep is None:
        return dout
    dout = np.asarray(dout)
    if dout.shape != keep.shape:
        raise ValueError(f"dout has shape {dout.shape}, the forward had {keep.shape}")
    return _scaled(dout, keep, float(dropout_param["p"]))
