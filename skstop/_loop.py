"""The epoch loop: train, score, record, decide, and hand each epoch to the parts.

One loop serves every fit, scored or not; what differs is its parts: the
trainer (how an epoch trains), the monitor (what is best and when to stop),
the checkpoint saver, the schedules, the callbacks and the reporter. It can
run up to a given epoch, return, and be continued later from its state.
"""

import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._checkpoint import manifests, model_file_name
from ._interrupts import Preempted, watching_interrupts
from ._monitor import KEEPS_THE_BEST, Stop
from ._state import EpochPosition

# The training error that ProgressQuotient reads is scored on this many
# training rows at most, which keeps it cheap on large data.
TRAINING_PROBE_SIZE = 10_000


def score_or_nan(scorer, estimator, X, y, **params):
    """``scorer``'s score, NaN when the model's predictions are not finite.

    scikit-learn's scorers refuse a diverged model's NaN or infinite
    predictions with a ValueError; such a score is NaN, not an error. Told
    apart from other errors by the predictions themselves, never by the
    message's words.
    """
    try:
        return float(scorer(estimator, X, y, **params))
    except ValueError:
        if _outputs_are_finite(estimator, X):
            raise
        return np.nan


def _outputs_are_finite(estimator, X):
    """Whether the model's decision values (or predictions) on ``X`` are finite numbers.

    An error computing them is the input's (NaN in the validation rows, say),
    not the model's: it is raised, not scored as NaN.
    """
    method = next((m for m in ("decision_function", "predict") if hasattr(estimator, m)), None)
    if method is None:
        return True
    outputs = np.asarray(getattr(estimator, method)(X))
    return outputs.dtype.kind not in "fc" or bool(np.isfinite(outputs).all())


@dataclass
class ValidationSet:
    """The held-out data and how to score a model on it."""

    X: Any
    y: Any
    params: dict
    scorer: Any

    def score(self, estimator):
        """``estimator``'s score on the validation data."""
        return score_or_nan(self.scorer, estimator, self.X, self.y, **self.params)


