"""Lienville's population, to compare the demo's pool with: who is missing.

Plausible shares in the style of INSEE's census tables (fictional figures for a fictional
town): by sector, occupation, age bracket and education. The demo's 300 participants are
skewed like real volunteers: many students and people without occupation, few employees,
manual workers, people aged 50 to 64 and people without a diploma, so the page shows real
gaps. Shares already there are kept: a facilitator may have changed them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from tierslien.outreach.missing import save_reference
from tierslien.outreach.models import SECTOR_DIMENSION, Reference
from tierslien.territories.models import Territory

CENSUS: Final = "INSEE, recensement de la population 2021"
TOWN: Final = "Lienville et Saint-Aubin-des-Prés (chiffres fictifs de démonstration)"

# {dimension: (source, year, {value: share in %})}; sectors by name.
POPULATION: Final[dict[str, tuple[str, int, dict[str, str]]]] = {
    SECTOR_DIMENSION: (
        f"{CENSUS}, population par IRIS, {TOWN}",
        2021,
        {
            "Centre-ville": "17",
            "Les Tilleuls": "24",
            "Les Coteaux": "18",
            "Campus des Sablons": "9",
            "Quartier de la Gare": "14",
            "Le Parc": "9",
            "Saint-Aubin-des-Prés": "9",
        },
    ),
    "occupation": (
        f"{CENSUS}, POP5 : population de 15 ans ou plus par catégorie socioprofessionnelle, {TOWN}",
        2021,
        {
            "1": "0.6",
            "2": "3.8",
            "3": "9.5",
            "4": "14.2",
            "5": "16.1",
            "6": "11.3",
            "7": "27.5",
            "8": "17",
        },
    ),
    "age_bracket": (
        f"{CENSUS}, POP1B : population de 18 ans ou plus par âge, {TOWN}",
        2021,
        {
            "18-24": "10.5",
            "25-34": "14.5",
            "35-49": "23.5",
            "50-64": "24",
            "65-74": "15",
            "75+": "12.5",
        },
    ),
    "education": (
        f"{CENSUS}, FOR2 : diplôme le plus élevé de la population non scolarisée de 15 ans "
        f"ou plus, {TOWN}",
        2021,
        {"none": "21.5", "cap": "25.5", "bac": "17.5", "bac3": "18", "bac5": "17.5"},
    ),
}


def ensure_population_shares(territory: Territory) -> None:
    sector_ids = {sector.name: str(sector.pk) for sector in territory.sectors.all()}
    known = set(Reference.objects.filter(territory=territory).values_list("dimension", flat=True))
    asked = set(territory.criteria.values_list("key", flat=True)) | {SECTOR_DIMENSION}
    for dimension, (source, year, shares) in POPULATION.items():
        if dimension in known or dimension not in asked:
            continue
        if dimension == SECTOR_DIMENSION:
            if not set(shares) <= set(sector_ids):
                continue  # a sector renamed by hand: the shares would not add up
            shares = {sector_ids[name]: share for name, share in shares.items()}
        save_reference(
            territory,
            dimension,
            {value: Decimal(share) for value, share in shares.items()},
            source=source,
            year=year,
        )
