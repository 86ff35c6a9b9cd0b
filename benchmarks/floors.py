"""The floors: the same computations written with no framework at all, to show what is overhead.

- `Scalar`: a minimal pure-Python closure engine (micrograd's design, nothing else: no checks, no
  labels, no traces). The scalar engine's target is to stay within 1.5x of it.
- `NumpyMLP`: one MLP training step (forward, loss, backward, optimiser update) written directly
  in numpy, as one would by hand. The time of the maths alone; tinynn's time above it is the
  price of the graph, the modules and the optimiser's bookkeeping.
"""
import math

import numpy as np


class Scalar:
    """A float that records how it was made; backward() runs each node's chain-rule closure once."""

    def __init__(self, data, prev=()):
        self.data, self.grad, self.prev = data, 0.0, prev
        self.back = None

    def __add__(self, other):
        out = Scalar(self.data + other.data, (self, other))

        def back():
            self.grad += out.grad
            other.grad += out.grad
        out.back = back
        return out

    def __sub__(self, other):
        out = Scalar(self.data - other.data, (self, other))

        def back():
            self.grad += out.grad
            other.grad -= out.grad
        out.back = back
        return out

    def __mul__(self, other):
        out = Scalar(self.data * other.data, (self, other))

        def back():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out.back = back
        return out

    def __truediv__(self, other):
        out = Scalar(self.data / other.data, (self, other))

        def back():
            self.grad += out.grad / other.data
            other.grad -= self.data / other.data ** 2 * out.grad
        out.back = back
        return out

    def _unary(self, value, local):
        out = Scalar(value, (self,))

        def back():
            self.grad += local * out.grad
        out.back = back
        return out

    def exp(self):
        e = math.exp(self.data)
        return self._unary(e, e)

    def sin(self):
        return self._unary(math.sin(self.data), math.cos(self.data))

    def backward(self):
        order, seen = [], set()

        def visit(v):
            if v not in seen:
                seen.add(v)
                for p in v.prev:
                    visit(p)
                order.append(v)
        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            if v.back is not None:
                v.back()


def s34(x1, x2):
    """Exercise S3.4: L = (sin(x1/x2) + x1/x2 - e^x2) * (x1/x2 - e^x2), for any engine's scalars."""
    a, b = x1 / x2, x2.exp()
    return (a.sin() + a - b) * (a - b)


# ---- the MLP step in plain numpy ---------------------------------------------------------------
class NumpyMLP:
    """A training step of an MLP in plain numpy: Linear layers with `act` ('relu' or 'tanh') between
    them, then `loss`: 'ce' (softmax cross-entropy, integer targets), 'mse', or 'bce' (a sigmoid
    output layer and binary cross-entropy). Optimiser 'adam' or 'sgd', with PyTorch's update rules.

    `layers` is a list of (W, b) arrays, W of shape (out, in) as in nn.Linear; they are copied.
    """

    def __init__(self, layers, act, loss, optimizer="adam", lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params = [a.copy() for wb in layers for a in wb]
        self.act, self.loss, self.optimizer = act, loss, optimizer
        self.lr, self.betas, self.eps, self.t = lr, betas, eps, 0
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]

    def step(self, x, y):
        """One forward/backward/update on the batch (x, y); returns the loss as a float."""
        params = self.params
        n_layers = len(params) // 2
        hs = [x]
        h = x
        for i in range(n_layers):
            h = h @ params[2 * i].T + params[2 * i + 1]
            if i < n_layers - 1:
                h = np.maximum(h, 0) if self.act == "relu" else np.tanh(h)
            hs.append(h)
        loss, g = self._loss(h, y)
        grads = [None] * len(params)
        for i in reversed(range(n_layers)):
            grads[2 * i] = g.T @ hs[i]
            grads[2 * i + 1] = g.sum(axis=0)
            if i > 0:
                g = g @ params[2 * i]
                g = g * (hs[i] > 0) if self.act == "relu" else g * (1 - hs[i] * hs[i])
        self._update(grads)
        return loss

    def _loss(self, z, y):
        """The loss and its gradient with respect to the last layer's pre-activation z."""
        n = z.shape[0]
        if self.loss == "ce":
            shifted = z - z.max(axis=1, keepdims=True)
            logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            g = np.exp(logp)
            g[np.arange(n), y] -= 1
            return -logp[np.arange(n), y].mean(), g / n
        if self.loss == "mse":
            d = z - y
            return (d * d).mean(), 2 * d / d.size
        p = 1 / (1 + np.exp(-z))
        loss = -(y * np.log(p) + (1 - y) * np.log1p(-p)).mean()
        return loss, (p - y) / y.size

    def _update(self, grads):
        lr = self.lr
        if self.optimizer == "sgd":
            for p, g in zip(self.params, grads):
                p -= lr * g
            return
        (b1, b2), self.t = self.betas, self.t + 1
        c1, c2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p -= (lr / c1) * m / (np.sqrt(v / c2) + self.eps)
