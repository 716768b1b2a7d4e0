import multiprocessing
import os
import stat

import pytest

from skstop._checkpoint import _signing


@pytest.fixture
def config_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv(_signing.KEY_VARIABLE, raising=False)
    return tmp_path


def test_key_is_created_on_first_use_readable_by_its_owner_only(config_home):
    key = _signing.signing_key()
    signature = _signing.sign(b"manifest", key)
    path = config_home / "skstop" / "checkpoint_key"
    assert _signing.key_path() == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(path.read_bytes().strip()) == 64
    assert _signing.signing_key() == key
    assert _signing.is_signed(b"manifest", signature, key)
    assert not _signing.is_signed(b"manifest, altered", signature, key)


def test_the_environment_variable_overrides_the_key_file(config_home, monkeypatch):
    signature = _signing.sign(b"manifest", _signing.signing_key())
    monkeypatch.setenv(_signing.KEY_VARIABLE, "a key shared by the workers of a cluster")
    shared = _signing.signing_key()
    assert shared == b"a key shared by the workers of a cluster"
    assert not _signing.is_signed(b"manifest", signature, shared)


def _first_signature(config_home, queue):
    os.environ["XDG_CONFIG_HOME"] = str(config_home)
    queue.put(_signing.sign(b"manifest", _signing.signing_key()))


def test_concurrent_first_uses_all_end_up_with_one_key(config_home):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [
        context.Process(target=_first_signature, args=(config_home, queue)) for _ in range(4)
    ]
    for process in processes:
        process.start()
    signatures = {queue.get(timeout=60) for _ in processes}
    for process in processes:
        process.join(60)
    assert len(signatures) == 1
    assert signatures == {_signing.sign(b"manifest", _signing.signing_key())}
    assert os.listdir(config_home / "skstop") == ["checkpoint_key"]


# -- keys that are refused, before any training -----------------------------------

from sklearn.datasets import make_classification  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402

from skstop import CheckpointError, EarlyStoppingEstimator, load_checkpoint  # noqa: E402

X, y = make_classification(300, 5, random_state=0)


def fit_with_checkpoints(checkpoint_dir, **params):
    return EarlyStoppingEstimator(
        SGDClassifier(random_state=0), checkpoint_dir=checkpoint_dir, random_state=0, **params
    ).fit(X, y)


def key_file(config_home, content, mode=0o600):
    path = config_home / "skstop" / "checkpoint_key"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.write_bytes(content)
    path.chmod(mode)
    return path


def assert_refused_before_training(tmp_path, match):
    checkpoint_dir = tmp_path / "checkpoints"
    with pytest.raises(CheckpointError, match=match):
        fit_with_checkpoints(checkpoint_dir)
    assert not checkpoint_dir.exists()  # nothing was written, nothing trained


@pytest.mark.parametrize("content", [b"", b"   \n", b"0123456789abcdef"])
def test_an_empty_or_short_key_file_is_refused_naming_it(config_home, tmp_path, content):
    path = key_file(config_home, content)
    assert_refused_before_training(
        tmp_path, rf"key in {path} has \d+ bytes; a key needs at least 32"
    )


def test_a_short_key_in_the_environment_is_refused(config_home, tmp_path, monkeypatch):
    monkeypatch.setenv(_signing.KEY_VARIABLE, "")
    assert_refused_before_training(tmp_path, r"key in \$SKSTOP_CHECKPOINT_KEY has 0 bytes")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o606])
def test_a_key_others_can_read_is_refused_with_the_fix(config_home, tmp_path, mode):
    path = key_file(config_home, b"k" * 64, mode)
    assert_refused_before_training(
        tmp_path, rf"can be read or written by other users .*chmod 600 {path}"
    )


def test_a_key_in_a_folder_others_can_write_is_refused(config_home, tmp_path):
    path = key_file(config_home, b"k" * 64)
    path.parent.chmod(0o777)
    assert_refused_before_training(tmp_path, "folder .* can be written by other users")


def test_a_key_file_that_is_a_symlink_or_a_folder_is_refused(config_home, tmp_path):
    elsewhere = key_file(tmp_path / "other", b"k" * 64)
    path = config_home / "skstop" / "checkpoint_key"
    path.parent.mkdir(mode=0o700)
    path.symlink_to(elsewhere)
    assert_refused_before_training(tmp_path, f"key {path} cannot be read")
    path.unlink()
    path.mkdir()
    assert_refused_before_training(tmp_path, f"key {path} cannot be read")


@pytest.mark.skipif(os.getuid() != 0, reason="giving a file to another user needs root")
def test_a_key_owned_by_another_user_is_refused(config_home, tmp_path):
    path = key_file(config_home, b"k" * 64)
    os.chown(path, 65534, 65534)  # nobody
    assert_refused_before_training(tmp_path, "belongs to another user")


def test_a_key_that_cannot_be_created_is_a_clear_error_before_training(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the config folder would be")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))
    monkeypatch.delenv(_signing.KEY_VARIABLE, raising=False)
    assert_refused_before_training(tmp_path, "could not be created .* nothing was trained")


def test_key_path_follows_the_xdg_rules(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/config")  # ignored, as XDG says
    assert _signing.key_path() == tmp_path / "home" / ".config" / "skstop" / "checkpoint_key"
    monkeypatch.setenv("XDG_CONFIG_HOME", "")
    monkeypatch.setenv("HOME", "")
    with pytest.raises(CheckpointError, match="HOME is '', not an absolute path"):
        _signing.key_path()


def test_loading_never_creates_a_key(config_home, tmp_path, monkeypatch):
    fit_with_checkpoints(tmp_path / "checkpoints")
    key = config_home / "skstop" / "checkpoint_key"
    key.unlink()
    with pytest.raises(CheckpointError, match="no checkpoint key at"):
        load_checkpoint(tmp_path / "checkpoints")
    assert not key.exists()


def test_a_warm_start_over_checkpoints_of_another_key_says_so(config_home, tmp_path, monkeypatch):
    fit_with_checkpoints(tmp_path / "checkpoints", max_iter=3)
    monkeypatch.setenv(_signing.KEY_VARIABLE, "x" * 64)
    with pytest.warns(UserWarning, match="signed with another key than this user's"):
        model = fit_with_checkpoints(tmp_path / "checkpoints", max_iter=5, warm_start=True)
    assert model.n_iter_ == 5
    assert len(model.validation_scores_) == 5
