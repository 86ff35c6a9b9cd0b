"""Multi-layer perceptrons with scikit-learn's interface, built on tinynn's own layers, losses,
optimisers and data loader: `MLPClassifier`, `MLPRegressor` (`LogisticRegression` is in logistic.py).

    clf = MLPClassifier(hidden_layer_sizes=(10,), activation="tanh", random_state=0).fit(X, y)
    clf.predict(X), clf.predict_proba(X), clf.loss_curve_, clf.model_   # model_: an nn.Sequential

They minimise scikit-learn's objectives, so the sheets' settings carry over (W: the weight
matrices — biases are never penalised; n_b: the samples in the mini-batch):
    MLPClassifier   mean log-loss + α ‖W‖² / (2 n_b)       (one sigmoid output, or softmax for K > 2)
    MLPRegressor    ½ mean (y - ŷ)² + α ‖W‖² / (2 n_b)     (identity output)
Gradients come from tinynn's autodiff in float64. solver='adam' (the default) and 'sgd' (Nesterov
momentum) are tinynn.optim's, stepping over a tinynn.data.DataLoader; 'lbfgs' (full batch, often
best for small data) passes the flattened parameters and gradient to `logistic.lbfgs`.
`loss_curve_` holds the objective per epoch (per L-BFGS iteration), averaged over the epoch's
batches weighted by their size.
"""
import warnings

import numpy as np

from .. import losses, nn, optim
from ..data import DataLoader, TensorDataset, train_test_split
from ..tensor import Tensor, no_grad
from .base import (BaseEstimator, ClassifierMixin, RegressorMixin, check_is_fitted, check_n_features,
                   check_scalar, check_X_y)
from .logistic import (ConvergenceWarning, check_classes, class_targets, log_loss_of_logits, minimize_lbfgs,
                       probabilities)
from .metrics import accuracy_score, r2_score

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "logistic": nn.Sigmoid, "identity": nn.Identity}


