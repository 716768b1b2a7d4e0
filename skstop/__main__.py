"""``python -m skstop``: early-stop a model on scikit-learn's bundled digits data."""

import argparse
import os

from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import MinMaxScaler

from . import __version__
from ._estimator import EarlyStoppingEstimator


def digits_cnn(seed):
    """The skorch CNN of ``_demo_nets``, or a clear exit without torch."""
    try:
        from ._demo_nets import digits_cnn as make_net
    except ImportError as error:
        raise SystemExit(
            f"--estimator cnn needs torch and skorch ({error}): pip install skstop[torch]"
        ) from error
    return make_net(seed)


ESTIMATORS = {
    "sgd": lambda seed: SGDClassifier(loss="log_loss", alpha=1e-4, random_state=seed),
    "mlp": lambda seed: MLPClassifier(hidden_layer_sizes=(64,), random_state=seed),
    "cnn": digits_cnn,
}


def positive_int(text):
    """An argparse type: an int of at least 1, or a usage error naming the value."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive integer")
    return value


def parse_arguments(argv):
    """The demo's arguments; a usage error (exit 2) for anything it cannot use."""
    parser = argparse.ArgumentParser(
        prog="python -m skstop",
        description="Early-stop a classifier on the digits data (1,797 8x8 images) "
        "and print its validation score per epoch, best epoch and test accuracy.",
    )
    parser.add_argument("--version", action="version", version=f"skstop {__version__}")
    parser.add_argument(
        "--estimator",
        choices=sorted(ESTIMATORS),
        default="mlp",
        help="inner estimator trained with partial_fit (default: mlp; cnn needs skstop[torch])",
    )
    parser.add_argument(
        "--n-iter-no-change",
        type=positive_int,
        default=5,
        help="patience: epochs without improvement before stopping",
    )
    parser.add_argument("--max-iter", type=positive_int, default=200, help="maximum epochs")
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=None,
        help="rows per partial_fit call (default: whole split)",
    )
    parser.add_argument("--random-state", type=int, default=0, help="seed")
    parser.add_argument(
        "--checkpoint-dir", default=None, help="keep durable checkpoints here and resume from them"
    )
    parser.add_argument(
        "--plot",
        default="learning_curve.png",
        metavar="PNG",
        help="save the learning curve here (needs matplotlib; '' to skip; default: %(default)s)",
    )
    args = parser.parse_args(argv)
    plot_folder = os.path.dirname(os.path.abspath(args.plot)) if args.plot else None
    if plot_folder is not None and not os.path.isdir(plot_folder):
        parser.error(f"--plot {args.plot}: the folder {plot_folder} does not exist")
    return args


def main(argv=None):
    args = parse_arguments(argv)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=args.random_state
    )
    # Scaling sits outside the wrapper here for brevity; it is fitted on the
    # training rows only, so the test rows stay unseen.
    scaler = MinMaxScaler().fit(X_train)
    as_images = args.estimator == "cnn"

    def prepare(X):
        X = scaler.transform(X)
        return X.reshape(-1, 1, 8, 8).astype("float32") if as_images else X

    model = EarlyStoppingEstimator(
        ESTIMATORS[args.estimator](args.random_state),
        n_iter_no_change=args.n_iter_no_change,
        max_iter=args.max_iter,
        batch_size=args.batch_size,
        random_state=args.random_state,
        checkpoint_dir=args.checkpoint_dir,
        warm_start=args.checkpoint_dir is not None,
    ).fit(prepare(X_train), y_train)

    if model.resumed_from_:
        print(
            f"resumed from the checkpoint of epoch {model.resumed_from_} in "
            f"{model.checkpoint_path_}; epochs 1-{model.resumed_from_} were trained before"
        )
    print(f"{'epoch':>5}  {'validation accuracy':>19}")
    for epoch, score in enumerate(model.validation_scores_, start=1):
        marker = "  <- best" if epoch == model.best_iteration_ else ""
        print(f"{epoch:>5}  {score:>19.4f}{marker}")
    print(
        f"\nstopped after {model.n_iter_} epochs ({model.termination_condition_}); "
        f"best epoch {model.best_iteration_}, validation accuracy "
        f"{model.best_score_:.4f}"
    )
    print(f"test accuracy of the restored best model: {model.score(prepare(X_test), y_test):.4f}")
    if args.plot:
        save_learning_curve(model, args.plot)


def save_learning_curve(model, path):
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed (pip install skstop[plot]): no plot saved")
        return
    matplotlib.use("Agg")
    from ._display import EarlyStoppingDisplay

    display = EarlyStoppingDisplay.from_estimator(model)
    display.ax_.set_title("validation accuracy per epoch, digits")
    display.figure_.savefig(path, dpi=110)
    print(f"learning curve saved to {path}")


if __name__ == "__main__":
    main()