class EpochLoop:
    """Trains ``state`` epoch by epoch until its monitor (or a part) says stop.

    Parameters
    ----------
    state : TrainingState
        What is trained, and everything recorded so far; updated in place.
    trainer : Trainer
        Trains and snapshots the inner estimator.
    monitor : StoppingMonitor or FixedEpochs
        Records each score, says which epoch is the best and when to stop.
    batches : EpochBatches
        The training rows of one epoch.
    validation : ValidationSet or None
        None when nothing is held out; every epoch's score is then NaN.
    tasks : EpochTasks
        scikit-learn's callbacks.
    reporter : callable
        ``reporter(first_epoch)`` makes the EpochReporter of one ``run``.
    schedules : list of ReduceOnPlateau, default=()
        Parameter changes between epochs.
    saver : CheckpointSaver, default=None
        Saves checkpoints as its policy says.
    restore_best : bool, default=True
        Whether the fit ends with the best epoch's state, as the final line says.
    record_training_score : bool, default=False
        Score every epoch on a subsample of the training rows too, even when
        no criterion needs it.
    loggers : list of Logger, default=()
        Told of the fit's start, each epoch's record and the fit's end.
    fit_info : FitInfo, default=None
        What the loggers are told of the fit.
    """

    def __init__(
        self,
        state,
        trainer,
        monitor,
        batches,
        validation,
        *,
        tasks,
        reporter,
        schedules=(),
        saver=None,
        restore_best=True,
        record_training_score=False,
        loggers=(),
        fit_info=None,
    ):
        self.state = state
        self.trainer = trainer
        self.monitor = monitor
        self.batches = batches
        self.validation = validation
        self.schedules = list(schedules)
        self.saver = saver
        self.tasks = tasks
        self.reporter = reporter
        self.restore_best = restore_best
        self.loggers = list(loggers)
        self.fit_info = fit_info
        scores_training = record_training_score or monitor.needs_training_scores
        self._training_probe = self._probe() if scores_training and validation else None
        self._pauses = saver is not None and trainer.pauses_between_batches(batches.batch_size)
        self._saves_between_batches = self._pauses and saver.policy.saves_between_batches()
        self._watch = None
        self._trained = self._epoch_start = 0
        self._began = None

    def run(self, until=None):
        """Train until stopped, or until epoch ``until``; the Stop, or None when paused."""
        state = self.state
        state.started = time.perf_counter()
        if self.loggers:
            self.fit_info.resumed_from = state.n_epochs
            self.fit_info.checkpoint_path = state.checkpoint_folder
            self.fit_info.memory = state.logger_memory
            for logger in self.loggers:
                logger.on_fit_begin(self.fit_info)
        # A resumed run that had already stopped stays stopped, unless the
        # parameters now allow more (a larger max_iter, say).
        state.stop = self.monitor.decide(state) if state.n_epochs and not state.position else None
        watch = watching_interrupts(termination=self.saver is not None)
        with self.reporter(state.n_epochs) as reporter, watch as self._watch:
            try:
                while state.stop is None and (until is None or state.n_epochs < until):
                    state.stop = self._run_epoch(reporter, pausing=state.n_epochs + 1 == until)
                    if self._watch.terminated:
                        self._preempt(ending=state.stop is not None or state.n_epochs == until)
            except KeyboardInterrupt:
                if state.best is None:
                    raise
                state.stop = self._interrupted()
            except Preempted:
                state.stop = Stop(
                    "preempted",
                    f"preempted (SIGTERM) during epoch {state.n_epochs + 1}, after a "
                    "checkpoint was committed",
                )
            if state.stop is not None:
                self._finish(reporter)
        return state.stop

    def _run_epoch(self, reporter, pausing=False):
        state, trainer = self.state, self.trainer
        started = time.perf_counter()
        self._train(state.position)
        self._watch.raise_if_pressed()  # the estimator swallowed a Ctrl-C (MLP does)
        score = np.nan if self.validation is None else self.validation.score(state.estimator)
        if self._training_probe is not None:
            state.training_scores.append(
                score_or_nan(self.validation.scorer, state.estimator, *self._training_probe)
            )
        improved = self.monitor.record(state, score)
        if improved:
            snapshot_started = time.perf_counter()
            snapshot = trainer.snapshot(state.estimator, reuse=state.best)
            if self.saver is not None:
                self.saver.note_snapshot(snapshot, time.perf_counter() - snapshot_started)
            state.keep_best(snapshot, trainer.rng_state())
        reporter.epoch(state.n_epochs, score, state.best_score, state.best_iteration)
        row = self._history_row(score, time.perf_counter() - started)
        stop = self.monitor.decide(state)
        stop_asked = self.tasks.end_epoch(
            state.estimator, *self.batches.rows_in_memory(), state.history, row
        )
        if stop is None and stop_asked:
            stop = Stop("callback", "a callback asked to stop")
        if stop is not None and state.best is None:
            improved = self._keep_the_last_epoch(stop)
        # A pause is saved too: a search killed between its rungs resumes there.
        saving = self.saver is not None and self.saver.due(
            state, improved=improved, stop=stop, pausing=pausing
        )
        self._record(row, saving)
        if stop is None:
            self._apply_schedules(reporter)
        if saving:
            self.saver.save(state, improved=improved, stop=stop)
        return stop

    def _train(self, resume):
        """Train one epoch (the rest of it, continuing from a checkpoint's ``resume``).

        Between its batches, where the trainer can pause, the epoch's place
        and RNG states are kept so that a save there can be continued
        exactly; where it cannot, SIGTERM commits at once what is in memory.
        """
        state, trainer = self.state, self.trainer
        trainer.initialize(state.estimator)
        self._trained = resume.batches if resume else 0
        self._epoch_start = state.batches_trained - self._trained
        if self._pauses:
            self._began = (
                (resume.numpy_rng, resume.trainer_rng)
                if resume
                else (state.random_state.get_state(), trainer.rng_state())
            )
        self._watch.at_once = None if self._pauses else self._preempt_at_once
        try:
            with self.tasks.begin_epoch(state.estimator):
                trainer.train_one_epoch(
                    state.estimator,
                    self.batches,
                    between_batches=self._between_batches if self._pauses else None,
                    resume=resume,
                )
        finally:
            self._watch.at_once = None
        state.position = None
        state.batches_trained = self._epoch_start + self._trained + 1

    def _between_batches(self, trained):
        """``trained`` batches of the epoch are done: preempted, or due a save, it is saved here."""
        state = self.state
        self._trained = trained
        state.position = EpochPosition(trained, *self._began)
        state.batches_trained = self._epoch_start + trained
        if self._watch.terminated:
            self._preempt()
        elif self._saves_between_batches and self.saver.due_between_batches(state):
            self.saver.save(state, improved=False, stop=None)

    def _preempt(self, ending=False):
        """SIGTERM: commit the state as it is now, then hand the signal on (``_hand_on``)."""
        state = self.state
        if state.position is not None or not state.history[-1]["checkpoint"]:
            self.saver.save(state, improved=False, stop=None)
        self._hand_on(ending)

    def _preempt_at_once(self):
        """SIGTERM inside an epoch that is one call: commit the best state, held in memory."""
        if self.state.best is None:
            return  # nothing in memory to commit: the epoch goes on
        self._watch.at_once = None
        self.saver.save_best_if_unsaved(self.state)
        self._hand_on()

    def _hand_on(self, ending=False):
        """Once the last commit is durable, give SIGTERM to the handler it was meant for.

        Raises Preempted when that handler returns, unless the run was
        ``ending`` anyway (stopped or paused after this epoch, and saved as such).
        """
        self.saver.flush()
        self._watch.hand_on_termination()
        if not ending:
            raise Preempted

    def _history_row(self, score, epoch_time):
        """The epoch's row of ``history_``: scores, times, the values its schedules set."""
        state = self.state
        elapsed = state.history[-1]["elapsed"] if state.history else 0.0
        row = {"epoch": state.n_epochs, "validation_score": float(score)}
        if self._training_probe is not None:
            row["training_score"] = float(state.training_scores[-1])
        row.update(epoch_time=epoch_time, elapsed=elapsed + epoch_time)
        params = state.estimator.get_params(deep=False) if self.schedules else {}
        row.update({schedule.param: params[schedule.param] for schedule in self.schedules})
        return row

    def _record(self, row, saving):
        """Add the epoch's row, with whether it is saved, to the history; tell the loggers."""
        row["checkpoint"] = saving
        self.state.history.append(row)
        for logger in self.loggers:
            logger.on_epoch_end(self.fit_info, row)

    def log_fit_end(self, checkpoint_path):
        """Tell the loggers the fit stopped, once its last checkpoint is committed."""
        if not self.loggers:
            return
        state = self.state
        best_model = manifest = None
        if checkpoint_path is not None:
            best_model = Path(checkpoint_path) / model_file_name(state.best_iteration)
            committed = manifests(checkpoint_path)  # newest first
            manifest = committed[0][1] if committed else None
        result = {
            "best_iteration": state.best_iteration,
            "best_score": float(state.best_score),
            "n_iter": state.n_epochs,
            "stop_reason": state.stop.reason,
            "termination_condition": state.stop.condition,
            "checkpoint_path": checkpoint_path,
            "best_model": best_model if best_model is not None and best_model.is_file() else None,
            "manifest": manifest,
        }
        for logger in self.loggers:
            logger.on_fit_end(self.fit_info, result)

    def _interrupted(self):
        state = self.state
        if self.saver is not None:
            self.saver.save_best_if_unsaved(state)
        warnings.warn(
            f"Training interrupted during epoch {state.n_epochs + 1}; keeping "
            f"the best state so far (epoch {state.best_iteration}).",
            UserWarning,
        )
        return Stop("interrupted", f"interrupted during epoch {state.n_epochs + 1}")

    def _keep_the_last_epoch(self, stop):
        """Training stops with no epoch kept yet: the last one is the model.

        Always so without a validation score; with one, only when the stop
        comes inside the ``min_iter`` warm-up (a callback asked, say).
        """
        state = self.state
        state.keep_best(self.trainer.snapshot(state.estimator), self.trainer.rng_state())
        if self.monitor.scored:
            warnings.warn(
                f"Training stopped at epoch {state.n_epochs} ({stop.reason}), inside "
                f"the min_iter={self.monitor.min_iter} warm-up, before any epoch could "
                "be kept as the best; the last epoch's state is kept.",
                UserWarning,
            )
        return True

    def _finish(self, reporter):
        state = self.state
        self.trainer.end_training(state.estimator, *self.batches.rows_in_memory())
        if not state.stop.converged:
            warnings.warn(
                f"{state.stop.reason}: the model may not have converged. Raise "
                "max_iter to train further (with warm_start=True, training continues "
                "where it stopped).",
                ConvergenceWarning,
            )
        never_learned = self.monitor.never_learned(state.best_score)
        if never_learned is not None:
            warnings.warn(never_learned, UserWarning)
        if state.stop.condition == "preempted":
            warnings.warn(
                f"Training was preempted (SIGTERM) during epoch {state.n_epochs + 1}; a "
                "checkpoint was committed first, and the best state so far (epoch "
                f"{state.best_iteration}) is kept. Fit again with warm_start=True to "
                "continue where it stopped.",
                UserWarning,
            )
        if state.stop.condition == "non_finite":
            warnings.warn(
                f"The validation score is {state.scores[-1]} at epoch "
                f"{state.n_epochs}; training stopped and the best state (epoch "
                f"{state.best_iteration}) was kept. A diverging model may need a "
                "lower learning rate; a validation split of very few rows can make "
                "scores like r2 undefined.",
                UserWarning,
            )
        kept = (
            f"restored epoch {state.best_iteration} (score {state.best_score:.6g})"
            if self.restore_best or state.stop.condition in KEEPS_THE_BEST
            else "kept the last epoch"
        )
        reporter.stopped(f"stopped after epoch {state.n_epochs}: {state.stop.reason}; {kept}")

    def _apply_schedules(self, reporter):
        state = self.state
        for schedule in self.schedules:
            event = schedule.step(
                state.estimator, state.n_epochs, state.best_iteration, state.events
            )
            if event is not None:
                state.estimator.set_params(**{event["param"]: event["new"]})
                state.events.append(event)
                reporter.note(
                    f"epoch {event['epoch']:>4d}  {event['param']} "
                    f"{event['old']:g} -> {event['new']:g}"
                )

    def _probe(self):
        """A fixed subsample of the training rows, to score the training error on."""
        positions = np.sort(
            self.state.split_random_state().permutation(self.batches.n_samples)[
                :TRAINING_PROBE_SIZE
            ]
        )
        return self.batches.sample(positions)[:2]
