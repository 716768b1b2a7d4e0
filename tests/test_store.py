"""What is on disk is hostile until verified: planted, malformed, renamed, linked files."""

import hashlib
import json
import os
import pickle
import shutil

import joblib
import numpy as np
import pytest
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skstop import CheckpointError, EarlyStoppingEstimator, load_checkpoint
from skstop._checkpoint import run_folders
from skstop._checkpoint._signing import sign, signing_key

from .test_checkpoint import Canary, X, sgd_model, y


def envelope(path):
    return json.loads(path.read_bytes())


def body(path):
    return json.loads(envelope(path)["body"])


def write_signed(path, body_dict, key=None):
    """A manifest signed with this user's key, as only skstop or the user can write."""
    text = json.dumps(body_dict, sort_keys=True)
    key = key or signing_key()
    path.write_text(json.dumps({"body": text, "signature": sign(text.encode(), key)}))


def newest_manifest(folder):
    return max(folder.glob("manifest-*.json"))


# -- planted and malformed manifests ------------------------------------------


def test_a_planted_unsigned_manifest_never_decides_what_is_pruned(tmp_path):
    first = sgd_model(tmp_path, keep_last=1, max_iter=4, n_iter_no_change=None).fit(X, y)
    folder = first.checkpoint_path_
    planted = folder / "manifest-999999.json"
    forged = body(newest_manifest(folder))
    forged["files"] = {}
    planted.write_text(json.dumps({"body": json.dumps(forged), "signature": "0" * 64}))

    with pytest.warns(UserWarning, match="manifest-999999.json is not signed"):
        resumed = sgd_model(
            tmp_path, keep_last=1, max_iter=8, n_iter_no_change=None, warm_start=True
        ).fit(X, y)
    assert resumed.checkpoint_path_ == folder
    assert planted.exists()  # not skstop's: never deleted
    with pytest.warns(UserWarning, match="manifest-999999.json is not signed"):
        loaded = load_checkpoint(folder)
    assert loaded.n_iter_ == 8
    np.testing.assert_array_equal(loaded.predict(X), resumed.predict(X))


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda env, key: {"body": 42, "signature": env["signature"]},
        lambda env, key: {"body": env["body"], "signature": ["not", "a", "string"]},
        lambda env, key: {"body": "not json", "signature": sign(b"not json", key)},
        lambda env, key: _resigned({"progress": {}}, key),
        lambda env, key: _resigned({**json.loads(env["body"]), "files": [1, 2]}, key),
        lambda env, key: ["an", "array"],
    ],
    ids=["body-int", "signature-list", "body-not-json", "no-files", "files-list", "not-object"],
)
@pytest.mark.parametrize("trusted", [False, True])
def test_a_malformed_newest_manifest_falls_back_to_the_previous(tmp_path, corrupt, trusted):
    model = sgd_model(tmp_path, checkpoint_every=1, keep_last=3).fit(X, y)
    newest = newest_manifest(model.checkpoint_path_)
    newest.write_text(json.dumps(corrupt(envelope(newest), signing_key())))
    with pytest.warns(UserWarning, match=f"Skipped newer checkpoints .*{newest.name}"):
        loaded = load_checkpoint(model.checkpoint_path_, trusted=trusted)
    assert loaded.n_iter_ == model.n_iter_ - 1
    with pytest.warns(UserWarning, match=newest.name):
        resumed = sgd_model(tmp_path, checkpoint_every=1, keep_last=3, warm_start=True).fit(X, y)
    np.testing.assert_array_equal(resumed.validation_scores_, model.validation_scores_)


def _resigned(body_dict, key):
    text = json.dumps(body_dict)
    return {"body": text, "signature": sign(text.encode(), key)}


