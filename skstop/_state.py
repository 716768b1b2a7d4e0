"""The state of a fit between epochs, as data: all it takes to continue exactly.

Also its manifest form (what a checkpoint records besides the model files) and
the fitted attributes derived from it, which ``fit`` and ``load_checkpoint``
set alike.
"""

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags

from ._monitor import KEEPS_THE_BEST
from ._trainers import take_snapshot


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
    initial_rng_state : tuple, default=None
        ``random_state``'s state before the first epoch, when resuming.
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
        self.best_batches_trained = None
        self.checkpoint_folder = None
        self.training_scores = []
        self.events = []
        self.history = []  # one dict per epoch (see EpochLoop._record)
        self.logger_memory = {}  # what loggers keep with the run (FitInfo.memory)
        self.preprocessing = None
        self.started = None
        self.stop = None
        #: The trainer's RNG state (JSON) where a continued fit takes it up:
        #: as a checkpoint committed it, or as a seeded fit left it.
        self.trainer_rng = None
        #: Batches trained since the run began, resumes included (``Every(batches=...)``).
        self.batches_trained = 0
        #: Inside an epoch: batches of it trained, and where its RNGs started
        #: (an EpochPosition); None at an epoch's end.
        self.position = None

    @property
    def n_epochs(self):
        return len(self.scores)

    def split_random_state(self):
        """A fresh RandomState at the initial state, for the validation split."""
        random_state = np.random.RandomState()
        random_state.set_state(self.initial_rng_state)
        return random_state

    def trainer_seed(self):
        """A seed for a trainer's own generator (torch's, for nets), drawn from random_state."""
        return int(self.split_random_state().randint(np.iinfo(np.int32).max))

    def keep_best(self, snapshot, trainer_rng):
        """The last epoch is the best: keep its snapshot, score and RNG states."""
        self.best = snapshot
        self.best_iteration, self.best_score = self.n_epochs, self.scores[-1]
        self.best_rng_state = (self.random_state.get_state(), trainer_rng)
        self.best_batches_trained = self.batches_trained

    def to_manifest(self, stop, *, trainer_rng, at_best=False, **fitted):
        """Everything but the estimators, as JSON, for a checkpoint manifest.

        ``at_best`` describes the state as it was right after the best epoch
        (scores and RNG included), a point training can resume from exactly
        even when later epochs were cut short. Inside an epoch, the RNGs are
        recorded as the epoch began, to draw its batches again, and
        ``trainer_rng`` (the trainer's generator now) goes in the position.
        """
        n_epochs = self.best_iteration if at_best else self.n_epochs
        numpy_rng, trainer_rng = (
            self.best_rng_state if at_best else (self.random_state.get_state(), trainer_rng)
        )
        position = None
        if self.position is not None and not at_best:
            position = {"batches": self.position.batches, "trainer_rng": trainer_rng}
            numpy_rng, trainer_rng = self.position.numpy_rng, self.position.trainer_rng
        return {
            "validation_scores": self.scores[:n_epochs],
            "best_iteration": self.best_iteration,
            "best_score": self.best_score,
            "termination": None if stop is None else stop.condition,
            "stop_reason": None if stop is None else stop.reason,
            "initial_rng": rng_state_to_json(self.initial_rng_state),
            "rng": rng_state_to_json(numpy_rng),
            "trainer_rng": trainer_rng,  # null: the estimator draws from numpy only
            "config": self.config,
            "training_scores": self.training_scores[:n_epochs],
            "schedule_events": [e for e in self.events if e["epoch"] <= n_epochs],
            "history": self.history[:n_epochs],
            "loggers": self.logger_memory,
            "batches_trained": self.best_batches_trained if at_best else self.batches_trained,
            "position": position,
            **fitted,
        }

    @classmethod
    def from_manifest(cls, manifest):
        """The state a verified manifest committed, ready to train on."""
        record = manifest.record
        files = manifest.body["files"]
        estimator = _trained_step(manifest.load("model"))
        state = cls(
            estimator,
            rng_from_json(record["rng"]),
            record["config"],
            rng_state_from_json(record["initial_rng"]),
        )
        state.trainer_rng = record["trainer_rng"]
        if record["best_iteration"] == len(record["validation_scores"]):
            state.best_rng_state = (state.random_state.get_state(), record["trainer_rng"])
        # A checkpoint inside the min_iter warm-up has no best epoch yet.
        if "best" in files:
            same_file = files["best"] == files["model"]
            state.best = take_snapshot(
                estimator if same_file else _trained_step(manifest.load("best"))
            )
        state.scores = list(record["validation_scores"])
        state.training_scores = list(record["training_scores"])
        state.events = list(record["schedule_events"])
        state.history = [dict(row) for row in record["history"]]
        state.logger_memory = dict(record["loggers"])
        state.batches_trained = record["batches_trained"] or 0
        if record["best_iteration"] == len(record["validation_scores"]):
            state.best_batches_trained = state.batches_trained
        if record["position"] is not None:
            state.position = EpochPosition(
                record["position"]["batches"],
                state.random_state.get_state(),
                record["trainer_rng"],
                resume_rng=record["position"]["trainer_rng"],
            )
        if "preprocessing" in files:
            state.preprocessing = manifest.load("preprocessing")
        state.best_iteration = record["best_iteration"]
        state.best_score = record["best_score"]
        state.checkpoint_folder = manifest.folder
        return state


