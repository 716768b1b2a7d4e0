"""scikit-learn's estimator checks on EarlyStoppingEstimator and EpochHalvingSearchCV."""

from sklearn.linear_model import Perceptron, SGDClassifier, SGDRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from skstop import EarlyStoppingEstimator, EpochHalvingSearchCV

INNER_ESTIMATORS = [
    SGDClassifier(random_state=0),
    SGDRegressor(random_state=0),
    MLPClassifier(hidden_layer_sizes=(20,), random_state=0),
    MLPRegressor(hidden_layer_sizes=(20,), random_state=0),
    Perceptron(random_state=0),
]

# Every check expected to fail, in one table, with the reason.
_PATIENCE_ON_30_ROWS = (
    "check_classifiers_train wants > 0.83 training accuracy on 300 blobs. Its "
    "10% validation split is 30 rows, whose accuracy moves in steps of 0.033 "
    "and stays flat over the first epochs, so patience stops and keeps the "
    "model of an MLP that has taken two Adam steps (0.27). That is the rule "
    "doing what it says; the MLP reaches the bar with more patience or a "
    "larger validation split. (SGD and Perceptron pass on the rows held out "
    "since skstop draws its own split; on StratifiedShuffleSplit's rows they "
    "stopped at 0.82-0.83.)"
)
EXPECTED_FAILED_CHECKS = {"MLPClassifier": {"check_classifiers_train": _PATIENCE_ON_30_ROWS}}


def expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator.estimator).__name__, {})


SEARCHES = [
    EpochHalvingSearchCV(
        EarlyStoppingEstimator(inner, max_iter=3, random_state=0),
        {"estimator__alpha": [1e-4, 1e-2]},
        cv=2,
    )
    for inner in (SGDClassifier(random_state=0), SGDRegressor(random_state=0))
]


@parametrize_with_checks(
    [EarlyStoppingEstimator(inner, random_state=0) for inner in INNER_ESTIMATORS] + SEARCHES,
    expected_failed_checks=expected_failed_checks,
)
def test_scikit_learn_compatible(estimator, check):
    check(estimator)
