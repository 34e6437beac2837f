"""What ``fit`` is fed beyond arrays: when to validate (``validation_freq``).

``validation_freq`` follows Keras 3: an int ``N`` validates after every ``N``-th epoch
(epochs counted from 1, so ``N=2`` validates after epochs 2, 4, ...); a list validates
after the epochs it names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def validation_schedule(validation_freq: Any) -> Callable[[int], bool]:
    """Return ``should_validate(epoch)`` for 0-based ``epoch``, checking the argument.

    Examples
    --------
    >>> should = validation_schedule(2)
    >>> [should(epoch) for epoch in range(4)]
    [False, True, False, True]
    >>> validation_schedule([1, 3])(2)
    True
    """
    if isinstance(validation_freq, (int, np.integer)) and not isinstance(
        validation_freq, bool
    ):
        if validation_freq < 1:
            raise ValueError(
                "Expected validation_freq to be a positive integer or a list of "
                f"epochs. Received: validation_freq={validation_freq!r}"
            )
        every = int(validation_freq)
        return lambda epoch: (epoch + 1) % every == 0
    if isinstance(validation_freq, (list, tuple)) and all(
        isinstance(e, (int, np.integer)) and not isinstance(e, bool)
        for e in validation_freq
    ):
        epochs = {int(e) for e in validation_freq}
        return lambda epoch: epoch + 1 in epochs
    raise ValueError(
        "Expected validation_freq to be a positive integer or a list of epochs. "
        f"Received: validation_freq={validation_freq!r}"
    )
