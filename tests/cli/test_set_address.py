"""``orders set-address`` (issue 15): the ORDER may be a number, country codes are checked before
anything is sent, and a new country without ``--province-code`` clears the old province."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Run, lines_of

STORES = {
    "nc": ('platform = "nextcommerce"', "10003"),
    "graphql": ('platform = "shopify"\napi = "graphql"', "#1003"),
    "rest": ('platform = "shopify"\napi = "rest"', "#1003"),
    "sw": ('platform = "shopware"', "10002"),
}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "stores.toml"
    path.write_text(
        "".join(
            f"[stores.{name}]\n{body}\nsandbox = true\n\n" for name, (body, _) in STORES.items()
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture(params=list(STORES))
def store(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def address(run: Run, config: Path, store: str) -> dict[str, str | None]:
    result = run("orders", "get", store, STORES[store][1], config=config)
    assert result.exit_code == 0, result.stderr
    found: dict[str, str | None] = lines_of(result)[0]["shipping_address"]
    return found


def test_a_new_country_without_a_province_clears_it(run: Run, config: Path, store: str) -> None:
    before = address(run, config, store)
    assert before["province_code"]
    country = "us" if before["country_code"] == "DE" else "de"
    result = run(
        "orders", "set-address", store, STORES[store][1], "--country-code", country, config=config
    )
    assert result.exit_code == 0, result.stderr
    after = address(run, config, store)
    assert after["country_code"] == country.upper()
    assert after["province_code"] is None
    assert after["city"] == before["city"]  # the fields not given are kept


def test_a_new_country_with_a_province_takes_it(run: Run, config: Path, store: str) -> None:
    country, province = ("US", "NY") if store == "sw" else ("CA", "ON")
    result = run(
        "orders",
        "set-address",
        store,
        STORES[store][1],
        "--country-code",
        country,
        "--province-code",
        province,
        config=config,
    )
    assert result.exit_code == 0, result.stderr
    after = address(run, config, store)
    assert (after["country_code"], after["province_code"]) == (country, province)


@pytest.mark.parametrize(
    "flags",
    [("--country-code", "XX"), ("--country-code", "USA"), ("--province-code", "ZZ")],
)
def test_bad_codes_exit_4_and_change_nothing(
    run: Run, config: Path, store: str, flags: tuple[str, str]
) -> None:
    before = address(run, config, store)
    result = run("orders", "set-address", store, STORES[store][1], *flags, config=config)
    assert result.exit_code == 4, result.stderr
    assert "ISO 3166" in result.stderr
    assert address(run, config, store) == before
