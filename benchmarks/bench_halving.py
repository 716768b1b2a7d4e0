"""Early-stopping the search: EpochHalvingSearchCV against the searches people use.

Workloads, each with 27 candidates, 3 folds, an epoch budget of 27 and a
held-out test split (20 %) the refit model is scored on:

- sgd: SGDClassifier on 200k x 100 synthetic rows (``--quick``: 20k);
- mlp: MLPClassifier (64 hidden units) on scikit-learn's digits;
- table: a 16.7k-row insurance-like table (numbers with gaps, categories)
  through an imputing, one-hot, scaling Pipeline into SGDClassifier;
- penguins: the Palmer penguins table (``pip install palmerpenguins``; data by
  Gorman, Williams and Fraser) through an imputing, one-hot, scaling Pipeline,
  species predicted by SGDClassifier.

Contenders on the same grid, folds and seeds: GridSearchCV(EarlyStoppingEstimator)
(the reference); HalvingGridSearchCV(resource="max_iter"), which retrains the
survivors from scratch at each rung; the same with checkpoint_dir and
warm_start=True, so that each rung resumes its runs from disk; EpochHalvingSearchCV;
an Optuna study whose trials fit EarlyStoppingEstimator with
skstop.criteria.OptunaPruning (MedianPruner, one held-out split per trial, as
many trials as grid points); and, where installed, Optuna's
OptunaSearchCV(enable_pruning=True) over the
same values (on the bare estimator: it needs partial_fit, which a Pipeline
lacks, so the penguins' preprocessing is fitted on the training rows first) and
dask-ml's HyperbandSearchCV. Epochs are counted as partial_fit calls of the
trained estimator (one per epoch here), refit included: the cost of getting a
model. Wall times are medians of interleaved repeats.

Then: EpochHalvingSearchCV with n_jobs=2 against n_jobs=1 (sgd), and its
best_params_ on a 2-worker dask LocalCluster against n_jobs=1.

Run: python benchmarks/bench_halving.py [--quick] [--repeats N] [--workloads mlp ...]
     [--contenders EpochHalvingSearchCV ...]
     [--min-epochs 1 2 ...]  (an EpochHalvingSearchCV contender per min_epochs)
BLAS runs one thread (threadpoolctl), so that no contender gets more cores.
"""

import argparse
import contextlib
import statistics
import time
import warnings
from functools import partial

import joblib
import numpy as np
from _common import machine, scratch_folder
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_digits, make_classification
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.impute import SimpleImputer
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    StratifiedKFold,
    train_test_split,
)
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skstop import EarlyStoppingEstimator, EpochHalvingSearchCV

MAX_ITER = 27
CV = StratifiedKFold(3)


def sgd_workload(quick):
    n_rows = 20_000 if quick else 200_000
    X, y = make_classification(n_rows, 100, n_informative=20, random_state=0)
    grid = {"alpha": list(np.logspace(-7, 1, 27))}
    return X, y, SGDClassifier(random_state=0), grid


def mlp_workload(quick):
    X, y = load_digits(return_X_y=True)
    grid = {"alpha": [1e-5, 1e-3, 1e-1], "learning_rate_init": list(np.logspace(-4, -0.5, 9))}
    return X / 16, y, MLPClassifier(hidden_layer_sizes=(64,), random_state=0), grid


def penguins_workload(quick):
    from palmerpenguins import load_penguins

    table = load_penguins().dropna(subset=["species"])
    X, y = table.drop(columns=["species", "year"]), table["species"].to_numpy()
    preprocessing = make_column_transformer(
        (
            make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder()),
            ["island", "sex"],
        ),
        remainder=make_pipeline(SimpleImputer(), StandardScaler()),
    )
    grid = {"alpha": list(np.logspace(-6, 0, 9)), "loss": ["hinge", "log_loss", "modified_huber"]}
    return X, y, (preprocessing, SGDClassifier(random_state=0)), grid


