"""Currency codes and their minor units: the one module that reads the ISO 4217 table.

A platform may report any code it ever accepted: current ISO 4217 codes, codes ISO has since
withdrawn (a Bulgarian shop's history is in BGN, withdrawn on 2026-01-01 when Bulgaria adopted the
euro), and codes ISO never had (Shopify's ``USDC``). Every such code is readable:

- :func:`minor_unit` knows the current ISO table (the ``iso4217`` package) and, for withdrawn
  codes, the minor unit they had (:data:`WITHDRAWN`);
- a code neither knows is still valid money; its amounts keep the decimals the platform sent
  (the adapter applies the platform's own rounding where it reports one), and
  :func:`known_minor_unit` says ``None`` so new money movements in it can be refused.
"""

from __future__ import annotations

import re
from functools import cache

import iso4217

__all__ = ["WITHDRAWN", "UnknownMinorUnit", "currency_code", "known_minor_unit", "minor_unit"]

#: Withdrawn ISO 4217 codes a store's history may still hold, with their historic minor units
#: (from ISO 4217 list three, "historic denominations").
WITHDRAWN: dict[str, int] = {
    "ANG": 2,  # Netherlands Antillean guilder, replaced by XCG (2025)
    "ATS": 2,
    "BEF": 0,
    "BGN": 2,  # Bulgarian lev, replaced by EUR on 2026-01-01
    "BYR": 0,
    "CSD": 2,
    "CUC": 2,
    "CYP": 2,
    "DEM": 2,
    "EEK": 2,
    "ESP": 0,
    "FIM": 2,
    "FRF": 2,
    "GHC": 2,
    "GRD": 0,
    "HRK": 2,  # Croatian kuna, replaced by EUR on 2023-01-01
    "IEP": 2,
    "ITL": 0,
    "LTL": 2,
    "LUF": 0,
    "LVL": 2,
    "MRO": 2,
    "MTL": 2,
    "MZM": 2,
    "NLG": 2,
    "PTE": 0,
    "ROL": 2,
    "SIT": 2,
    "SKK": 2,
    "SLL": 2,  # Sierra Leonean leone, redenominated to SLE
    "STD": 2,
    "TRL": 0,
    "VEB": 2,
    "VEF": 2,
    "ZMK": 2,
    "ZWL": 2,
}

_CODE = re.compile(r"^[A-Z][A-Z0-9]{2,9}$")


class UnknownMinorUnit(ValueError):
    """No minor unit is known for a currency code (neither current nor withdrawn ISO 4217)."""

    def __init__(self, currency: str) -> None:
        super().__init__(
            f"{currency!r} has no known minor unit (not in ISO 4217, current or withdrawn), "
            "so amounts in it cannot be rounded safely"
        )
        self.currency = currency


@cache
def currency_code(value: str) -> str:
    """A currency code as platforms send it, upper-cased; refuse what is no code at all."""
    code = value.strip().upper()
    if not _CODE.match(code):
        raise ValueError(f"{value!r} is not a currency code such as 'USD'")
    return code


@cache
def known_minor_unit(currency: str) -> int | None:
    """Digits after the decimal point, or ``None`` where no table knows the code.

    Codes ISO lists without a minor unit (gold ``XAU``, test codes, funds) are ``None`` too:
    they are not money a store can refund.
    """
    code = currency.strip().upper()
    try:
        exponent = iso4217.Currency(code).exponent
    except ValueError:
        return WITHDRAWN.get(code)
    return None if exponent is None else int(exponent)


def minor_unit(currency: str) -> int:
    """Digits after the decimal point (JPY 0, USD 2, KWD 3, BGN 2); :class:`UnknownMinorUnit`
    where no table knows the code."""
    digits = known_minor_unit(currency)
    if digits is None:
        raise UnknownMinorUnit(currency)
    return digits
