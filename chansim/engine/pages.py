"""Giving memory back: the pages of a numpy column that hold only rows a run
no longer reads are returned to the operating system (``madvise`` with
``MADV_DONTNEED``: they read as zeros afterwards and take no memory until
written again). Elsewhere than Linux nothing is given back (the rows stay,
unread)."""

from __future__ import annotations

import ctypes
import mmap
import sys

import numpy as np

__all__ = ["forget_rows", "give_back_heap", "zeros"]

_MADV_DONTNEED = 4
_MADV_NOHUGEPAGE = 15
_PAGE = mmap.PAGESIZE


def _madvise():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.madvise
    except (OSError, AttributeError):
        return None
    call.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    call.restype = ctypes.c_int
    return call


_CALL = _madvise()


def _trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc
    except (OSError, AttributeError):
        return None


_TRIM = _trim()


def give_back_heap() -> None:
    """Return the heap's free memory to the operating system (glibc's
    ``malloc_trim``): what a day's tables used is free, but the allocator
    keeps it unless asked."""
    if _TRIM is not None:
        _TRIM(0)


def zeros(n: int, dtype) -> np.ndarray:
    """``np.zeros(n, dtype)`` whose memory is taken a small page at a time as
    rows are written (numpy asks Linux for 2 MB pages for large arrays: a
    column of a long run written a day at a time would take 2 MB at each
    touch, and a page given back could not be)."""
    values = np.zeros(n, dtype=dtype)
    if _CALL is not None and values.nbytes >= 4 * _PAGE:
        start = -(-values.ctypes.data // _PAGE) * _PAGE
        end = (values.ctypes.data + values.nbytes) // _PAGE * _PAGE
        if end > start:
            _CALL(start, end - start, _MADV_NOHUGEPAGE)
    return values


def forget_rows(values: np.ndarray | None, lo: int, hi: int) -> None:
    """Give back the whole pages of rows ``lo..hi-1`` of a one-dimensional
    column (the rows at the edges, sharing a page with others, are kept)."""
    if _CALL is None or values is None or hi <= lo or values.ndim != 1 or not values.flags.c_contiguous:
        return
    hi = min(hi, values.size)
    start = values.ctypes.data + lo * values.itemsize
    end = values.ctypes.data + hi * values.itemsize
    first, last = -(-start // _PAGE) * _PAGE, end // _PAGE * _PAGE
    if last > first:
        _CALL(first, last - first, _MADV_DONTNEED)
