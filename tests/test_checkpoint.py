import errno
import hashlib
import json
import pickle
import re
import stat

import joblib
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GridSearchCV

import skstop._checkpoint._durable as durable
from skstop import CheckpointError, EarlyStoppingEstimator, _split, load_checkpoint
from skstop._checkpoint import run_folders
from skstop.checkpoint import OnImprovement

from ._scripted import ScriptedClassifier

X, y = make_classification(600, 10, n_informative=6, random_state=0)


def sgd_model(checkpoint_dir, **params):
    params = {"batch_size": 50, "random_state": 0, "n_iter_no_change": 4, **params}
    return EarlyStoppingEstimator(
        SGDClassifier(random_state=0), checkpoint_dir=checkpoint_dir, **params
    )


def manifests(folder):
    found = sorted(folder.glob("manifest-*.json"))
    return [json.loads(json.loads(p.read_bytes())["body"]) for p in found]


def snapshot_files(folder):
    return {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def only_run(checkpoint_dir):
    (folder,) = run_folders(checkpoint_dir)
    return folder


# -- what is written ------------------------------------------------------------


def test_run_folder_holds_signed_manifests_and_joblib_files(tmp_path):
    model = sgd_model(tmp_path).fit(X, y)
    folder = only_run(tmp_path)
    last = manifests(folder)[-1]

    assert last["epoch"] == model.n_iter_
    assert last["progress"]["validation_scores"] == model.validation_scores_.tolist()
    assert last["progress"]["termination"] == "no_change"
    assert set(last["versions"]) == {"skstop", "sklearn", "python"}
    for entry in last["files"].values():
        data = (folder / entry["name"]).read_bytes()
        assert entry["size"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    # The best model is a plain joblib file: the inner estimator of the best epoch.
    best = joblib.load(folder / last["files"]["best"]["name"])
    np.testing.assert_array_equal(best.coef_, model.estimator_.coef_)
    assert last["files"]["best"]["name"] == f"model-e{model.best_iteration_:06d}.joblib"


def test_files_and_folders_are_private(tmp_path):
    sgd_model(tmp_path).fit(X, y)
    folder = only_run(tmp_path)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_saves_only_at_improvements_periodic_epochs_and_the_end(tmp_path):
    scores = [0.5, 0.6, 0.55, 0.55, 0.7, 0.6, 0.6, 0.6, 0.6]
    EarlyStoppingEstimator(
        ScriptedClassifier(scores=scores),
        n_iter_no_change=4,
        checkpoint_dir=tmp_path,
        checkpoint_every=3,
        keep_last=100,
    ).fit(X, y)
    epochs = [m["epoch"] for m in manifests(only_run(tmp_path))]
    # improvements 1, 2, 5; periodic 3, 6; the end 9 (5 + patience 4)
    assert epochs == [1, 2, 3, 5, 6, 9]


def test_no_checkpoint_when_nothing_is_due(tmp_path):
    EarlyStoppingEstimator(
        ScriptedClassifier(scores=[0.9, 0.5, 0.5]),
        n_iter_no_change=2,
        checkpoint_dir=tmp_path,
        checkpoint_every=OnImprovement(),
        keep_last=100,
    ).fit(X, y)
    assert [m["epoch"] for m in manifests(only_run(tmp_path))] == [1, 3]


def test_keep_last_bounds_checkpoints_and_their_files(tmp_path):
    model = sgd_model(tmp_path, checkpoint_every=1, keep_last=2).fit(X, y)
    folder = only_run(tmp_path)
    kept = manifests(folder)
    assert [m["epoch"] for m in kept] == [model.n_iter_ - 1, model.n_iter_]
    named = {e["name"] for m in kept for e in m["files"].values()}
    on_disk = {p.name for p in folder.iterdir() if not p.name.startswith("manifest")}
    assert on_disk == named | {".skstop-lock"}


def test_each_fit_gets_its_own_run_folder(tmp_path):
    sgd_model(tmp_path).fit(X, y)
    sgd_model(tmp_path).fit(X, y)
    assert len(run_folders(tmp_path)) == 2


def test_pickle_does_not_carry_snapshots_or_training_state(tmp_path):
    model = sgd_model(tmp_path).fit(X, y)
    assert model._state is not None
    assert len(pickle.dumps(model)) < len(pickle.dumps(model.estimator_)) + 1500
    assert not hasattr(pickle.loads(pickle.dumps(model)), "_state")


# -- load_checkpoint ------------------------------------------------------------


def test_load_checkpoint_returns_the_fitted_estimator(tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(10)])
    model = sgd_model(tmp_path).fit(frame, y)
    for path in (tmp_path, only_run(tmp_path)):
        loaded = load_checkpoint(path)
        np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))
        np.testing.assert_array_equal(loaded.validation_scores_, model.validation_scores_)
        assert loaded.best_iteration_ == model.best_iteration_
        assert loaded.termination_condition_ == "no_change"
        np.testing.assert_array_equal(loaded.classes_, model.classes_)
        np.testing.assert_array_equal(loaded.feature_names_in_, frame.columns)
        assert loaded.get_params()["n_iter_no_change"] == 4


