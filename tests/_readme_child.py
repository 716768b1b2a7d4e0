"""The README's skorch example, run as a script would run it, in a process of its own.

usage: python _readme_child.py [CHECKPOINT_DIR]

Runs the README's code block that builds a NeuralNetClassifier, on the digits
(float64 X, as the README says), and prints the fit's validation scores as
JSON. With CHECKPOINT_DIR, the model gets ``checkpoint_dir``,
``checkpoint_every=1`` and ``warm_start=True``, and the child waits for a
line on stdin after it logs epoch 4, so that the parent can kill it there.
"""

import json
import logging
import re
import sys
from pathlib import Path

from sklearn.datasets import load_digits

README = Path(__file__).parent.parent / "README.md"


def readme_block(containing):
    """The README's first Python code block that contains ``containing``."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    return next(block for block in blocks if containing in block)


class WaitAtEpoch4(logging.Handler):
    def emit(self, record):
        message = record.getMessage()
        if message.startswith("resumed "):
            print("resumed", flush=True)
        if " epoch 4:" in message:
            print("epoch 4", flush=True)
            sys.stdin.readline()


if __name__ == "__main__":
    from skstop import EarlyStoppingEstimator  # noqa: F401 (the README imports it earlier)

    X, y = load_digits(return_X_y=True)
    X = X / 16
    code = readme_block("NeuralNetClassifier")
    before_fit = code[: code.index("model.fit(X, y)")]
    exec(before_fit)  # in this module, __main__, as a script's own classes are
    model = globals()["model"]
    if len(sys.argv) > 1:
        logger = logging.getLogger("skstop")
        logger.setLevel(logging.INFO)
        logger.addHandler(WaitAtEpoch4())
        # A checkpoint every epoch: the default (Adaptive("24h")) would not save
        # a run of seconds before its end, and there would be nothing to resume.
        model.set_params(checkpoint_dir=sys.argv[1], warm_start=True, checkpoint_every=1)
    model.fit(X, y)
    print(json.dumps({"scores": model.validation_scores_.tolist()}), flush=True)
