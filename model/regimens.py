"""Standard transplant regimens as presets: a drug at its labelled starting regimen, dosed to
the label's whole-blood trough range (therapeutic drug monitoring, :mod:`model.tdm`).

Only one-drug regimens: a :class:`~model.pharmacology.Regime` holds one drug, so the standard
tacrolimus + low-dose sirolimus combination cannot be given yet (it needs two PK states and a
combined exposure in every scenario, checkpoint and record).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from mtor_abm.model.errors import InputError


@dataclass(frozen=True)
class Regimen:
    """A named standard regimen: ``drug`` at its default regimen (dose, schedule, loading
    dose from its drug file) dosed to ``target_trough_ng_ml`` (low, high), ng/mL."""

    name: str
    drug: str
    target_trough_ng_ml: tuple[float, float]
    description: str
    source: str


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
        )
    }
)
"""The presets by name (``mtor-sim run --regimen NAME``)."""


def get_regimen(name: str) -> Regimen:
    """The preset ``name``. Raises InputError listing the presets when it is unknown."""
    if name not in REGIMENS:
        raise InputError(
            f"regimen (--regimen) {name!r} is unknown; allowed: {', '.join(REGIMENS)} "
            f"(tacrolimus + sirolimus together is not available: a regime holds one drug)"
        )
    return REGIMENS[name]
