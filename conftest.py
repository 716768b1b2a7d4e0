import pytest


@pytest.fixture(autouse=True, scope="session")
def private_checkpoint_key(tmp_path_factory):
    """The test session signs checkpoints with a key of its own, never the user's.

    One key for the whole session, as one user has: the worker processes that
    joblib keeps alive between tests sign with the key they started with.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
        patch.delenv("SKSTOP_CHECKPOINT_KEY", raising=False)
        yield
