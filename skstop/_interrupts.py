"""Ctrl-C noticed even where the inner estimator swallows it.

scikit-learn's MLP catches ``KeyboardInterrupt`` inside ``partial_fit``, warns
"Training interrupted by user." and returns, so a loop that waits for the
exception trains on. While a fit runs, Ctrl-C (SIGINT) is also recorded here
before the handler that was installed handles it as usual; the loop asks after
each epoch's training and raises ``KeyboardInterrupt`` itself when one was
swallowed.
"""

import signal
import threading
from contextlib import contextmanager


class InterruptWatch:
    """Whether Ctrl-C was pressed since the fit began and not yet acted on."""

    def __init__(self):
        self.pressed = False

    def raise_if_pressed(self):
        """Raise KeyboardInterrupt for a Ctrl-C that the estimator swallowed."""
        if self.pressed:
            self.pressed = False
            raise KeyboardInterrupt


@contextmanager
def watching_interrupts():
    """An InterruptWatch for the duration of a fit.

    Python runs signal handlers in the main thread only: a fit in another
    thread (a threaded search) gets a watch that never sees a press, and its
    estimator's own handling of Ctrl-C stands.
    """
    watch = InterruptWatch()
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or not callable(previous):
        yield watch  # SIGINT ignored or left to the system: nothing to hand it on to
        return

    def note_and_hand_on(signum, frame):
        watch.pressed = True
        previous(signum, frame)

    signal.signal(signal.SIGINT, note_and_hand_on)
    try:
        yield watch
    finally:
        signal.signal(signal.SIGINT, previous)
