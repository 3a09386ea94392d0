"""Parameters of the aging scenario and the states of its somatic cells.

The model itself is :mod:`model.scenarios.aging` (its module docstring describes the rules the
parameters enter).
"""

from __future__ import annotations

from types import MappingProxyType

from mtor_abm.model import signaling as sg
from mtor_abm.model.scenarios.base import Param
from mtor_abm.model.scenarios.lysosome import (
    LYSOSOME_MAX,
    TFEB_GAIN,
    TFEB_PARAMETERS,
    TFEB_TAU_DAYS,
)
from mtor_abm.model.scenarios.mouse import MouseCohortScenario

EMPTY, FUNCTIONAL, SENESCENT = 0, 1, 2


class AgingScenario(MouseCohortScenario):  # + sex: the mouse PK
    """Parameters of the aging scenario.

    Args:
        organisms: cohort size (``--replicates`` sets it).
        lattice: side of each organism's somatic lattice, sites.
        stem_cells: stem/progenitor cells per organism at birth.
        cell_type: signalling parameters of the cells.
        autophagy_capacity: autophagy machinery (1 = normal, 0 = knocked out).
        autophagy_clearance_share: share of basal damage clearance that is autophagic.
        tfeb_gain: rise of lysosomal capacity per relative rise of ULK1 activity (TFEB arm).
        lysosome_max: saturating lysosomal capacity under full TFEB activation, relative.
        tfeb_tau_days: time constant of lysosomal capacity following TFEB, days.
        growth_factor_spread: SD of log growth-factor drive between organisms.
        damage_clearance_per_day: first-order clearance of damage at basal autophagy, 1/day.
        load_damage_share: share of damage production following mTORC1-driven translation.
        sasp_damage_gain: rise of damage production per unit SASP.
        senescence_hazard_per_day: senescence hazard of a cell at the young damage level, 1/day.
        senescence_damage_slope: e-fold rise of the senescence hazard per unit damage.
        senescent_clearance_per_day: immune clearance of senescent cells, 1/day.
        stress_rate_per_day: acute stresses per organism per day.
        stress_severity: mean fraction of functional cells one stress kills.
        stem_renewal_per_day: refill rate of an empty site by a full, undamaged stem pool, 1/day.
        stem_division_damage: damage a stem cell takes per daughter it gives.
        stem_exhaustion_per_day: loss hazard of a stem cell at young damage and mTOR, 1/day.
        residual_fraction_per_day: fraction of a cell's damage that aggregates per day, 1/day.
        residual_clearance_per_day: degradation of aggregated damage per unit of autophagic
            flux above ``lysosome_load`` (spare lysosomal capacity), 1/day.
        lysosome_load: autophagic flux the day's load takes up; only flux above it degrades
            aggregated damage (relative, 1 = untreated reference cell).
        degradable_share: share of newly aggregated damage that spare lysosomal capacity can
            degrade (the rest, cross-linked lipofuscin and wear, cannot).
        death_threshold: functional fraction below which an organism dies.
    """

    organisms: int = 40
    lattice: int = 8
    stem_cells: int = 8
    cell_type: str = "epithelial"
    autophagy_capacity: float = 1.0
    autophagy_clearance_share: float = 0.1
    tfeb_gain: float = TFEB_GAIN
    lysosome_max: float = LYSOSOME_MAX
    tfeb_tau_days: float = TFEB_TAU_DAYS
    growth_factor_spread: float = 0.15
    damage_clearance_per_day: float = 0.05
    load_damage_share: float = 0.1
    sasp_damage_gain: float = 1.5
    senescence_hazard_per_day: float = 4e-4
    senescence_damage_slope: float = 1.2
    senescent_clearance_per_day: float = 0.01
    stress_rate_per_day: float = 1.0 / 30.0
    stress_severity: float = 0.08
    stem_renewal_per_day: float = 0.2
    stem_division_damage: float = 0.01
    stem_exhaustion_per_day: float = 5e-4
    residual_fraction_per_day: float = 0.0014
    residual_clearance_per_day: float = 0.05
    degradable_share: float = 0.2
    lysosome_load: float = 1.1
    death_threshold: float = 0.5

    PARAMETERS = MappingProxyType(
        {
            "organisms": Param("organisms", "cohort size (--replicates sets it)", 1, 100_000),
            "lattice": Param("sites", "side of each organism's somatic lattice", 2, 64),
            "stem_cells": Param("cells", "stem/progenitor cells per organism at birth", 1, 256),
            "cell_type": Param(
                "", "signalling parameters of the cells", choices=tuple(sg.CELL_TYPES)
            ),
            "autophagy_capacity": Param(
                "relative",
                "autophagy machinery, 1 = normal, 0 = knockout (Atg5/Atg7 loss: Bjedov 2010)",
                0,
                10,
            ),
            "autophagy_clearance_share": Param(
                "fraction",
                "share of basal damage clearance that is autophagic; the rest (proteasome, "
                "dilution) needs no Atg genes (assumed value, chosen with degradable_share for "
                "A1/A4 on 2 seeds; tissue Atg5/Atg7 knockouts accumulate "
                "damaged proteins and organelles yet their cells survive for months: Komatsu 2005 "
                "J Cell Biol 169:425, Hara 2006 Nature 441:885)",
                0,
                1,
            ),
            **TFEB_PARAMETERS,
            "growth_factor_spread": Param(
                "log SD",
                "between-organism spread of insulin/IGF-1 drive (assumed; genetically "
                "heterogeneous UM-HET3 mice: Harper 2003 Mech Ageing Dev 124:801)",
                0,
                2,
            ),
            "damage_clearance_per_day": Param(
                "1/day",
                "damage clearance at basal autophagy (assumed: turnover of long-lived proteins "
                "and organelles over weeks)",
                1e-4,
                10,
            ),
            "load_damage_share": Param(
                "fraction",
                "share of damage production, SASP secretion and stem activation that follows "
                "mTORC1-driven translation (assumed; the rest, e.g. mitochondrial ROS, does not)",
                0,
                1,
            ),
            "sasp_damage_gain": Param(
                "relative/SASP",
                "rise of damage production per unit SASP (assumed; paracrine senescence: "
                "Acosta 2013 Nat Cell Biol 15:978)",
                0,
                100,
            ),
            "senescence_hazard_per_day": Param(
                "1/day", "senescence hazard at the young damage level (assumed)", 0, 1
            ),
            "senescence_damage_slope": Param(
                "1/damage", "e-fold rise of the senescence hazard per unit damage (assumed)", 0, 50
            ),
            "senescent_clearance_per_day": Param(
                "1/day",
                "immune clearance of senescent cells (assumed; Kale 2020 Exp Mol Med 52:1466)",
                0,
                1,
            ),
            "stress_rate_per_day": Param(
                "1/day", "acute stresses (infection, injury) per organism per day (assumed)", 0, 1
            ),
            "stress_severity": Param(
                "fraction", "mean fraction of functional cells one stress kills (assumed)", 0, 1
            ),
            "stem_renewal_per_day": Param(
                "1/day",
                "refill rate of an empty site by a full, undamaged stem pool (assumed)",
                0,
                10,
            ),
            "stem_division_damage": Param(
                "damage", "damage a stem cell takes per daughter it gives (assumed)", 0, 10
            ),
            "stem_exhaustion_per_day": Param(
                "1/day",
                "stem-cell loss hazard at young damage and mTOR (assumed; mTOR drives HSC "
                "exhaustion: Chen 2009 Sci Signal 2:ra75)",
                0,
                1,
            ),
            "residual_fraction_per_day": Param(
                "1/day",
                "fraction of a cell's damage that aggregates per day (assumed; lipofuscin "
                "accumulation: Terman & Brunk 2004 Antioxid Redox Signal 6:245)",
                0,
                1,
            ),
            "residual_clearance_per_day": Param(
                "1/day",
                "degradation of the degradable aggregated damage per unit of autophagic flux "
                "above lysosome_load (spare lysosomal capacity) (assumed; TFEB activation "
                "clears aggregates within weeks: Decressac 2013 PNAS 110:E1817)",
                0,
                10,
            ),
            "degradable_share": Param(
                "fraction",
                "share of newly aggregated damage that spare lysosomal capacity can degrade "
                "(protein aggregates, damaged mitochondria); the rest is cross-linked "
                "lipofuscin that no lysosome degrades (assumed value, chosen for A1/A4 on 2 "
                "seeds; Terman & Brunk 2004)",
                0,
                1,
            ),
            "lysosome_load": Param(
                "relative",
                "autophagic flux (1 = untreated reference cell) that the day's autophagic load "
                "takes up: only flux above it degrades aggregated damage (assumed; basal "
                "lysosomes run near saturation, the 'garbage catastrophe' of Terman & Brunk "
                "2004)",
                0,
                10,
            ),
            "death_threshold": Param(
                "fraction", "functional cell fraction below which an organism dies (assumed)", 0, 1
            ),
        }
    )
