"""Country and province codes of addresses we write: the one module that reads ISO 3166.

Addresses a platform reports are read as they are (a platform may hold codes ISO no longer has);
addresses we send are checked first, so a typo is an :class:`InvalidRequest`, not a parcel sent to
the wrong country. The tables come from the ``pycountry`` package.
"""

from __future__ import annotations

from functools import cache

import pycountry

from .errors import Problem
from .models import Address

__all__ = ["address_problems", "settled_address", "subdivision_codes"]


@cache
def _country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


@cache
def _subdivisions(country: str) -> frozenset[str]:
    found = pycountry.subdivisions.get(country_code=country) or []  # type: ignore[no-untyped-call]
    return frozenset(s.code.split("-", 1)[1] for s in found)


def subdivision_codes(country: str) -> frozenset[str]:
    """The ISO 3166-2 subdivision codes of a country, without the country prefix (``TX``)."""
    return _subdivisions(country.strip().upper())


def address_problems(
    country_code: str | None, province_code: str | None, path: str = "address"
) -> list[Problem]:
    """What is wrong with a country (ISO 3166-1 alpha-2) and province (the ISO 3166-2 part after
    the dash, e.g. ``TX`` for US-TX) we are about to send."""
    problems: list[Problem] = []
    if country_code is None:
        return problems
    country = country_code.strip().upper()
    if len(country) != 2 or not _country(country):
        problems.append(
            Problem(
                f"{path}.country_code",
                f"{country_code!r} is not an ISO 3166-1 alpha-2 country code such as 'US' or 'DE'",
            )
        )
        return problems
    if province_code:
        province = province_code.strip().upper().removeprefix(f"{country}-")
        known = _subdivisions(country)
        if known and province not in known:
            problems.append(
                Problem(
                    f"{path}.province_code",
                    f"{province_code!r} is not a province/state of {country} (ISO 3166-2)",
                )
            )
    return problems


def _code(value: str | None) -> str | None:
    text = (value or "").strip().upper()
    return text or None


def settled_address(current: Address | None, new: Address) -> Address:
    """The address to send: codes trimmed and upper-cased, and, when the country changes and no
    province is given, the province cleared (set to None explicitly, so a platform that keeps
    the fields an update leaves out clears it too): a province belongs to its old country."""
    update: dict[str, str | None] = {}
    if "country_code" in new.model_fields_set:
        update["country_code"] = _code(new.country_code)
    if "province_code" in new.model_fields_set:
        update["province_code"] = _code(new.province_code)
    country = update.get("country_code")
    before = _code(current.country_code) if current is not None else None
    if country and before and country != before and not update.get("province_code"):
        update["province_code"] = None
    return new.model_copy(update=update) if update else new
