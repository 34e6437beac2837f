"""A binary classifier on imbalanced data: AUC, precision and recall, class weights.

scikit-learn's breast-cancer data, with most malignant cases left out of the training
rows so that they are the rare class (as fraud or disease usually are). The class
weights make each malignant case count as much as the benign ones put together.
"""

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

import axon as keras
from axon import layers

x, y = load_breast_cancer(return_X_y=True)
malignant = y == 0  # scikit-learn codes malignant as 0: make it the positive class
y = malignant.astype(int)
x_train, x_test, y_train, y_test = train_test_split(
    x, y, test_size=0.3, random_state=0, stratify=y
)
rng = np.random.default_rng(0)
keep = (y_train == 0) | (rng.random(len(y_train)) < 0.25)  # a quarter of the cases
x_train, y_train = x_train[keep], y_train[keep]
counts = np.bincount(y_train)
class_weight = {k: round(len(y_train) / (2 * int(counts[k])), 3) for k in (0, 1)}
print(f"Training rows: {counts[0]} benign, {counts[1]} malignant; {class_weight=}")

normalizer = layers.Normalization()
normalizer.adapt(x_train)
model = keras.Sequential(
    [
        keras.Input(shape=(30,)),
        normalizer,
        layers.Dense(16, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(1, activation="sigmoid"),
    ]
)
model.compile(
    optimizer="adam",
    loss="binary_crossentropy",
    metrics=[
        keras.metrics.AUC(name="auc"),
        keras.metrics.Precision(name="precision"),
        keras.metrics.Recall(name="recall"),
    ],
)
model.fit(
    x_train,
    y_train,
    epochs=30,
    batch_size=32,
    class_weight=class_weight,
    verbose=0,
)
results = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
print(
    f"Test AUC {results['auc']:.4f}, precision {results['precision']:.4f}, "
    f"recall {results['recall']:.4f}"
)
