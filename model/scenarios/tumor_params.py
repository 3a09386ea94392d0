"""Parameters of the tumor scenario: the typed scenario, the genotypes, cell types and constants.

The model is :mod:`model.scenarios.tumor`; see its docstring for the calibration.
"""

from __future__ import annotations

from types import MappingProxyType

from mtor_abm.model.scenarios.base import Param, TissueScenario

GENOTYPES = ("ccrcc", "pten_null", "tsc_null", "wild_type")
"""Tumor genotypes; the cell type is ``tumor_<genotype>`` in :mod:`model.cell_types`, and a
genotype acts only through its cell type's parameters: ``ccrcc`` (clear-cell renal carcinoma,
VHL-null: ``vhl_loss`` 1, constitutive HIF-alpha), ``pten_null`` (``pten_activity`` 0.1),
``tsc_null`` (``tsc_loss`` 1), ``wild_type`` (no pathway mutation)."""
DEFAULT_START_DAY = 14.0
"""Treatment start (and baseline of the response) when none is given: the tumor is established."""
TUMOR, NORMAL = 0, 1
"""``type_id`` of tumor and host cells."""
KINASE_MUTANT_FOLD = 10.0
"""Potency loss of ATP-competitive drugs on the activating kinase-domain mutant (M2327I);
assumed magnitude (Rodrik-Outmezguine 2016 Nature 534:272: resistant at clinical exposure)."""
DX_UM = 20.0
"""Lattice spacing, um (one cell diameter; assumed)."""
REPLETE_O2_MMHG = 20.0
"""Oxygen tension at which energy sensing reads fully replete, mmHg (assumed; well above the
~3 mmHg where AMPK/REDD1 signalling turns on)."""