def test_load_checkpoint_of_a_folder_with_several_runs_loads_the_newest_and_says_so(tmp_path):
    with pytest.raises(CheckpointError, match="holds no checkpoint"):
        load_checkpoint(tmp_path)
    sgd_model(tmp_path).fit(X, y)
    newest = sgd_model(tmp_path, n_iter_no_change=2).fit(X, y)
    with pytest.warns(
        UserWarning, match=rf"holds 2 run folders; loading .*{newest.checkpoint_path_.name}"
    ):
        loaded = load_checkpoint(tmp_path)
    assert loaded.checkpoint_path_ == newest.checkpoint_path_
    assert loaded.n_iter_no_change == 2


# -- tampering and foreign files -------------------------------------------------


def test_flipped_byte_is_refused(tmp_path):
    sgd_model(tmp_path, keep_last=1).fit(X, y)
    folder = only_run(tmp_path)
    best = folder / manifests(folder)[-1]["files"]["best"]["name"]
    data = bytearray(best.read_bytes())
    data[len(data) // 2] ^= 0xFF
    best.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="does not match the size and SHA-256"):
        load_checkpoint(folder)


def test_corrupt_newest_checkpoint_falls_back_to_the_previous(tmp_path):
    model = sgd_model(tmp_path, checkpoint_every=1, keep_last=3).fit(X, y)
    folder = only_run(tmp_path)
    newest = folder / f"model-e{model.n_iter_:06d}.joblib"
    newest.write_bytes(newest.read_bytes()[:-10])
    with pytest.warns(UserWarning, match="Skipped newer checkpoints.*corrupt"):
        loaded = load_checkpoint(folder)
    assert loaded.n_iter_ == model.n_iter_ - 1
    assert loaded.termination_condition_ == "interrupted"


def test_manifest_edited_without_the_key_is_refused(tmp_path):
    sgd_model(tmp_path, keep_last=1).fit(X, y)
    folder = only_run(tmp_path)
    (path,) = folder.glob("manifest-*.json")
    envelope = json.loads(path.read_bytes())
    envelope["body"] = envelope["body"].replace('"best_iteration": ', '"best_iteration": 1')
    path.write_text(json.dumps(envelope))
    with pytest.raises(CheckpointError, match="not signed with this user's checkpoint key"):
        load_checkpoint(folder)


