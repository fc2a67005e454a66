"""Addresses we send are checked against ISO 3166 before any request; ones we read are not."""

from __future__ import annotations

import pytest

import unified_orders as uo
from unified_orders.testing import RecordingTransport, instrumented_sandbox


@pytest.mark.parametrize(
    ("country", "province", "field"),
    [("XX", None, "country_code"), ("USA", None, "country_code"), ("US", "ZZ", "province_code")],
)
def test_a_bad_country_or_province_is_refused_before_any_request(
    country: str, province: str | None, field: str
) -> None:
    recorders: list[RecordingTransport] = []

    def wrap(transport: object) -> RecordingTransport:
        recorders.append(RecordingTransport(transport))  # type: ignore[arg-type]
        return recorders[-1]

    store = instrumented_sandbox("shopify", wrap)
    address = uo.Address(line1="1 Example Street", country_code=country, province_code=province)
    with pytest.raises(uo.InvalidRequest) as caught:
        store.orders.update_shipping_address("1", address)  # type: ignore[union-attr]
    assert [p.path for p in caught.value.problems] == [f"address.{field}"]
    assert recorders[0].exchanges == []


@pytest.mark.parametrize(
    ("country", "province"), [("us", "tx"), ("DE", None), ("CA", "CA-ON"), ("SG", None)]
)
def test_good_codes_pass_whatever_their_case(country: str, province: str | None) -> None:
    from unified_orders.countries import address_problems

    assert address_problems(country, province) == []
