"""A small CNN for the 8x8 digits images, used by the demo and the examples."""

import torch
from torch import nn


class DigitsCNN(nn.Module):
    """Two convolutions and a linear layer: 8x8 grey images to 10 classes.

    Parameters
    ----------
    channels : int, default=16
        Feature maps of the first convolution (the second has twice as many).
    dropout : float, default=0.1
        Dropout before the output layer.
    """

    def __init__(self, channels=16, dropout=0.1):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, channels, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(channels, 2 * channels, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(8 * channels, 10))

    def forward(self, X):
        return self.head(self.features(X))


def digits_cnn(seed=0):
    """A skorch classifier around :class:`DigitsCNN`, on CUDA when there is a GPU.

    Parameters
    ----------
    seed : int, default=0
        Seeds torch's global RNG, which draws the initial weights and shuffles
        the minibatches.

    Returns
    -------
    net : skorch.NeuralNetClassifier
        The unfitted net.
    """
    from skorch import NeuralNetClassifier

    torch.manual_seed(seed)
    return NeuralNetClassifier(
        DigitsCNN,
        criterion=nn.CrossEntropyLoss,
        lr=0.1,
        batch_size=64,
        iterator_train__shuffle=True,
        device="cuda" if torch.cuda.is_available() else "cpu",
        verbose=0,
    )
