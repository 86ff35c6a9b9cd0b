"""tinynn: a small, readable deep-learning framework on numpy and numba."""

__version__ = "0.1.0"
