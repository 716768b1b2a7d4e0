"""scikit-learn's callback API (``sklearn.callback``, scikit-learn >= 1.9).

The fit is the root task and each epoch a sub-task, so scikit-learn's
``ProgressBar`` and ``ScoringMonitor`` work on EarlyStoppingEstimator, and a
callback can stop training by returning True from ``on_fit_task_end``. Auto-
propagated callbacks reach an inner estimator that supports callbacks. With an
older scikit-learn, ``CallbackSupportMixin`` is an empty stand-in and all of
this is skipped.
"""

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9

    class CallbackSupportMixin:
        """Stand-in: no ``set_callbacks`` before scikit-learn 1.9."""


class EpochTasks:
    """The callback tasks of one fit: its root task and one sub-task per epoch.

    Parameters
    ----------
    wrapper : EarlyStoppingEstimator
        The estimator being fitted.
    max_epochs : int
        Most epochs this fit can run.
    X, y : array-like
        Data the root task reports to the callbacks.
    """

    def __init__(self, wrapper, max_epochs, X, y):
        self._wrapper = wrapper
        self._root = None
        if hasattr(wrapper, "_init_callback_context"):
            self._root = wrapper._init_callback_context(max_subtasks=max_epochs)
            self._root.call_on_fit_task_begin(estimator=wrapper, X=X, y=y)
        self._epoch = None

    def begin_epoch(self, inner):
        """Open the next epoch's task; a context manager around its training."""
        from contextlib import nullcontext

        if self._root is None:
            return nullcontext()
        self._epoch = self._root.subcontext(task_name="epoch")
        self._epoch.call_on_fit_task_begin(estimator=self._wrapper)
        if hasattr(inner, "set_callbacks"):
            return self._epoch.propagate_callback_context(inner)
        return nullcontext()

    def end_epoch(self, trained, X, y, history, row):
        """Close the epoch's task; True when a callback asks training to stop.

        ``X, y`` are the training rows when they are in memory (callbacks such
        as ScoringMonitor score the model on them), else None. A callback that
        asks for ``fitted_estimator`` gets the wrapper as after this epoch,
        with ``history_`` up to it (``history`` and this epoch's ``row``):
        ``metadata`` is the fit's metadata in scikit-learn's API, not a place
        for scores.
        """
        if self._epoch is None:
            return False
        return bool(
            self._epoch.call_on_fit_task_end(
                estimator=self._wrapper,
                X=X,
                y=y,
                reconstruction_attributes=lambda: {
                    **_fitted_attributes(trained),
                    "history_": [dict(record) for record in (*history, row)],
                },
            )
        )

    def end(self, X, y):
        if self._root is not None:
            self._root.call_on_fit_task_end(
                estimator=self._wrapper,
                X=X,
                y=y,
                reconstruction_attributes=lambda: _fitted_attributes(self._wrapper.estimator_),
            )


def _fitted_attributes(trained):
    """What makes a copy of the wrapper predict with ``trained``."""
    attributes = {"estimator_": trained}
    if hasattr(trained, "classes_"):
        attributes["classes_"] = trained.classes_
    return attributes
