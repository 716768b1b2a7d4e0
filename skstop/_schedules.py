"""Hyperparameter schedules applied between epochs (learning-rate decay)."""

from numbers import Integral, Real

from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

# Parameters that an estimator reads once, at its first partial_fit, into
# internal state: set_params between epochs would silently change nothing.
_MLP_READ_ONCE = {
    "learning_rate_init",
    "momentum",
    "nesterovs_momentum",
    "beta_1",
    "beta_2",
    "epsilon",
}
_READ_ONCE = {"MLPClassifier": _MLP_READ_ONCE, "MLPRegressor": _MLP_READ_ONCE}


def _ignored_reason(estimator, param):
    """Why changing ``param`` of ``estimator`` between epochs would do nothing."""
    name = type(estimator).__name__
    if param in _READ_ONCE.get(name, ()):
        return (
            f"{name} reads {param!r} only once, into its optimizer at the first "
            "partial_fit, so changing it between epochs has no effect"
        )
    if param == "eta0" and getattr(estimator, "learning_rate", None) == "optimal":
        return (
            f"{name}(learning_rate='optimal') ignores eta0; use "
            "learning_rate='constant' (or 'invscaling', 'adaptive') to schedule it"
        )
    return None


class ReduceOnPlateau(BaseEstimator):
    """Multiply an inner parameter by ``factor`` when the score plateaus.

    After ``patience`` epochs without improvement (counted from the best epoch
    or from the last reduction, whichever is later), the inner estimator's
    ``param`` is set to ``max(value * factor, min_value)`` through
    ``set_params``. Each change is recorded in the fitted wrapper's
    ``schedule_events_``.

    Parameters
    ----------
    param : str
        Parameter of the inner estimator (the last step of a Pipeline), e.g.
        ``"eta0"`` for ``SGDClassifier(learning_rate="constant")`` or ``"lr"``
        for a skorch net.
    factor : float, default=0.5
        Multiplier, in (0, 1).
    patience : int, default=2
        Epochs without improvement before each reduction.
    min_value : float, default=0.0
        The parameter is never set below this.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import SGDClassifier
    >>> from skstop import EarlyStoppingEstimator, ReduceOnPlateau
    >>> X, y = load_digits(return_X_y=True)
    >>> model = EarlyStoppingEstimator(
    ...     SGDClassifier(learning_rate="constant", eta0=0.1, random_state=0),
    ...     schedules=[ReduceOnPlateau("eta0", factor=0.5, patience=1)],
    ...     n_iter_no_change=4, random_state=0,
    ... ).fit(X / 16, y)
    >>> [event["param"] for event in model.schedule_events_][:1]
    ['eta0']
    """

    _parameter_constraints: dict = {
        "param": [str],
        "factor": [Real],  # its range is checked with a message of its own
        "patience": [Interval(Integral, 0, None, closed="left")],
        "min_value": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, param, factor=0.5, patience=2, min_value=0.0):
        self.param = param
        self.factor = factor
        self.patience = patience
        self.min_value = min_value

    def check(self, estimator):
        """Raise a ValueError if scheduling ``param`` of ``estimator`` cannot work.

        Parameters
        ----------
        estimator : estimator object
            The (unfitted) estimator whose parameter is scheduled.
        """
        self._validate_params()
        if not 0 < self.factor < 1:
            raise ValueError(f"ReduceOnPlateau factor must be in (0, 1); got {self.factor!r}.")
        params = estimator.get_params()
        if self.param not in params:
            raise ValueError(
                f"ReduceOnPlateau: {type(estimator).__name__} has no parameter {self.param!r}."
            )
        value = params[self.param]
        if not isinstance(value, Real) or isinstance(value, bool):
            raise ValueError(
                f"ReduceOnPlateau({self.param!r}): {type(estimator).__name__}'s "
                f"{self.param} is {value!r}, not a number that can be multiplied by factor."
            )
        reason = _ignored_reason(estimator, self.param)
        if reason is not None:
            raise ValueError(f"ReduceOnPlateau({self.param!r}): {reason}.")

    def step(self, estimator, n_epochs, best_iteration, events):
        """The change to make after epoch ``n_epochs``, if the score plateaued.

        Parameters
        ----------
        estimator : estimator object
            The estimator being trained.
        n_epochs : int
            Epochs run so far.
        best_iteration : int
            1-based epoch of the best score so far.
        events : list of dict
            The changes made so far, by every schedule.

        Returns
        -------
        event : dict or None
            ``{"epoch", "param", "old", "new"}``, or None for no change.
        """
        mine = [event["epoch"] for event in events if event["param"] == self.param]
        since = max([best_iteration, *mine])
        if n_epochs - since < self.patience:
            return None
        old = estimator.get_params()[self.param]
        new = max(old * self.factor, self.min_value)
        if new == old:
            return None
        return {"epoch": n_epochs, "param": self.param, "old": old, "new": new}
