"""Prechelt's trade-off: training time against generalization, per stopping rule.

For digits, breast_cancer and a synthetic set with 20% flipped labels, 10 seeds
each, an MLPClassifier is early-stopped by patience (n_iter_no_change=10), by
GL5 (GeneralizationLoss(alpha=5)), PQ0.5 (ProgressQuotient(alpha=0.5, strip=5))
and UP3 (UpStrips(s=3, strip=5)), on the validation log-loss (E = -score of
neg_log_loss). Prints epochs used and test accuracy per rule, and saves the
trade-off plot with --plot PATH (needs matplotlib).

Run: .venv/bin/python benchmarks/bench_criteria.py [--seeds N]
     [--plot docs/_static/criteria_tradeoff.png]
"""

import argparse
import warnings

import numpy as np
from _common import machine
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skstop import EarlyStoppingEstimator
from skstop.criteria import GeneralizationLoss, ProgressQuotient, UpStrips

RULES = {
    "patience 10": dict(n_iter_no_change=10),
    "GL5": dict(n_iter_no_change=None, criteria=[GeneralizationLoss(alpha=5)]),
    "PQ0.5": dict(n_iter_no_change=None, criteria=[ProgressQuotient(alpha=0.5, strip=5)]),
    "UP3": dict(n_iter_no_change=None, criteria=[UpStrips(s=3, strip=5)]),
}


def noisy_labels(return_X_y=True):
    X, y = make_classification(3000, 20, n_informative=8, random_state=0)
    flip = np.random.RandomState(0).rand(len(y)) < 0.2
    return X, np.where(flip, 1 - y, y)


DATASETS = {
    "digits": load_digits,
    "breast_cancer": load_breast_cancer,
    "noisy labels (20%)": noisy_labels,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--plot", default=None, help="save the trade-off figure here")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(f"machine: {machine()}; {args.seeds} seeds; MLPClassifier(64), max_iter=300\n")
    print(f"{'data':<20} {'rule':<12} {'epochs':>7} {'test accuracy':>14}")
    table = {}
    for data_name, load in DATASETS.items():
        X, y = load(return_X_y=True)
        for rule, params in RULES.items():
            epochs, accuracies = [], []
            for seed in range(args.seeds):
                X_train, X_test, y_train, y_test = train_test_split(
                    X, y, test_size=0.25, stratify=y, random_state=seed
                )
                scaler = StandardScaler().fit(X_train)
                model = EarlyStoppingEstimator(
                    MLPClassifier((64,), learning_rate_init=3e-3, random_state=seed),
                    scoring="neg_log_loss",
                    max_iter=300,
                    validation_fraction=0.2,
                    random_state=seed,
                    **params,
                ).fit(scaler.transform(X_train), y_train)
                epochs.append(model.n_iter_)
                accuracies.append(model.score(scaler.transform(X_test), y_test))
            table[data_name, rule] = (np.mean(epochs), np.mean(accuracies))
            print(
                f"{data_name:<20} {rule:<12} {np.mean(epochs):>7.1f} {np.mean(accuracies):>14.4f}",
                flush=True,
            )
    if args.plot:
        plot(table, args.plot)


def plot(table, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(DATASETS), figsize=(4 * len(DATASETS), 3.4))
    for ax, data_name in zip(axes, DATASETS):
        for index, rule in enumerate(RULES):
            epochs, accuracy = table[data_name, rule]
            ax.scatter(epochs, accuracy, s=40)
            # Labels alternate above and below: rules with equal accuracy and
            # close epoch counts would otherwise print over each other.
            ax.annotate(
                rule,
                (epochs, accuracy),
                textcoords="offset points",
                xytext=(5, 4 if index % 2 == 0 else -12),
            )
        ax.set_title(data_name)
        ax.set_xlabel("epochs used (mean)")
        # At least a 0.01 span, so that differences in the fourth decimal do not
        # look like a cliff.
        low, high = ax.get_ylim()
        middle = (low + high) / 2
        ax.set_ylim(min(low, middle - 0.005), max(high, middle + 0.005))
        ax.ticklabel_format(axis="y", useOffset=False)
    axes[0].set_ylabel("test accuracy (mean)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    print(f"\nsaved {path}")


if __name__ == "__main__":
    main()
