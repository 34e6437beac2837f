"""Data larger than memory: memmaps and dask arrays read a chunk at a time (issue 10).

``CHUNK_BYTES`` is made small here so that arrays of a few kilobytes span many
chunks; the memory these tests see is what the benchmark sees at full size
(``benchmarks/bench_out_of_core.py``).
"""

from __future__ import annotations

import itertools
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axon
from axon.models import chunked

ConvergenceWarning = pytest.importorskip("sklearn.exceptions").ConvergenceWarning

da = pytest.importorskip("dask.array")

ROWS, FEATURES, CHUNK = 1000, 5, 2000  # 2,000 bytes: 100 rows of x a chunk


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunked, "CHUNK_BYTES", CHUNK)
    monkeypatch.setattr(chunked, "WHOLE_BYTES", CHUNK)


def _data(rows: int = ROWS) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, FEATURES)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.float32)
    return x, y


def _saved(tmp_path: Path, **arrays: np.ndarray) -> list[Any]:
    out = []
    for name, array in arrays.items():
        np.save(tmp_path / f"{name}.npy", array)
        out.append(np.load(tmp_path / f"{name}.npy", mmap_mode="r"))
    return out


def _model() -> axon.Sequential:
    axon.utils.set_random_seed(7)
    model = axon.Sequential(
        [
            axon.layers.Dense(8, activation="relu", input_shape=(FEATURES,)),
            axon.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


def _fit(x: Any, y: Any, **kwargs: Any) -> tuple[axon.Sequential, dict[str, Any]]:
    model = _model()
    kwargs = {"epochs": 2, "batch_size": 64, "verbose": 0, **kwargs}
    history = model.fit(x, y, **kwargs)
    return model, history.history


def test_unshuffled_memmap_and_dask_train_as_in_memory_bit_for_bit(
    tmp_path: Path,
) -> None:
    x, y = _data()
    xm, ym = _saved(tmp_path, x=x, y=y)
    # y chunked unlike x: it is read by x's row ranges
    xd, yd = da.from_array(x, chunks=(130, FEATURES)), da.from_array(y, chunks=37)
    reference, expected = _fit(x, y, shuffle=False)
    for pair in ((xm, ym), (xd, yd), (xm, yd)):
        model, history = _fit(*pair, shuffle=False)
        assert history == expected
        np.testing.assert_array_equal(model.parameters, reference.parameters)


def test_shuffled_memmap_and_dask_of_the_same_chunks_agree(tmp_path: Path) -> None:
    x, y = _data()
    xm, ym = _saved(tmp_path, x=x, y=y)
    xd, yd = da.from_array(x, chunks=(100, FEATURES)), da.from_array(y, chunks=100)
    mapped, history = _fit(xm, ym)
    on_dask, history_dask = _fit(xd, yd)
    assert history == history_dask
    np.testing.assert_array_equal(mapped.parameters, on_dask.parameters)
    # not the in-memory order: rows mix within a chunk only
    in_memory, _ = _fit(x, y)
    assert not np.array_equal(in_memory.parameters, mapped.parameters)
    assert history["loss"][-1] < history["loss"][0]  # it learns


def test_small_data_and_one_chunk_train_exactly_as_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    x, y = _data()
    xm, ym = _saved(tmp_path, x=x, y=y)
    xd = da.from_array(x, chunks=(50, FEATURES))
    reference, expected = _fit(x, y)  # shuffled
    monkeypatch.setattr(chunked, "CHUNK_BYTES", 32 * 2**20)  # x: one chunk
    assert isinstance(chunked.inputs(xm, FEATURES, "x"), chunked.Rows)
    monkeypatch.setattr(chunked, "WHOLE_BYTES", 4 * 2**20)  # x, y: read whole
    assert isinstance(chunked.inputs(xd, FEATURES, "x"), np.ndarray)
    for pair, whole in (((xm, ym), 4 * 2**20), ((xd, ym), 4 * 2**20), ((xm, ym), 0)):
        monkeypatch.setattr(chunked, "WHOLE_BYTES", whole)
        model, history = _fit(*pair)
        assert history == expected
        np.testing.assert_array_equal(model.parameters, reference.parameters)


class Recording(np.memmap):
    """A memmap that records the row slices read from it."""

    log: list[tuple[int, int]]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice) and self.ndim == 2:
            start, stop, _ = key.indices(len(self))
            Recording.log.append((start, stop))
        return super().__getitem__(key)


def _recording(tmp_path: Path, x: np.ndarray) -> Recording:
    np.save(tmp_path / "rec.npy", x)
    header = np.load(tmp_path / "rec.npy", mmap_mode="r")
    Recording.log = []
    return Recording(tmp_path / "rec.npy", x.dtype, "r", header.offset, header.shape)


def test_each_epoch_reads_every_chunk_once_in_a_new_order(tmp_path: Path) -> None:
    x, y = _data()
    xr = _recording(tmp_path, x)
    _fit(xr, y, epochs=3)
    reads = [r for r in Recording.log if r[1] - r[0] > 1]  # not the 1-row probe
    chunks = [(a, min(a + 100, ROWS)) for a in range(0, ROWS, 100)]
    epochs = [reads[i : i + len(chunks)] for i in range(0, len(reads), len(chunks))]
    assert len(epochs) == 3
    for order in epochs:
        assert sorted(order) == chunks  # one chunk at a time, each once
    assert epochs[0] != epochs[1] != epochs[2]  # shuffled, anew each epoch


def test_batches_hold_every_row_once_mixed_within_chunks(tmp_path: Path) -> None:
    x = np.repeat(np.arange(ROWS, dtype=np.float32)[:, None], FEATURES, axis=1)
    (xm,) = _saved(tmp_path, x=x)
    rows = chunked.inputs(xm, FEATURES, "x")
    batcher = chunked.Batcher(
        rows, np.arange(ROWS), None, 64, True, np.random.default_rng(0)
    )
    for _ in range(2):
        seen = [(xb[:, 0].astype(int), yb.copy()) for xb, yb in batcher.epoch()]
        assert len(seen) == batcher.steps == 16
        ids = np.concatenate([ids for ids, _ in seen])
        np.testing.assert_array_equal(np.sort(ids), np.arange(ROWS))
        for ids, yb in seen:
            np.testing.assert_array_equal(ids, yb)  # x and y stay aligned
            assert len(set(ids // 100)) <= 2  # a chunk, or a chunk's end and the next
        assert not np.array_equal(ids, np.sort(ids))  # shuffled within chunks


def test_one_chunk_in_memory_at_a_time(tmp_path: Path) -> None:
    x, y = _data(20_000)  # 400 KB of x: 200 chunks
    xm, ym = _saved(tmp_path, x=x, y=y)
    model = _model()
    model.fit(x[:64], y[:64], epochs=1, verbose=0)  # buffers of the model made
    tracemalloc.start()
    model.fit(xm, ym, epochs=1, batch_size=64, verbose=0, validation_split=0.2)
    model.evaluate(xm, ym, verbose=0)
    model.predict(xm, verbose=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # predict's result (20,000 x 1 floats: 80 KB) is the one thing as long as the data
    assert peak < 80_000 + 10 * CHUNK + 60_000, peak


def _mapped_kilobytes(path: Path) -> int:
    """Resident kilobytes of this process's mappings of ``path`` (Linux)."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if "-" in line.split(" ")[0] and len(line.split()) >= 5:
            inside = line.endswith(str(path))
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="Linux only")
def test_a_memmaps_pages_are_handed_back_after_each_chunk(tmp_path: Path) -> None:
    x = np.ones((20_000, 16), np.float32)  # 1.28 MB
    (xm,) = _saved(tmp_path, x=x)
    source = chunked.Source(xm, "x")
    for a, b in itertools.pairwise(source.bounds):
        source.read(a, b)
    assert _mapped_kilobytes(tmp_path / "x.npy") <= 2 * CHUNK // 1024 + 8
    np.asarray(xm).sum()  # control: reading through the mapping keeps its pages
    assert _mapped_kilobytes(tmp_path / "x.npy") > 1000


def test_a_copy_on_write_memmap_keeps_the_callers_changes(tmp_path: Path) -> None:
    x, _ = _data()
    np.save(tmp_path / "x.npy", x)
    xc = np.load(tmp_path / "x.npy", mmap_mode="c")
    xc[:] = 3.0  # in this process only: dropping its pages would lose it
    source = chunked.Source(xc, "x")
    for _ in range(2):
        assert (source.read(0, 100) == 3.0).all()


def test_evaluate_and_predict_read_chunks_and_match_in_memory(tmp_path: Path) -> None:
    x, y = _data()
    xm, ym = _saved(tmp_path, x=x, y=y)
    model, _ = _fit(x, y)
    expected = model.evaluate(x, y, verbose=0)
    assert model.evaluate(xm, ym, verbose=0) == expected
    xd = da.from_array(x, chunks=(77, FEATURES))
    assert model.evaluate(xd, da.from_array(y, chunks=300), verbose=0) == expected
    outputs = model.predict(x, verbose=0)
    for source in (xm, xd):
        np.testing.assert_array_equal(model.predict(source, verbose=0), outputs)
    # a batch as large as the data reads it all at once
    whole = model.predict(xm, batch_size=ROWS, verbose=0)
    np.testing.assert_allclose(whole, outputs, rtol=1e-6)


def test_validation_split_is_the_last_rows_read_by_chunks(tmp_path: Path) -> None:
    x, y = _data()
    xm, ym = _saved(tmp_path, x=x, y=y)
    _, expected = _fit(x, y, shuffle=False, validation_split=0.3)
    _, history = _fit(xm, ym, shuffle=False, validation_split=0.3)
    assert history == expected
    _, by_hand = _fit(
        xm[:700], ym[:700], shuffle=False, validation_data=(xm[700:], y[700:])
    )
    assert by_hand == expected


def test_validation_split_warns_on_sorted_out_of_core_targets(tmp_path: Path) -> None:
    x, y = _data()
    order = np.argsort(y, kind="stable")
    xm, ym = _saved(tmp_path, x=x[order], y=np.repeat(y[order], 1))
    monkey = chunked.CHUNK_BYTES
    assert monkey == CHUNK
    with pytest.warns(UserWarning, match="looks sorted"):
        _fit(xm, da.from_array(ym, chunks=300), epochs=1, validation_split=0.2)


def test_sample_and_class_weights_follow_their_rows(tmp_path: Path) -> None:
    x, y = _data()
    xm, ym = _saved(tmp_path, x=x, y=y)
    weights = np.linspace(0.5, 2.0, ROWS).astype(np.float32)
    for extra in ({"sample_weight": weights}, {"class_weight": {0: 1.0, 1: 3.0}}):
        reference, expected = _fit(x, y, shuffle=False, **extra)
        model, history = _fit(xm, ym, shuffle=False, **extra)
        assert history == expected
        np.testing.assert_array_equal(model.parameters, reference.parameters)
        _, shuffled = _fit(xm, ym, **extra)  # weights gathered with their rows
        _, twin = _fit(da.from_array(x, chunks=(100, FEATURES)), ym, **extra)
        assert shuffled == twin


def test_sparse_labels_and_a_dask_table_of_float64(tmp_path: Path) -> None:
    x, y = _data()
    model = axon.Sequential(
        [axon.layers.Dense(2, activation="softmax", input_shape=(FEATURES,))]
    )
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x64 = da.from_array(x.astype(np.float64), chunks=(90, FEATURES))
    (labels,) = _saved(tmp_path, labels=y.astype(np.int64))
    history = model.fit(x64, labels, epochs=2, batch_size=32, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


# -- bad input -------------------------------------------------------------------


def test_unknown_dask_chunk_sizes_are_refused_with_the_fix() -> None:
    x, y = _data()
    xd = da.from_array(x, chunks=(100, FEATURES))
    yd = da.from_array(y, chunks=100)
    unknown = xd[yd > 0.5]
    model = _model()
    with pytest.raises(
        ValueError,
        match=r"Expected x with known chunk sizes.*"
        r"x = x\.compute_chunk_sizes\(\)",
    ):
        model.fit(unknown, yd[yd > 0.5], verbose=0)
    with pytest.raises(ValueError, match=r"Expected y with known chunk sizes"):
        model.fit(xd, yd[yd > 0.5], verbose=0)
    known = unknown.compute_chunk_sizes()
    model.fit(known, yd[yd > 0.5].compute_chunk_sizes(), verbose=0)


def test_bad_out_of_core_data_are_refused_by_name(tmp_path: Path) -> None:
    x, y = _data()
    model = _model()
    xm, ym = _saved(tmp_path, x=x, y=y)
    with pytest.raises(
        ValueError, match=r"same number of samples.*x with 1000 and y with 999"
    ):
        model.fit(xm, ym[:999], verbose=0)
    with pytest.raises(ValueError, match=r"expects 5 feature\(s\).*x with 4 column"):
        model.predict(da.from_array(x[:, :4], chunks=(100, 4)), verbose=0)
    (cube,) = _saved(tmp_path, cube=x.reshape(ROWS, FEATURES, 1))
    with pytest.raises(ValueError, match=r"Expected x of shape \(samples, features\)"):
        model.fit(cube, ym, verbose=0)
    (text,) = _saved(tmp_path, text=np.full((ROWS, FEATURES), b"a", "S1"))
    with pytest.raises(TypeError, match="Expected x to hold real numbers"):
        model.fit(text, ym, verbose=0)
    bad = x.copy()
    bad[512, 3] = np.nan
    (bm,) = _saved(tmp_path, bad=bad)
    # the place in the file, though the chunk was shuffled when it was read
    with pytest.raises(
        ValueError, match=r"finite values in x\[500:600\].*index \(12, 3\)"
    ):
        model.fit(bm, ym, verbose=0)
    (labels,) = _saved(tmp_path, labels=np.full(ROWS, 2.0, np.float32))
    with pytest.raises(ValueError, match=r"binary_crossentropy expects y\[0:1\]"):
        model.fit(xm, labels, verbose=0)
    rows = chunked.inputs(xm, FEATURES, "x")
    with pytest.raises(TypeError, match="Expected a slice of consecutive rows"):
        rows[[1, 2]]


# -- the scikit-learn estimators --------------------------------------------------


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_estimators_take_out_of_core_X(tmp_path: Path, solver: str) -> None:
    sk = pytest.importorskip("axon.sklearn")
    x, y = _data()
    labels = y.astype(int)
    (xm,) = _saved(tmp_path, x=x)
    xd = da.from_array(x, chunks=(100, FEATURES))
    settings = {"hidden_layer_sizes": (8,), "max_iter": 30, "random_state": 0}
    settings.update(solver=solver, shuffle=False, tol=0.0, alpha=0.5)
    if solver == "lbfgs":  # a few steps: later ones amplify float32 rounding
        settings["max_iter"] = 5
    with pytest.warns(ConvergenceWarning):  # 30 iterations
        reference = sk.MLPClassifier(**settings).fit(x, labels)
    expected = reference.predict_proba(x)
    for X in (xm, xd):
        with pytest.warns(ConvergenceWarning):
            fitted = sk.MLPClassifier(**settings).fit(
                X, da.from_array(labels, chunks=33)
            )
        assert fitted.n_features_in_ == FEATURES
        if solver == "lbfgs":  # the same objective, summed chunk by chunk
            np.testing.assert_allclose(fitted.predict_proba(X), expected, atol=1e-5)
            assert fitted.loss_ == pytest.approx(reference.loss_, rel=1e-6)
        else:  # the same batches: the same numbers
            np.testing.assert_array_equal(fitted.predict_proba(X), expected)
            assert fitted.loss_curve_ == reference.loss_curve_
        assert fitted.score(X, labels) == reference.score(x, labels)
    with pytest.raises(ValueError, match="X has 4 features, but MLPClassifier"):
        reference.predict(da.from_array(x[:, :4], chunks=(100, 4)))


def test_estimator_early_stopping_holds_out_the_last_rows(tmp_path: Path) -> None:
    sk = pytest.importorskip("axon.sklearn")
    x, y = _data()
    (xm,) = _saved(tmp_path, x=x)
    settings = {"hidden_layer_sizes": (8,), "max_iter": 5, "random_state": 0}
    settings.update(early_stopping=True, shuffle=False, n_iter_no_change=100)
    with pytest.warns(ConvergenceWarning):
        fitted = sk.MLPRegressor(**settings).fit(xm, y)
    by_hand = sk.MLPRegressor(**{**settings, "early_stopping": False})
    with pytest.warns(ConvergenceWarning):
        by_hand.fit(x[:900], y[:900])
    assert fitted.loss_curve_ == by_hand.loss_curve_
    validation = fitted.validation_scores_
    assert validation is not None and len(validation) == 5
    with pytest.raises(
        ValueError, match="Expected batch_norm=False with solver='lbfgs'"
    ):
        sk.MLPRegressor(solver="lbfgs", batch_norm=True).fit(xm, y)
