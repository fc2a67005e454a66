"""Country and province codes of addresses we write: the one module that reads ISO 3166.

Addresses a platform reports are read as they are (a platform may hold codes ISO no longer has);
addresses we send are checked first, so a typo is an :class:`InvalidRequest`, not a parcel sent to
the wrong country. The tables come from the ``pycountry`` package.
"""

from __future__ import annotations

from functools import cache

import pycountry

from .errors import Problem

__all__ = ["address_problems"]


@cache
def _country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


@cache
def _subdivisions(country: str) -> frozenset[str]:
    found = pycountry.subdivisions.get(country_code=country) or []  # type: ignore[no-untyped-call]
    return frozenset(s.code.split("-", 1)[1] for s in found)


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
