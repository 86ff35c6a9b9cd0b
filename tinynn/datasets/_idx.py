"""Reader for the IDX format MNIST is distributed in (http://yann.lecun.com/exdb/mnist/).

Layout, big-endian: two zero bytes, one type byte (0x08 = uint8, ...), one byte ``ndim``, then
``ndim`` int32 sizes, then the values in C order. MNIST images: magic 2051 = 0x00000803 and sizes
(n, 28, 28); labels: magic 2049 = 0x00000801 and size (n,).
"""
import numpy as np

from ._files import DataFileError, open_maybe_gzip, reading

_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """The array stored in an IDX file (optionally gzipped), with its shape from the header."""
    with reading(path, "an IDX file"), open_maybe_gzip(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _TYPES:
        raise DataFileError(f"{path}: not an IDX file (header bytes {raw[:4]!r})")
    ndim = raw[3]
    start = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw[4:start], dtype=">i4"))
    dtype = np.dtype(_TYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - start != expected:
        raise DataFileError(f"{path}: header says shape {shape} ({expected} bytes of data), "
                         f"file has {len(raw) - start}")
    return np.frombuffer(raw, dtype=dtype, offset=start).reshape(shape).astype(dtype.newbyteorder("="))
