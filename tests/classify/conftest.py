"""Fixtures for the classifier tests: one classifier over the bundled rulebook."""

from __future__ import annotations

import pytest

from lanthanide.classify import Classifier
from lanthanide.rules.book import load_rulebook


@pytest.fixture(scope="session")
def clf() -> Classifier:
    return Classifier(load_rulebook())
