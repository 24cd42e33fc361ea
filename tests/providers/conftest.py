import pytest

from tests.providers.support import (
    TRUSTING,
    TestProvider,
    add_by_admin,
    add_provider,
    start_provider,
)


@pytest.fixture(scope="session")
def test_providers():
    """One oidc-provider per server under test (it knows that server's callback)."""
    started: dict[tuple[str, str], TestProvider] = {}
    yield started
    for provider in started.values():
        provider.process.kill()
        provider.process.wait()


@pytest.fixture
def op(server, test_providers) -> TestProvider:
    """The shared server of each backend, with the test provider added to it."""
    if (server.url, "op") not in test_providers:
        test_providers[server.url, "op"] = start_provider(server.url)
    provider = test_providers[server.url, "op"]
    add_provider(server, provider)
    return provider


@pytest.fixture
def trusting_op(server, test_providers, unique) -> TestProvider:
    """A second oidc-provider, added by an administrator over the admin API with
    `trust_email` and `trust_amr` on (the `op` above has both off)."""
    if (server.url, TRUSTING) not in test_providers:
        test_providers[server.url, TRUSTING] = start_provider(server.url, TRUSTING)
    provider = test_providers[server.url, TRUSTING]
    add_by_admin(server, provider, unique, trust_email=True, trust_amr=True)
    return provider
