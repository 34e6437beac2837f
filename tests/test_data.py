"""What fit says about data it cannot take: strings, string columns, their fix."""

from __future__ import annotations

import numpy as np
import pytest

import axon

pd = pytest.importorskip("pandas")


def compiled(loss: str = "sparse_categorical_crossentropy") -> axon.Sequential:
    model = axon.Sequential(
        [axon.layers.Input((2,)), axon.layers.Dense(3, activation="softmax")]
    )
    model.compile(optimizer="adam", loss=loss)
    return model


def test_string_labels_are_named_as_strings_with_the_way_to_encode_them() -> None:
    x = np.zeros((3, 2))
    y = pd.Series(["setosa", "versicolor", "setosa"])
    with pytest.raises(TypeError) as error:
        compiled().fit(x, y, verbose=0)
    message = str(error.value)
    assert "Received: strings such as 'setosa'" in message
    assert "np.unique(y, return_inverse=True)" in message
    assert "ragged" not in message


def test_a_string_column_of_a_dataframe_is_named() -> None:
    x = pd.DataFrame({"width": [1.0, 2.0], "colour": ["red", "blue"], "n": [1, 2]})
    with pytest.raises(TypeError, match=r"column\(s\) 'colour' hold text"):
        compiled().fit(x, np.array([0, 1]), verbose=0)


def test_a_numeric_dataframe_still_trains() -> None:
    x = pd.DataFrame({"a": [0.0, 1.0, 2.0], "b": [1, 0, 1]})
    history = compiled().fit(x, pd.Series([0, 2, 1]), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_numpy_string_labels_too() -> None:
    with pytest.raises(TypeError, match="strings such as 'b'"):
        compiled().fit(np.zeros((2, 2)), np.array(["b", "a"]), verbose=0)
