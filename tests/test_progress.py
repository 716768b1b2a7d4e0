import logging
import re

import pytest
from sklearn.datasets import make_classification

import skstop._progress as progress
from skstop import EarlyStoppingEstimator, ReduceOnPlateau

from ._scripted import ScriptedClassifier

X, y = make_classification(200, 5, n_informative=3, random_state=0)
SCORES = [0.5, 0.6, 0.6, 0.6]
STOP_LINE = (
    "[EarlyStoppingEstimator] stopped after epoch 4: no improvement greater than "
    "0.0001 for 2 epochs; restored epoch 2 (score 0.6)"
)


def fit(verbose, **params):
    return EarlyStoppingEstimator(
        ScriptedClassifier(scores=SCORES), n_iter_no_change=2, verbose=verbose, **params
    ).fit(X, y)


def test_verbose_1_shows_exactly_one_bar_per_fit(monkeypatch, capsys):
    tqdm = pytest.importorskip("tqdm").tqdm
    bars = []

    class CountedBar(tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            bars.append(self)

    monkeypatch.setattr(progress, "_tqdm", lambda: CountedBar)
    monkeypatch.setattr(progress, "_interactive", lambda tqdm: True)  # as on a terminal
    fit(verbose=1)
    captured = capsys.readouterr()
    assert len(bars) == 1
    assert bars[0].n == 4 and bars[0].total == 100
    assert "EarlyStoppingEstimator" in captured.err and "4/100" in captured.err
    assert "best=0.6000" in captured.err
    assert STOP_LINE in captured.err
    assert captured.out == ""


def test_verbose_1_without_tqdm_prints_lines(monkeypatch, capsys):
    monkeypatch.setattr(progress, "_tqdm", lambda: None)
    fit(verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 + 1
    assert lines[-1] == STOP_LINE


def test_verbose_1_into_a_file_or_pipe_prints_lines_not_a_bar(capsys):
    pytest.importorskip("tqdm")
    fit(verbose=1)  # capsys: stdout and stderr are not terminals
    captured = capsys.readouterr()
    assert "\r" not in captured.out + captured.err
    assert captured.err == ""
    lines = captured.out.splitlines()
    assert len(lines) == 4 + 1 and lines.count(STOP_LINE) == 1


def test_console_log_lines_go_above_the_bar_not_into_it(monkeypatch):
    import io

    pytest.importorskip("tqdm")

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    handler = logging.StreamHandler(terminal)  # as logging.basicConfig(level=INFO) makes
    handler.setFormatter(logging.Formatter("%(levelname)s:%(name)s:%(message)s"))
    root_level = logging.root.level
    logging.root.addHandler(handler)
    logging.root.setLevel(logging.INFO)
    try:
        fit(verbose=1)
    finally:
        logging.root.removeHandler(handler)
        logging.root.setLevel(root_level)
    text = terminal.getvalue()
    assert "it/s" in text or "epoch/s" in text or "s/epoch" in text  # a bar was drawn
    for epoch in range(1, 5):  # each log line starts a line of its own
        assert re.search(rf"(^|\n|\r)INFO:skstop:EarlyStoppingEstimator epoch {epoch}:", text)
    assert re.search(r"(^|\n|\r)\[EarlyStoppingEstimator\] stopped after epoch 4", text)


def test_every_epoch_is_logged_to_the_skstop_logger(caplog, capsys):
    with caplog.at_level(logging.INFO, logger="skstop"):
        fit(verbose=0)
    records = [r for r in caplog.records if r.name == "skstop"]
    assert len(records) == 4 + 1
    assert records[-1].getMessage() == STOP_LINE.replace(
        "[EarlyStoppingEstimator]", "EarlyStoppingEstimator"
    )
    assert (
        records[1]
        .getMessage()
        .startswith("EarlyStoppingEstimator epoch 2: score 0.600000, best 0.600000 (epoch 2)")
    )
    assert capsys.readouterr() == ("", "")


def test_schedule_changes_are_reported(capsys):
    fit(verbose=2, schedules=[ReduceOnPlateau("eta0", patience=1)])
    lines = capsys.readouterr().out.splitlines()
    assert "[EarlyStoppingEstimator] epoch    3  eta0 0.1 -> 0.05" in lines


def test_a_resumed_fit_logs_which_run_and_epoch_it_continues(tmp_path, caplog):
    def make(max_iter):
        return EarlyStoppingEstimator(
            ScriptedClassifier(scores=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]),
            max_iter=max_iter,
            checkpoint_dir=tmp_path,
            warm_start=True,
        )

    first = make(max_iter=3).fit(X, y)
    with caplog.at_level(logging.INFO, logger="skstop"):
        make(max_iter=6).fit(X, y)
    assert f"resumed {first.checkpoint_path_} from epoch 3 (commit" in caplog.text
