"""When to save: overhead, lost work and preemption, from 1 ms epochs to a 110 MB net.

Three studies, each measured side by side in one run:

1. Overhead. Each workload is fitted without checkpoints, with the policy
   skstop had before save policies (every improvement and the end:
   ``OnImprovement()``), with the new default (``checkpoint_every=None``, i.e.
   ``Adaptive("24h")``) and with ``Adaptive("1h")``; medians of interleaved
   repeats. Target: the default within 5 % of no checkpoints on every
   workload (3.5 % aimed at).
2. Lost work. A longer fit of the net under ``Adaptive(mtbf)``, its commit
   timeline read from its manifests: the work a kill at a uniformly random
   moment loses (time since the newest durable commit), against the
   Young/Daly optimum for the same save cost C and mtbf M (half Daly's
   interval, plus one save). Target: within 10 %.
3. Preemption. A real process fitting the net is sent SIGTERM inside an
   epoch; from the signal to the committed manifest, and to the process's
   end (status 143), against one batch plus one save.

Run: .venv/bin/python benchmarks/bench_saving.py [--quick]
"""

import argparse
import json
import signal
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from _common import interleaved_seconds, machine, scratch_folder
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.neural_network import MLPClassifier

from skstop import EarlyStoppingEstimator
from skstop._checkpoint import run_folders, signing_key
from skstop._checkpoint._policy import daly_interval
from skstop._checkpoint._store import verified_manifests
from skstop.checkpoint import Adaptive, OnImprovement
from skstop.loggers import Logger

POLICIES = {
    "none": None,
    "today (every improvement)": OnImprovement(),
    "default (Adaptive 24h)": "default",
    "Adaptive 1h": Adaptive("1h"),
}


class WideMLP(torch.nn.Module):
    """``n_features * hidden + hidden * 500`` weights: 27.5 M (110 MB) at 5,000 and 5,000."""

    def __init__(self, n_features=5_000, hidden=5_000):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(n_features, hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(hidden, 500),
            torch.nn.ReLU(),
            torch.nn.Linear(500, 10),
        )

    def forward(self, X):
        return self.layers(X)


def big_net(n_features, hidden):
    from skorch import NeuralNetClassifier

    return NeuralNetClassifier(
        WideMLP,
        module__n_features=n_features,
        module__hidden=hidden,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.SGD,
        lr=1e-3,
        batch_size=128,
        iterator_train__shuffle=True,
        verbose=0,
    )


