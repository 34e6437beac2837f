"""Callbacks for ``fit``: History, EarlyStopping and the progress display."""

from axon.callbacks.base import Callback, CallbackList, ModelLike
from axon.callbacks.checkpoint import ModelCheckpoint, TerminateOnNaN
from axon.callbacks.early_stopping import EarlyStopping
from axon.callbacks.history import History
from axon.callbacks.progress import EpochLogger, ProgressBar

__all__ = [
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "EpochLogger",
    "History",
    "ModelCheckpoint",
    "ModelLike",
    "ProgressBar",
    "TerminateOnNaN",
]