def table_workload(quick):
    """A 16.7k-row insurance-like table: numbers with gaps, categories, a binary target."""
    import pandas as pd

    rng = np.random.default_rng(0)
    n_rows = 16_700
    X = pd.DataFrame(
        {
            "age": rng.integers(18, 90, n_rows).astype(float),
            "income": rng.lognormal(10, 1, n_rows),
            "bmi": np.where(rng.random(n_rows) < 0.05, np.nan, rng.normal(27, 5, n_rows)),
            "children": rng.integers(0, 5, n_rows).astype(float),
            "score": rng.normal(0, 1, n_rows),
            "region": rng.choice(list("NSEW"), n_rows),
            "plan": rng.choice(["basic", "plus", "gold", "platinum"], n_rows),
            "smoker": rng.choice(["yes", "no"], n_rows),
        }
    )
    risk = 0.03 * (X.age - 50) + 1.5 * (X.smoker == "yes") + 0.5 * X.score
    y = (risk + rng.normal(0, 1, n_rows) > 0.5).astype(int).to_numpy()
    preprocessing = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["region", "plan", "smoker"]),
        remainder=make_pipeline(SimpleImputer(), StandardScaler()),
    )
    grid = {"alpha": list(np.logspace(-6, 0, 9)), "loss": ["hinge", "log_loss", "modified_huber"]}
    return X, y, (preprocessing, SGDClassifier(random_state=0)), grid


WORKLOADS = {
    "sgd": sgd_workload,
    "mlp": mlp_workload,
    "penguins": penguins_workload,
    "table": table_workload,
}


class EpochCounter:
    """Counts the partial_fit calls of one estimator class while it is active."""

    def __init__(self, cls):
        self.cls, self.count = cls, 0

    @contextlib.contextmanager
    def counting(self):
        original = self.cls.partial_fit

        def counted(estimator, *args, **kwargs):
            self.count += 1
            return original(estimator, *args, **kwargs)

        self.cls.partial_fit = counted
        try:
            yield self
        finally:
            self.cls.partial_fit = original


def wrapped(inner, **params):
    """The EarlyStoppingEstimator every wrapper-based contender searches over."""
    if isinstance(inner, tuple):
        preprocessing, inner = inner
        inner = make_pipeline(preprocessing, inner)
    return EarlyStoppingEstimator(inner, max_iter=MAX_ITER, random_state=0, **params)


def prefixed(grid, inner):
    step = "estimator__sgdclassifier__" if isinstance(inner, tuple) else "estimator__"
    return {step + name: values for name, values in grid.items()}


def contenders(inner, grid, folder, min_epochs):
    """Name -> a function that makes the search (all refit on the training rows)."""
    searches = {
        "GridSearchCV": lambda: GridSearchCV(wrapped(inner), prefixed(grid, inner), cv=CV),
        "HalvingGridSearchCV": lambda: halving(wrapped(inner), prefixed(grid, inner)),
        "HalvingGridSearchCV + resume": lambda: halving(
            wrapped(inner, checkpoint_dir=fresh(folder), warm_start=True),
            prefixed(grid, inner),
        ),
    }
    for first in min_epochs:
        name = "EpochHalvingSearchCV" + (f"(min_epochs={first})" if first != 1 else "")
        searches[name] = partial(
            EpochHalvingSearchCV, wrapped(inner), prefixed(grid, inner), cv=CV, min_epochs=first
        )
    with contextlib.suppress(ImportError):
        searches["OptunaSearchCV(pruning)"] = optuna_search(inner, grid)
    with contextlib.suppress(ImportError):
        import optuna  # noqa: F401

        searches["Optuna + skstop OptunaPruning"] = lambda: PrunedStudy(inner, grid)
    with contextlib.suppress(ImportError):
        searches["dask-ml HyperbandSearchCV"] = hyperband_search(inner, grid)
    return searches