def workloads(quick):
    """name: (estimator, X, y, wrapper parameters, repeats)."""
    scale = 4 if quick else 1
    X_small, y_small = make_classification(5_000, 20, n_informative=10, random_state=0)
    X_mid, y_mid = make_classification(20_000 // scale, 50, n_informative=20, random_state=0)
    X_mlp, y_mlp = make_classification(20_000 // scale, 100, n_informative=30, random_state=0)
    X_net, y_net = make_classification(
        1_024 // scale, 5_000 // scale, n_informative=50, n_classes=10, random_state=0
    )
    epochs = 600 // scale
    net_epochs = 8 if quick else 25
    return {
        "SGD 5k x 20, 1 call/epoch": (
            SGDClassifier(alpha=1e-4, random_state=0),
            X_small,
            y_small,
            {"max_iter": epochs, "n_iter_no_change": epochs, "tol": 0.0},
            5,
        ),
        "SGD 20k x 50, batches of 200": (
            SGDClassifier(alpha=1e-4, random_state=0),
            X_mid,
            y_mid,
            {"max_iter": 20, "n_iter_no_change": 20, "tol": 0.0, "batch_size": 200},
            5,
        ),
        "MLP (256, 256) 20k x 100": (
            MLPClassifier(hidden_layer_sizes=(256, 256), random_state=0),
            X_mlp,
            y_mlp,
            {"max_iter": 8, "n_iter_no_change": 8, "tol": 0.0},
            5,
        ),
        f"skorch net {110 // scale**2 if quick else 110} MB": (
            big_net(X_net.shape[1], 5_000 // scale),
            X_net.astype(np.float32),
            y_net,
            # a save costs ~2 s: 25 epochs of ~2 s, so that the one save of
            # the best model a fit must make is not the whole story
            {"max_iter": net_epochs, "n_iter_no_change": net_epochs, "scoring": "loss"},
            2,
        ),
    }


def fitted(estimator, X, y, params, policy, folder):
    if policy is None:
        saving = {}
    else:
        saving = {
            "checkpoint_dir": folder,
            "checkpoint_every": None if policy == "default" else policy,
        }
    return EarlyStoppingEstimator(estimator, random_state=0, **params, **saving).fit(X, y)


def overhead_study(args, folder):
    print(
        f"1. overhead: median of {args.repeats or '5 (2 for the net)'} interleaved fits; "
        "overhead vs none"
    )
    print(
        f"{'workload':<30} {'epoch':>8} {'policy':<27} {'fit':>8} {'overhead':>9} "
        f"{'saves':>6} {'measured':>9}"
    )
    for name, (estimator, X, y, params, repeats) in workloads(args.quick).items():
        if args.workload not in name:
            continue
        repeats = args.repeats or repeats
        stats = {}

        def run(label, policy):
            model = fitted(estimator, X, y, params, policy, folder)
            stats[label] = model.checkpoint_stats_
            stats["epoch"] = np.median([row["epoch_time"] for row in model.history_])

        times = interleaved_seconds(
            {label: (lambda label=label, p=p: run(label, p)) for label, p in POLICIES.items()},
            repeats,
        )
        base = statistics.median(times["none"])
        epoch = f"{stats['epoch'] * 1e3:.1f}ms"
        for label in POLICIES:
            median = statistics.median(times[label])
            saved = stats[label] or {"saves": 0, "overhead": 0.0}
            first = label == "none"
            print(
                f"{name if first else '':<30} {epoch if first else '':>8} "
                f"{label:<27} {median:>7.2f}s {100 * (median / base - 1):>8.1f}% "
                f"{saved['saves']:>6} {100 * saved['overhead']:>8.1f}%"
            )


def expected_lost_work(started, finished, commits):
    """Mean, over a uniformly random kill moment, of the work since the state last committed.

    ``commits``: ``(captured, durable)`` times of each commit: a kill at ``t``
    loses ``t - captured`` of the newest commit durable before ``t`` (``t -
    started`` before the first).
    """
    points = [(started, started)] + sorted(commits, key=lambda commit: commit[1])
    lost = 0.0
    for (captured, durable), (_, next_durable) in zip(points, points[1:] + [(None, finished)]):
        # the integral of (t - captured) for t from durable to next_durable
        lost += ((next_durable - captured) ** 2 - (durable - captured) ** 2) / 2
    return lost / (finished - started)


def lost_work_study(args, folder):
    # A short mtbf and a loose budget, so that Daly's interval (not the
    # budget) sets the saves, several of them within the fit.
    mtbf, budget = 30.0, 0.25
    estimator, X, y, params, _ = list(workloads(args.quick).values())[-1]
    started = time.time()
    model = EarlyStoppingEstimator(
        estimator,
        random_state=0,
        checkpoint_dir=folder,
        checkpoint_every=Adaptive(mtbf=mtbf, max_overhead=budget),
        keep_last=10_000,
        **params,
    ).fit(X, y)
    finished = time.time()
    manifests, _ = verified_manifests(model.checkpoint_path_, signing_key())
    # The newest commit is the fit's end: a kill after it loses nothing.
    commits = [(m.body["captured"], m.body["created"]) for m in manifests[1:]]
    stats = model.checkpoint_stats_
    cost = (stats["blocked_seconds"] + stats["background_seconds"]) / stats["saves"]
    interval = daly_interval(cost, mtbf)
    optimum = (interval + cost) / 2
    run = expected_lost_work(started, manifests[0].body["captured"], commits)
    print(
        f"\n2. lost work: the net, {params['max_iter']} epochs ({finished - started:.0f} s), "
        f"Adaptive(mtbf={mtbf:.0f} s, max_overhead={budget}): {stats['saves']} saves of "
        f"C = {cost:.2f} s"
    )
    # A background commit is durable `latency` after its state was captured:
    # the work in between is at risk, which Young's blocking saves do not have.
    latency = statistics.median(durable - captured for captured, durable in commits)
    background_optimum = interval / 2 + latency
    print(
        f"   expected loss to a kill at a random moment: {run:.2f} s; at Young/Daly's "
        f"optimum ((T + C) / 2, T = {interval:.1f} s): {optimum:.2f} s, ratio "
        f"{run / optimum:.2f}; with background commits durable {latency:.2f} s after "
        f"capture (T / 2 + latency): {background_optimum:.2f} s, ratio "
        f"{run / background_optimum:.2f}"
    )


def preemption_study(args, folder):
    batch_times, sigterm = [], []
    script = Path(__file__).resolve()
    for attempt in range(3):
        run_folder = Path(folder) / f"preempt-{attempt}"
        process = subprocess.Popen(
            [sys.executable, str(script), "--child", str(run_folder)] + ["--quick"] * args.quick,
            stdout=subprocess.PIPE,
            text=True,
        )
        info = json.loads(process.stdout.readline())  # after the first epoch
        time.sleep(info["epoch"] * (0.3 + 0.2 * attempt))  # inside the second epoch
        sent = time.time()
        process.send_signal(signal.SIGTERM)
        status = process.wait()
        ended = time.time()
        (run,) = run_folders(run_folder)
        newest, _ = verified_manifests(run, signing_key())
        committed = newest[0].body["created"]
        sigterm.append((committed - sent, ended - sent, status, newest[0].record["position"]))
        batch_times.append(info["epoch"] / info["batches"])
    batch = statistics.median(batch_times)
    print(f"\n3. preemption: SIGTERM inside an epoch of the net (a batch: {batch:.2f} s)")
    for to_commit, to_exit, status, position in sigterm:
        print(
            f"   SIGTERM -> commit {to_commit:.2f} s, -> exit {to_exit:.2f} s "
            f"(status {status}, {128 - status if status < 0 else status}), committed "
            f"{position['batches'] if position else 'at the epoch end'} batches into it"
        )


class FirstEpoch(Logger):
    """Tells the parent the first epoch's time and batches once it ends."""

    def __init__(self, batches):
        self.batches = batches

    def on_epoch_end(self, fit, record):
        if record["epoch"] == 1:
            print(json.dumps({"epoch": record["epoch_time"], "batches": self.batches}), flush=True)


def preempted_child(folder, quick):
    estimator, X, y, params, _ = list(workloads(quick).values())[-1]
    batches = -(-int(len(X) * 0.9) // estimator.batch_size)
    EarlyStoppingEstimator(
        estimator, random_state=0, checkpoint_dir=folder, loggers=[FirstEpoch(batches)], **params
    ).fit(X, y)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller workloads")
    parser.add_argument("--study", type=int, choices=(1, 2, 3), help="one study only")
    parser.add_argument("--workload", default="", help="workloads whose name holds this")
    parser.add_argument("--repeats", type=int, help="fits of each policy (default: 5; net: 2)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        preempted_child(args.child, args.quick)
        return
    print(f"machine: {machine()}\n")
    warnings.simplefilter("ignore", ConvergenceWarning)
    with scratch_folder() as folder:
        studies = (overhead_study, lost_work_study, preemption_study)
        for number, study in enumerate(studies, start=1):
            if args.study in (None, number):
                study(args, folder)


if __name__ == "__main__":
    main()
