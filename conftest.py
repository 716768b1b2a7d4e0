import pytest


@pytest.fixture(autouse=True)
def private_checkpoint_key(tmp_path_factory, monkeypatch):
    """Each test signs checkpoints with a key of its own, never the user's."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    monkeypatch.delenv("SKSTOP_CHECKPOINT_KEY", raising=False)
