"""Who is dosed: the species and sex whose pharmacokinetics a regime's doses go through, and
a mouse's diet as a dose (pure data and arithmetic; no Mesa).

A drug file holds its human PK in ``[pk]`` and may hold a mouse set in ``[pk_mouse]``
(:mod:`model.drugfile`); :meth:`model.druglib.Drug.pk_for` picks the set of a
:class:`Subject`. Patients (tumor, transplant, the ``pk`` command) are :data:`HUMAN`; the
cohort scenarios (aging, neuro) follow mice, so their doses go through the mouse set, with
the sex a cohort parameter (``--set sex=female``).

Doses are per animal (mg), as for a patient; a diet dose is the drug taken with the food in a
day: ``ppm x food intake``. Mouse figures, with their sources:

* food intake :data:`MOUSE_FOOD_G_PER_DAY` = 4.8 g/day for a :data:`MOUSE_BODY_WEIGHT_G`
  = 30 g mouse: Harrison 2009 Nature 460:392 give 14 ppm encapsulated rapamycin as
  "2.24 mg/kg/day" for a 30 g mouse eating about 5 g of food a day; 2.24 mg/kg/day x 0.030 kg
  / 14 mg/kg food = 4.8 g/day is the intake their figure implies (used here, so 14 ppm is
  their 2.24 mg/kg/day exactly). Rapamycin-fed and control mice ate alike (Fok 2014 PLoS One
  9:e83988, Fig S2 of File S1), so intake does not depend on the dose.
* the same intake for both sexes (assumed): the sexes differ in blood level at the same diet
  (Miller 2014 Aging Cell 13:468; Fok 2014) through the mouse PK's clearance
  (``female_clearance_ratio`` of the drug's ``[pk_mouse]``), not through what they eat.
"""

from __future__ import annotations

from dataclasses import dataclass

from mtor_abm.model.domains import Domain
from mtor_abm.model.errors import InputError

SPECIES = ("human", "mouse")
SEXES = ("male", "female")

#: Reference mouse body weight, g (Harrison 2009 Nature 460:392: "mice weigh 30 g").
MOUSE_BODY_WEIGHT_G = 30.0
#: Food a reference mouse eats, g/day (Harrison 2009: 14 ppm = 2.24 mg/kg/day at 30 g).
MOUSE_FOOD_G_PER_DAY = 4.8
#: Allowed drug content of food, ppm (mg drug per kg food): above 0 (0 ppm is no drug: use
#: drug none) up to 1 % of the food by weight, far above the 4.7-42 ppm of the ITP studies.
DIET_PPM_DOMAIN = Domain(0.0, 1e4, "ppm", low_open=True)


@dataclass(frozen=True)
class Subject:
    """The animal a regime doses: its species (``human`` or ``mouse``) and sex (``male``,
    ``female``; None where no sex-specific PK is known, e.g. a patient)."""

    species: str = "human"
    sex: str | None = None

    def __post_init__(self) -> None:
        if self.species not in SPECIES:
            raise InputError(f"species {self.species!r} is unknown; allowed: {', '.join(SPECIES)}")
        if self.sex is not None and self.sex not in SEXES:
            raise InputError(f"sex {self.sex!r} is unknown; allowed: {', '.join(SEXES)}")

    @property
    def label(self) -> str:
        """E.g. ``human``, ``mouse (female)``."""
        return self.species if self.sex is None else f"{self.species} ({self.sex})"

    def to_dict(self) -> dict[str, str | None]:
        """Plain data for manifests and summaries: ``{"species", "sex"}``."""
        return {"species": self.species, "sex": self.sex}


HUMAN = Subject()
"""A patient: the drug files' ``[pk]`` sets (every clinical regime)."""


def diet_dose_mg_per_day(ppm: float) -> float:
    """Drug a reference mouse eats in a day, mg, with food holding ``ppm`` mg drug per kg:
    ``ppm x MOUSE_FOOD_G_PER_DAY / 1000`` (14 ppm: 0.0672 mg/day). InputError for a ppm
    outside :data:`DIET_PPM_DOMAIN`."""
    ppm = DIET_PPM_DOMAIN.check("diet_ppm (--diet-ppm)", ppm)
    return ppm * MOUSE_FOOD_G_PER_DAY / 1000.0


def diet_mg_per_kg_per_day(ppm: float) -> float:
    """The same dose per kg body weight, mg/kg/day (14 ppm: 2.24, Harrison 2009)."""
    return diet_dose_mg_per_day(ppm) / (MOUSE_BODY_WEIGHT_G / 1000.0)
