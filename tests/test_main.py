import re
import subprocess
import sys

from skstop.__main__ import main


def test_demo_prints_the_epoch_table_best_epoch_and_test_accuracy(capsys, tmp_path):
    png = tmp_path / "curve.png"
    main(["--estimator", "sgd", "--n-iter-no-change", "3", "--max-iter", "50", "--plot", str(png)])
    out = capsys.readouterr().out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"learning curve saved to {png}" in out
    rows = re.findall(r"^ +(\d+) +(0\.\d{4})( +<- best)?$", out, flags=re.M)
    best_rows = [int(epoch) for epoch, _, marker in rows if marker]
    stopped = re.search(r"stopped after (\d+) epochs \((\w+)\); best epoch (\d+)", out)
    assert stopped is not None
    n_iter, reason, best = int(stopped[1]), stopped[2], int(stopped[3])
    assert len(rows) == n_iter and best_rows == [best]
    assert reason == "no_change" and n_iter == best + 3
    assert float(re.search(r"test accuracy .*: (0\.\d+)", out)[1]) > 0.85


def test_help_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "skstop", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--n-iter-no-change" in result.stdout


def test_a_plot_path_in_a_missing_folder_is_refused_before_training(tmp_path, capsys):
    import pytest

    missing = tmp_path / "nowhere" / "curve.png"
    with pytest.raises(SystemExit) as exit_info:
        main(["--plot", str(missing)])
    assert exit_info.value.code == 2
    err = capsys.readouterr()
    assert f"the folder {missing.parent} does not exist" in err.err
    assert "epoch" not in err.out  # nothing was trained


def test_bad_numbers_are_usage_errors_before_training(capsys):
    import pytest

    for argv in (["--max-iter", "0"], ["--n-iter-no-change", "-1"], ["--batch-size", "x"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err
        assert err.splitlines()[-1].startswith(f"python -m skstop: error: argument {argv[0]}: ")
    assert err.splitlines()[-1].endswith("'x' is not an integer")


def test_version(capsys):
    import pytest

    from skstop import __version__

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out == f"skstop {__version__}\n"


def test_a_rerun_with_checkpoints_says_it_resumed(capsys, tmp_path):
    argv = ["--estimator", "sgd", "--checkpoint-dir", str(tmp_path), "--plot", ""]
    main([*argv, "--max-iter", "4", "--n-iter-no-change", "50"])
    assert "resumed" not in capsys.readouterr().out
    main([*argv, "--max-iter", "6", "--n-iter-no-change", "50"])
    out = capsys.readouterr().out
    assert "resumed from the checkpoint of epoch 4 in " in out
    assert "epochs 1-4 were trained before" in out
