"""PyTorch side of compare.sh: writes torch's outputs for the suite (raw float32, one file per tensor) so that the .NET
side can check its results against them, then serves timing requests: the .NET side asks for one case and direction
at a time ("time NAME fwd|bwd" on stdin, the median ms on stdout) and times its own kernel right after, so that both
are measured in the same window of a shared machine's load.

Inputs are not random: element i of tensor number `seed` is ((i·2654435761 + 97·seed) mod 2^32) / 2^32 · 2 − 1,
computed in float64 and rounded to float32 — the .NET side computes exactly the same values (Suite.Fill).
"""
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

CASES = [
    # name, kind, N, C, H, W, OC, kernel, stride, pad
    ("seed_mnist", "conv", 100, 1, 28, 28, 30, 5, 1, 0),
    ("lenet_c2", "conv", 64, 6, 14, 14, 16, 5, 1, 0),
    ("cifar_3x3", "conv", 32, 64, 32, 32, 64, 3, 1, 1),
    ("resnet_stem", "conv", 8, 3, 224, 224, 64, 7, 2, 3),
    ("resnet_3x3", "conv", 8, 64, 56, 56, 64, 3, 1, 1),
    ("strided_3x3", "conv", 16, 128, 28, 28, 256, 3, 2, 1),
    ("pointwise_1x1", "conv", 16, 256, 14, 14, 256, 1, 1, 0),
    ("deconv_up", "deconv", 16, 64, 16, 16, 32, 4, 2, 1),
    ("maxpool", "maxpool", 32, 64, 56, 56, 64, 2, 2, 0),
    ("avgpool", "avgpool", 32, 64, 56, 56, 64, 3, 1, 1),
]


def fill(shape, seed, scale=1.0):
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.uint64)
    v = ((i * np.uint64(2654435761) + np.uint64(97 * seed)) % np.uint64(2**32)).astype(np.float64) / 2.0**32 * 2.0 - 1.0
    return torch.from_numpy((v * scale).astype(np.float32).reshape(shape))


def median_ms(fn, budget=1.0, min_reps=5, max_reps=40):
    fn()
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_reps or (len(times) < max_reps and time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


def build(name, kind, n, c, h, w, oc, k, s, p):
    """The case's forward and backward calls (closures over this call's tensors) and torch's outputs."""
    outputs = {}
    if kind in ("conv", "deconv"):
        x = fill((n, c, h, w), 1)
        transposed = kind == "deconv"
        wshape = (c, oc, k, k) if transposed else (oc, c, k, k)
        fan = c * k * k
        wt = fill(wshape, 2, 1.0 / fan ** 0.5)
        b = fill((oc,), 3)
        if transposed:
            fwd = lambda: F.conv_transpose2d(x, wt, b, stride=s, padding=p)
        else:
            fwd = lambda: F.conv2d(x, wt, b, stride=s, padding=p)
        y = fwd()
        gy = fill(tuple(y.shape), 4)
        bwd = lambda: torch.ops.aten.convolution_backward(
            gy, x, wt, [oc], [s, s], [p, p], [1, 1], transposed, [0, 0], 1, [True, True, True])
        gx, gw, gb = bwd()
        outputs = {"y": y, "gx": gx, "gw": gw, "gb": gb}
    elif kind == "maxpool":
        x = fill((n, c, h, w), 1)
        fwd = lambda: torch.ops.aten.max_pool2d_with_indices(x, [k, k], [s, s], [p, p], [1, 1], False)
        y, idx = fwd()
        gy = fill(tuple(y.shape), 4)
        bwd = lambda: torch.ops.aten.max_pool2d_with_indices_backward(gy, x, [k, k], [s, s], [p, p], [1, 1], False, idx)
        outputs = {"y": y, "gx": bwd()}
    else:
        x = fill((n, c, h, w), 1)
        fwd = lambda: F.avg_pool2d(x, k, s, p, count_include_pad=True)
        y = fwd()
        gy = fill(tuple(y.shape), 4)
        bwd = lambda: torch.ops.aten.avg_pool2d_backward(gy, x, [k, k], [s, s], [p, p], False, True, None)
        outputs = {"y": y, "gx": bwd()}
    return fwd, bwd, outputs


def main():
    out_dir, threads = sys.argv[1], int(sys.argv[2])
    only = set(sys.argv[3].split(",")) if len(sys.argv) > 3 and sys.argv[3] else None
    torch.set_num_threads(threads)
    os.makedirs(out_dir, exist_ok=True)
    results = {"threads": torch.get_num_threads(), "torch": torch.__version__, "cases": {}}
    calls = {}
    torch.set_grad_enabled(False)
    for name, kind, n, c, h, w, oc, k, s, p in CASES:
        if only and name not in only:
            continue
        fwd, bwd, outputs = build(name, kind, n, c, h, w, oc, k, s, p)
        for key, t in outputs.items():
            t.contiguous().numpy().astype(np.float32).tofile(os.path.join(out_dir, f"{name}.{key}.bin"))
        calls[(name, "fwd")] = fwd
        calls[(name, "bwd")] = bwd
        results["cases"][name] = {}
    with open(os.path.join(out_dir, "torch.json"), "w") as f:
        json.dump(results, f, indent=1)
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        budget = float(words[3]) if len(words) > 3 else 1.0
        print(f"{median_ms(calls[(words[1], words[2])], budget=budget):.6f}", flush=True)


if __name__ == "__main__":
    main()
