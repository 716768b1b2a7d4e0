"""A small CNN for the 8x8 digits images, used by the demo and the examples."""

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
