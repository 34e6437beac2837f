"""scikit-learn's MLPClassifier and MLPRegressor, on axon: change the import, keep the rest.

::

    from sklearn.neural_network import MLPClassifier   # ──▶
    from axon.sklearn import MLPClassifier

Every argument, fitted attribute and method of scikit-learn's estimators is here with
its default and meaning, and they are good citizens of pipelines, searches,
cross-validation and calibration (scikit-learn's ``check_estimator`` passes). On top:
``dropout``, ``batch_norm``, axon ``optimizer`` objects, ``callbacks``, ``history_``,
``model_`` (the axon network) and :meth:`~MLPClassifier.report`, the HTML page
``axon train`` writes. ``X`` may be a ``numpy.memmap`` or a ``dask.array``, read a
chunk at a time as ``fit`` reads it (:mod:`axon.models.chunked`; ``y`` is held in
memory, and ``early_stopping`` holds out the last rows rather than a random draw).

Importing this module imports scikit-learn and SciPy (``pip install 'axon[sklearn]'``);
``import axon`` does not.
"""

from __future__ import annotations

try:
    import scipy  # noqa: F401
    import sklearn  # noqa: F401
except ImportError as error:  # pragma: no cover - the extra is installed for tests
    raise ImportError(
        f"axon.sklearn needs scikit-learn and SciPy ({error}): "
        "pip install 'axon[sklearn]'"
    ) from None

from axon.sklearn.estimators import MLPClassifier, MLPRegressor
from axon.sklearn.validation import InvalidParameterError

__all__ = ["InvalidParameterError", "MLPClassifier", "MLPRegressor"]
