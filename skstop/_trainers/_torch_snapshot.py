"""Snapshots of a skorch net kept on its device, and torch's global RNG state.

Pickling a net to snapshot it copies every weight to the host. Snapshots here
copy module, criterion and optimizer state into buffers on the net's own device
(asynchronous on CUDA) and remember how many history rows there were.

Nothing here imports torch until a net is snapshotted, so the core keeps
depending on scikit-learn, numpy and joblib only.
"""

import sys
from contextlib import contextmanager

from sklearn.base import clone


@contextmanager
def notify_lifted(net):
    """``net`` without skstop's per-batch ``notify``, which it carries inside an epoch.

    skorch takes every attribute of a net not ending in ``_`` for a
    parameter: a clone or a pickle would carry the hook along.
    """
    hooked = net.__dict__.pop("notify", None)
    try:
        yield net
    finally:
        if hooked is not None:
            net.notify = hooked


def _state_dicts(net):
    names = [*net._modules, *net._criteria, *net._optimizers]
    return {name: getattr(net, name + "_").state_dict() for name in names}


def _tensors(tree, found):
    """Tensors of a nested state dict, in a fixed order."""
    import torch

    if isinstance(tree, torch.Tensor):
        found.append(tree)
    elif isinstance(tree, dict):
        for key in sorted(tree, key=str):
            _tensors(tree[key], found)
    elif isinstance(tree, (list, tuple)):
        for item in tree:
            _tensors(item, found)
    return found


def _rebuild(tree, tensors):
    """``tree`` with its tensors replaced, in order, by ``tensors``."""
    import copy

    import torch

    if isinstance(tree, torch.Tensor):
        return next(tensors)
    if isinstance(tree, dict):
        rebuilt = {key: _rebuild(tree[key], tensors) for key in sorted(tree, key=str)}
        return {key: rebuilt[key] for key in tree}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_rebuild(item, tensors) for item in tree)
    return copy.deepcopy(tree)


class NetSnapshot:
    """The state of a skorch net after one epoch, kept on the net's device.

    Parameters
    ----------
    net : skorch.NeuralNet
        The initialized net being trained.
    reuse : NetSnapshot, default=None
        A snapshot of the same net that is no longer needed: its device
        buffers are overwritten instead of allocating new ones.
    """

    # Its payload needs a restore and a copy to the host: a checkpoint of the
    # live net, when that is the same state, pickles the net directly instead.
    holds_payload = False

    def __init__(self, net, reuse=None):
        import torch

        states = _state_dicts(net)
        sources = _tensors(states, [])
        buffers = (
            reuse._buffers
            if self._can_reuse(reuse, sources)
            else [torch.empty_like(tensor) for tensor in sources]
        )
        with torch.no_grad():
            torch._foreach_copy_(buffers, [t.detach() for t in sources], non_blocking=True)
        self._buffers = buffers
        self._layout = states
        self._net = net
        self._params = net.get_params(deep=False)
        self._history = net.history
        self._n_epochs = len(net.history)

    @staticmethod
    def _can_reuse(reuse, sources):
        return (
            isinstance(reuse, NetSnapshot)
            and len(reuse._buffers) == len(sources)
            and all(
                b.shape == s.shape and b.dtype == s.dtype and b.device == s.device
                for b, s in zip(reuse._buffers, sources)
            )
        )

    def restore(self):
        """A new net, initialized on the same device, in the captured state."""
        import copy

        # Scalars (lr, say) as they were at the snapshot; objects such as a
        # module instance come deep-copied by clone, never shared. Callback
        # settings are left to clone: skorch cannot set them again on a net
        # whose callbacks are "disable"d.
        with notify_lifted(self._net):
            net = clone(self._net)
        net = net.set_params(
            **{
                name: value
                for name, value in self._params.items()
                if isinstance(value, (bool, int, float, str)) and not name.startswith("callbacks")
            }
        )
        # Initializing draws fresh random weights (overwritten just below) from
        # torch's global RNG; forked, so that a restore mid-training (to save a
        # checkpoint) leaves the training's random stream as it was.
        import torch

        cuda = range(torch.cuda.device_count()) if torch.cuda.is_initialized() else []
        with torch.random.fork_rng(devices=cuda):
            net.initialize()
        # Cloned: an optimizer may adopt the tensors it is given, and the
        # snapshot must not change when the restored net trains on.
        states = _rebuild(self._layout, (buffer.clone() for buffer in self._buffers))
        for name, state in states.items():
            getattr(net, name + "_").load_state_dict(state)
        net.history = type(self._history)(copy.deepcopy(self._history[: self._n_epochs]))
        for attribute in ("classes_inferred_",):
            if hasattr(self._net, attribute):
                setattr(net, attribute, getattr(self._net, attribute))
        return net

    @property
    def nbytes(self):
        """Bytes of the captured tensors: about what a checkpoint of the net writes."""
        return sum(buffer.numel() * buffer.element_size() for buffer in self._buffers)

    @property
    def payload(self):
        """The restored net pickled (skorch moves CUDA state to bytes itself)."""
        import pickle

        return pickle.dumps(self.restore(), protocol=5)


def torch_rng_state():
    """Torch's global RNG states (CPU, each CUDA device), or None without torch.

    skorch shuffles its minibatches and drops out units with torch's global
    generator, so an exact resume needs it as much as numpy's.
    """
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else []
    return torch.get_rng_state(), cuda


def torch_rng_to_json(state):
    if state is None:
        return None
    cpu, cuda = state
    return [cpu.tolist(), [device.tolist() for device in cuda]]


def torch_rng_from_json(state):
    if state is None:
        return None
    import torch

    cpu, cuda = state
    as_tensor = lambda values: torch.tensor(values, dtype=torch.uint8)  # noqa: E731
    return as_tensor(cpu), [as_tensor(device) for device in cuda]


def set_torch_rng_state(state):
    """Make ``torch_rng_state()``'s result torch's global RNG state again."""
    if state is None:
        return
    import torch

    cpu, cuda = state
    torch.set_rng_state(cpu)
    if cuda:
        torch.cuda.set_rng_state_all(cuda)