class EpochPosition:
    """How far into an epoch a fit is, and the RNG states the epoch began with.

    Parameters
    ----------
    batches : int
        Batches of the epoch trained.
    numpy_rng : tuple
        ``random_state``'s state as the epoch began: drawing its batches again
        from it gives the same rows in the same order.
    trainer_rng : object
        The trainer's generator as the epoch began (JSON), or None.
    resume_rng : object, default=None
        Read from a checkpoint: the trainer's generator after ``batches``
        batches, where a resumed fit takes it up.
    """

    def __init__(self, batches, numpy_rng, trainer_rng, resume_rng=None):
        self.batches = batches
        self.numpy_rng = numpy_rng
        self.trainer_rng = trainer_rng
        self.resume_rng = resume_rng


def _trained_step(model):
    """The estimator trained epoch by epoch, from a model file (a Pipeline: its last step)."""
    return model.steps[-1][1] if isinstance(model, Pipeline) else model


def input_attributes(wrapper):
    """The wrapper's ``n_features_in_`` and ``feature_names_in_``, as JSON."""
    names = getattr(wrapper, "feature_names_in_", None)
    return {
        "n_features_in": getattr(wrapper, "n_features_in_", None),
        "feature_names_in": None if names is None else names.tolist(),
    }


def set_fitted_attributes(wrapper, state, stop, inputs=None):
    """Set the wrapper's fitted attributes from a finished (or loaded) training state.

    ``stop`` is the Stop that ended training.

    ``inputs`` (from ``input_attributes``) sets ``n_features_in_`` and
    ``feature_names_in_`` too, for a wrapper that never saw the data.
    """
    if inputs is not None:
        wrapper.n_features_in_ = inputs["n_features_in"]
        if inputs["feature_names_in"] is not None:
            wrapper.feature_names_in_ = np.asarray(inputs["feature_names_in"], dtype=object)
    termination = stop.condition
    keep_last = not wrapper.restore_best and termination not in KEEPS_THE_BEST
    # A copy even of the live estimator: a later warm start trains the live
    # one further, and estimator_ must not change under the user's feet.
    trained = (take_snapshot(state.estimator) if keep_last else state.best).restore()
    if state.preprocessing is not None:
        last_step = wrapper.estimator.steps[-1][0]
        trained = Pipeline([*state.preprocessing.steps, (last_step, trained)])
    wrapper.estimator_ = trained
    wrapper.schedule_events_ = list(state.events)
    wrapper.history_ = [dict(row) for row in state.history]
    if state.training_scores:
        wrapper.training_scores_ = np.asarray(state.training_scores, dtype=float)
    wrapper.n_iter_ = state.n_epochs
    wrapper.best_iteration_ = state.best_iteration
    wrapper.best_score_ = state.best_score
    wrapper.validation_scores_ = np.asarray(state.scores, dtype=float)
    wrapper.termination_condition_ = termination
    wrapper.stop_reason_ = stop.reason
    wrapper.checkpoint_path_ = None if wrapper.checkpoint_dir is None else state.checkpoint_folder
    if get_tags(wrapper.estimator).estimator_type == "classifier":
        wrapper.classes_ = trained.classes_


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
