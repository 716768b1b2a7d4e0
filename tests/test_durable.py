import os
import threading

import pytest

import skstop._checkpoint._durable as durable


def test_atomic_write_replaces_whole_or_not_at_all(tmp_path, monkeypatch):
    target = tmp_path / "file"
    durable.atomic_write(target, b"old")

    def killed_mid_write(file, chunk):
        file.write(chunk[:2])
        raise KeyboardInterrupt

    monkeypatch.setattr(durable, "write_chunk", killed_mid_write)
    with pytest.raises(KeyboardInterrupt):
        durable.atomic_write(target, b"new contents")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["file"]


def test_large_writes_go_in_chunks_and_arrive_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(durable, "CHUNK_SIZE", 7)
    data = bytes(range(256)) * 3
    durable.atomic_write(tmp_path / "file", data)
    assert (tmp_path / "file").read_bytes() == data
    assert oct((tmp_path / "file").stat().st_mode & 0o777) == oct(durable.FILE_MODE)


def test_remove_temporary_files_removes_only_its_own_prefix(tmp_path):
    (tmp_path / ".tmp-model-e000001.joblib.1a2b3c4d").write_bytes(b"half")
    (tmp_path / "model-e000001.joblib").write_bytes(b"whole")
    durable.remove_temporary_files(tmp_path)
    assert os.listdir(tmp_path) == ["model-e000001.joblib"]


def test_background_writer_runs_one_write_at_a_time_and_reraises_its_error():
    writer = durable.BackgroundWriter()
    release, order = threading.Event(), []

    def slow():
        release.wait(10)
        order.append("first")

    def failing():
        order.append("second")
        raise OSError(28, "No space left on device")

    writer.submit(slow)
    threading.Timer(0.05, release.set).start()
    writer.submit(failing)  # waits for the first write to finish
    assert order[0] == "first"
    with pytest.raises(OSError, match="No space left"):
        writer.close()
    assert order == ["first", "second"]
