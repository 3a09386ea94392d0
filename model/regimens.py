"""Standard transplant regimens as presets: each drug at its labelled starting regimen, dosed to
its whole-blood trough range (therapeutic drug monitoring, :mod:`model.tdm`).

One drug (``sirolimus-alone``: CNI-free; ``tacrolimus-alone``) or two given together
(``tacrolimus+sirolimus``: tacrolimus at a lower trough with low-dose sirolimus). A two-drug
preset is one :class:`~model.pharmacology.Regime` with the second drug as ``co_regime``
(:func:`model.regimes.build_regimen`): each drug has its own PK state
(:class:`~model.pk_state.CombinedPKState`) and its own monitoring record, and the cells see both
concentrations in every step (FKBP12 competition and calcineurin inhibition from
:mod:`model.pharmacology`). In-vivo scenarios only: a dish holds one drug.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from mtor_abm.model.errors import InputError


@dataclass(frozen=True)
class Regimen:
    """A named standard regimen: ``drug`` at its default regimen (dose, schedule, loading
    dose from its drug file) dosed to ``target_trough_ng_ml`` (low, high), ng/mL; with
    ``co_drug`` (None: one drug), a second drug given with it at its default regimen, dosed
    to its own ``co_target_trough_ng_ml``."""

    name: str
    drug: str
    target_trough_ng_ml: tuple[float, float]
    description: str
    source: str
    co_drug: str | None = None
    co_target_trough_ng_ml: tuple[float, float] | None = None

    @property
    def drug_targets(self) -> tuple[tuple[str, tuple[float, float]], ...]:
        """``((drug, (low, high) ng/mL), ...)``: every drug with its trough range."""
        first = ((self.drug, self.target_trough_ng_ml),)
        if self.co_drug is None or self.co_target_trough_ng_ml is None:
            return first
        return (*first, (self.co_drug, self.co_target_trough_ng_ml))


REGIMENS: Mapping[str, Regimen] = MappingProxyType(
    {
        r.name: r
        for r in (
            Regimen(
                "sirolimus-alone",
                "sirolimus",
                (5.0, 15.0),
                "sirolimus without a calcineurin inhibitor (CNI-free): 6 mg loading, 2 mg daily, "
                "dosed to a trough of 5-15 ng/mL",
                "Rapamune label (troughs 5-15 ng/mL at 2-5 mg/day; dose x target/trough, "
                "troughs 5-7 days after a change); Stenton 2005 Clin Pharmacokinet 44:769",
            ),
            Regimen(
                "tacrolimus-alone",
                "tacrolimus",
                (4.0, 11.0),
                "tacrolimus 0.1 mg/kg/day in two doses (3.5 mg every 12 h at 70 kg), dosed to "
                "a trough of 4-11 ng/mL",
                "Prograf label: kidney transplant with basiliximab, MMF and corticosteroids, "
                "whole-blood troughs 4-11 ng/mL",
            ),
            Regimen(
                "tacrolimus+sirolimus",
                "tacrolimus",
                (5.0, 10.0),
                "tacrolimus at a lower trough with low-dose sirolimus (kidney): tacrolimus "
                "3.5 mg every 12 h dosed to 5-10 ng/mL, sirolimus 6 mg loading then 2 mg daily "
                "dosed to 4-8 ng/mL; each drug monitored on its own (the trial's tacrolimus "
                "range from month 3, used from day 0 here: one range per drug and run is a "
                "convention of this preset)",
                "Am J Transplant 2004, doi:10.1111/j.1600-6143.2004.00499.x, group I: "
                "sirolimus 4-8 ng/mL plus tacrolimus 8-12 ng/mL for 3 months, 5-10 ng/mL after; "
                "Russ 2003 Transplant Proc 35(3 Suppl):115S (sirolimus 5-10 with tacrolimus "
                "8-12; sirolimus 8-15 with tacrolimus 3-7); starting doses: Rapamune and "
                "Prograf labels. No PK interaction is modelled between the two",
                co_drug="sirolimus",
                co_target_trough_ng_ml=(4.0, 8.0),
            ),
        )
    }
)
"""The presets by name (``mtor-sim run --regimen NAME``)."""


def get_regimen(name: str) -> Regimen:
    """The preset ``name``. Raises InputError listing the presets when it is unknown."""
    if name not in REGIMENS:
        raise InputError(f"regimen (--regimen) {name!r} is unknown; allowed: {', '.join(REGIMENS)}")
    return REGIMENS[name]
