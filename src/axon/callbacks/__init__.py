"""Callbacks for ``fit``: History, EarlyStopping, checkpoints, learning rates, logs."""

from axon.callbacks.backup import BackupAndRestore
from axon.callbacks.base import Callback, CallbackList, ModelLike
from axon.callbacks.checkpoint import ModelCheckpoint, TerminateOnNaN
from axon.callbacks.csv_logger import CSVLogger
from axon.callbacks.early_stopping import EarlyStopping
from axon.callbacks.history import History
from axon.callbacks.lambda_callback import LambdaCallback
from axon.callbacks.lr import LearningRateScheduler, ReduceLROnPlateau
from axon.callbacks.progress import EpochLogger, ProgressBar
from axon.callbacks.tensorboard import TensorBoard

__all__ = [
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "EpochLogger",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ModelLike",
    "ProgressBar",
    "ReduceLROnPlateau",
    "TensorBoard",
    "TerminateOnNaN",
]
