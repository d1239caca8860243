"""Starts the real api, Rasa and action server on free ports, once per test session."""

import os
from collections.abc import Iterator

import pytest

from core.settings import PROJECT_ROOT
from scripts.stack import StackFailed, running_stack


@pytest.fixture(scope="session")
def front_door(county) -> Iterator[str]:  # noqa: ANN001 (the fixture loads the demo county)
    try:
        with running_stack(dict(os.environ), PROJECT_ROOT / "test-artifacts" / "e2e") as stack:
            yield stack.api_url
    except StackFailed as error:
        pytest.fail(str(error))
