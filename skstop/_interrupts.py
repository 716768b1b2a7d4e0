"""Ctrl-C noticed even where the inner estimator swallows it; SIGTERM turned into a last save.

scikit-learn's MLP catches ``KeyboardInterrupt`` inside ``partial_fit``, warns
"Training interrupted by user." and returns, so a loop that waits for the
exception trains on. While a fit runs, Ctrl-C (SIGINT) is also recorded here
before the handler that was installed handles it as usual; the loop asks after
each epoch's training and raises ``KeyboardInterrupt`` itself when one was
swallowed.

SIGTERM is what SLURM, Kubernetes and spot instances send before they kill a
job. During a fit that saves checkpoints it is recorded here, the loop commits
a checkpoint at the next batch boundary (or at once, when an epoch is one
call), and only then is the signal handed to the handler installed before the
fit: the default one ends the process (status 143), as SIGTERM would have.
"""

import os
import signal
import threading
from contextlib import contextmanager


class Preempted(Exception):
    """SIGTERM's handler returned after the fit committed its checkpoint: the fit ends here."""


class InterruptWatch:
    """Whether Ctrl-C or SIGTERM came since the fit began and was not yet acted on.

    Attributes
    ----------
    pressed : bool
        Ctrl-C was pressed.
    terminated : bool
        SIGTERM came.
    at_once : callable or None
        Set by the loop while an epoch is one call, which has no boundary to
        wait for: called from SIGTERM's handler itself.
    """

    def __init__(self):
        self.pressed = False
        self.terminated = False
        self.at_once = None
        self._previous_termination = None

    def raise_if_pressed(self):
        """Raise KeyboardInterrupt for a Ctrl-C that the estimator swallowed."""
        if self.pressed:
            self.pressed = False
            raise KeyboardInterrupt

    def hand_on_termination(self):
        """Give SIGTERM to the handler installed before the fit, as if it had just come.

        The default handler ends the process here; a handler of the user's
        that returns lets the fit end with ``"preempted"``.
        """
        previous = self._previous_termination
        signal.signal(signal.SIGTERM, previous)
        if previous == signal.SIG_DFL:
            os.kill(os.getpid(), signal.SIGTERM)
        else:
            previous(signal.SIGTERM, None)


def _in_main_thread():
    return threading.current_thread() is threading.main_thread()


@contextmanager
def watching_interrupts(termination=False):
    """An InterruptWatch for the duration of a fit; ``termination`` watches SIGTERM too.

    Python runs signal handlers in the main thread only: a fit in another
    thread (a threaded search) gets a watch that never sees a signal, and
    its estimator's own handling of Ctrl-C, like SIGTERM's default, stands.
    A signal ignored (``SIG_IGN``) stays ignored.
    """
    watch = InterruptWatch()
    if not _in_main_thread():
        yield watch
        return
    installed = {}
    previous = signal.getsignal(signal.SIGINT)
    if callable(previous):  # else ignored or left to the system: nothing to hand it on to

        def note_and_hand_on(signum, frame):
            watch.pressed = True
            previous(signum, frame)

        installed[signal.SIGINT] = (previous, note_and_hand_on)
    previous_termination = signal.getsignal(signal.SIGTERM)
    if termination and (callable(previous_termination) or previous_termination == signal.SIG_DFL):

        def note_termination(signum, frame):
            watch.terminated = True
            if watch.at_once is not None:
                watch.at_once()

        watch._previous_termination = previous_termination
        installed[signal.SIGTERM] = (previous_termination, note_termination)
    for signum, (_, handler) in installed.items():
        signal.signal(signum, handler)
    try:
        yield watch
    finally:
        for signum, (handler, _) in installed.items():
            signal.signal(signum, handler)
