"""Fixtures of the bridge unit tests; the helpers live in ``bridge_helpers.py``."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bridge_helpers import FakeOdoo  # noqa: E402


@pytest.fixture
def odoo():
    return FakeOdoo()