class TumorScenario(TissueScenario):
    """Parameters of the tumor scenario (see ``PARAMETERS`` for units and sources).

    Args:
        width: slice width in sites of 20 um.
        height: slice height in sites of 20 um.
        genotype: tumor genotype (ccrcc: VHL-null clear-cell renal carcinoma, HIF-alpha stable
            at any oxygen; pten_null; tsc_null; wild_type), see :data:`GENOTYPES`.
        seed_radius_sites: radius of the tumor seeded at 0 h, sites (30 = 600 um: an
            established lesion of ~4,000 viable cells by the day-14 baseline; assumed).
        normal_density: fraction of the other sites holding host cells, which host renewal
            keeps (0.9: a packed tissue with some interstitial space; assumed).
        growth_factor: growth-factor signal of the tissue (1 = physiological, 0 = withdrawn).
        vessel_spacing_sites: spacing of the pre-existing capillaries, sites.
        vessel_po2_mmHg: oxygen tension held in perfused vessels, mmHg.
        o2_diffusion_um2_per_s: oxygen diffusion coefficient, um^2/s.
        o2_uptake_per_h: oxygen consumption rate of a tumor cell, 1/h.
        normal_uptake_factor: host-cell oxygen and nutrient uptake relative to a tumor cell.
        hypoxia_mmHg: oxygen tension below which a cell counts as hypoxic, mmHg.
        energy_half_mmHg: oxygen tension at which energy sensing (AMPK, REDD1) is half on, mmHg.
        hif_half_mmHg: oxygen tension of half-maximal HIF-1a stabilisation, mmHg.
        necrosis_mmHg: oxygen tension of half-maximal necrosis hazard, mmHg.
        necrosis_per_h: necrosis hazard of an anoxic cell, 1/h.
        tumor_cell_loss_per_h: apoptosis hazard of a tumor cell with untreated or higher AKT
            survival signal, 1/h; up to twice that as the survival signal falls to zero. With
            starvation and necrosis the default tumor loses most of the cells it makes, as
            clinical tumors do (Steel 1967 Eur J Cancer 3:381); 0 switches it off.
        loss_drive_half: G1->S drive (relative to the untreated reference cell, fed) at which
            tumor cell loss is half its value at saturation: loss scales as ``drive (1 + K) /
            (drive + K)``, 1 at the reference drive, 0 for a cell arrested in G1 (apoptosis is
            carried by cycling cells: Evan & Vousden 2001 Nature 411:342; assumed). 0 (the
            default) makes the loss independent of the drive; 0.25 keeps dual inhibitors from
            emptying the tumor but moves T2 and T5 (module docstring of the tumor).
        shock_apoptosis: tumor cell loss added, relative to ``tumor_cell_loss_per_h``, when a
            cell's cap-dependent translation falls to 0 from the level it has adapted to
            (scaled by the squared fall; Mcl-1 is eIF4E-translated: Mills 2008 PNAS
            105:10853; Hsieh 2010 Cancer Cell 17:249; magnitude assumed). 0 (the default)
            switches it off; 3 met T6 (TSC-null tumors halve on everolimus) before blood was
            read through its free drug, not since, and empties the hypoxic rim of untreated
            tumors (T2): the tumor module's docstring.
        translation_adapt_h: time constant with which that adapted level follows the cell's
            translation, h (apoptotic priming tracks chronic signalling: Certo 2006 Cancer
            Cell 9:351; assumed).
        nutrient_diffusion_um2_per_s: glucose/amino-acid diffusion coefficient, um^2/s.
        nutrient_uptake_per_h: nutrient consumption rate of a tumor cell, 1/h.
        drug_diffusion_um2_per_s: drug diffusion coefficient in tissue, um^2/s.
        drug_uptake_per_h: drug uptake/sequestration rate of a cell, 1/h.
        vegf_diffusion_um2_per_s: VEGF diffusion coefficient, um^2/s.
        vegf_decay_per_h: VEGF clearance rate, 1/h.
        vegf_per_cell_per_h: VEGF secretion of a cell at full HIF-1a, VEGF units/h.
        vegf_threshold: VEGF of half-maximal endothelial activation (VEGF units; activation
            ``v^4 / (v^4 + K^4)``, graded, :mod:`model.scenarios.tumor_vessels`; assumed,
            between the VEGF of host tissue and of a hypoxic tumor).
        sprout_delay_h: activation-weighted hours of VEGF before a sprout is perfused.
        sprout_per_h: hazard of a new perfused vessel at a ready site, 1/h.
        vessel_regression_per_h: regression hazard of a co-opted or sprouted vessel without
            VEGF, 1/h (co-opted vessels regress over weeks: Holash 1999 Science 284:1994).
        resistance: mTOR mutation a resistant clone carries: ``frb`` (FRB-domain mutant,
            A2034V/F2108L: rapalogs cannot bind; F2108L was acquired by a patient's tumor on
            everolimus: Wagle 2014 NEJM 371:1426) or ``kinase`` (activating kinase-domain
            mutant, M2327I: resists rapalogs and ATP-competitive drugs); RapaLink-1 overcomes
            both (Rodrik-Outmezguine 2016 Nature 534:272). ``none``: no resistance. Default
            ``frb``: resistant clones are how the default tumor escapes a rapalog.
        resistance_per_division: chance that a daughter cell acquires the mutation (default
            2e-3: a lumped rate of heritable escape from rapalogs, assumed and set against
            RECORD-1's time to progression on everolimus (row T5, which it therefore fits
            rather than predicts). It is far above a point-mutation rate (~1e-9 per base per
            division) because the slice's ~2,000 cells stand for a lesion of ~1e9, in which
            resistant subclones pre-exist (Diaz 2012 Nature 486:537); drug-tolerant states
            arise in ~0.3 % of cancer cells (Sharma 2010 Cell 141:69).
        resistant_fraction: fraction of the seeded tumor cells already resistant. Both have no
            effect with ``resistance = none`` (so a sweep over ``resistance`` has a control).
        host_turnover_per_h: death hazard of a host cell (normal tissue turnover), 1/h.
        host_division_per_h: division hazard of a host cell with a free neighbouring site and
            fewer host neighbours than ``normal_density`` (contact-inhibited renewal), 1/h.
        host_displacement: chance that a tumor cell ready to divide, with no free neighbouring
            site, displaces a host cell into which it divides this hour (the rest of its
            attempts wait: host tissue resists the expanding lesion).
    """

    width: int = 140
    height: int = 140
    genotype: str = "wild_type"
    seed_radius_sites: float = 25.0
    normal_density: float = 0.9
    growth_factor: float = 1.0
    vessel_spacing_sites: int = 10
    vessel_po2_mmHg: float = 40.0
    o2_diffusion_um2_per_s: float = 2000.0
    o2_uptake_per_h: float = 600.0
    normal_uptake_factor: float = 0.5
    hypoxia_mmHg: float = 10.0
    energy_half_mmHg: float = 3.0
    hif_half_mmHg: float = 12.0
    necrosis_mmHg: float = 1.5
    necrosis_per_h: float = 0.05
    tumor_cell_loss_per_h: float = 0.015
    loss_drive_half: float = 0.0
    shock_apoptosis: float = 0.0
    translation_adapt_h: float = 168.0
    nutrient_diffusion_um2_per_s: float = 110.0
    nutrient_uptake_per_h: float = 5.0
    drug_diffusion_um2_per_s: float = 100.0
    drug_uptake_per_h: float = 2.0
    vegf_diffusion_um2_per_s: float = 104.0
    vegf_decay_per_h: float = 0.7
    vegf_per_cell_per_h: float = 0.7
    vegf_threshold: float = 0.26
    sprout_delay_h: float = 48.0
    sprout_per_h: float = 1.0 / 96.0
    vessel_regression_per_h: float = 1.0 / 480.0
    resistance: str = "frb"
    resistance_per_division: float = 2e-3
    resistant_fraction: float = 0.0
    host_turnover_per_h: float = 1.0 / (30.0 * 24.0)
    host_division_per_h: float = 1.0 / 24.0
    host_displacement: float = 0.012

    PARAMETERS = MappingProxyType(
        {
            "width": Param("sites", "slice width in lattice sites of 20 um", 10, 2000),
            "height": Param("sites", "slice height in lattice sites of 20 um", 10, 2000),
            "genotype": Param(
                "",
                "tumor genotype (ccrcc: VHL-null, constitutive HIF, Maxwell 1999 Nature 399:271)",
                choices=GENOTYPES,
            ),
            "seed_radius_sites": Param(
                "sites",
                "radius of the tumor seeded at 0 h (600 um: established lesion; assumed)",
                0.5,
                200,
            ),
            "normal_density": Param("fraction", "host cells per other site (assumed)", 0, 1),
            "growth_factor": Param(
                "relative", "tissue growth-factor signal (1 = physiological)", 0, 10
            ),
            "vessel_spacing_sites": Param(
                "sites", "pre-existing capillary spacing (100-200 um in sections; assumed)", 3, 100
            ),
            "vessel_po2_mmHg": Param(
                "mmHg",
                "O2 tension in perfused tumor vessels (~40; Vaupel 1989 Cancer Res 49:6449)",
                0,
                200,
            ),
            "o2_diffusion_um2_per_s": Param(
                "um^2/s", "O2 diffusion in tissue (Ghaffarizadeh 2018 PLoS Comput Biol)", 1, 1e5
            ),
            "o2_uptake_per_h": Param(
                "1/h", "O2 uptake of a tumor cell (10/min: PhysiCell, Ghaffarizadeh 2018)", 0, 1e5
            ),
            "normal_uptake_factor": Param(
                "relative", "host O2 and nutrient uptake vs a tumor cell (assumed)", 0, 10
            ),
            "hypoxia_mmHg": Param(
                "mmHg",
                "hypoxic below this O2 tension (Vaupel 2004 Semin Radiat Oncol 14:198)",
                0,
                100,
            ),
            "energy_half_mmHg": Param(
                "mmHg",
                "half-maximal energy stress (AMPK/REDD1; Brugarolas 2004; assumed)",
                0.01,
                100,
            ),
            "hif_half_mmHg": Param(
                "mmHg",
                "half-maximal HIF-1a stabilisation (1.5-2 % O2: Jiang 1996 AJP 271:C1172)",
                0.01,
                100,
            ),
            "necrosis_mmHg": Param(
                "mmHg", "half-maximal necrosis hazard (anoxia; assumed)", 0.01, 50
            ),
            "necrosis_per_h": Param("1/h", "necrosis hazard of an anoxic cell (assumed)", 0, 10),
            "tumor_cell_loss_per_h": Param(
                "1/h",
                "tumor apoptosis at untreated AKT survival, up to 2x as AKT falls (with starvation "
                "and necrosis most births are lost, as in clinical tumors: Steel 1967 Eur J Cancer "
                "3:381; rate assumed)",
                0,
                10,
            ),
            "loss_drive_half": Param(
                "relative G1->S drive",
                "drive of half-saturated tumor cell loss; a cell arrested in G1 is not lost "
                "(apoptosis carried by cycling cells: Evan & Vousden 2001 Nature 411:342; "
                "assumed); 0: loss independent of the drive",
                0,
                100,
            ),
            "shock_apoptosis": Param(
                "relative",
                "added tumor cell loss at a full fall of translation below its adapted level "
                "(Mcl-1 is eIF4E-translated: Mills 2008 PNAS 105:10853; assumed)",
                0,
                100,
            ),
            "translation_adapt_h": Param(
                "h",
                "time constant of the translation level priming adapts to (Certo 2006 Cancer "
                "Cell 9:351; assumed)",
                1,
                1e5,
            ),
            "nutrient_diffusion_um2_per_s": Param(
                "um^2/s",
                "glucose diffusion in tumor tissue (Casciari 1988 Cancer Res 48:3905)",
                1,
                1e5,
            ),
            "nutrient_uptake_per_h": Param(
                "1/h", "nutrient uptake of a tumor cell (assumed)", 0, 1e4
            ),
            "drug_diffusion_um2_per_s": Param(
                "um^2/s", "drug diffusion in tissue (small molecule; assumed)", 1, 1e5
            ),
            "drug_uptake_per_h": Param(
                "1/h", "drug uptake and sequestration by a cell (assumed)", 0, 1e4
            ),
            "vegf_diffusion_um2_per_s": Param(
                "um^2/s", "VEGF diffusion (Mac Gabhann 2006 PNAS 103:17750)", 1, 1e5
            ),
            "vegf_decay_per_h": Param(
                "1/h", "VEGF clearance (half-life ~1 h; assumed)", 0.001, 1e3
            ),
            "vegf_per_cell_per_h": Param(
                "VEGF units/h", "VEGF secretion at full HIF-1a (assumed units)", 0, 1e3
            ),
            "vegf_threshold": Param(
                "VEGF units",
                "VEGF of half-maximal endothelial activation (graded, Hill 4; assumed: between "
                "host tissue and a hypoxic tumor)",
                0,
                1e3,
            ),
            "sprout_delay_h": Param(
                "h", "VEGF exposure before a sprout is perfused (days; Nagy 2007; assumed)", 0, 1e4
            ),
            "sprout_per_h": Param("1/h", "new-vessel hazard at a ready site (assumed)", 0, 10),
            "vessel_regression_per_h": Param(
                "1/h",
                "regression of co-opted and new vessels without VEGF (over weeks: Holash 1999 "
                "Science 284:1994; 20 days assumed)",
                0,
                10,
            ),
            "resistance": Param(
                "",
                "mTOR mutation of resistant clones (Rodrik-Outmezguine 2016 Nature 534:272)",
                choices=("none", "frb", "kinase"),
            ),
            "resistance_per_division": Param(
                "probability",
                "chance a daughter acquires the mutation (lumped escape, assumed; fitted to "
                "RECORD-1 TTP on everolimus, row T5; none with resistance=none)",
                0,
                1,
            ),
            "resistant_fraction": Param(
                "fraction",
                "seeded tumor cells already resistant (none with resistance=none: a sweep's "
                "control)",
                0,
                1,
            ),
            "host_turnover_per_h": Param(
                "1/h",
                "host-cell death, replaced by renewal (tissue turnover of weeks to months; "
                "assumed)",
                0,
                10,
            ),
            "host_division_per_h": Param(
                "1/h",
                "host renewal into free space below the normal density (contact inhibition; "
                "assumed)",
                0,
                10,
            ),
            "host_displacement": Param(
                "probability",
                "per hour, a tumor cell with no free neighbour displaces a host cell (solid "
                "stress slows expansion: Helmlinger 1997 Nat Biotechnol 15:778; assumed)",
                0,
                1,
            ),
        }
    )