def test_checkpoint_signed_with_another_key_needs_trusted(tmp_path, monkeypatch):
    model = sgd_model(tmp_path, checkpoint_every=1).fit(X, y)
    monkeypatch.setenv("SKSTOP_CHECKPOINT_KEY", "another user's secret, long enough to be a key")
    with pytest.raises(CheckpointError, match="pass trusted=True") as refused:
        load_checkpoint(tmp_path)
    # Two manifests (keep_last=2), one sentence naming both.
    assert str(refused.value).count("not signed with this user's checkpoint key") == 1
    assert re.search(
        r"manifest-\d{6}\.json, manifest-\d{6}\.json are not signed", str(refused.value)
    )
    loaded = load_checkpoint(tmp_path, trusted=True)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


class Canary:
    """A pickle that, when loaded, creates the file it names."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_foreign_pickle_in_the_folder_is_never_unpickled(tmp_path):
    sgd_model(tmp_path, keep_last=1).fit(X, y)
    folder = only_run(tmp_path)
    canary = tmp_path / "canary"
    payload = pickle.dumps(Canary(str(canary)))
    (folder / "model-e000099.joblib").write_bytes(payload)
    # An attacker can list it with a correct hash, but cannot sign the manifest.
    body = manifests(folder)[-1]
    body["epoch"] = 99
    body["files"]["model"] = body["files"]["best"] = {
        "name": "model-e000099.joblib",
        "size": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
    }
    body_text = json.dumps(body, sort_keys=True)
    envelope = json.dumps({"body": body_text, "signature": "0" * 64})
    (folder / "manifest-999999.json").write_text(envelope)

    with pytest.warns(UserWarning, match="manifest-999999.json is not signed"):
        loaded = load_checkpoint(folder)
    with pytest.warns(UserWarning, match="manifest-999999.json is not signed"):
        sgd_model(tmp_path, warm_start=True, max_iter=200).fit(X, y)
    assert loaded.n_iter_ < 99
    assert not canary.exists()


# -- failures while saving --------------------------------------------------------


def test_unwritable_checkpoint_dir_is_reported_before_training(tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    estimator = ScriptedClassifier()
    with pytest.raises(OSError, match="is not writable.*nothing was trained"):
        EarlyStoppingEstimator(estimator, checkpoint_dir=blocker / "checkpoints").fit(X, y)
    assert not hasattr(estimator, "epochs_")


def test_permission_denied_is_reported_before_training(tmp_path, monkeypatch):
    def denied(file, chunk):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(durable, "write_chunk", denied)
    with pytest.raises(
        OSError, match="is not writable, so no checkpoint could be saved \\(Permission denied\\)"
    ):
        sgd_model(tmp_path).fit(X, y)
    assert run_folders(tmp_path) == []


def test_full_disk_leaves_the_previous_checkpoint_byte_identical(tmp_path, monkeypatch):
    sgd_model(tmp_path, max_iter=3).fit(X, y)
    folder = only_run(tmp_path)
    before = snapshot_files(folder)
    written = []

    def full_disk(file, chunk):
        written.append(len(chunk))
        file.write(chunk[: len(chunk) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(durable, "write_chunk", full_disk)
    with pytest.raises(OSError, match="No space left on device"):
        sgd_model(tmp_path, max_iter=10, warm_start=True).fit(X, y)
    assert written  # the continued fit did try to save
    assert snapshot_files(folder) == before


class FailsInEpoch(ScriptedClassifier):
    """Its partial_fit raises the estimator's own error in epoch ``fail_at``."""

    def __init__(self, scores=(0.5,), fail_at=3):
        super().__init__(scores=scores)
        self.fail_at = fail_at

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        if len(getattr(self, "calls_", ())) + 1 == self.fail_at:
            raise ValueError("the estimator's own error")
        return super().partial_fit(X, y, classes, sample_weight)


