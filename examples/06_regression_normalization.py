"""Regression with the scaler inside the model: Normalization.adapt, as Keras's guides do.

scikit-learn's diabetes data (ten measurements, disease progression a year later).
The Normalization layer learns each feature's mean and variance from the training rows,
so the saved model takes raw rows and needs no separate scaler.
"""

from pathlib import Path

from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split

import axon as keras
from axon import layers

x, y = load_diabetes(return_X_y=True)
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=0)

normalizer = layers.Normalization(axis=-1)
normalizer.adapt(x_train)

model = keras.Sequential(
    [
        keras.Input(shape=(10,)),
        normalizer,
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(1),
    ]
)
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=0.01),
    loss="mean_squared_error",
    metrics=["mae", keras.metrics.R2Score()],
)
history = model.fit(
    x_train,
    y_train,
    epochs=60,
    batch_size=32,
    validation_split=0.2,
    callbacks=[keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True)],
    verbose=0,
)
results = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
print(f"Test MAE: {results['mae']:.1f}, R2: {results['r2_score']:.3f}")

path = Path.cwd() / "diabetes.keras"  # Keras 3's own file format
model.save(path)
again = keras.models.load_model(path)
print(
    f"Saved {path}; reloaded, it predicts {again.predict(x_test[:1], verbose=0)[0, 0]:.1f}"
)
