"""Send a fit's epochs to the tools people watch runs in: a CSV file, MLflow, TensorBoard.

Pass loggers as ``EarlyStoppingEstimator(..., loggers=[...])``; they are
parameters like any other (cloned by ``clone`` and by scikit-learn's searches).
To write your own, subclass :class:`Logger` and override the events you need.
"""

import csv
import importlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from sklearn.base import BaseEstimator

__all__ = ["CSVLogger", "FitInfo", "Logger", "MLflowLogger", "TensorBoardLogger"]


@dataclass
class FitInfo:
    """What a logger is told of the fit it logs.

    Attributes
    ----------
    name : str
        The estimator's class name.
    params : dict
        The wrapper's parameters, the inner estimator's under ``estimator__``.
    resumed_from : int
        The epoch the fit continues from (0 for a fit from scratch): events
        for later epochs replace what a killed run logged after it.
    checkpoint_path : pathlib.Path or None
        The run folder, once known (with ``checkpoint_dir``).
    memory : dict
        What loggers keep with the run (JSON values, e.g. a tracking run's
        id): saved in every checkpoint and handed back whenever the run
        continues — a warm start, a search's next rung, a resume from disk.
    """

    name: str
    params: dict
    resumed_from: int = 0
    checkpoint_path: Path | None = None
    memory: dict = field(default_factory=dict)


class Logger(BaseEstimator):
    """The protocol of a logger: one method per event of a fit; each does nothing here.

    Events, in order: ``on_fit_begin`` once per call to ``fit`` (a resumed
    fit too), ``on_epoch_end`` after every epoch, ``on_fit_end`` when the fit
    has stopped and its last checkpoint is committed (not when a search
    pauses it at a rung). A logger must be picklable and clonable: keep
    connections out of ``__init__``; open them in ``on_fit_begin``.

    Examples
    --------
    >>> from skstop.loggers import Logger
    >>> class PrintLogger(Logger):
    ...     def on_epoch_end(self, fit, record):
    ...         print(record["epoch"], round(record["validation_score"], 3))
    """

    def check(self):
        """Raise a ValueError for arguments that cannot work, before any training."""

    def on_fit_begin(self, fit):
        """The fit starts (or resumes from epoch ``fit.resumed_from``); ``fit`` is a FitInfo."""

    def on_epoch_end(self, fit, record):
        """An epoch ended; ``record`` is its row of ``history_``."""

    def on_fit_end(self, fit, result):
        """The fit stopped. ``result``: ``best_iteration``, ``best_score``, ``n_iter``,
        ``stop_reason``, ``termination_condition``, ``checkpoint_path``, ``best_model``
        (the best model's file, or None) and ``manifest`` (the newest committed
        manifest's file, or None)."""

    _live = ()  # attributes that hold open files or connections, never pickled

    def __getstate__(self):
        # A copy: object.__getstate__ hands over the live __dict__ itself.
        state = dict(super().__getstate__())
        for name in self._live:
            state.pop(name, None)
        return state


