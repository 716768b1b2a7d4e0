"""Loggers: CSV, MLflow (a real local store) and TensorBoard (read back with its reader)."""

import csv
import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier

from skstop import EarlyStoppingEstimator, EpochHalvingSearchCV
from skstop.loggers import CSVLogger, FitInfo, Logger, MLflowLogger, TensorBoardLogger

X, y = make_classification(400, 6, n_informative=4, random_state=0)


def model(loggers, checkpoint_dir=None, **params):
    params = {"max_iter": 8, "n_iter_no_change": 50, "random_state": 0, **params}
    return EarlyStoppingEstimator(
        SGDClassifier(random_state=0),
        loggers=loggers,
        checkpoint_dir=checkpoint_dir,
        checkpoint_every=2 if checkpoint_dir else None,
        warm_start=checkpoint_dir is not None,
        **params,
    )


def fitted(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model(*args, **kwargs).fit(X, y)


def read_csv(path):
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


class Recorder(Logger):
    """A logger of one's own: the protocol's three events."""

    def __init__(self, events=None):
        self.events = events

    def on_fit_begin(self, fit):
        self.events.append(("begin", fit.resumed_from))

    def on_epoch_end(self, fit, record):
        self.events.append(("epoch", record["epoch"]))

    def on_fit_end(self, fit, result):
        self.events.append(("end", result["n_iter"], result["termination_condition"]))


def test_a_logger_of_ones_own_hears_every_event_in_order():
    events = []
    fitted([Recorder(events)])
    assert events == [("begin", 0), *[("epoch", k) for k in range(1, 9)], ("end", 8, "max_iter")]


def test_csv_has_one_row_per_epoch_appended_across_a_resume_without_duplicates(tmp_path):
    path = tmp_path / "history.csv"
    first = fitted([CSVLogger(path)], tmp_path / "runs", max_iter=5)
    assert [int(row["epoch"]) for row in read_csv(path)] == [1, 2, 3, 4, 5]
    # A row a killed run wrote after its last commit is dropped, then retrained.
    with open(path, "a", newline="") as file:
        file.write("6,0.1,0.0,0.0,False\n")
    resumed = fitted([CSVLogger(path)], tmp_path / "runs", max_iter=8)
    rows = read_csv(path)
    assert [int(row["epoch"]) for row in rows] == list(range(1, 9))
    assert list(rows[0]) == list(first.history_[0])
    np.testing.assert_allclose(
        [float(r["validation_score"]) for r in rows], resumed.validation_scores_
    )


@pytest.mark.parametrize(
    "loggers, message",
    [
        (["history.csv"], "loggers must hold skstop.loggers.Logger objects; got 'history.csv'"),
        ([CSVLogger("/no/such/folder/h.csv")], r"CSVLogger\(path='/no/such/folder/h.csv'\)"),
    ],
)
def test_bad_loggers_are_refused_before_training(loggers, message, tmp_path):
    estimator = model(loggers, tmp_path)
    with pytest.raises(ValueError, match=message):
        estimator.fit(X, y)
    assert list(tmp_path.iterdir()) == []


def test_tensorboard_scalars_read_back_with_its_event_reader(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    trained = fitted([TensorBoardLogger(tmp_path / "tb")])
    events = EventAccumulator(str(tmp_path / "tb"))
    events.Reload()
    scores = events.Scalars("validation_score")
    assert [event.step for event in scores] == list(range(1, 9))
    np.testing.assert_allclose([e.value for e in scores], trained.validation_scores_, rtol=1e-6)
    assert {"epoch_time", "elapsed", "checkpoint"} <= set(events.Tags()["scalars"])


def mlflow_client(tmp_path):
    mlflow = pytest.importorskip("mlflow")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    return uri, mlflow.tracking.MlflowClient(tracking_uri=uri)


def test_mlflow_run_holds_params_metrics_per_step_tags_and_the_best_model(tmp_path):
    uri, client = mlflow_client(tmp_path)
    logger = MLflowLogger(experiment_name="skstop-test", run_name="sgd", tracking_uri=uri)
    trained = fitted([logger], tmp_path / "runs")
    experiment = client.get_experiment_by_name("skstop-test")
    [run] = client.search_runs([experiment.experiment_id])
    assert run.info.run_name == "sgd" and run.info.status == "FINISHED"
    assert run.data.params["max_iter"] == "8"
    assert run.data.params["estimator__alpha"] == "0.0001"
    history = client.get_metric_history(run.info.run_id, "validation_score")
    assert [metric.step for metric in history] == list(range(1, 9))
    np.testing.assert_allclose([m.value for m in history], trained.validation_scores_)
    assert run.data.metrics["best_iteration"] == trained.best_iteration_
    assert run.data.metrics["n_iter"] == 8
    assert run.data.tags["termination_condition"] == "max_iter"
    assert run.data.tags["stop_reason"] == trained.stop_reason_
    artifacts = {item.path for item in client.list_artifacts(run.info.run_id, "model")}
    assert f"model/model-e{trained.best_iteration_:06d}.joblib" in artifacts
    assert any(path.startswith("model/manifest-") for path in artifacts)


def test_mlflow_resumed_fit_continues_its_run_without_duplicate_steps(tmp_path):
    uri, client = mlflow_client(tmp_path)
    logger = MLflowLogger(experiment_name="resume", tracking_uri=uri)
    fitted([logger], tmp_path / "runs", max_iter=5)
    fitted([MLflowLogger(experiment_name="resume", tracking_uri=uri)], tmp_path / "runs")
    [run] = client.search_runs([client.get_experiment_by_name("resume").experiment_id])
    steps = [m.step for m in client.get_metric_history(run.info.run_id, "validation_score")]
    assert steps == list(range(1, 9))


def test_mlflow_nested_runs_one_per_candidate_fold_of_a_search(tmp_path):
    uri, client = mlflow_client(tmp_path)
    mlflow = pytest.importorskip("mlflow")
    mlflow.set_tracking_uri(uri)
    experiment_id = client.create_experiment("search")
    wrapper = model([MLflowLogger(tracking_uri=uri)], max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with mlflow.start_run(experiment_id=experiment_id) as parent:
            EpochHalvingSearchCV(
                wrapper, {"estimator__alpha": [1e-4, 1e-2, 1.0]}, cv=2, refit=False
            ).fit(X, y)
    children = client.search_runs(
        [experiment_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'"
    )
    # One run per candidate-fold (3 x 2); the best candidate's folds continue
    # theirs at rung 2, up to epoch 3.
    assert len(children) == 3 * 2
    steps = sorted(
        len(client.get_metric_history(child.info.run_id, "validation_score")) for child in children
    )
    assert steps == [1, 1, 1, 1, 3, 3]


@pytest.mark.parametrize(
    "Logger_, args, module, extra",
    [
        (MLflowLogger, (), "mlflow", "mlflow"),
        (TensorBoardLogger, ("runs",), "tensorboard", "tensorboard"),
    ],
)
def test_without_its_package_a_logger_names_the_extra_at_construction(
    Logger_, args, module, extra, monkeypatch
):
    monkeypatch.setitem(__import__("sys").modules, module, None)  # as if not installed
    with pytest.raises(ImportError, match=rf"needs {module}: pip install skstop\[{extra}\]"):
        Logger_(*args)


def test_pickling_a_logger_mid_fit_leaves_its_open_file_to_it(tmp_path):
    logger = CSVLogger(tmp_path / "history.csv")
    logger.on_fit_begin(FitInfo("EarlyStoppingEstimator", {}))
    copy = pickle.loads(pickle.dumps(logger))
    assert not hasattr(copy, "_file") and not logger._file.closed
    logger.on_epoch_end(None, {"epoch": 1, "validation_score": 0.5})
    logger.on_fit_end(None, {})
    assert (tmp_path / "history.csv").read_text().splitlines()[1] == "1,0.5"
