#!/usr/bin/env python3
"""Writes data/fashion-mnist-subset/: the first N examples of the official Fashion-MNIST IDX files.

Usage (from the repository root; Python 3 standard library only):

    python3 tools/make_fashion_mnist_subset.py [SOURCE_DIR] [OUT_DIR] [TRAIN_N] [TEST_N]

SOURCE_DIR defaults to /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist), OUT_DIR to
data/fashion-mnist-subset, TRAIN_N to 10000 and TEST_N to 2000. Each output file is the source's header with the
count replaced, followed by the first N items unchanged, gzipped at level 9 with no file name and mtime 0 so that
the output is reproducible byte for byte. Run once; the result is committed.
"""
import gzip
import os
import struct
import sys

SOURCE = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
OUT = sys.argv[2] if len(sys.argv) > 2 else "data/fashion-mnist-subset"
TRAIN_N = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
TEST_N = int(sys.argv[4]) if len(sys.argv) > 4 else 2000


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    if magic >> 16 != 0 or (magic >> 8) & 0xFF != 0x08:
        raise SystemExit(f"{path}: not an unsigned-byte IDX file (magic 0x{magic:08X})")
    rank = magic & 0xFF
    dims = list(struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank]))
    body = data[4 + 4 * rank:]
    item = 1
    for d in dims[1:]:
        item *= d
    if len(body) != dims[0] * item:
        raise SystemExit(f"{path}: payload is {len(body)} bytes, header says {dims[0] * item}")
    return magic, dims, item, body


def write_subset(name, n):
    source = os.path.join(SOURCE, name + ".gz")
    if not os.path.exists(source):
        source = os.path.join(SOURCE, name)
    magic, dims, item, body = read_idx(source)
    if n > dims[0]:
        raise SystemExit(f"{source}: has {dims[0]} items, fewer than {n}")
    header = struct.pack(">I", magic) + struct.pack(">" + "I" * len(dims), n, *dims[1:])
    target = os.path.join(OUT, name + ".gz")
    with open(target, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as f:
            f.write(header + body[: n * item])
    print(f"{target}: {n} of {dims[0]} items, dims {[n] + dims[1:]}")


os.makedirs(OUT, exist_ok=True)
write_subset("train-images-idx3-ubyte", TRAIN_N)
write_subset("train-labels-idx1-ubyte", TRAIN_N)
write_subset("t10k-images-idx3-ubyte", TEST_N)
write_subset("t10k-labels-idx1-ubyte", TEST_N)
