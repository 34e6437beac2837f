"""The tutorial's "Full Implementation — NumPy from Scratch", on axon.

The tutorial's 60-line NeuralNetwork class is replaced by one import (and the
``import numpy as np`` that only the class used); everything else is the tutorial's
program as written.
"""

import matplotlib.pyplot as plt

# ── Test on Iris dataset ─────────────────────────────────────────────
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from axon import NeuralNetwork

iris = load_iris()
X, y_raw = iris.data, iris.target.reshape(-1, 1)
y_ohe = OneHotEncoder(sparse_output=False).fit_transform(y_raw)
X_scaled = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(
    X_scaled, y_ohe, test_size=0.2, random_state=42
)

nn = NeuralNetwork(input_size=4, hidden_size=16, output_size=3, lr=0.05)
nn.train(X_train, y_train, epochs=500)

# Evaluate
y_pred = nn.predict(X_test)
y_true = y_test.argmax(1)
acc = (y_pred == y_true).mean()
print(f"\nTest Accuracy: {acc:.4f}")

# Plot learning curve
plt.figure(figsize=(8, 4))
plt.plot(nn.losses, color="#3b82f6", linewidth=2)
plt.xlabel("Epoch")
plt.ylabel("Cross-Entropy Loss")
plt.title("Training Loss Curve")
plt.grid(True, alpha=0.3)
plt.tight_layout()
plt.show()
