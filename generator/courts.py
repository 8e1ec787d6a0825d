"""Courts: real-looking civil courts in Spanish cities, weighted by their size.

Names follow the court reform of LO 1/2025: a case filed before the reform took effect in its
city goes to "Juzgado de Primera Instancia nº N de <Ciudad>"; one filed on or after that date
to "Tribunal de Instancia de <Ciudad>, Sección Civil, plaza nº N". The reform was phased during
2025 (phase 2 on 2025-10-01 for large non-capital partidos such as Vigo and Gijón, phase 3 on
2025-12-31 for provincial capitals).

Each court has a congestion factor (its city's backlog times a stable per-court variation) that
scales the delays between states.
"""

from __future__ import annotations

import random
import re
import zlib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

PHASE_2 = date(2025, 10, 1)
PHASE_3 = date(2025, 12, 31)


@dataclass(frozen=True)
class City:
    name: str
    ine: str  # INE municipality code: the first 5 digits of a NIG
    courts: int  # civil first-instance courts (plazas); also the city's weight
    congestion: float  # backlog relative to the national median
    tribunal_from: date  # when LO 1/2025 renamed its courts
    timezone: str = "Europe/Madrid"


CITIES: tuple[City, ...] = (
    City("Madrid", "28079", 101, 1.15, PHASE_3),
    City("Barcelona", "08019", 58, 1.10, PHASE_3),
    City("Valencia", "46250", 33, 1.05, PHASE_3),
    City("Sevilla", "41091", 27, 1.10, PHASE_3),
    City("Palma", "07040", 25, 1.20, PHASE_3),
    City("Zaragoza", "50297", 21, 0.85, PHASE_3),
    City("Málaga", "29067", 19, 1.15, PHASE_3),
    City("Granada", "18087", 18, 1.00, PHASE_3),
    City("Las Palmas de Gran Canaria", "35016", 16, 1.20, PHASE_3, "Atlantic/Canary"),
    City("Bilbao", "48020", 15, 0.85, PHASE_3),
    City("Vigo", "36057", 15, 0.95, PHASE_2),
    City("Valladolid", "47186", 14, 0.85, PHASE_3),
    City("A Coruña", "15030", 14, 0.90, PHASE_3),
    City("Alicante", "03014", 12, 1.05, PHASE_3),
    City("Murcia", "30030", 12, 1.10, PHASE_3),
    City("Santa Cruz de Tenerife", "38038", 11, 1.15, PHASE_3, "Atlantic/Canary"),
    City("Córdoba", "14021", 10, 0.95, PHASE_3),
    City("Oviedo", "33044", 10, 0.85, PHASE_3),
    City("Gijón", "33024", 9, 0.90, PHASE_2),
)

_BY_NAME = {c.name: c for c in CITIES}
_OLD = re.compile(r"^Juzgado de Primera Instancia nº (\d+) de (.+)$")
_NEW = re.compile(r"^Tribunal de Instancia de (.+), Sección Civil, plaza nº (\d+)$")


@dataclass(frozen=True)
class Court:
    city: City
    number: int

    def name(self, filed: date) -> str:
        """The court's name for a case filed on ``filed``."""
        if filed >= self.city.tribunal_from:
            return (
                f"Tribunal de Instancia de {self.city.name}, Sección Civil, plaza nº {self.number}"
            )
        return f"Juzgado de Primera Instancia nº {self.number} de {self.city.name}"

    @property
    def congestion(self) -> float:
        """The city's backlog times a stable variation of ±25 % for this court."""
        noise = zlib.crc32(f"{self.city.ine}-{self.number}".encode()) / 0xFFFFFFFF
        return self.city.congestion * (0.75 + 0.5 * noise)


def draw(rng: random.Random) -> Court:
    """A court, cities weighted by their number of civil courts."""
    city = rng.choices(CITIES, weights=[c.courts for c in CITIES])[0]
    return Court(city, rng.randint(1, city.courts))


@lru_cache(maxsize=4096)
def parse(juzgado: str) -> Court | None:
    """The court behind a name in either style, or None for a court we did not generate."""
    if match := _OLD.match(juzgado):
        number, city = int(match.group(1)), match.group(2)
    elif match := _NEW.match(juzgado):
        city, number = match.group(1), int(match.group(2))
    else:
        return None
    return Court(_BY_NAME[city], number) if city in _BY_NAME else None
