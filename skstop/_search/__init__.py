"""EpochHalvingSearchCV, in parts: the class, the schedule, the runner, the record, the results."""

from ._schedule import epoch_budgets
from ._search import EpochHalvingSearchCV

__all__ = ["EpochHalvingSearchCV", "epoch_budgets"]