def test_a_full_disk_while_the_estimator_fails_says_the_estimators_error_first(
    tmp_path, monkeypatch
):
    write_durably = durable.write_durably

    def full_at_epoch_2(path, data):  # in the background, while epoch 3 trains and fails
        if "model-e000002" in str(path):
            raise OSError(errno.ENOSPC, "No space left on device")
        write_durably(path, data)

    monkeypatch.setattr(durable, "write_durably", full_at_epoch_2)
    model = EarlyStoppingEstimator(
        FailsInEpoch(scores=[0.5, 0.6, 0.7]), checkpoint_dir=tmp_path, checkpoint_every=1
    )
    with pytest.warns(UserWarning, match="Saving the last checkpoint failed as well: OSError"):
        with pytest.raises(ValueError, match="the estimator's own error"):
            model.fit(X, y)


# -- resuming --------------------------------------------------------------------


def test_warm_start_in_memory_continues_exactly(tmp_path):
    reference = sgd_model(None, max_iter=12, n_iter_no_change=50).fit(X, y)
    model = sgd_model(None, max_iter=5, n_iter_no_change=50, warm_start=True).fit(X, y)
    assert model.n_iter_ == 5
    model.set_params(max_iter=12).fit(X, y)
    np.testing.assert_array_equal(model.validation_scores_, reference.validation_scores_)
    np.testing.assert_array_equal(model.estimator_.coef_, reference.estimator_.coef_)


def test_warm_start_from_disk_continues_exactly_in_the_same_run_folder(tmp_path):
    reference = sgd_model(None, max_iter=12, n_iter_no_change=50).fit(X, y)
    sgd_model(tmp_path, max_iter=5, n_iter_no_change=50).fit(X, y)
    # A new object, as after a crash: only the checkpoint knows the progress.
    model = sgd_model(tmp_path, max_iter=12, n_iter_no_change=50, warm_start=True)
    model.fit(X, y)
    np.testing.assert_array_equal(model.validation_scores_, reference.validation_scores_)
    np.testing.assert_array_equal(model.estimator_.coef_, reference.estimator_.coef_)
    assert manifests(only_run(tmp_path))[-1]["epoch"] == 12


def test_finished_run_resumed_does_nothing_more(tmp_path):
    first = sgd_model(tmp_path).fit(X, y)
    again = sgd_model(tmp_path, warm_start=True).fit(X, y)
    assert again.n_iter_ == first.n_iter_
    np.testing.assert_array_equal(again.predict(X), first.predict(X))


def test_different_configuration_is_never_resumed(tmp_path):
    sgd_model(tmp_path, max_iter=5, n_iter_no_change=50).fit(X, y)
    other = sgd_model(tmp_path, max_iter=5, n_iter_no_change=50, warm_start=True)
    other.set_params(estimator__alpha=0.01)
    with pytest.warns(UserWarning, match="holds no checkpoint of this configuration"):
        other.fit(X, y)
    assert other.n_iter_ == 5
    with pytest.warns(UserWarning, match="holds no checkpoint of this configuration"):
        sgd_model(tmp_path, max_iter=5, n_iter_no_change=50, warm_start=True).fit(X[:500], y[:500])
    assert len(run_folders(tmp_path)) == 3


def test_run_started_with_another_split_scheme_is_never_resumed(tmp_path, monkeypatch):
    """A run checkpointed by a version drawing other validation rows starts over."""
    sgd_model(tmp_path, max_iter=3, n_iter_no_change=50).fit(X, y)
    monkeypatch.setattr(_split, "SPLIT_SCHEME", _split.SPLIT_SCHEME + 1)
    resumed = sgd_model(tmp_path, max_iter=5, n_iter_no_change=50, warm_start=True)
    with pytest.warns(UserWarning, match="holds no checkpoint of this configuration"):
        resumed.fit(X, y)
    assert resumed.n_iter_ == 5 and len(resumed.validation_scores_) == 5
    assert len(run_folders(tmp_path)) == 2


def test_fit_without_warm_start_ignores_older_runs(tmp_path):
    first = sgd_model(tmp_path).fit(X, y)
    second = sgd_model(tmp_path).fit(X, y)
    np.testing.assert_array_equal(second.validation_scores_, first.validation_scores_)


