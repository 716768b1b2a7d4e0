"""skstop around a skorch CNN against skorch's own callbacks and a bare torch loop.

Part 1, wall time for the same epochs on the same split (median of interleaved
repeats), for an MLP (100 -> 128 -> 10 on 36,000 x 100 rows, batch 128) and a
small CNN (28 x 28 images), each validated every epoch and keeping the best
state: skstop (EarlyStoppingEstimator(net, scoring="loss")), skorch's own
EarlyStopping(load_best=True) on a predefined validation split, a bare torch
loop over a DataLoader of a TensorDataset, and a bare torch loop slicing
tensors on the device by a shuffled index (the limit). Targets: skstop <= 1.25x
the slicing loop on both; skorch's EarlyStopping >= 1.8x skstop on the MLP.
Also skstop with checkpoint_dir against skorch's EarlyStopping + Checkpoint.
On CPU torch runs one thread.

Part 2, snapshot cost for a ~100M-parameter model (6 x Linear(4096, 4096) with
Adam): skstop's on-device snapshot against skorch's deepcopy of the state dict,
per snapshot and as a share of one epoch, and a durable checkpoint's cost.

Run: python benchmarks/bench_torch.py [--device cuda] [--quick]
"""

import argparse
import copy
import os
import pickle
import statistics
import sys
import time
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from torch import nn

sys.path.insert(0, os.path.dirname(__file__))
import skorch  # noqa: E402
from _common import machine, median_seconds, scratch_folder  # noqa: E402
from skorch import NeuralNet, NeuralNetClassifier  # noqa: E402
from skorch.callbacks import Checkpoint, EarlyStopping  # noqa: E402
from skorch.dataset import Dataset  # noqa: E402
from skorch.helper import predefined_split  # noqa: E402

from skstop import EarlyStoppingEstimator  # noqa: E402
from skstop._checkpoint import CheckpointWriter, signing_key  # noqa: E402
from skstop._trainers import take_snapshot  # noqa: E402


class CNN(nn.Module):
    def __init__(self, channels=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, channels, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(channels, 2 * channels, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(2 * channels * 49, 128),
            nn.ReLU(),
            nn.Linear(128, 10),
        )

    def forward(self, X):
        return self.net(X)


def image_data(n_samples, seed=0):
    """28x28 images whose class a fixed random teacher decides: learnable, not trivial."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, 1, 28, 28).astype(np.float32)
    teacher = rng.randn(28 * 28, 10).astype(np.float32)
    y = (X.reshape(n_samples, -1) @ teacher).argmax(axis=1).astype(np.int64)
    return X, y


class MLP(nn.Module):
    def __init__(self, n_features=100, hidden=128, n_classes=10):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_features, hidden), nn.ReLU(), nn.Linear(hidden, n_classes)
        )

    def forward(self, X):
        return self.net(X)


def table_data(n_samples, seed=0):
    """100 features whose class a fixed random teacher decides."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, 100).astype(np.float32)
    teacher = rng.randn(100, 10).astype(np.float32)
    return X, (X @ teacher).argmax(axis=1).astype(np.int64)


#: module, data, batch size, learning rate of each workload.
WORKLOADS = {
    "MLP": (MLP, table_data, 128, 0.1),
    "CNN": (CNN, image_data, 256, 0.05),
}


def net_params(workload, device, epochs):
    module, _, batch_size, lr = WORKLOADS[workload]
    return dict(
        module=module,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.SGD,
        lr=lr,
        batch_size=batch_size,
        max_epochs=epochs,
        device=device,
        iterator_train__shuffle=True,
        verbose=0,
    )


def run_skorch(workload, data, device, epochs, folder=None):
    X_train, y_train, X_val, y_val = data
    callbacks = [EarlyStopping(monitor="valid_loss", patience=epochs + 1, load_best=True)]
    if folder is not None:
        callbacks.append(Checkpoint(monitor="valid_loss_best", dirname=folder))
    torch.manual_seed(0)
    NeuralNetClassifier(
        **net_params(workload, device, epochs),
        train_split=predefined_split(Dataset(X_val, y_val)),
        callbacks=callbacks,
    ).fit(X_train, y_train)


def run_skstop(workload, data, device, epochs, folder=None):
    X_train, y_train, X_val, y_val = data
    EarlyStoppingEstimator(
        NeuralNetClassifier(**net_params(workload, device, epochs)),
        scoring="loss",
        max_iter=epochs,
        n_iter_no_change=epochs + 1,
        checkpoint_dir=folder,
        random_state=0,
    ).fit(X_train, y_train, X_val=X_val, y_val=y_val)


def bare_loop(workload, data, device, epochs, batches):
    """A hand-written loop: train, validation loss every epoch, the best state kept.

    ``batches(X, y, shuffle)`` yields the minibatches of one pass.
    """
    module, _, batch_size, lr = WORKLOADS[workload]
    X_train, y_train, X_val, y_val = data
    torch.manual_seed(0)
    model = module().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    criterion = nn.CrossEntropyLoss()
    best_loss, best_state = np.inf, None
    for _ in range(epochs):
        model.train()
        for Xb, yb in batches(X_train, y_train, True):
            optimizer.zero_grad()
            loss = criterion(model(Xb), yb)
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            total = sum(
                criterion(model(Xb), yb) * len(yb) for Xb, yb in batches(X_val, y_val, False)
            )
        val_loss = total.item() / len(X_val)
        if val_loss < best_loss:
            best_loss = val_loss
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)


