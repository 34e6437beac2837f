"""A functional model with two inputs, written the way Keras's guides write them.

Numeric measurements go through a Dense layer; a category (coded as integers) goes
through an Embedding; the two paths meet in a Concatenate. The data are scikit-learn's
wine measurements, with the magnesium level turned into a three-level category.
"""

import numpy as np
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split

import axon as keras
from axon import layers

wine = load_wine()
numbers = np.delete(wine.data, 4, axis=1)  # every column but magnesium
category = np.digitize(wine.data[:, 4], [90, 110])  # magnesium: low, middle, high
x_num_train, x_num_test, x_cat_train, x_cat_test, y_train, y_test = train_test_split(
    numbers, category, wine.target, test_size=0.25, random_state=0, stratify=wine.target
)

measurements = keras.Input(shape=(12,), name="measurements")
magnesium = keras.Input(shape=(1,), name="magnesium")
scaler = layers.Normalization()
scaler.adapt(x_num_train)
x = layers.Dense(32, activation="relu")(scaler(measurements))
m = layers.Flatten()(layers.Embedding(input_dim=3, output_dim=2)(magnesium))
merged = layers.concatenate([x, m])
hidden = layers.Dense(16, activation="relu")(merged)
outputs = layers.Dense(3, activation="softmax", name="cultivar")(hidden)
model = keras.Model(inputs=[measurements, magnesium], outputs=outputs)

model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=0.01),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
model.summary()
# Inputs by name, as Keras's structured-data examples feed DataFrame columns.
model.fit(
    {"measurements": x_num_train, "magnesium": x_cat_train},
    y_train,
    epochs=40,
    batch_size=16,
    validation_split=0.2,
    verbose=0,
)
loss, acc = model.evaluate(
    {"measurements": x_num_test, "magnesium": x_cat_test}, y_test, verbose=0
)
print(f"Test accuracy: {acc:.4f}")