def bare(inner):
    """The estimator itself, for the contenders that need partial_fit on it."""
    return inner[1] if isinstance(inner, tuple) else inner


class WithClasses:
    """dask-ml's searches need ``classes`` at fit; a local client runs them in-process."""

    def __init__(self, search):
        self.search = search

    def fit(self, X, y):
        from distributed import Client, LocalCluster

        with (
            LocalCluster(
                n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
            ) as cluster,
            Client(cluster),
        ):
            self.search.fit(X, y, classes=np.unique(y))
        self.best_params_ = self.search.best_params_
        return self

    def score(self, X, y):
        return self.search.best_estimator_.score(X, y)


class PrunedStudy:
    """An Optuna study whose trials are EarlyStoppingEstimator fits with OptunaPruning.

    Each trial samples the grid's values (categorical), fits the wrapper on
    the training rows (its own held-out split decides the best epoch) and
    reports every epoch to a MedianPruner; the best trial is refit on every
    training row. One split per trial, no cross-validation: Optuna's way.
    """

    def __init__(self, inner, grid):
        self.inner, self.grid = inner, prefixed(grid, inner)

    def fit(self, X, y):
        import optuna

        from skstop.criteria import OptunaPruning

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        n_trials = int(np.prod([len(values) for values in self.grid.values()]))

        def objective(trial):
            params = {name: trial.suggest_categorical(name, v) for name, v in self.grid.items()}
            model = wrapped(self.inner, criteria=[OptunaPruning(trial)]).set_params(**params)
            return model.fit(X, y).best_score_

        study = optuna.create_study(
            direction="maximize",
            sampler=optuna.samplers.TPESampler(seed=0),
            pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1),
        )
        study.optimize(objective, n_trials=n_trials)
        self.best_params_ = study.best_params
        self.best_estimator_ = wrapped(self.inner).set_params(**study.best_params).fit(X, y)
        return self

    def score(self, X, y):
        return self.best_estimator_.score(X, y)


def hyperband_search(inner, grid):
    from dask_ml.model_selection import HyperbandSearchCV

    return lambda: WithClasses(
        HyperbandSearchCV(bare(inner), grid, max_iter=MAX_ITER, random_state=0)
    )


def halving(wrapper, grid):
    return HalvingGridSearchCV(
        wrapper, grid, resource="max_iter", min_resources=1, max_resources=MAX_ITER, factor=3, cv=CV
    )


_folders = []


def fresh(folder):
    """A new, empty checkpoint folder per run, so that no run resumes another's."""
    _folders.append(f"{folder}/run{len(_folders)}")
    return _folders[-1]


def optuna_search(inner, grid):
    import optuna
    from optuna.distributions import CategoricalDistribution
    from optuna_integration import OptunaSearchCV

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    estimator = bare(inner)
    distributions = {name: CategoricalDistribution(values) for name, values in grid.items()}
    n_trials = int(np.prod([len(values) for values in grid.values()]))
    return lambda: OptunaSearchCV(
        estimator,
        distributions,
        cv=CV,
        enable_pruning=True,
        max_iter=MAX_ITER,
        n_trials=n_trials,
        random_state=0,
    )


def run_once(make_search, counter, X_train, y_train, X_test, y_test):
    search = make_search()
    with counter.counting(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        search.fit(X_train, y_train)
        seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "epochs": counter.count,
        "test": search.score(X_test, y_test),
        "params": {name.split("__")[-1]: value for name, value in search.best_params_.items()},
    }