def run_dataloader_loop(workload, data, device, epochs):
    batch_size = WORKLOADS[workload][2]

    def batches(X, y, shuffle):
        dataset = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
        for Xb, yb in torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=shuffle):
            yield Xb.to(device), yb.to(device)

    bare_loop(workload, data, device, epochs, batches)


def run_sliced_loop(workload, data, device, epochs):
    batch_size = WORKLOADS[workload][2]
    on_device = {id(a): torch.as_tensor(a, device=device) for a in data}  # moved once

    def batches(X, y, shuffle):
        X, y = on_device[id(X)], on_device[id(y)]
        order = torch.randperm(len(X), device=device) if shuffle else None
        for start in range(0, len(X), batch_size):
            if order is None:
                yield X[start : start + batch_size], y[start : start + batch_size]
            else:
                rows = order[start : start + batch_size]  # index_select: the fastest gather
                yield X.index_select(0, rows), y.index_select(0, rows)

    bare_loop(workload, data, device, epochs, batches)


def report(n_params, epoch, results, name, seconds):
    if not results:
        print(
            f"\nPart 2: snapshot of a {n_params / 1e6:.1f}M-parameter model with Adam "
            f"(epoch {epoch * 1e3:.1f} ms), median of repeats",
            flush=True,
        )
    results[name] = seconds
    print(
        f"  {name:<40} {seconds * 1e3:10.3f} ms  {100 * seconds / epoch:7.3f}% of an epoch",
        flush=True,
    )


