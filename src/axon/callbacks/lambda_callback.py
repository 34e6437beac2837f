"""LambdaCallback: a callback made of plain functions, for one-off hooks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axon.callbacks.base import Callback, Logs

Hook = Callable[..., Any]
# Keras's Callback forwards its train-batch hooks to these older names.
_ALIASES = {
    "on_batch_begin": "on_train_batch_begin",
    "on_batch_end": "on_train_batch_end",
}


class LambdaCallback(Callback):
    """Call the given functions at the matching moments of ``fit``.

    Each function receives positional arguments: ``on_epoch_begin(epoch, logs)``,
    ``on_epoch_end(epoch, logs)``, ``on_train_begin(logs)``, ``on_train_end(logs)``,
    ``on_train_batch_begin(batch, logs)``, ``on_train_batch_end(batch, logs)``.

    Parameters
    ----------
    on_epoch_begin, on_epoch_end, on_train_begin, on_train_end, on_train_batch_begin, on_train_batch_end : callable, optional
        The hooks; any left out does nothing.
    **kwargs
        ``on_batch_begin`` / ``on_batch_end``, the older names Keras forwards the
        train-batch hooks to. Keras also takes ``on_test_*`` and ``on_predict_*``
        hooks here; axon's ``fit`` has no such moments (its validation pass calls no
        callbacks), so they are refused with a TypeError rather than never called.

    Examples
    --------
    >>> from axon.callbacks import LambdaCallback
    >>> losses = []
    >>> record = LambdaCallback(on_epoch_end=lambda epoch, logs: losses.append(logs["loss"]))
    """  # noqa: E501

    def __init__(
        self,
        on_epoch_begin: Hook | None = None,
        on_epoch_end: Hook | None = None,
        on_train_begin: Hook | None = None,
        on_train_end: Hook | None = None,
        on_train_batch_begin: Hook | None = None,
        on_train_batch_end: Hook | None = None,
        **kwargs: Hook,
    ) -> None:
        super().__init__()
        hooks: dict[str, Hook | None] = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
        }
        for name, function in kwargs.items():
            if name not in _ALIASES:
                raise TypeError(
                    f"LambdaCallback has no hook {name!r}: axon's fit calls "
                    f"{', '.join(hooks)} (and the aliases {', '.join(_ALIASES)})"
                )
            hooks[_ALIASES[name]] = function
        for name, hook in hooks.items():
            if hook is not None and not callable(hook):
                raise TypeError(f"Expected a function. Received: {name}={hook!r}")
        self.hooks = {name: f for name, f in hooks.items() if f is not None}

    def on_train_begin(self, logs: Logs | None = None) -> None:
        if "on_train_begin" in self.hooks:
            self.hooks["on_train_begin"](logs)

    def on_train_end(self, logs: Logs | None = None) -> None:
        if "on_train_end" in self.hooks:
            self.hooks["on_train_end"](logs)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        if "on_epoch_begin" in self.hooks:
            self.hooks["on_epoch_begin"](epoch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if "on_epoch_end" in self.hooks:
            self.hooks["on_epoch_end"](epoch, logs)

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        if "on_train_batch_begin" in self.hooks:
            self.hooks["on_train_batch_begin"](batch, logs)

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        if "on_train_batch_end" in self.hooks:
            self.hooks["on_train_batch_end"](batch, logs)