@pytest.mark.parametrize("name", ["../../outside.pkl", "ABSOLUTE", "sub/model.joblib", ".."])
def test_names_outside_the_run_folder_are_refused_even_when_trusted(tmp_path, name):
    model = sgd_model(tmp_path / "ckpt", keep_last=1).fit(X, y)
    folder = model.checkpoint_path_
    canary = tmp_path / "canary"
    payload = pickle.dumps(Canary(str(canary)))
    target = tmp_path / "outside.pkl"
    target.write_bytes(payload)
    name = str(target) if name == "ABSOLUTE" else name
    manifest = newest_manifest(folder)
    forged = body(manifest)
    forged["files"]["model"] = forged["files"]["best"] = {
        "name": name,
        "size": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
    }
    write_signed(manifest, forged)
    for trusted in (False, True):
        with pytest.raises(CheckpointError, match="not a plain name inside the run folder"):
            load_checkpoint(folder, trusted=trusted)
    assert not canary.exists()


# -- what is deleted ----------------------------------------------------------------


def test_look_alike_user_files_survive_pruning(tmp_path):
    model = sgd_model(tmp_path, keep_last=1, checkpoint_every=1, max_iter=3).fit(X, y)
    folder = model.checkpoint_path_
    mine = ["model-e-my-backup.joblib", "model-e000001 (copy).joblib", ".tmp-my-notes.txt"]
    for name in mine:
        (folder / name).write_text("a user's file")
    sgd_model(tmp_path, keep_last=1, checkpoint_every=1, max_iter=9, warm_start=True).fit(X, y)
    for name in mine:
        assert (folder / name).read_text() == "a user's file"
    assert len(list(folder.glob("manifest-*.json"))) == 1


# -- links and renamed folders -----------------------------------------------------


def test_a_symlinked_run_folder_is_never_followed(tmp_path):
    archive = tmp_path / "archive"
    model = sgd_model(archive, max_iter=3).fit(X, y)
    before = sorted(p.name for p in model.checkpoint_path_.iterdir())
    checkpoint_dir = tmp_path / "checkpoints"
    checkpoint_dir.mkdir()
    link = checkpoint_dir / model.checkpoint_path_.name
    link.symlink_to(model.checkpoint_path_)

    resumed = sgd_model(checkpoint_dir, max_iter=6, warm_start=True).fit(X, y)
    assert resumed.checkpoint_path_ != link
    assert resumed.checkpoint_path_.parent == checkpoint_dir
    assert sorted(p.name for p in model.checkpoint_path_.iterdir()) == before
    with pytest.raises(CheckpointError, match="symlinks are not followed"):
        load_checkpoint(link)
    assert run_folders(checkpoint_dir) == [resumed.checkpoint_path_]


def test_a_symlinked_model_file_is_refused(tmp_path):
    model = sgd_model(tmp_path / "ckpt", keep_last=1).fit(X, y)
    best = model.checkpoint_path_ / f"model-e{model.best_iteration_:06d}.joblib"
    copy = tmp_path / "copy.joblib"
    shutil.copy(best, copy)
    best.unlink()
    best.symlink_to(copy)  # same bytes, same hash: only the link is wrong
    with pytest.raises(CheckpointError, match="not a regular file"):
        load_checkpoint(model.checkpoint_path_)


def test_a_run_folder_of_another_configuration_renamed_is_not_resumed(tmp_path):
    other = sgd_model(tmp_path, max_iter=3).fit(X[::-1], y[::-1])
    own = sgd_model(tmp_path / "own", max_iter=3).fit(X, y)
    disguised = tmp_path / (own.checkpoint_path_.name[:-8] + "0badc0de")
    other.checkpoint_path_.rename(disguised)
    with pytest.warns(UserWarning, match="holds no checkpoint of this configuration"):
        resumed = sgd_model(tmp_path, max_iter=6, warm_start=True).fit(X, y)
    assert resumed.checkpoint_path_ != disguised
    assert resumed.n_iter_ == sgd_model(None, max_iter=6).fit(X, y).n_iter_
    with pytest.raises(CheckpointError, match="belongs to configuration"):
        load_checkpoint(disguised)


# -- which checkpoint is mine ----------------------------------------------------