def workload_table(name, quick, repeats, folder, min_epochs, only=None):
    X, y, inner, grid = WORKLOADS[name](quick)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=0
    )
    trained = type(bare(inner))
    searches = contenders(inner, grid, folder, min_epochs)
    if only:
        searches = {name: make for name, make in searches.items() if name in only}
    if isinstance(inner, tuple):
        # Optuna's and dask-ml's estimator is the bare SGDClassifier: preprocess first.
        preprocessing = inner[0].fit(X_train)
        bare_rows = preprocessing.transform(X_train), preprocessing.transform(X_test)
    runs = {contender: [] for contender in searches}
    for repeat in range(repeats):
        order = list(searches)
        order = order[repeat % len(order) :] + order[: repeat % len(order)]
        for contender in order:
            counter = EpochCounter(trained)
            rows = (X_train, X_test)
            if contender.startswith(("Optuna", "dask-ml")) and isinstance(inner, tuple):
                rows = bare_rows
            runs[contender].append(
                run_once(searches[contender], counter, rows[0], y_train, rows[1], y_test)
            )
    reference = runs["GridSearchCV"][-1]
    reference_seconds = statistics.median(run["seconds"] for run in runs["GridSearchCV"])
    print(f"\n{name}: {len(X_train)} training rows, {len(X_test)} test rows, {repeats} repeats")
    print(
        f"{'contender':30s} {'epochs':>7s} {'ratio':>6s} {'seconds':>8s} {'ratio':>6s} "
        f"{'test':>6s}  best"
    )
    for contender, contender_runs in runs.items():
        last = contender_runs[-1]
        seconds = statistics.median(run["seconds"] for run in contender_runs)
        print(
            f"{contender:30s} {last['epochs']:7d} {last['epochs'] / reference['epochs']:6.3f} "
            f"{seconds:8.2f} {seconds / reference_seconds:6.3f} {last['test']:6.3f}  "
            f"{format_params(last['params'])}"
        )


def format_params(params):
    return ", ".join(
        f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items()
    )


def parallel_figures(quick, repeats):
    X, y, inner, grid = sgd_workload(quick)

    def search(n_jobs):
        return EpochHalvingSearchCV(wrapped(inner), prefixed(grid, inner), cv=CV, n_jobs=n_jobs)

    times, best_params = {1: [], 2: []}, {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with joblib.parallel_config(backend="loky"):
            search(2).fit(X[:2000], y[:2000])  # start the worker pool before timing
            for _ in range(repeats):
                for n_jobs in (1, 2):
                    start = time.perf_counter()
                    best_params[n_jobs] = search(n_jobs).fit(X, y).best_params_
                    times[n_jobs].append(time.perf_counter() - start)
        one, two = (statistics.median(times[n]) for n in (1, 2))
        print(
            f"\nsgd, EpochHalvingSearchCV: n_jobs=1 {one:.2f} s, n_jobs=2 {two:.2f} s, "
            f"speed-up {one / two:.2f}"
        )
        print(f"best_params_ with n_jobs=2 equal to n_jobs=1: {best_params[2] == best_params[1]}")
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            print("dask: not installed")
            return
        with (
            LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
            Client(cluster),
            joblib.parallel_config(backend="dask"),
        ):
            on_dask = search(-1).fit(X, y).best_params_
        print(
            "best_params_ on a 2-worker LocalCluster equal to n_jobs=1: "
            f"{on_dask == best_params[1]}"
        )


def main():
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workloads", nargs="*", default=list(WORKLOADS))
    parser.add_argument(
        "--min-epochs",
        type=int,
        nargs="*",
        default=[1],
        help="EpochHalvingSearchCV's min_epochs, one contender each",
    )
    parser.add_argument(
        "--contenders",
        nargs="*",
        help="only these contenders (GridSearchCV, the reference, always runs); "
        "skips the parallel figures",
    )
    args = parser.parse_args()
    print(machine())
    only = args.contenders and {"GridSearchCV", *args.contenders}
    with scratch_folder() as folder:
        for name in args.workloads:
            try:
                workload_table(name, args.quick, args.repeats, folder, args.min_epochs, only)
            except ImportError as error:
                print(f"\n{name}: skipped ({error})")
    if not only:
        parallel_figures(args.quick, args.repeats)


if __name__ == "__main__":
    main()
