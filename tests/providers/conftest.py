import pytest

from tests.providers.support import TestProvider, add_provider, start_provider


@pytest.fixture(scope="session")
def test_providers():
    """One oidc-provider per server under test (it knows that server's callback)."""
    started: dict[str, TestProvider] = {}
    yield started
    for provider in started.values():
        provider.process.kill()
        provider.process.wait()


@pytest.fixture
def op(server, test_providers) -> TestProvider:
    """The shared server of each backend, with the test provider added to it."""
    if server.url not in test_providers:
        test_providers[server.url] = start_provider(server.url)
    provider = test_providers[server.url]
    add_provider(server, provider)
    return provider
