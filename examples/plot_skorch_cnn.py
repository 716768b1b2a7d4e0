"""
A skorch CNN on the digits images
=================================

A small convolutional network (8x8 grey images) early-stopped on its own
validation loss. It runs on the GPU when one is present, else on the CPU. The
images go in as scikit-learn hands them out (float64) and the labels as they
are; ``random_state`` makes the whole fit — initial weights, shuffling,
dropout — reproducible without touching torch's global random state.
"""

import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from skorch import NeuralNetClassifier
from torch import nn

from skstop import EarlyStoppingDisplay, EarlyStoppingEstimator


class SmallCNN(nn.Module):
    """One convolution, pooled, and a linear layer: 8x8 grey images to 10 classes."""

    def __init__(self, channels=16, dropout=0.1):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(1, channels, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(channels * 4 * 4, 10),
        )

    def forward(self, X):
        return self.layers(X)


digits = load_digits()
X = (digits.images / 16)[:, None]  # (n, 1, 8, 8), float64: cast to the module's float32
X_train, X_test, y_train, y_test = train_test_split(
    X, digits.target, stratify=digits.target, random_state=0
)

net = NeuralNetClassifier(
    SmallCNN,
    criterion=nn.CrossEntropyLoss,
    lr=0.1,
    batch_size=64,
    iterator_train__shuffle=True,
    device="cuda" if torch.cuda.is_available() else "cpu",
    verbose=0,
)
model = EarlyStoppingEstimator(net, scoring="loss", n_iter_no_change=4, random_state=0)
model.fit(X_train, y_train)
print(model.stop_reason_)
print(f"test accuracy: {model.score(X_test, y_test):.3f}")

# %%
# The validation loss per epoch, the best epoch starred.
EarlyStoppingDisplay.from_estimator(model, name="CNN")
plt.show()
