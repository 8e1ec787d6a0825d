"""Claim amounts (cuantía): a skewed distribution at filing, rare plausible changes later.

At filing, amounts follow a log-normal distribution (median 4,000 EUR, long right tail) and 3 %
of claims are of indeterminate amount. The procedure then follows from the amount and the
filing date (:func:`expedientes.procedures.procedimiento_for`), so each procedure gets its own
skewed slice, and the 2024 reform moves claims of 6,000-15,000 EUR from Ordinario to Verbal.

Later changes are rare: an ampliación de la demanda (before the answer), a partial payment, and
at ejecución the amount claimed grows by the interest and costs the court budgets (up to 30 %,
LEC art. 575). An amount never goes negative and a "change" is never the same amount again.
"""

from __future__ import annotations

import math
import random
from decimal import ROUND_HALF_UP, Decimal

MEDIAN_EUR = 4000.0
SIGMA = 1.2
INDETERMINATE_SHARE = 0.03
MIN_EUR = 150.0
MAX_EUR = 5_000_000.0
CENT = Decimal("0.01")


def _eur(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def draw_claim(rng: random.Random) -> Decimal | None:
    """The cuantía of a new claim, or None when it is indeterminate."""
    if rng.random() < INDETERMINATE_SHARE:
        return None
    value = rng.lognormvariate(math.log(MEDIAN_EUR), SIGMA)
    return _eur(min(max(value, MIN_EUR), MAX_EUR))


def change_for(rng: random.Random, estado: str, current: Decimal | None) -> Decimal | None:
    """A new cuantía when reaching ``estado``, or None when the amount does not change."""
    if current is None or current <= 0:
        return None
    if estado == "admision_a_tramite" and rng.random() < 0.03:  # ampliación de la demanda
        new = current * Decimal(str(round(rng.uniform(1.1, 1.6), 3)))
    elif estado in ("contestacion", "audiencia_previa", "vista") and rng.random() < 0.03:
        new = current * Decimal(str(round(rng.uniform(0.3, 0.9), 3)))  # partial payment
    elif estado == "ejecucion" and rng.random() < 0.7:  # interest and costs, up to 30 %
        new = current * Decimal(str(round(rng.uniform(1.1, 1.3), 3)))
    else:
        return None
    new = new.quantize(CENT, rounding=ROUND_HALF_UP)
    return new if new != current and new >= 0 else None
