import pytest


@pytest.fixture(params=["websocket", "polling"])
def transport(request) -> str:
    return request.param
