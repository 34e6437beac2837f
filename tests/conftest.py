from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import axon


@pytest.fixture(autouse=True)
def _fresh_state() -> Iterator[None]:
    """Each test starts with float32, fresh layer names and a fixed global seed."""
    axon.config.set_floatx("float32")
    axon.utils.clear_session()
    axon.utils.set_random_seed(1234)
    yield
    axon.config.set_floatx("float32")


@pytest.fixture
def float64() -> Iterator[None]:
    axon.config.set_floatx("float64")
    yield
    axon.config.set_floatx("float32")


@pytest.fixture(scope="session")
def iris_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The tutorial's Iris data: standardised, one-hot, 80/20 split with seed 42."""
    from axon.cli import load_iris_split

    x_train, x_test, y_train, y_test, _ = load_iris_split()
    return x_train, x_test, y_train, y_test
