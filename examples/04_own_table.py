"""Your own table: a CSV with text, yes/no, categories and gaps, to a model and back.

Builds patients.csv from scikit-learn's breast-cancer data (with a text column, a
boolean, a category, an ID and missing values, as real tables have), trains on it
with axon.tabular.fit_table, predicts on new raw rows, and saves the model with its
preprocessing. `axon train patients.csv --target diagnosis` does the same from the
shell.
"""

from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer

import axon.tabular

here = Path.cwd()
rng = np.random.default_rng(0)
table = load_breast_cancer(as_frame=True).frame.iloc[:, [0, 1, 4, 7, 20, 27, 30]]
n = len(table)
table.insert(0, "patient", [f"P{i:04d}" for i in range(n)])  # an ID: dropped
table["smoker"] = rng.choice(["yes", "no"], n)
table["insured"] = rng.random(n) < 0.7
table["clinic"] = rng.choice(["north", "south", "east"], n)
table.loc[rng.random(n) < 0.05, "mean radius"] = np.nan  # gaps, filled
table["diagnosis"] = np.where(table.pop("target") == 1, "benign", "malignant")
table.to_csv(here / "patients.csv", index=False)

model = axon.tabular.fit_table(here / "patients.csv", target="diagnosis", epochs=30)
print(model.column_table())  # what was done to each column
print(f"Test accuracy: {model.results['test']['accuracy']:.4f}")

new_rows = table.drop(columns=["diagnosis"]).sample(5, random_state=1)
predictions = model.predict(new_rows)
print(predictions[["patient", "prediction", "probability_malignant"]])

model.save(here / "patients.axon")
again = axon.tabular.load(here / "patients.axon")
assert again.predict(new_rows).equals(predictions)
print(f"Saved the model and its preprocessing to {here / 'patients.axon'}")
