"""EarlyStoppingDisplay: the learning curve of a fitted EarlyStoppingEstimator."""

import numpy as np
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted


class EarlyStoppingDisplay:
    """Validation score per epoch, with the best epoch and the stop marked.

    Follows scikit-learn's Display convention: build it with
    :meth:`from_estimator` (which plots), or from the arrays and call
    :meth:`plot`. Calling ``plot(ax=...)`` on the axes of another display
    overlays several runs. matplotlib is needed only to plot (``skstop[plot]``).

    Parameters
    ----------
    validation_scores : array-like of shape (n_epochs,)
        Validation score after each epoch.
    best_iteration : int
        1-based epoch of the best score.
    termination_condition : str
        Why training stopped.
    training_scores : array-like of shape (n_epochs,), default=None
        Training score per epoch, when it was recorded.
    name : str, default=None
        Label of the run in the legend.
    metric : str, default="score"
        What the scores measure; names the y axis.
    greater_is_better : bool, default=True
        False for losses: scores are then drawn negated, as the positive loss
        users know (a ``neg_*`` scorer's or a net's ``"loss"``).

    Attributes
    ----------
    line_ : matplotlib Line2D
        The validation curve.
    training_line_ : matplotlib Line2D or None
        The training curve, when there are training scores.
    best_marker_ : matplotlib Line2D
        The marker on the best epoch.
    ax_ : matplotlib Axes
        Axes with the curves.
    figure_ : matplotlib Figure
        Figure holding the axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import SGDClassifier
    >>> from skstop import EarlyStoppingDisplay, EarlyStoppingEstimator
    >>> X, y = load_digits(return_X_y=True)
    >>> model = EarlyStoppingEstimator(SGDClassifier(random_state=0), random_state=0)
    >>> display = EarlyStoppingDisplay.from_estimator(model.fit(X / 16, y))
    >>> display.ax_.get_xlabel()
    'epoch'
    """

    def __init__(
        self,
        *,
        validation_scores,
        best_iteration,
        termination_condition,
        training_scores=None,
        name=None,
        metric="score",
        greater_is_better=True,
    ):
        self.validation_scores = validation_scores
        self.best_iteration = best_iteration
        self.termination_condition = termination_condition
        self.training_scores = training_scores
        self.name = name
        self.metric = metric
        self.greater_is_better = greater_is_better

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None):
        """Plot the learning curve of a fitted EarlyStoppingEstimator.

        Parameters
        ----------
        estimator : EarlyStoppingEstimator or fitted search
            A fitted early-stopping estimator, or a fitted search over one
            (GridSearchCV ...), whose ``best_estimator_`` is drawn.
        ax : matplotlib Axes, default=None
            Axes to draw on (e.g. another display's ``ax_``, to overlay runs);
            a new figure when None.
        name : str, default=None
            Label of the run; the class name of the estimator trained epoch by
            epoch (a Pipeline's last step) when None.

        Returns
        -------
        display : EarlyStoppingDisplay
            The display, with the curves drawn.
        """
        estimator = getattr(estimator, "best_estimator_", estimator)
        check_is_fitted(estimator, "validation_scores_")
        metric, greater_is_better = _metric(estimator)
        display = cls(
            validation_scores=estimator.validation_scores_,
            best_iteration=estimator.best_iteration_,
            termination_condition=estimator.termination_condition_,
            training_scores=getattr(estimator, "training_scores_", None),
            name=name or type(estimator._trained_estimator).__name__,
            metric=metric,
            greater_is_better=greater_is_better,
        )
        return display.plot(ax=ax)

    @classmethod
    def from_search(cls, search, *, ax=None):
        """Plot every candidate of a fitted EpochHalvingSearchCV, the winner highlighted.

        Each candidate's curve is its mean validation score over its folds,
        up to the last epoch every fold reached; candidates are coloured by
        the last rung they reached, and the rungs' epoch budgets are dotted
        lines. The winner's star and stop are ``cv_results_``'s
        ``best_iteration`` (rounded) and ``termination_condition``.

        Parameters
        ----------
        search : EpochHalvingSearchCV
            A fitted search.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.

        Returns
        -------
        display : EarlyStoppingDisplay
            The winner's display (``line_`` is its curve), with
            ``candidate_lines_``: one line per candidate, None for the winner.
        """
        import matplotlib.pyplot as plt

        check_is_fitted(search, "validation_scores_")
        if ax is None:
            _, ax = plt.subplots()
        metric, greater_is_better = _metric(search.estimator)
        sign = 1.0 if greater_is_better else -1.0
        reached = search.cv_results_["iter"]
        colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, search.n_iterations_))
        lines, labelled = [None] * len(reached), set()
        for candidate in np.argsort(reached, kind="stable"):  # the legend in rung order
            curve, rung = search.validation_scores_[candidate], reached[candidate]
            if candidate == search.best_index_:
                continue
            budget = search.n_resources_[rung]
            label = (
                f"reached rung {rung + 1} (up to {budget} epoch{'s' * (budget > 1)}): "
                f"{np.sum(reached == rung)}"
            )
            (line,) = ax.plot(
                np.arange(1, len(curve) + 1),
                sign * curve,
                color=colors[rung],
                alpha=0.6,
                linewidth=1,
                marker=".",  # a candidate out after one epoch is a single point
                markersize=4,
                label="_nolegend_" if rung in labelled else label,
            )
            labelled.add(rung)
            lines[candidate] = line
        for budget in search.n_resources_[:-1]:
            ax.axvline(budget, color="grey", linestyle=":", linewidth=0.8)
        best = np.asarray(search.validation_scores_[search.best_index_])
        # The best epoch as cv_results_ has it (the mean of the folds' best
        # epochs), on a curve that ends where the first fold stopped.
        best_iteration = round(float(search.cv_results_["best_iteration"][search.best_index_]))
        display = cls(
            validation_scores=best,
            best_iteration=min(max(best_iteration, 1), len(best)),
            termination_condition=search.cv_results_["termination_condition"][search.best_index_],
            name="best: " + _short(search.best_params_),
            metric=metric,
            greater_is_better=greater_is_better,
        )
        display.plot(ax=ax, color="crimson")
        display.line_.set_linewidth(2.5)
        display.candidate_lines_ = lines
        return display

    def _mark_stop(self, ax, scores):
        """A dotted line at the last epoch, labelled with why training stopped."""
        ax.axvline(len(scores), color=self.line_.get_color(), linestyle=":", linewidth=1)
        # Stacked, so that the stops of overlaid runs stay readable.
        earlier_stops = sum(text.get_text().startswith("stop:") for text in ax.texts)
        ax.annotate(
            f"stop: {self.termination_condition}",
            (len(scores), scores[-1]),
            textcoords="offset points",
            xytext=(-5, -14 * (earlier_stops + 1)),
            ha="right",
            fontsize="small",
            color=self.line_.get_color(),
        )

    def plot(self, ax=None, *, name=None, color=None):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Label of the run; overrides the one given at construction.
        color : matplotlib color, default=None
            Colour of the run; the axes' next colour when None.

        Returns
        -------
        display : EarlyStoppingDisplay
            This display, with ``ax_``, ``figure_`` and the lines set.
        """
        import matplotlib.pyplot as plt
        from matplotlib.ticker import AutoLocator, FixedLocator, MaxNLocator

        if ax is None:
            _, ax = plt.subplots()
        name = name or self.name or "validation"
        sign = 1.0 if self.greater_is_better else -1.0
        scores = sign * np.asarray(self.validation_scores, dtype=float)
        epochs = np.arange(1, len(scores) + 1)
        (self.line_,) = ax.plot(
            epochs, scores, marker=".", color=color, label=f"{name} (validation)"
        )
        self.training_line_ = None
        if self.training_scores is not None:
            (self.training_line_,) = ax.plot(
                epochs,
                sign * np.asarray(self.training_scores, dtype=float),
                linestyle="--",
                color=self.line_.get_color(),
                label=f"{name} (training)",
            )
        (self.best_marker_,) = ax.plot(
            [self.best_iteration],
            [scores[self.best_iteration - 1]],
            marker="*",
            markersize=14,
            linestyle="none",
            color=self.line_.get_color(),
            label=f"best: epoch {self.best_iteration}",
        )
        self._mark_stop(ax, scores)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs, even for short runs
        low, high = ax.dataLim.intervaly  # of every run drawn on ax, this one included
        # One value only (a one-epoch run): one tick at it, not ticks at +-4 %
        # around it, which would suggest a change that never happened.
        ax.yaxis.set_major_locator(FixedLocator([low]) if low == high else AutoLocator())
        better = "greater" if self.greater_is_better else "lower"
        ax.set_ylabel(f"{self.metric} ({better} is better)")
        ax.legend(loc="best", fontsize="small")
        self.ax_, self.figure_ = ax, ax.figure
        return self


def _short(params):
    """``{'estimator__alpha': 0.001}`` as ``alpha=0.001``, for a legend."""
    return ", ".join(
        f"{name.split('__')[-1]}={value:.3g}"
        if isinstance(value, float)
        else f"{name.split('__')[-1]}={value}"
        for name, value in params.items()
    )


def _metric(estimator):
    """The name of what ``estimator``'s scores measure, and whether greater is better."""
    scoring = estimator.scoring
    if scoring is None:  # the estimator's own score
        kind = get_tags(estimator).estimator_type
        return {"classifier": "accuracy", "regressor": "r2"}.get(kind, "score"), True
    if scoring == "loss":
        return "loss", False
    if isinstance(scoring, str):
        if scoring.startswith("neg_"):
            return scoring[len("neg_") :], False
        return scoring, True
    return getattr(scoring, "__name__", "score"), True