def test_checkpoint_path_names_the_run_folder_this_fit_wrote(tmp_path):
    assert sgd_model(None).fit(X, y).checkpoint_path_ is None
    first = sgd_model(tmp_path).fit(X, y)
    second = sgd_model(tmp_path, n_iter_no_change=2).fit(X, y)
    assert first.checkpoint_path_ != second.checkpoint_path_
    assert set(run_folders(tmp_path)) == {first.checkpoint_path_, second.checkpoint_path_}
    assert load_checkpoint(first.checkpoint_path_).n_iter_no_change == 4


def test_the_best_model_file_of_a_pipeline_predicts_on_raw_X(tmp_path):
    def pipeline_model(**params):
        return EarlyStoppingEstimator(
            make_pipeline(StandardScaler(), SGDClassifier(random_state=0)),
            batch_size=50,
            n_iter_no_change=3,
            random_state=0,
            checkpoint_dir=tmp_path,
            **params,
        )

    raw_X = X * 100 + 7
    model = pipeline_model().fit(raw_X, y)
    best = joblib.load(model.checkpoint_path_ / f"model-e{model.best_iteration_:06d}.joblib")
    np.testing.assert_array_equal(best.predict(raw_X), model.predict(raw_X))
    # A run whose model files are whole pipelines resumes as one.
    resumed = pipeline_model(warm_start=True).fit(raw_X, y)
    assert resumed.checkpoint_path_ == model.checkpoint_path_
    np.testing.assert_array_equal(resumed.predict(raw_X), model.predict(raw_X))


# -- a fit that raised --------------------------------------------------------------


class FailsOnce(SGDClassifier):
    """SGDClassifier whose ``partial_fit`` raises once, at the call ``FAIL_AT[0]``."""

    FAIL_AT = [None]
    calls = 0

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        FailsOnce.calls += 1
        if FailsOnce.calls == FailsOnce.FAIL_AT[0]:
            FailsOnce.FAIL_AT[0] = None
            if hasattr(self, "coef_"):
                self.coef_ *= 1000.0  # half-modified, then the error
            raise RuntimeError("the data loader failed")
        return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)


def fails_once_at(call):
    FailsOnce.calls, FailsOnce.FAIL_AT[0] = 0, call


@pytest.mark.parametrize("with_checkpoints", [True, False])
def test_a_warm_start_after_an_exception_ends_as_an_uninterrupted_run(tmp_path, with_checkpoints):
    def make(max_iter, warm_start=False, checkpoint_dir=tmp_path if with_checkpoints else None):
        return EarlyStoppingEstimator(
            FailsOnce(random_state=0),
            batch_size=50,
            n_iter_no_change=50,
            max_iter=max_iter,
            random_state=0,
            warm_start=warm_start,
            checkpoint_dir=checkpoint_dir,
        )

    fails_once_at(None)
    expected = make(max_iter=12, checkpoint_dir=None).fit(X, y)
    model = make(max_iter=5, warm_start=True).fit(X, y)
    fails_once_at(11 * 2 + 5)  # 11 batches an epoch: in the third epoch of the next fit
    with pytest.raises(RuntimeError, match="data loader failed"):
        model.set_params(max_iter=12).fit(X, y)
    if with_checkpoints:
        resumed = model.fit(X, y)  # from the last commit on disk
    else:
        with pytest.warns(UserWarning, match="did not finish .* training starts over"):
            resumed = model.fit(X, y)
    np.testing.assert_array_equal(resumed.validation_scores_, expected.validation_scores_)
    np.testing.assert_array_equal(resumed.estimator_.coef_, expected.estimator_.coef_)
    if with_checkpoints:
        (folder,) = run_folders(tmp_path)
        assert load_checkpoint(folder).n_iter_ == 12


def test_a_fit_that_fails_before_its_first_commit_leaves_no_run_folder(tmp_path):
    fails_once_at(1)
    with pytest.raises(RuntimeError, match="data loader failed"):
        EarlyStoppingEstimator(
            FailsOnce(random_state=0), checkpoint_dir=tmp_path, random_state=0
        ).fit(X, y)
    assert os.listdir(tmp_path) == []
