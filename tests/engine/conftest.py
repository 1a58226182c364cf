"""Engine test set-up: make the repository root importable when pytest is run as a plain command."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"

if str(ROOT) not in sys.path:
    # `pytest` (unlike `python -m pytest`) does not put the working directory on sys.path.
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def fixture_bytes():
    """Read a file from tests/engine/fixtures by name."""
    return lambda name: (FIXTURES / name).read_bytes()
