"""skstop around a skorch CNN against skorch's own callbacks and a bare torch loop.

Part 1, wall time for the same epochs on the same split (median of interleaved
repeats), printed as ratios (target <= 1.02):
- skstop in memory: EarlyStoppingEstimator(net, scoring="loss") against skorch's
  EarlyStopping(load_best=True) on a predefined validation split;
- skstop with checkpoint_dir against skorch's EarlyStopping + Checkpoint;
- skstop in memory against a bare torch loop keeping the best state_dict.

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

import numpy as np
import torch
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


def net_params(device, epochs):
    return dict(
        module=CNN,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.SGD,
        lr=0.05,
        batch_size=256,
        max_epochs=epochs,
        device=device,
        iterator_train__shuffle=True,
        verbose=0,
    )


def run_skorch(data, device, epochs, folder=None):
    X_train, y_train, X_val, y_val = data
    callbacks = [EarlyStopping(monitor="valid_loss", patience=epochs + 1, load_best=True)]
    if folder is not None:
        callbacks.append(Checkpoint(monitor="valid_loss_best", dirname=folder))
    torch.manual_seed(0)
    NeuralNetClassifier(
        **net_params(device, epochs),
        train_split=predefined_split(Dataset(X_val, y_val)),
        callbacks=callbacks,
    ).fit(X_train, y_train)


def run_skstop(data, device, epochs, folder=None):
    X_train, y_train, X_val, y_val = data
    torch.manual_seed(0)
    EarlyStoppingEstimator(
        NeuralNetClassifier(**net_params(device, epochs)),
        scoring="loss",
        max_iter=epochs,
        n_iter_no_change=epochs + 1,
        checkpoint_dir=folder,
    ).fit(X_train, y_train, X_val=X_val, y_val=y_val)


def run_bare_torch(data, device, epochs):
    X_train, y_train, X_val, y_val = data
    torch.manual_seed(0)
    model = CNN().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    criterion = nn.CrossEntropyLoss()
    train = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(X_train), torch.from_numpy(y_train)),
        batch_size=256,
        shuffle=True,
    )
    valid = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(X_val), torch.from_numpy(y_val)),
        batch_size=256,
    )
    best_loss, best_state = np.inf, None
    for _ in range(epochs):
        model.train()
        for Xb, yb in train:
            optimizer.zero_grad()
            loss = criterion(model(Xb.to(device)), yb.to(device))
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            total = sum(
                criterion(model(Xb.to(device)), yb.to(device)) * len(yb) for Xb, yb in valid
            )
        val_loss = total.item() / len(X_val)
        if val_loss < best_loss:
            best_loss = val_loss
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)


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
        writer = CheckpointWriter.start(folder, "0" * 16, b"", signing_key(), keep_last=1)

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
    parser.add_argument(
        "--snapshot-params",
        type=float,
        default=None,
        help="millions of parameters of the snapshot model (default: 100 on CUDA, 10 on CPU)",
    )
    args = parser.parse_args()
    device = args.device
    cuda = device.startswith("cuda")
    n_samples = (40_000 if cuda else 6_000) // (4 if args.quick else 1)
    epochs, repeats = (4, 1) if args.quick else (8, 5)
    repeats = args.repeats or repeats

    print(f"machine: {machine()}")
    print(
        f"torch {torch.__version__}, skorch {skorch.__version__}, device {device}"
        + (f" ({torch.cuda.get_device_name()})" if cuda else "")
    )
    if args.part != 2:
        wall_times(device, n_samples, epochs, repeats)
    if args.part != 1:
        millions = args.snapshot_params or (100 if cuda else 10)
        snapshot_costs(device, millions, 5 if args.quick else 20)


def wall_times(device, n_samples, epochs, repeats):
    X, y = image_data(n_samples)
    n_val = n_samples // 10
    data = (X[n_val:], y[n_val:], X[:n_val], y[:n_val])
    print(
        f"\nPart 1: CNN on {n_samples - n_val} x 1 x 28 x 28 images, {epochs} epochs, "
        f"median of {repeats}"
    )
    with scratch_folder() as skorch_dir, scratch_folder() as skstop_dir:
        run_skstop(data, device, 1)  # warm-up: CUDA context, cuDNN autotuning
        times = median_seconds(
            {
                "skorch EarlyStopping": lambda: run_skorch(data, device, epochs),
                "skstop in memory": lambda: run_skstop(data, device, epochs),
                "skorch EarlyStopping+Checkpoint": lambda: run_skorch(
                    data, device, epochs, skorch_dir
                ),
                "skstop checkpoint_dir": lambda: run_skstop(data, device, epochs, skstop_dir),
                "bare torch loop": lambda: run_bare_torch(data, device, epochs),
            },
            repeats,
        )
    for name, seconds in times.items():
        print(f"  {name:<34} {seconds:8.3f} s")
    print(
        f"  ratio skstop in memory / skorch EarlyStopping:            "
        f"{times['skstop in memory'] / times['skorch EarlyStopping']:.3f}"
    )
    print(
        f"  ratio skstop checkpoint_dir / skorch EarlyStopping+Checkpoint: "
        f"{times['skstop checkpoint_dir'] / times['skorch EarlyStopping+Checkpoint']:.3f}"
    )
    print(
        f"  ratio skstop in memory / bare torch loop:                 "
        f"{times['skstop in memory'] / times['bare torch loop']:.3f}"
    )


if __name__ == "__main__":
    main()
