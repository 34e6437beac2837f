"""Every figure of the tutorial, drawn by axon.plot, written to ./figures/.

1. the activation functions (and their derivatives, where dying ReLU and vanishing
   gradients show);
2. the two-layer NumPy network's training loss curve;
3. the Keras model's loss and accuracy, training against validation, with the epoch
   EarlyStopping restored;
4. what the model learned: its decision regions and confusion matrix on the test data.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # write files, open no window

import axon
from axon.cli import build_model, load_iris_split

out = Path("figures")
out.mkdir(exist_ok=True)
axon.utils.set_random_seed(0)
X_train, X_test, y_train, y_test, class_names = load_iris_split()

axon.plot.activations().savefig(out / "activations.png")
axon.plot.activation_derivatives().savefig(out / "activation_derivatives.png")

nn = axon.NeuralNetwork(input_size=4, hidden_size=16, output_size=3, lr=0.05)
nn.train(X_train, y_train, epochs=500, verbose=False)
axon.plot.loss_curve(nn.losses).savefig(out / "loss_curve.png")

model = build_model([64, 32], [0.3, 0.2], batch_norm=True, n_in=4, n_out=3)
model.compile(
    optimizer=axon.optimizers.Adam(0.001),
    loss="categorical_crossentropy",
    metrics=["accuracy"],
)
history = model.fit(
    X_train,
    y_train,
    epochs=100,
    batch_size=16,
    validation_split=0.2,
    callbacks=[axon.callbacks.EarlyStopping(patience=10, restore_best_weights=True)],
    verbose=0,
)
history.plot().savefig(out / "history.png")
axon.plot.decision_boundary(model, X_test, y_test, class_names=class_names).savefig(
    out / "decision_boundary.png"
)
axon.plot.confusion_matrix(model, X_test, y_test, class_names=class_names).savefig(
    out / "confusion_matrix.png"
)
print(f"Wrote {len(list(out.glob('*.png')))} figures to {out.resolve()}")
