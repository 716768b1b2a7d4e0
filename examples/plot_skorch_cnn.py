"""
A skorch CNN on the digits images
=================================

A small convolutional network (8x8 grey images) early-stopped on its own
validation loss. It runs on the GPU when one is present, else on the CPU.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from skstop import EarlyStoppingDisplay, EarlyStoppingEstimator
from skstop._demo_nets import digits_cnn

digits = load_digits()
X = (digits.images / 16).astype(np.float32)[:, None]  # (n, 1, 8, 8)
y = digits.target

# DigitsCNN: two convolutions and a linear layer, in a NeuralNetClassifier with
# cross-entropy, lr=0.1 and batches of 64 (see skstop/_demo_nets.py).
net = digits_cnn(seed=0)
model = EarlyStoppingEstimator(net, scoring="loss", n_iter_no_change=4, random_state=0)
model.fit(X, y)
print(
    f"{model.n_iter_} epochs, best {model.best_iteration_}, "
    f"history rows of the restored net: {len(model.estimator_.history)}"
)
print(f"training-set accuracy: {model.score(X, y):.3f}")
EarlyStoppingDisplay.from_estimator(model, name="CNN")
plt.show()