class _BaseMLP(BaseEstimator):
    """Shared hyperparameters (scikit-learn's names and defaults), network building and training."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", solver="adam", alpha=1e-4,
                 batch_size="auto", learning_rate_init=1e-3, max_iter=200, shuffle=True, random_state=None,
                 tol=1e-4, verbose=False, momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10,
                 max_fun=15000):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun

    # ---- set-up ------------------------------------------------------------------------------
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, (int, np.integer)) else list(sizes)
        for h in sizes:
            check_scalar(h, "each hidden layer size", int, 1)
        return [int(h) for h in sizes]

    def _check_params(self):
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {self.activation!r}")
        if self.solver not in ("adam", "sgd", "lbfgs"):
            raise ValueError(f"solver must be 'adam', 'sgd' or 'lbfgs', got {self.solver!r}")
        check_scalar(self.alpha, "alpha", float, 0.0)
        check_scalar(self.learning_rate_init, "learning_rate_init", float, 0.0, include_low=False)
        check_scalar(self.max_iter, "max_iter", int, 1)
        check_scalar(self.tol, "tol", float, 0.0)
        check_scalar(self.n_iter_no_change, "n_iter_no_change", int, 1)
        check_scalar(self.validation_fraction, "validation_fraction", float, 0.0, 1.0, include_low=False)
        if self.batch_size != "auto":
            check_scalar(self.batch_size, "batch_size", int, 1)

    def _build(self, sizes, rng):
        """Linear layers with the hidden activation between them; Glorot-uniform weights and biases
        U(-a, a), a = √(6/(fan_in + fan_out)) (√(2/…) for 'logistic'), as scikit-learn initialises."""
        layers, factor = [], 2.0 if self.activation == "logistic" else 6.0
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            lin = nn.Linear(fan_in, fan_out, dtype=np.float64)
            bound = np.sqrt(factor / (fan_in + fan_out))
            for p in lin.parameters():
                nn.init.uniform_(p, -bound, bound, generator=rng)
            layers.append(lin)
            if i < len(sizes) - 2:
                layers.append(_ACTIVATIONS[self.activation]())
        return nn.Sequential(*layers)

    def _objective(self, x, target):
        """Data loss of this batch + α‖W‖²/(2 n_b) over the weight matrices."""
        loss = self._data_loss(self.model_(x), target)
        if self.alpha:
            loss = loss + (0.5 * self.alpha / len(x)) * nn.l2_penalty(self.model_, weights_only=True)
        return loss

    # ---- training ----------------------------------------------------------------------------
    def _fit(self, X, T, n_outputs, stratify=None):
        """Build ``model_`` for inputs X (n, d) and loss targets T, then run the solver."""
        self._check_params()
        rng = np.random.default_rng(self.random_state)
        self.n_features_in_ = X.shape[1]
        self.model_ = self._build([X.shape[1]] + self._hidden_sizes() + [n_outputs], rng)
        self.n_layers_, self.n_outputs_ = len(self._hidden_sizes()) + 2, n_outputs
        self.loss_curve_, self.n_iter_, self.t_ = [], 0, 0
        if self.solver == "lbfgs":
            x, t = Tensor(X), Tensor(T)
            self.n_iter_, converged, self.loss_curve_ = minimize_lbfgs(
                self.model_, lambda: self._objective(x, t), self.max_iter, self.tol, self.max_fun)
            self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else self._objective(x, t).item()
            if not converged and self.n_iter_ >= self.max_iter:
                self._warn_not_converged()
            return self
        X_val = T_val = None
        if self.early_stopping:
            seed = int(rng.integers(2**31))
            X, X_val, T, T_val = train_test_split(X, T, test_size=self.validation_fraction, random_state=seed,
                                                  stratify=stratify)
        self._run_epochs(X, T, X_val, T_val, rng)
        return self

    def _run_epochs(self, X, T, X_val, T_val, rng):
        """Mini-batch epochs until the loss (or validation score) stops improving by tol for
        n_iter_no_change + 1 epochs in a row, or max_iter epochs."""
        n = len(X)
        batch = min(200, n) if self.batch_size == "auto" else min(self.batch_size, n)
        params = list(self.model_.parameters())
        if self.solver == "adam":
            opt = optim.Adam(params, lr=self.learning_rate_init, betas=(self.beta_1, self.beta_2), eps=self.epsilon)
        else:
            opt = optim.SGD(params, lr=self.learning_rate_init, momentum=self.momentum,
                            nesterov=bool(self.nesterovs_momentum) and self.momentum > 0)
        loader = DataLoader(TensorDataset(X, T), batch_size=batch, shuffle=bool(self.shuffle), generator=rng)
        self.best_loss_, self.best_validation_score_, self.validation_scores_ = np.inf, -np.inf, []
        best_state, stalled = None, 0
        for _ in range(self.max_iter):
            total = 0.0
            for xb, tb in loader:
                opt.zero_grad()
                loss = self._objective(xb, tb)
                loss.backward()
                opt.step()
                total += loss.item() * len(xb)
            self.loss_curve_.append(total / n)
            self.n_iter_, self.t_ = self.n_iter_ + 1, self.t_ + n
            if X_val is not None:
                score = self._validation_score(X_val, T_val)
                self.validation_scores_.append(score)
                stalled = stalled + 1 if score < self.best_validation_score_ + self.tol else 0
                if score > self.best_validation_score_:
                    self.best_validation_score_, best_state = score, self.model_.state_dict()
            else:
                stalled = stalled + 1 if self.loss_curve_[-1] > self.best_loss_ - self.tol else 0
                self.best_loss_ = min(self.best_loss_, self.loss_curve_[-1])
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {self.loss_curve_[-1]:.8f}")
            if stalled > self.n_iter_no_change:
                break
        else:
            self._warn_not_converged()
        self.loss_ = self.loss_curve_[-1]
        if best_state is not None:
            self.model_.load_state_dict(best_state)
            self.best_loss_ = None

    def _warn_not_converged(self):
        warnings.warn(f"{type(self).__name__}: the optimiser reached max_iter={self.max_iter} before "
                      "converging; raise max_iter or adjust learning_rate_init", ConvergenceWarning)

    def _forward(self, X):
        """Network output (logits or predictions) for X as a numpy array (n, n_outputs)."""
        X = check_n_features(self, X)
        with no_grad():
            return self.model_(Tensor(X)).data

    @property
    def coefs_(self):
        """Weight matrices in scikit-learn's layout (fan_in, fan_out), one per layer."""
        check_is_fitted(self, "model_")
        return [m.weight.data.T.copy() for m in self.model_ if isinstance(m, nn.Linear)]

    @property
    def intercepts_(self):
        """Bias vectors, one per layer."""
        check_is_fitted(self, "model_")
        return [m.bias.data.copy() for m in self.model_ if isinstance(m, nn.Linear)]


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier: one sigmoid output for two classes, softmax for more,
    trained on the log-loss. ``predict_proba`` columns follow ``classes_``."""

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        self.classes_, idx = check_classes(y)
        k = len(self.classes_)
        return self._fit(X, class_targets(idx, k), 1 if k == 2 else k, stratify=idx)

    def _data_loss(self, z, target):
        return log_loss_of_logits(z, target)

    def _validation_score(self, X, T):
        pred = self.predict(X)
        true = self.classes_[T[:, 0].astype(int) if T.ndim == 2 else T]
        return accuracy_score(true, pred)

    def predict_proba(self, X):
        return probabilities(self._forward(X))

    def predict(self, X):
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor: identity output, trained on ½ mean squared error.
    ``predict`` returns shape (n,) when y was 1-D, else (n, n_outputs)."""

    def fit(self, X, y):
        X, y = check_X_y(X, y, y_numeric=True, multi_output=True)
        self._y_1d = y.ndim == 1
        Y = y[:, None] if self._y_1d else y
        return self._fit(X, Y, Y.shape[1])

    def _data_loss(self, z, target):
        return 0.5 * losses.mse_loss(z, target)

    def _validation_score(self, X, T):
        return r2_score(T, self._forward(X))

    def predict(self, X):
        out = self._forward(X)
        return out[:, 0] if self._y_1d else out
