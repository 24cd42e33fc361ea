"""The reference pages say what the code does: the settings table is `settings.py`'s
declarations, the REST table is the service table, the limits table is the limits."""

import re
from collections import Counter

from authserver.security.ratelimit.rules import DEFAULT_LIMITS
from authserver.settings import declared
from contracts import CALLS
from tests.docs.markdown import ROOT, table_with

CONFIGURATION = ROOT / "docs" / "configuration.md"
REST_API = ROOT / "docs" / "rest-api.md"
SECURITY = ROOT / "docs" / "security.md"
# Served beside the service table, and so rows of the REST table without a call.
NOT_CALLS = {("GET", "/api/openapi.json"), ("GET", "/")}
_ROUTE = re.compile(r"^`(GET|POST|PUT|PATCH|DELETE) (\S+)`")


def _shown(declaration) -> str:
    """How the table writes a declared default."""
    value = declaration.default
    if declaration.metadata["shown"]:
        return declaration.metadata["shown"]
    if value is None:
        return "unset"
    if value == ():
        return "empty"
    if isinstance(value, bool):
        return "`on`" if value else "`off`"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def _settings_rows() -> list[tuple[str, str, str]]:
    table = table_with(["variable", "default", "meaning"], CONFIGURATION)
    return [(variable.strip("`"), default, meaning) for variable, default, meaning in table.rows]


def test_the_settings_table_is_the_declarations():
    rows = _settings_rows()
    twice = [variable for variable, count in Counter(v for v, _, _ in rows).items() if count > 1]
    assert not twice, f"rows given twice: {twice}"
    documented = {variable: (default, meaning) for variable, default, meaning in rows}
    assert documented.pop("LIMIT_*")  # one row for the limits, each in DEFAULT_LIMITS
    expected = {d.metadata["variable"]: (_shown(d), d.metadata["meaning"]) for d in declared()}
    assert documented.keys() - expected.keys() == set(), "rows of no setting"
    assert expected.keys() - documented.keys() == set(), "settings with no row"
    assert documented == expected


def test_the_limits_table_is_the_limits():
    table = table_with(["variable", "default", "what it counts"], SECURITY)
    documented = Counter((variable.strip("`"), default.strip("`"))
                         for variable, default, _ in table.rows if variable != "(fixed)")
    expected = Counter(("LIMIT_" + name.upper(), rates) for name, rates in DEFAULT_LIMITS.items())
    assert documented == expected


def _rest_rows() -> dict[tuple[str, str], list[str]]:
    table = table_with(["call", "success", "failures"], REST_API)
    rows: dict[tuple[str, str], list[str]] = {}
    for row in table.rows:
        found = _ROUTE.match(row[0])
        assert found, f"a row that names no route: {row[0]}"
        key = (found[1], found[2])
        assert key not in rows, f"{key} has two rows"
        rows[key] = row
    return rows


def test_the_rest_table_has_one_row_per_call():
    documented = set(_rest_rows()) - NOT_CALLS
    assert documented == {(call.method, call.route) for call in CALLS}


def test_each_rest_row_states_its_call_s_rules():
    """Sign-in and role as the table declares them, the success status, and no refusal
    the call cannot answer: the row is where a reader learns what applies."""
    rows = _rest_rows()
    for call in CALLS:
        route, success, failures = rows[(call.method, call.route)]
        where = f"{call.method} {call.route}"
        assert ("(admin)" in route) == call.admin, f"{where}: (admin) mark"
        assert ("(signed in)" in route) == (call.authenticated and not call.admin), (
            f"{where}: (signed in) mark")
        assert success.split()[0] == str(call.status), f"{where}: success status"
        declared_statuses = {status.http_status for status in call.errors}
        stated = {int(number) for number in re.findall(r"\b([45]\d\d)\b", failures)}
        assert stated <= declared_statuses, f"{where}: {stated - declared_statuses} undeclared"
