"""A learning-rate schedule, checkpoints, and a job killed mid-fit that picks up again.

The first run is killed at epoch 12 (as a preempted machine or Ctrl-Z + kill would),
in a child process. Started again with the same BackupAndRestore callback, training
continues from the last backup and ends with exactly the weights of a run that was
never interrupted.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_iris

import axon as keras
from axon import layers

here = Path.cwd()
x, y = load_iris(return_X_y=True)
order = np.random.default_rng(42).permutation(len(x))  # Iris is sorted by class
x, y = x[order], y[order]


class KillAt(keras.callbacks.Callback):
    """Die without warning at the end of an epoch: no cleanup, nothing flushed."""

    def __init__(self, epoch: int) -> None:
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epoch:
            os._exit(1)


def train(backup_dir: Path, kill_at: int | None = None) -> keras.Model:
    keras.utils.set_random_seed(0)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.01, decay_steps=300, warmup_target=0.02, warmup_steps=50
    )
    normalizer = layers.Normalization()
    normalizer.adapt(x)
    model = keras.Sequential(
        [
            keras.Input(shape=(4,)),
            normalizer,
            layers.Dense(32, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    callbacks = [
        keras.callbacks.BackupAndRestore(backup_dir=str(backup_dir)),
        keras.callbacks.ModelCheckpoint(
            str(here / "checkpoints" / "epoch{epoch:02d}-{val_loss:.3f}.keras"),
            monitor="val_loss",
            save_best_only=True,
        ),
    ]
    if kill_at is not None:
        callbacks.append(KillAt(kill_at))
    model.fit(
        x,
        y,
        epochs=20,
        batch_size=16,
        validation_split=0.2,
        callbacks=callbacks,
        verbose=0,
    )
    return model


if len(sys.argv) > 1 and sys.argv[1] == "--killed-run":
    train(here / "backup", kill_at=12)  # never returns: the process dies at epoch 12

child = subprocess.run(
    [sys.executable, __file__, "--killed-run"], cwd=here, check=False
)
print(f"The first run was killed (exit status {child.returncode}) at epoch 12.")
resumed = train(here / "backup")
steps = resumed.optimizer.iterations
print(f"Started again: it resumed from the backup and finished all {steps} steps.")
uninterrupted = train(here / "backup-uninterrupted")
same = all(
    np.array_equal(a, b)
    for a, b in zip(resumed.get_weights(), uninterrupted.get_weights(), strict=True)
)
print(f"Same final weights as a run never interrupted: {same}")
best = sorted(p.name for p in (here / "checkpoints").glob("*.keras"))
print(f"Checkpoints (a new best val_loss each, per run): {', '.join(best)}")
