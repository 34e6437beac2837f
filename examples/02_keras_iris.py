"""The tutorial's "Keras/TensorFlow Implementation", on axon.

The only change to the tutorial's program: ``import tensorflow as tf`` and
``from tensorflow import keras`` became ``import axon as keras`` (and ``plt``, which the
tutorial imported in an earlier cell, is imported here). One addition at the end: on a
machine with no display (a server, CI, a container) ``plt.show()`` would draw nothing
without a word, so the figure is saved next to this script instead, and the path is
printed.
"""

from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import axon as keras

# Data
iris = load_iris()
X = StandardScaler().fit_transform(iris.data)
y = keras.utils.to_categorical(iris.target, 3)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.2, random_state=42
)

# Build model
model = keras.Sequential(
    [
        keras.layers.Dense(
            64, activation="relu", input_shape=(4,), kernel_initializer="he_normal"
        ),
        keras.layers.BatchNormalization(),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(3, activation="softmax"),
    ]
)

model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=0.001),
    loss="categorical_crossentropy",
    metrics=["accuracy"],
)
model.summary()

history = model.fit(
    X_train,
    y_train,
    epochs=100,
    batch_size=16,
    validation_split=0.2,
    callbacks=[keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True)],
    verbose=0,
)

loss, acc = model.evaluate(X_test, y_test, verbose=0)
print(f"Test Accuracy: {acc:.4f}")

# Plot training history
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
ax1.plot(history.history["loss"], label="Train Loss", color="#3b82f6")
ax1.plot(history.history["val_loss"], label="Val Loss", color="#ef4444")
ax1.set_title("Loss")
ax1.legend()
ax1.grid(True, alpha=0.3)
ax2.plot(history.history["accuracy"], label="Train Acc", color="#3b82f6")
ax2.plot(history.history["val_accuracy"], label="Val Acc", color="#ef4444")
ax2.set_title("Accuracy")
ax2.legend()
ax2.grid(True, alpha=0.3)
plt.tight_layout()
if plt.get_backend().lower() == "agg":  # added for axon: no display, so save it
    saved = Path(__file__).with_name("02_keras_iris_history.png")
    fig.savefig(saved)
    print(f"No display to show the figure on: saved it to {saved}")
else:
    plt.show()
