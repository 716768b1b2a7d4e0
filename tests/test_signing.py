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
    signature = _signing.sign(b"manifest")
    path = config_home / "skstop" / "checkpoint_key"
    assert _signing.key_path() == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(path.read_bytes().strip()) == 64
    assert _signing.is_signed(b"manifest", signature)
    assert not _signing.is_signed(b"manifest, altered", signature)


def test_the_environment_variable_overrides_the_key_file(config_home, monkeypatch):
    signature = _signing.sign(b"manifest")
    monkeypatch.setenv(_signing.KEY_VARIABLE, "a key shared by the workers of a cluster")
    assert not _signing.is_signed(b"manifest", signature)
    assert _signing.is_signed(b"manifest", _signing.sign(b"manifest"))


def _first_signature(config_home, queue):
    os.environ["XDG_CONFIG_HOME"] = str(config_home)
    queue.put(_signing.sign(b"manifest"))


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
    assert signatures == {_signing.sign(b"manifest")}
    assert os.listdir(config_home / "skstop") == ["checkpoint_key"]