def _require(module, extra, owner):
    """``module`` imported, or an ImportError naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"{owner} needs {module.split('.')[0]}: pip install skstop[{extra}]"
        ) from error


def _numbers(record):
    """The numeric fields of a history record but its epoch, as floats (booleans as 0/1)."""
    return {
        name: float(value)
        for name, value in record.items()
        if name != "epoch" and isinstance(value, (int, float))
    }


class CSVLogger(Logger):
    """One row per epoch in a CSV file: ``history_`` as it grows.

    Appended across resumes without duplicating an epoch: a resumed fit drops
    the rows after the epoch it continues from, then appends.

    Parameters
    ----------
    path : str or path-like
        The CSV file; its folder must exist.
    """

    def __init__(self, path):
        self.path = path

    def check(self):
        folder = Path(self.path).absolute().parent
        if not folder.is_dir():
            raise ValueError(
                f"CSVLogger(path={str(self.path)!r}): the folder {folder} does not exist."
            )

    def on_fit_begin(self, fit):
        path = Path(self.path)
        kept = []
        if fit.resumed_from and path.is_file():
            with path.open(newline="") as file:
                kept = [
                    row for row in csv.DictReader(file) if int(row["epoch"]) <= fit.resumed_from
                ]
        # Open for the whole fit: a file opened per epoch cost 6 % of a 3 ms epoch.
        self._file = path.open("w", newline="")
        self._writer = None
        if kept:
            self._start(list(kept[0]))
            self._writer.writerows(kept)
            self._file.flush()

    def on_epoch_end(self, fit, record):
        if self._writer is None:
            self._start(list(record))
        self._writer.writerow(record)
        self._file.flush()  # readable by others (tail -f) as soon as its epoch ends

    def on_fit_end(self, fit, result):
        self._file.close()

    def _start(self, columns):
        self._writer = csv.DictWriter(self._file, fieldnames=columns, extrasaction="ignore")
        self._writer.writeheader()

    _live = ("_file", "_writer")


# Where MLflowLogger keeps its run's id in FitInfo.memory.
RUN_ID = "mlflow_run_id"


class MLflowLogger(Logger):
    """Every epoch's metrics to an MLflow run, with ``step`` the epoch.

    The run gets the wrapper's and the inner estimator's parameters, each
    epoch's ``history_`` numbers, and at the end ``best_iteration``,
    ``n_iter`` and ``best_score`` as metrics, ``stop_reason`` and
    ``termination_condition`` as tags, and the best model file with its
    manifest as artifacts (with ``checkpoint_dir``). A resumed fit continues
    the same run (found by its run folder, tagged ``skstop.run_folder``), and
    logs no step twice: the MLflow run's id travels with the training run
    (``FitInfo.memory``), in memory and in its checkpoints. Under an active
    MLflow run (``with mlflow.start_run(): search.fit(...)``), each fit is a
    nested run of it: one per candidate-fold, continued at every rung.
    Needs ``mlflow-skinny`` (``pip install skstop[mlflow]``).

    Parameters
    ----------
    experiment_name : str, default=None
        The experiment; created if missing. None: MLflow's active or default one.
    run_name : str, default=None
        The run's name; None lets MLflow choose.
    tracking_uri : str, default=None
        Where the tracking store is (``"sqlite:///mlflow.db"``, a server's URL);
        None: MLflow's own default (``MLFLOW_TRACKING_URI``).
    """

    def __init__(self, experiment_name=None, run_name=None, tracking_uri=None):
        _require("mlflow", "mlflow", "MLflowLogger")
        self.experiment_name = experiment_name
        self.run_name = run_name
        self.tracking_uri = tracking_uri

    def on_fit_begin(self, fit):
        mlflow = _require("mlflow", "mlflow", "MLflowLogger")
        from mlflow.entities import Param

        self._client = mlflow.tracking.MlflowClient(tracking_uri=self.tracking_uri)
        experiment_id = self._experiment_id(mlflow)
        folder = None if fit.checkpoint_path is None else str(fit.checkpoint_path)
        run_id = fit.memory.get(RUN_ID) if fit.resumed_from else None
        if run_id is None:
            tags = {"skstop.estimator": fit.name}
            if folder is not None:
                tags["skstop.run_folder"] = folder
            parent = mlflow.active_run()
            if parent is not None:
                tags["mlflow.parentRunId"] = parent.info.run_id
            run = self._client.create_run(experiment_id, run_name=self.run_name, tags=tags)
            run_id = run.info.run_id
            params = [Param(name, str(value)[:6000]) for name, value in fit.params.items()]
            for start in range(0, len(params), 100):  # MLflow takes 100 params per batch
                self._client.log_batch(run_id, params=params[start : start + 100])
        else:
            self._client.update_run(run_id, status="RUNNING")
        self._run_id = fit.memory[RUN_ID] = run_id
        history = self._client.get_metric_history(run_id, "validation_score")
        self._last_step = max((metric.step for metric in history), default=0)

    def on_epoch_end(self, fit, record):
        from mlflow.entities import Metric

        if record["epoch"] <= self._last_step:  # logged before a kill, retrained the same
            return
        now = int(time.time() * 1000)
        metrics = [
            Metric(name, value, now, record["epoch"]) for name, value in _numbers(record).items()
        ]
        self._client.log_batch(self._run_id, metrics=metrics)
        self._last_step = record["epoch"]

    def on_fit_end(self, fit, result):
        from mlflow.entities import Metric, RunTag

        now, step = int(time.time() * 1000), result["n_iter"]
        metrics = [
            Metric(name, float(result[name]), now, step)
            for name in ("best_iteration", "n_iter", "best_score")
        ]
        tags = [
            RunTag(name, str(result[name])) for name in ("stop_reason", "termination_condition")
        ]
        self._client.log_batch(self._run_id, metrics=metrics, tags=tags)
        for artifact in (result["best_model"], result["manifest"]):
            if artifact is not None:
                self._client.log_artifact(self._run_id, str(artifact), "model")
        self._client.set_terminated(self._run_id)

    def _experiment_id(self, mlflow):
        if self.experiment_name is None:
            active = mlflow.active_run()
            return active.info.experiment_id if active is not None else "0"
        experiment = self._client.get_experiment_by_name(self.experiment_name)
        if experiment is not None:
            return experiment.experiment_id
        return self._client.create_experiment(self.experiment_name)

    _live = ("_client",)  # it holds connections; the run id is what a pickle needs


class TensorBoardLogger(Logger):
    """Every epoch's numbers as TensorBoard scalars, with ``step`` the epoch.

    Written with TensorBoard's own event writer, so nets and ``partial_fit``
    estimators alike need only ``tensorboard`` (``pip install
    skstop[tensorboard]``); ``tensorboard --logdir LOG_DIR`` shows them. A
    resumed fit writes a new event file, from the epoch after the one it
    resumed from.

    Parameters
    ----------
    log_dir : str or path-like
        The folder of the event files (created if missing).
    """

    def __init__(self, log_dir):
        _require("tensorboard", "tensorboard", "TensorBoardLogger")
        self.log_dir = log_dir

    def on_fit_begin(self, fit):
        writer = _require(
            "tensorboard.summary.writer.event_file_writer", "tensorboard", "TensorBoardLogger"
        )
        self._writer = writer.EventFileWriter(str(self.log_dir))
        self._last_step = fit.resumed_from

    def on_epoch_end(self, fit, record):
        from tensorboard.compat.proto.event_pb2 import Event
        from tensorboard.compat.proto.summary_pb2 import Summary

        if record["epoch"] <= self._last_step:
            return
        values = [Summary.Value(tag=name, simple_value=v) for name, v in _numbers(record).items()]
        self._writer.add_event(
            Event(wall_time=time.time(), step=record["epoch"], summary=Summary(value=values))
        )
        self._writer.flush()
        self._last_step = record["epoch"]

    def on_fit_end(self, fit, result):
        self._writer.close()

    _live = ("_writer",)
