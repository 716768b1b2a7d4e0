"""The state of a fit between epochs: all it takes to continue exactly."""

import math

import numpy as np

from ._criteria import is_improvement
from ._snapshot import take_snapshot
from ._torch import torch_rng_from_json, torch_rng_state, torch_rng_to_json


class TrainingState:
    """Live estimator, best snapshot, score history and RNG of one fit.

    Parameters
    ----------
    estimator : estimator object
        The inner estimator being trained (a clone of the user's).
    random_state : numpy.random.RandomState
        Shuffles the minibatches; its state before the first epoch also seeds
        the validation split, so a resumed fit holds out the same rows.
    config : str or None
        Identifies the parameters and data, so that only the same
        configuration is ever resumed.
    """

    def __init__(self, estimator, random_state, config, initial_rng_state=None):
        self.estimator = estimator
        self.random_state = random_state
        self.initial_rng_state = initial_rng_state or random_state.get_state()
        self.config = config
        self.best = None
        self.scores = []
        self.best_iteration = 0
        self.best_score = -np.inf
        self.best_rng_state = None
        self.checkpoint_folder = None
        self.training_scores = []
        self.events = []
        self.preprocessing = None
        self.started = None

    @property
    def n_epochs(self):
        return len(self.scores)

    def split_random_state(self):
        """A fresh RandomState at the initial state, for the validation split."""
        random_state = np.random.RandomState()
        random_state.set_state(self.initial_rng_state)
        return random_state

    def record(self, score, *, tol, relative=False, min_iter=0):
        """Add an epoch's score; snapshot and return True if it is the new best.

        Epochs before ``min_iter`` are warm-up and never kept, except that a
        non-finite score with nothing kept yet is: there must be a model to
        return. The first epoch after warm-up is always kept.
        """
        self.scores.append(score)
        warming_up = self.n_epochs < min_iter and math.isfinite(score)
        if warming_up or (
            self.best is not None
            and not is_improvement(score, self.best_score, tol, relative)
        ):
            return False
        self.best = take_snapshot(self.estimator, reuse=self.best)
        self.best_iteration, self.best_score = self.n_epochs, score
        self.best_rng_state = self._rng_states()
        return True

    def _rng_states(self):
        return {"numpy": self.random_state.get_state(), "torch": torch_rng_state()}

    def progress(self, termination, *, at_best=False, **fitted):
        """Everything but the estimators, as JSON, for a checkpoint manifest.

        ``at_best`` describes the state as it was right after the best epoch
        (scores and RNG included), a point training can resume from exactly
        even when later epochs were cut short.
        """
        n_epochs = self.best_iteration if at_best else self.n_epochs
        rng_states = self.best_rng_state if at_best else self._rng_states()
        return {
            "validation_scores": self.scores[:n_epochs],
            "best_iteration": self.best_iteration,
            "best_score": self.best_score,
            "termination": termination,
            "initial_rng": rng_state_to_json(self.initial_rng_state),
            "rng": rng_state_to_json(rng_states["numpy"]),
            "torch_rng": torch_rng_to_json(rng_states["torch"]),
            "config": self.config,
            "training_scores": self.training_scores[:n_epochs],
            "schedule_events": [e for e in self.events if e["epoch"] <= n_epochs],
            **fitted,
        }

    @classmethod
    def from_checkpoint(cls, checkpoint):
        progress = checkpoint.progress
        estimator = checkpoint.load("model")
        same_file = checkpoint.body["files"]["best"] == checkpoint.body["files"]["model"]
        best = estimator if same_file else checkpoint.load("best")
        state = cls(
            estimator,
            rng_from_json(progress["rng"]),
            progress["config"],
            rng_state_from_json(progress["initial_rng"]),
        )
        if progress["best_iteration"] == len(progress["validation_scores"]):
            state.best_rng_state = {
                "numpy": state.random_state.get_state(),
                "torch": torch_rng_from_json(progress["torch_rng"]),
            }
        state.best = take_snapshot(best)
        state.scores = list(progress["validation_scores"])
        state.training_scores = list(progress["training_scores"])
        state.events = list(progress["schedule_events"])
        if "preprocessing" in checkpoint.body["files"]:
            state.preprocessing = checkpoint.load("preprocessing")
        state.best_iteration = progress["best_iteration"]
        state.best_score = progress["best_score"]
        state.checkpoint_folder = checkpoint.folder
        return state


def rng_state_to_json(rng_state):
    name, keys, position, has_gauss, cached = rng_state
    return [name, keys.tolist(), int(position), int(has_gauss), float(cached)]


def rng_state_from_json(state):
    name, keys, position, has_gauss, cached = state
    return name, np.asarray(keys, dtype=np.uint32), position, has_gauss, cached


def rng_from_json(state):
    random_state = np.random.RandomState()
    random_state.set_state(rng_state_from_json(state))
    return random_state
