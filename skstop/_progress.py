"""What a fit reports while it trains: log records, and a bar or lines on screen.

Every epoch is logged at INFO under the ``skstop`` logger (silent unless the
application configures logging). On screen, ``verbose=1`` shows one tqdm
progress bar per fit on a terminal or in a notebook (elsewhere, and when tqdm
is not installed, one line per epoch: a bar's carriage-return updates only
clutter a log file) and ``verbose>=2`` one line per epoch.
"""

import logging
import sys
import time
from contextlib import ExitStack

logger = logging.getLogger("skstop")


def _tqdm():
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


def _interactive(tqdm):
    """Whether a bar can redraw in place: a notebook's widget, or stderr on a terminal."""
    from tqdm.notebook import tqdm_notebook

    notebook = issubclass(tqdm, tqdm_notebook)  # tqdm.auto chose the notebook's bar
    return notebook or bool(getattr(sys.stderr, "isatty", lambda: False)())


class EpochReporter:
    """Reports the epochs of one fit; a context manager that closes its bar.

    Parameters
    ----------
    name : str
        Shown before each line and as the bar's description.
    verbose : int
        0 quiet, 1 a progress bar, 2 or more one line per epoch.
    max_iter : int
        The bar's total.
    first_epoch : int
        Epochs already done (a resumed fit starts its bar there).
    """

    def __init__(self, name, verbose, max_iter, first_epoch=0):
        self.name = name
        self.start = time.perf_counter()
        tqdm = _tqdm() if verbose == 1 else None
        self._bar = None
        self._open = ExitStack()
        if tqdm is not None and _interactive(tqdm):
            from tqdm.contrib.logging import logging_redirect_tqdm

            self._bar = tqdm(total=max_iter, initial=first_epoch, desc=name, unit="epoch")
            self._open.callback(self._bar.close)
            # Log lines on the console (logging.basicConfig) go above the bar,
            # not into it.
            self._open.enter_context(
                logging_redirect_tqdm(loggers=[logging.root, logger], tqdm_class=type(self._bar))
            )
        self._lines = verbose >= 2 or (verbose == 1 and self._bar is None)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._open.close()

    def epoch(self, n_epochs, score, best_score, best_iteration):
        elapsed = time.perf_counter() - self.start
        logger.info(
            "%s epoch %d: score %.6f, best %.6f (epoch %d), %.2fs",
            self.name,
            n_epochs,
            score,
            best_score,
            best_iteration,
            elapsed,
        )
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(score=f"{score:.4f}", best=f"{best_score:.4f}")
        if self._lines:
            print(
                f"[{self.name}] epoch {n_epochs:>4d}  score {score: .6f}"
                f"  best {best_score: .6f} (epoch {best_iteration})"
                f"  elapsed {elapsed:.2f}s",
                flush=True,
            )

    def stopped(self, message):
        """The final line of a fit: why it stopped, and which epoch it kept."""
        logger.info("%s %s", self.name, message)
        if self._bar is not None:  # beside the bar, on its stream
            self._bar.write(f"[{self.name}] {message}", file=self._bar.fp)
        elif self._lines:
            print(f"[{self.name}] {message}", flush=True)

    def note(self, message):
        """A one-off event (a schedule's change, say)."""
        logger.info("%s %s", self.name, message)
        if self._lines:
            print(f"[{self.name}] {message}", flush=True)
        elif self._bar is not None:
            self._bar.write(f"[{self.name}] {message}")
