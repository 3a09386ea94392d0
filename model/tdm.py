"""Therapeutic drug monitoring: a dose adjusted to a target whole-blood trough (pure numpy).

The Rapamune (sirolimus) label's rule: measure the trough (the whole-blood level just before a
dose) at set days and, when it is out of the target range, change the maintenance dose to
``new dose = current dose x (target trough / current trough)``, the target being the middle of
the range; a new steady state needs 5-7 days after a change (half-life ~62 h), so the trough is
measured every :data:`CHECK_EVERY_DAYS` days from day :data:`FIRST_CHECK_DAY` of treatment.
A trough in range keeps the dose (Rapamune label, "therapeutic drug monitoring").

Each drug of a combination (``Regime.co_regime``) is monitored on its own, to its own range:
the model has no PK interaction between drugs, so a drug's troughs are those it has alone.

The PK of a regime is deterministic, so the whole monitoring record is computed before a run by
:func:`titrate` and kept in the regime (``Regime.dose_steps``): the doses a run gives depend
only on the troughs measured before them, and a stored or checkpointed regime replays the same
doses, resumed or not.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from types import MappingProxyType

from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import MAX_DOSE_MG, DrugLibrary, Regime, check_regime
from mtor_abm.model.pk_state import PKState

FIRST_CHECK_DAY = 7.0
"""First trough measurement, days after the first dose: steady state needs 5-7 days after a
start or a dose change (Rapamune label)."""

CHECK_EVERY_DAYS = 7.0
"""Days between trough measurements (Rapamune label: 5-7 days to a new steady state)."""


TROUGH_ASSAYS: Mapping[str, str] = MappingProxyType(
    {
        "sirolimus": "Rapamune label: whole-blood trough monitoring, chromatographic or "
        "immunoassay, target ranges in ng/mL",
        "tacrolimus": "Prograf label: whole-blood trough monitoring (immunoassay or LC/MS/MS)",
        "cyclosporine": "Neoral label: whole-blood trough monitoring",
    }
)
"""Drugs whose whole-blood trough is measured in the clinic and dosed to it here (drug name ->
source). Another drug (temsirolimus: IV weekly, not monitored; the kinase inhibitors) has no
assay to dose to. Everolimus is monitored in transplant (Zortress label: troughs 3-8 ng/mL)
but its model absorbs each dose size in its own depot (dose-dependent absorption), so a
dose changed at a resumed run's new monitoring day would change the PK model's layout: not
supported yet."""


def parse_trough_range(text: str) -> tuple[float, float]:
    """``"5-15"`` -> ``(5.0, 15.0)`` ng/mL.

    Raises:
        InputError: not two positive numbers ``low-high`` with ``low < high``.
    """
    parts = text.split("-") if isinstance(text, str) else []
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        low = high = math.nan
    if not (math.isfinite(low) and math.isfinite(high) and 0 < low < high):
        raise InputError(
            f"target_trough (--target-trough) must be a range LOW-HIGH in ng/mL with "
            f"0 < LOW < HIGH (e.g. 5-15), got {text!r}"
        )
    return low, high


def label_new_dose(dose_mg: float, trough_ng_ml: float, target_ng_ml: float) -> float:
    """The Rapamune label's adjustment, mg: ``dose x target / trough``."""
    if trough_ng_ml <= 0:
        raise InputError(f"a trough of {trough_ng_ml:g} ng/mL cannot be scaled to a target")
    return dose_mg * target_ng_ml / trough_ng_ml


def extend_monitoring(regime: Regime, library: DrugLibrary, until_day: float) -> Regime:
    """A monitored ``regime`` (its record made over a shorter run) monitored to ``until_day``:
    :func:`titrate` again from its starting dose. The PK is deterministic, so the record so
    far is reproduced exactly; a record that is not (an edited file) is an InputError.
    Regimes without ``target_trough_ng_ml`` are returned unchanged; each drug of a
    combination is extended on its own (its PK does not depend on the other drug's)."""
    if regime.co_regime is not None:
        first, second = (extend_monitoring(p, library, until_day) for p in regime.parts)
        return dataclasses.replace(first, co_regime=second)
    if regime.target_trough_ng_ml is None:
        return regime
    start = dataclasses.replace(regime, target_trough_ng_ml=None, dose_steps=())
    longer = titrate(start, library, regime.target_trough_ng_ml, until_day)
    if longer.dose_steps[: len(regime.dose_steps)] != regime.dose_steps:
        raise InputError(
            "dose_steps: the recorded trough monitoring is not what the drug's PK gives "
            "(an edited record?); allowed: the record the run made"
        )
    return longer


def monitoring_days(regime: Regime, until_day: float) -> list[float]:
    """Days (from hour 0 of the run) at which the trough is measured, before ``until_day``
    and before the regime stops."""
    stop = until_day if regime.stop_day is None else min(until_day, regime.stop_day)
    days, day = [], regime.start_day + FIRST_CHECK_DAY
    while day < stop:
        days.append(day)
        day += CHECK_EVERY_DAYS
    return days


def titrate(
    regime: Regime, library: DrugLibrary, target_ng_ml: tuple[float, float], until_day: float
) -> Regime:
    """``regime`` dosed to the trough range ``target_ng_ml`` (ng/mL) over ``until_day`` days.

    At each of :func:`monitoring_days` the pre-dose whole-blood level of the drug itself is
    taken from the exact PK of the doses given so far; out of range, the dose from then on is
    :func:`label_new_dose` to the middle of the range. Returns the regime with
    ``target_trough_ng_ml`` and ``dose_steps`` ``((day, trough_ng_ml, dose_mg), ...)``.

    Raises:
        InputError: the drug has no trough assay (:data:`TROUGH_ASSAYS`) or no blood level
            to measure (a held concentration), its schedule has no separate doses, or the
            range needs a dose above :data:`~model.dosing.MAX_DOSE_MG`.
    """
    if regime.co_regime is not None:
        raise InputError(
            "target_trough: a combination is monitored drug by drug; titrate each drug's "
            "regime (Regime.parts) and combine them"
        )
    drug = check_regime(regime, library)
    if drug.name not in TROUGH_ASSAYS:
        raise InputError(
            f"target_trough (--target-trough) needs a drug with a whole-blood trough assay; "
            f"{regime.drug!r} has none; allowed: {', '.join(TROUGH_ASSAYS)}"
        )
    if drug.drug_class == "none" or drug.fixed_only or not regime.parsed_schedule.discrete:
        raise InputError(
            f"target_trough (--target-trough) needs a drug with clinical PK (a whole-blood "
            f"trough to measure) dosed on a schedule with separate doses; {regime.drug!r} on "
            f"{regime.schedule!r} has none"
        )
    low, high = target_ng_ml
    regime = dataclasses.replace(regime, target_trough_ng_ml=(low, high), dose_steps=())
    target = 0.5 * (low + high)
    dose = regime.dose_mg
    for day in monitoring_days(regime, until_day):
        state = PKState.from_regime(regime, library)
        state.advance_to(24.0 * day)
        trough = state.concentrations_ng_ml()[state.species[0]]
        if not low <= trough <= high:
            dose = label_new_dose(dose, trough, target)
            if dose > MAX_DOSE_MG:
                raise InputError(
                    f"target_trough (--target-trough) {low:g}-{high:g} ng/mL of "
                    f"{regime.drug} needs more than {MAX_DOSE_MG:g} mg a dose (trough "
                    f"{trough:.3g} ng/mL on day {day:g}); allowed: a range this drug reaches"
                )
        regime = dataclasses.replace(regime, dose_steps=(*regime.dose_steps, (day, trough, dose)))
    return regime
