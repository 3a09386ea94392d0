"""Drug library, dosing regimes and drug -> target action: the one place to import them from.

The parts live in modules with one job each, re-exported here: what a drug is
(:mod:`model.druglib`), reading a drug file (:mod:`model.drugfile`), loading the library
(:mod:`model.drugload`), schedules and regimes (:mod:`model.dosing`), FKBP12 (:mod:`model.fkbp12`),
FRB occupancy and kinase-site inhibition (:mod:`model.occupancy`) and calcineurin
(:mod:`model.calcineurin`).

The pharmacokinetics (blood concentrations over time) live in :mod:`model.pk`; this module holds
what they need: the drugs as data, the regimes, the dose times, and what a concentration does to
mTOR.

Concentration convention
------------------------
Every concentration the model passes around is a **whole-blood-equivalent** concentration in nM.
FKBP12 ligands (rapalogs, bivalents, tacrolimus) act through the share of it that is free to
load the cell's FKBP12 (``unbound_fraction``: blood cells and plasma proteins hold the rest;
Rapamune label) and the in-vitro binding constants (:func:`target_occupancy`). These constants
are calibrated to culture; an in-vivo whole-blood level (a patient's or a mouse's) is first
read as the medium level with the same free drug, through the PK set's
``blood_unbound_fraction`` (:meth:`DrugLibrary.acting_nM`; sirolimus 0.00225, Yatscoff 1993;
a drug without it is read as it is, e.g. tacrolimus, whose FKBP12 share is a fit). Kinase and
calcineurin potencies are cellular IC50s measured in serum-containing medium (so serum protein
binding is inside them), taken to apply at the same whole-blood concentration (assumed).
Clinical PK is fitted to whole-blood levels where those are what is measured (sirolimus,
everolimus, temsirolimus, tacrolimus, cyclosporine) and to plasma levels otherwise
(ATP-competitive inhibitors, blood:plasma taken as 1, assumed).

Drug library format (one TOML file per drug)
--------------------------------------------
The packaged drugs are in ``model/drugs/*.toml``; users add their own with
``load_library(extra_paths=[...])``. A file looks like this (every number needs an entry in
``[sources]``: a paper, a label, or the word "assumed")::

    name = "mydrug"                       # lower-case identifier: letters, digits, _ and -
    class = "rapalog"                     # none | rapalog | atp_competitive | bivalent |
                                          #   calcineurin_inhibitor
    molecular_weight_g_per_mol = 914.2
    description = "One line on what it is."

    [potency]                             # rapalog and bivalent (FRB-anchored, need FKBP12):
    kd_fkbp12_nM = 0.2                    #   drug-FKBP12 Kd (in vitro)
    kd_frb_ternary_nM = 12                #   drug:FKBP12 complex - FRB Kd (in vitro)
    kd_frb_direct_nM = 26000              #   drug alone - FRB Kd (in vitro; acts without FKBP12)
    unbound_fraction = 0.005              #   share of the whole-blood-equivalent concentration
                                          #   free to load the cell's FKBP12 (blood cells and
                                          #   protein binding hold the rest)
    # atp_competitive and bivalent (kinase site):
    # ic50_mtorc1_nM = 2.0                #   in-cell IC50 for mTORC1 kinase output
    # ic50_mtorc2_nM = 10.0               #   in-cell IC50 for mTORC2 kinase output
    # hill = 1.0                          #   Hill coefficient of kinase inhibition
    # calcineurin_inhibitor:
    # ic50_calcineurin_nM = 0.4           #   in-cell IC50 for NFAT-driven IL-2 production
    # kd_fkbp12_nM = 0.4                  #   optional, with unbound_fraction: the drug binds
    # unbound_fraction = 0.03             #   FKBP12 (tacrolimus: its calcineurin block needs
    #                                     #   FKBP12 and it competes with rapalogs for it);
    #                                     #   absent for cyclosporine

    [pk]                                  # omit the whole table for a fixed-concentration-only drug
    route = "oral"                        # oral (first-order absorption) | iv (zero-order infusion)
    parameters = "apparent"               # apparent: clearances and volumes are X/F; or systemic
    bioavailability = 0.14                # F, fraction (oral only)
    ka_per_h = 1.0                        # absorption rate constant (oral only)
    lag_h = 0.0                           # optional absorption lag (oral only)
    # absorption_half_dose_mg = 30.0      # optional saturable absorption (oral only): a dose D
    #                                     #   is absorbed at ka(D) = ka_per_h / (1 + D / this),
    #                                     #   so Cmax rises less than dose while AUC (F) does not
    clearance_L_per_h = 12.0              # elimination clearance (or give half_life_h instead,
                                          #   one-compartment only)
    central_volume_L = 250.0
    peripheral_volume_L = 600.0           # optional: gives a two-compartment model ...
    intercompartmental_clearance_L_per_h = 40.0   # ... and then this is required
    # infusion_h = 0.5                    # iv only: infusion duration (0 = bolus)
    # metabolite = "sirolimus"            # optional active metabolite (a drug in the library)
    # metabolite_fraction = 0.33          # molar fraction of parent clearance forming it
    # blood_binding_capacity_ng_ml = 300  # optional saturable binding in blood cells (FKBP12 in
    # blood_binding_kd_ng_ml = 40         #   erythrocytes): whole blood = C + Bmax C / (Kd + C),
    #                                     #   so whole-blood exposure rises less than dose

    [pk_mouse]                            # optional: the mouse PK the cohort scenarios
    route = "oral"                        #   (aging, neuro) use; fields as in [pk], for a
    parameters = "systemic"               #   30 g mouse, plus female_clearance_ratio (a
    bioavailability = 0.04                #   female's clearance / a male's); sources in
    half_life_h = 5.6                     #   [sources.pk_mouse] (model/species.py)
    ka_per_h = 2.0
    central_volume_L = 0.226
    female_clearance_ratio = 0.5

    [dosing]                              # defaults used when a user gives only the drug
    dose_mg = 2.0
    schedule = "daily"
    loading_dose_mg = 6.0                 # optional
    # conc_nM = 250.0                     # default concentration for schedule "fixed"

    [sources]
    molecular_weight_g_per_mol = "PubChem"
    kd_fkbp12_nM = "Banaszynski 2005 JACS 127:4715"
    # ... one entry per number above, e.g. dose_mg = "Rapamune label" or "assumed"

Schedules (strings): ``daily``, ``bid`` (every 12 h), ``weekly``, ``every_<N>d`` (``every_5d``),
``<N>on_<M>off`` (``5on_2off``: a daily dose on N days, then M days off, repeating),
``continuous`` (constant-rate input of ``dose_mg`` per day) and ``fixed`` (a held concentration
``conc_nM``: no PK at all). Day 0 is hour 0; doses are given from ``start_day`` until before
``stop_day``.
"""

