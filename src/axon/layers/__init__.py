"""Layers: Dense, Activation, Dropout, BatchNormalization and the input placeholder."""

from axon.layers.activation import ELU, Activation, LeakyReLU, ReLU, Softmax
from axon.layers.base import LAYERS, Layer
from axon.layers.batch_normalization import BatchNormalization
from axon.layers.dense import Dense
from axon.layers.dropout import Dropout
from axon.layers.embedding import Embedding
from axon.layers.input_layer import Input, InputLayer
from axon.layers.merging import (
    Add,
    Average,
    Concatenate,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    multiply,
    subtract,
)
from axon.layers.noise import AlphaDropout, GaussianDropout, GaussianNoise
from axon.layers.normalization import LayerNormalization, Normalization
from axon.layers.prelu import PReLU
from axon.layers.reshaping import Flatten, Reshape

__all__ = [
    "ELU",
    "LAYERS",
    "Activation",
    "Add",
    "AlphaDropout",
    "Average",
    "BatchNormalization",
    "Concatenate",
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "GaussianDropout",
    "GaussianNoise",
    "Input",
    "InputLayer",
    "Layer",
    "LayerNormalization",
    "LeakyReLU",
    "Multiply",
    "Normalization",
    "PReLU",
    "ReLU",
    "Reshape",
    "Softmax",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "multiply",
    "subtract",
]
