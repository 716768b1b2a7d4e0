"""
Early stopping an MLP on the digits
===================================

Train an :class:`~sklearn.neural_network.MLPClassifier` epoch by epoch with
``partial_fit``, stop when the validation accuracy has not improved for five
epochs, and get back the model of the best epoch. With
``record_training_score=True`` each epoch is also scored on the training rows,
so the curve shows training beside validation, and the gap between them.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skstop import EarlyStoppingDisplay, EarlyStoppingEstimator

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

# The scaler sits inside the wrapper: it is fitted on the training split only.
model = EarlyStoppingEstimator(
    make_pipeline(MinMaxScaler(), MLPClassifier(hidden_layer_sizes=(64,), random_state=0)),
    n_iter_no_change=5,
    record_training_score=True,
    random_state=0,
).fit(X_train, y_train)

print(model.stop_reason_)
print(f"test accuracy: {model.score(X_test, y_test):.3f}")

# %%
# The learning curves, training and validation, with the best epoch starred.
display = EarlyStoppingDisplay.from_estimator(model, name="MLP")
display.ax_.set_title("accuracy per epoch, training and validation")
plt.show()