def test_leftover_temporary_files_are_cleaned_on_resume(tmp_path):
    sgd_model(tmp_path, max_iter=3).fit(X, y)
    folder = only_run(tmp_path)
    (folder / ".tmp-model-e000004.joblib.0123abcd").write_bytes(b"half a file")
    (folder / ".tmp-my-notes.txt").write_bytes(b"a user's file, merely alike")
    sgd_model(tmp_path, max_iter=6, warm_start=True).fit(X, y)
    assert [p.name for p in folder.glob(".tmp-*")] == [".tmp-my-notes.txt"]


def test_checkpoint_every_needs_checkpoint_dir():
    with pytest.raises(ValueError, match="checkpoint_every=2 was set, but checkpoint_dir is None"):
        sgd_model(None, checkpoint_every=2).fit(X, y)


def test_grid_search_in_parallel_shares_one_checkpoint_dir(tmp_path):
    grid = {"estimator__alpha": [1e-4, 1e-2], "n_iter_no_change": [2, 3]}
    with_checkpoints = GridSearchCV(sgd_model(tmp_path), grid, cv=3, n_jobs=2).fit(X, y)
    without = GridSearchCV(sgd_model(None), grid, cv=3, n_jobs=1).fit(X, y)

    assert with_checkpoints.best_params_ == without.best_params_
    folders = run_folders(tmp_path)
    assert len(folders) == 4 * 3 + 1
    for folder in folders:
        assert load_checkpoint(folder).termination_condition_ in {"no_change", "max_iter"}
        assert not list(folder.glob(".tmp-*"))


def test_run_killed_before_its_first_commit_is_removed_on_resume(tmp_path):
    finished = sgd_model(tmp_path / "finished", max_iter=3).fit(X, y).checkpoint_path_
    # What a fit killed before its first commit leaves: its lock file and
    # temporary files. A look-alike holding a user's file is not skstop's alone.
    dead, mixed = (tmp_path / f"{finished.name[:-8]}{token}" for token in ("0000dead", "0000beef"))
    for folder in (dead, mixed):
        folder.mkdir()
        (folder / ".skstop-lock").touch()
        (folder / ".tmp-wrapper.joblib.0123abcd").write_bytes(b"half a file")
    (mixed / "notes.txt").write_text("mine")
    model = sgd_model(tmp_path, max_iter=3, warm_start=True).fit(X, y)
    assert model.n_iter_ == 3
    assert not dead.exists()
    assert sorted(p.name for p in mixed.iterdir()) == ["notes.txt"]


def test_resume_restores_schedule_events_and_criteria_history(tmp_path):
    from skstop import ReduceOnPlateau
    from skstop.criteria import ProgressQuotient

    def make(checkpoint_dir, **params):
        return EarlyStoppingEstimator(
            SGDClassifier(learning_rate="constant", eta0=0.5, random_state=0),
            schedules=[ReduceOnPlateau("eta0", factor=0.5, patience=1)],
            criteria=[ProgressQuotient(alpha=1e9, strip=2)],
            n_iter_no_change=None,
            batch_size=50,
            random_state=0,
            checkpoint_dir=checkpoint_dir,
            **params,
        )

    reference = make(None, max_iter=12).fit(X, y)
    make(tmp_path, max_iter=6).fit(X, y)
    resumed = make(tmp_path, max_iter=12, warm_start=True).fit(X, y)
    assert resumed.schedule_events_ == reference.schedule_events_
    np.testing.assert_array_equal(resumed.training_scores_, reference.training_scores_)
    np.testing.assert_array_equal(resumed.validation_scores_, reference.validation_scores_)


def test_data_the_split_refuses_leaves_no_run_folder(tmp_path):
    two_rows = [0, list(y).index(1 - y[0])]  # one of each class
    with pytest.raises(ValueError, match="validation_fraction=2 from 2 samples"):
        sgd_model(tmp_path, validation_fraction=2).fit(X[two_rows], y[two_rows])
    assert run_folders(tmp_path) == []
