"""The log package's public names: every name in ``__all__`` exists, and the backends satisfy the protocols."""

from __future__ import annotations

import importlib
import inspect

import pytest

from newswire.core.log import Consumer, Log
from newswire.core.log.kafka import KafkaLog, KafkaLogConsumer
from newswire.core.log.sqlite import SqliteConsumer, SqliteLog

MODULES = ["newswire.core.log", "newswire.core.log.types", "newswire.core.log.sqlite", "newswire.core.log.kafka"]


@pytest.mark.parametrize("name", MODULES)
def test_every_exported_name_exists_once(name: str) -> None:
    module = importlib.import_module(name)
    assert len(module.__all__) == len(set(module.__all__))
    for member in module.__all__:
        assert hasattr(module, member), f"{name}.{member}"


@pytest.mark.parametrize(("implementation", "protocol"), [
    (SqliteLog, Log), (KafkaLog, Log), (SqliteConsumer, Consumer), (KafkaLogConsumer, Consumer)])
def test_backends_define_every_protocol_method_with_its_parameters(implementation: type, protocol: type) -> None:
    methods = [m for m, v in vars(protocol).items() if not m.startswith("_") and inspect.isfunction(v)]
    assert len(methods) >= 10
    for method in methods:
        expected = list(inspect.signature(getattr(protocol, method)).parameters)
        actual = list(inspect.signature(getattr(implementation, method)).parameters)
        assert actual == expected, f"{implementation.__name__}.{method}{actual} != {expected}"
