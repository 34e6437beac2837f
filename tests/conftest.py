from __future__ import annotations

import signal
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


@pytest.fixture(autouse=True)
def _python_handles_ctrl_c() -> Iterator[None]:
    """Tests of Ctrl-C need Python's own SIGINT handler.

    A job started in the background (``cmd &``) inherits SIGINT ignored, and then a
    Ctrl-C test would see nothing; give such a run Python's default for each test.
    """
    ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    if ignored:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


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
