"""Registry cases for layers and losses (tinynn/nn, tinynn/losses).

Layers with parameters are built once, outside the lambda, in float64; their parameter gradients are
checked through the functional form with (x, W, b, ...) as inputs.
"""
import numpy as np

import tinynn as tn
import tinynn.nn as nn
from registry import Case

f64 = np.float64
_linear = nn.Linear(4, 3, dtype=f64)

CASES = [
    # layers
    Case("Linear", lambda x: _linear(x), [(5, 4)]),
    Case("linear_x_w_b", lambda x, w, b: nn.linear(x, w, b), [(5, 4), (3, 4), (3,)]),
    Case("linear_no_bias_batched", lambda x, w: nn.linear(x, w), [(2, 3, 4), (2, 4)]),
]
