"""Layers: Dense, Activation, Dropout, BatchNormalization and the input placeholder."""

from axon.layers.activation import Activation, LeakyReLU, ReLU, Softmax
from axon.layers.base import LAYERS, Layer
from axon.layers.batch_normalization import BatchNormalization
from axon.layers.dense import Dense
from axon.layers.dropout import Dropout
from axon.layers.input_layer import Input, InputLayer
from axon.layers.normalization import Normalization

__all__ = [
    "LAYERS",
    "Activation",
    "BatchNormalization",
    "Dense",
    "Dropout",
    "Input",
    "InputLayer",
    "Layer",
    "LeakyReLU",
    "Normalization",
    "ReLU",
    "Softmax",
]
