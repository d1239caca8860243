import socket

import pytest

from actions import booking
from actions.api import ApiClient


@pytest.fixture
async def api_down(monkeypatch):
    """The api not answering: its address is a port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = ApiClient(f"http://127.0.0.1:{port}", "token")
    monkeypatch.setattr(booking, "api", client)
    yield client
    await client.aclose()
