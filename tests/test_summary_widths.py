"""The summary table keeps its width whatever the names: long text is cut, as Keras cuts it."""

from __future__ import annotations

from typing import Any

import axon
from axon import layers

# Keras 3.15's summary of the same graph (KERAS_BACKEND=torch, 80 columns).
KERAS_GRAPH = """\
Model: "functional"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ measurements_of_th… │ (None, 12)        │          0 │ -                 │
│ (InputLayer)        │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ a_really_long_laye… │ (None, 32)        │        416 │ measurements_of_… │
│ (Dense)             │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ magnesium           │ (None, 1)         │          0 │ -                 │
│ (InputLayer)        │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ concatenate         │ (None, 33)        │          0 │ a_really_long_la… │
│ (Concatenate)       │                   │            │ magnesium[0][0]   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ cultivar (Dense)    │ (None, 3)         │        102 │ concatenate[0][0] │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 518 (2.02 KB)
 Trainable params: 518 (2.02 KB)
 Non-trainable params: 0 (0.00 B)"""


def long_named_graph() -> axon.Model:
    a = axon.Input(shape=(12,), name="measurements_of_the_wine")
    b = axon.Input(shape=(1,), name="magnesium")
    x = layers.Dense(32, name="a_really_long_layer_name_for_the_test")(a)
    merged = layers.concatenate([x, b], name="concatenate")
    return axon.Model([a, b], layers.Dense(3, name="cultivar")(merged))


def table(model: Any) -> list[str]:
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    return lines[0].splitlines()[1:-3]  # the table: no title, no totals


def test_long_names_are_cut_as_keras_cuts_them() -> None:
    lines: list[str] = []
    long_named_graph().summary(print_fn=lines.append)
    assert lines == [KERAS_GRAPH]


def test_every_line_of_the_table_has_the_same_width_whatever_the_names() -> None:
    name = "an_even_longer_layer_name_that_overflows_every_column"
    inputs = axon.Input((4,), name=name + "_input")
    chain = axon.Model(inputs, layers.Dense(3, name=name)(inputs))
    second = layers.Dense(2, name=name + "_2")
    graph = axon.Model(inputs, layers.add([second(inputs), second(inputs)]))
    for model in (long_named_graph(), chain, graph):
        widths = {len(line) for line in table(model)}
        assert widths == {76}, table(model)
    assert "an_even_longer_layer_name_that… │" in "\n".join(table(chain))
