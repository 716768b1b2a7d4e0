"""The record of a halving search's finished rungs, so that a rerun replays them.

Each candidate-fold's model is in its own run folder; what a run folder cannot
say is how the search ranked it at a rung, because a run may have trained past
that rung's budget before an interruption. The record keeps, per finished rung,
every candidate-fold's scores as they were when the rung ended: a search
started again ranks the finished rungs from it, exactly as the first time, and
continues the survivors from their run folders.

It is JSON only, never unpickled, and signed like a manifest: a record that
does not verify is ignored (the search then ranks from the runs as they are).
"""

import json
import math
import warnings

from ._envelope import EnvelopeError, UnsignedEnvelope, read_envelope, write_envelope
from ._paths import search_record

RECORD_FORMAT = 2  # 2: every metric of a fold, asynchronous entries


class RungRecord:
    """The finished rungs of one search in ``checkpoint_dir``, by the search's identity.

    Parameters
    ----------
    checkpoint_dir : path-like
        The wrapper's ``checkpoint_dir``.
    search_id : str
        Hash of everything that decides the search's rungs (candidates, folds,
        budgets, the wrapper's parameters, a fingerprint of the data).
    key : bytes
        This user's signing key.
    """

    def __init__(self, checkpoint_dir, search_id, key):
        self.path = search_record(checkpoint_dir, search_id)
        self.search_id = search_id
        self._key = key
        self.rungs = []

    def read(self):
        """The rungs recorded by an earlier run of the same search (none if unverified)."""
        try:
            body = json.loads(read_envelope(self.path, self._key))
        except FileNotFoundError:
            return []
        except UnsignedEnvelope:
            return self._ignored("it is not signed with this user's checkpoint key")
        except (OSError, EnvelopeError, ValueError) as error:
            return self._ignored(f"it cannot be read ({error})")
        if (
            not isinstance(body, dict)
            or body.get("format") != RECORD_FORMAT
            or body.get("search") != self.search_id
        ):
            return self._ignored("it belongs to another search")
        self.rungs = list(body["rungs"])
        return self.rungs

    def add(self, runs):
        """Record a finished rung: ``runs`` maps ``(candidate, fold)`` to a dict of its results."""
        self.rungs.append({f"{c},{f}": _finite(result) for (c, f), result in runs.items()})
        body = {"format": RECORD_FORMAT, "search": self.search_id, "rungs": self.rungs}
        write_envelope(self.path, body, self._key)

    @staticmethod
    def runs_of(rung):
        """A recorded rung as ``{(candidate, fold): results}``."""
        return {tuple(int(i) for i in key.split(",")): value for key, value in rung.items()}

    def _ignored(self, reason):
        warnings.warn(
            f"{self.path} is ignored: {reason}. The search ranks from its runs' "
            "checkpoints as they are.",
            UserWarning,
        )
        return []


def _finite(result):
    """JSON has no NaN: a failed fit's NaN score is written as null."""
    return {
        name: None if isinstance(value, float) and math.isnan(value) else value
        for name, value in result.items()
    }