def synchronized(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def snapshot_costs(device, n_params_millions, repeats):
    width = 4096
    n_layers = max(1, round(n_params_millions * 1e6 / (width * width + width)))
    module = nn.Sequential(*[nn.Linear(width, width) for _ in range(n_layers)])
    n_samples = 8192 if device.startswith("cuda") else 1024
    X = torch.randn(n_samples, width)
    y = torch.randn(n_samples, width)
    net = NeuralNet(
        module,
        criterion=nn.MSELoss,
        optimizer=torch.optim.Adam,
        lr=1e-5,
        batch_size=512,
        train_split=None,
        device=device,
        verbose=0,
    ).initialize()
    net.fit_loop(X, y, epochs=1)  # Adam's moments exist from here on
    n_params = sum(p.numel() for p in net.module_.parameters())

    epochs = []
    for _ in range(3):
        synchronized(device)
        start = time.perf_counter()
        net.fit_loop(X, y, epochs=1)
        synchronized(device)
        epochs.append(time.perf_counter() - start)
    epoch = statistics.median(epochs)

    def timed(function, sync, repeats=repeats):
        times = []
        for _ in range(repeats):
            synchronized(device)
            start = time.perf_counter()
            function()
            if sync:
                synchronized(device)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    previous = [take_snapshot(net)]

    def skstop_snapshot():
        previous[0] = take_snapshot(net, reuse=previous[0])

    def skorch_deepcopy():
        # What skorch's EarlyStopping(load_best=True) does at each improvement.
        copy.deepcopy(net.module_.state_dict())

    # Copies to the host and to disk take seconds for ~1.2 GB: fewer repeats.
    heavy = max(1, repeats // 5)
    results = {}
    report(
        n_params, epoch, results, "skstop snapshot, host time", timed(skstop_snapshot, sync=False)
    )
    report(
        n_params,
        epoch,
        results,
        "skstop snapshot, to device completion",
        timed(skstop_snapshot, sync=True),
    )
    report(
        n_params,
        epoch,
        results,
        "skorch deepcopy(module state_dict)",
        timed(skorch_deepcopy, sync=True),
    )
    report(
        n_params,
        epoch,
        results,
        "pickle.dumps(net) (host copy)",
        timed(lambda: pickle.dumps(net, protocol=5), sync=True, repeats=heavy),
    )
    with scratch_folder() as folder:
        writer = CheckpointWriter.start(
            folder, "0" * 16, b"", signing_key(), keep_last=1, versions={}
        )

        def durable():
            # What fit does at an improvement: the live net is the best.
            writer.save(1, {}, pickle.dumps(net, protocol=5), model_is_best=True)

        def durable_full():
            durable()
            writer._writer.wait()

        report(
            n_params,
            epoch,
            results,
            "durable checkpoint, loop blocks",
            timed(durable, sync=False, repeats=heavy),
        )
        writer._writer.wait()
        report(
            n_params,
            epoch,
            results,
            "durable checkpoint, whole commit",
            timed(durable_full, sync=True, repeats=heavy),
        )
        writer.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--part",
        type=int,
        choices=(1, 2),
        default=None,
        help="run only part 1 (wall time) or part 2 (snapshot cost)",
    )
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--workloads", nargs="*", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument(
        "--snapshot-params",
        type=float,
        default=None,
        help="millions of parameters of the snapshot model (default: 100 on CUDA, 10 on CPU)",
    )
    args = parser.parse_args()
    # Every run trains a fixed number of epochs: "max_iter reached" is the plan.
    warnings.simplefilter("ignore", ConvergenceWarning)
    device = args.device
    cuda = device.startswith("cuda")
    repeats = args.repeats or (1 if args.quick else 5)
    if not cuda:
        torch.set_num_threads(1)

    print(f"machine: {machine()}")
    print(
        f"torch {torch.__version__}, skorch {skorch.__version__}, device {device}"
        + (f" ({torch.cuda.get_device_name()})" if cuda else "")
    )
    if args.part != 2:
        wall_times(device, args.quick, repeats, args.workloads)
    if args.part != 1:
        millions = args.snapshot_params or (100 if cuda else 10)
        snapshot_costs(device, millions, 5 if args.quick else 20)


def wall_times(device, quick, repeats, workloads):
    cuda = device.startswith("cuda")
    sizes = {
        "MLP": (40_000, 5),
        "CNN": ((66_000 if cuda else 6_600) // (4 if quick else 1), 5 if quick else 8),
    }
    for workload in workloads:
        n_samples, epochs = sizes[workload]
        X, y = WORKLOADS[workload][1](n_samples // (4 if quick and workload == "MLP" else 1))
        n_val = len(X) // 10
        data = (X[n_val:], y[n_val:], X[:n_val], y[:n_val])
        print(
            f"\nPart 1, {workload}: {len(X) - n_val} training rows of shape {X.shape[1:]}, "
            f"{n_val} validation rows, {epochs} epochs, median of {repeats}"
        )
        with scratch_folder() as skorch_dir, scratch_folder() as skstop_dir:
            run_skstop(workload, data, device, 1)  # warm-up: CUDA context, cuDNN autotuning
            times = median_seconds(
                {
                    "skorch EarlyStopping": lambda: run_skorch(workload, data, device, epochs),
                    "skstop in memory": lambda: run_skstop(workload, data, device, epochs),
                    "bare loop, DataLoader": lambda: run_dataloader_loop(
                        workload, data, device, epochs
                    ),
                    "bare loop, sliced tensors": lambda: run_sliced_loop(
                        workload, data, device, epochs
                    ),
                    "skorch EarlyStopping+Checkpoint": lambda: run_skorch(
                        workload, data, device, epochs, skorch_dir
                    ),
                    "skstop checkpoint_dir": lambda: run_skstop(
                        workload, data, device, epochs, skstop_dir
                    ),
                },
                repeats,
            )
        limit = times["bare loop, sliced tensors"]
        for name, seconds in times.items():
            print(f"  {name:<34} {seconds:8.3f} s  {seconds / limit:6.2f}x the sliced loop")
        print(
            f"  skorch EarlyStopping / skstop in memory: "
            f"{times['skorch EarlyStopping'] / times['skstop in memory']:.2f}"
        )
        print(
            f"  skstop checkpoint_dir / skorch EarlyStopping+Checkpoint: "
            f"{times['skstop checkpoint_dir'] / times['skorch EarlyStopping+Checkpoint']:.2f}"
        )


if __name__ == "__main__":
    main()