from __future__ import annotations

from mtor_abm.model.calcineurin import (
    calcineurin_inhibition,
)
from mtor_abm.model.dosing import (
    MAX_CONC_NM,
    MAX_DAY,
    MAX_DOSE_MG,
    REGIME_DOMAINS,
    SCHEDULE_FORMS,
    UNTREATED,
    Regime,
    Schedule,
    check_regime,
    default_regime,
    dose_times_h,
    parse_schedule,
    regime_fields,
)
from mtor_abm.model.drugfile import (
    DRUG_FIELD_DOMAINS,
    parse_drug,
)
from mtor_abm.model.druglib import (
    CALCINEURIN_CLASSES,
    CALCINEURIN_FIELDS,
    CALCINEURIN_OPTIONAL_FIELDS,
    DRUG_CLASSES,
    FRB_ANCHORED_CLASSES,
    FRB_FIELDS,
    KINASE_CLASSES,
    KINASE_FIELDS,
    Drug,
    DrugLibrary,
    PKParams,
    Potency,
    definition_sha256,
)
from mtor_abm.model.drugload import (
    load_library,
    user_drug_records,
)
from mtor_abm.model.fkbp12 import (
    FKBP12_CELL_NM,
)
from mtor_abm.model.occupancy import (
    BIVALENT_KINASE_FKBP12_FREE_FOLD,
    target_occupancy,
)

__all__ = (
    "BIVALENT_KINASE_FKBP12_FREE_FOLD",
    "CALCINEURIN_CLASSES",
    "CALCINEURIN_FIELDS",
    "CALCINEURIN_OPTIONAL_FIELDS",
    "DRUG_CLASSES",
    "DRUG_FIELD_DOMAINS",
    "FKBP12_CELL_NM",
    "FRB_ANCHORED_CLASSES",
    "FRB_FIELDS",
    "KINASE_CLASSES",
    "KINASE_FIELDS",
    "MAX_CONC_NM",
    "MAX_DAY",
    "MAX_DOSE_MG",
    "REGIME_DOMAINS",
    "SCHEDULE_FORMS",
    "UNTREATED",
    "Drug",
    "DrugLibrary",
    "PKParams",
    "Potency",
    "Regime",
    "Schedule",
    "calcineurin_inhibition",
    "check_regime",
    "default_regime",
    "definition_sha256",
    "dose_times_h",
    "load_library",
    "parse_drug",
    "parse_schedule",
    "regime_fields",
    "target_occupancy",
    "user_drug_records",
)
