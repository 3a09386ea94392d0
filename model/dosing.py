"""Schedules, dosing regimes and dose times (pure numpy; no Mesa): a schedule string parsed into a
:class:`Schedule`, a :class:`Regime` (drug, dose, schedule, start and stop; optionally a second
drug given with it, ``co_regime``), its check against the drug library, the library's default
regime and the administration times of a regime.
The schedule forms are in the docstring of :mod:`model.pharmacology`.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from mtor_abm.model.domains import Domain
from mtor_abm.model.druglib import Drug, DrugLibrary
from mtor_abm.model.errors import InputError
from mtor_abm.model.species import DIET_PPM_DOMAIN, MOUSE_FOOD_G_PER_DAY, diet_dose_mg_per_day

SCHEDULE_FORMS = (
    "daily, bid, weekly, every_<N>d (e.g. every_5d), <N>on_<M>off (e.g. 5on_2off), "
    "continuous, fixed"
)


#: Physical ceiling of a single dose (10 g; clinical mTOR-inhibitor doses are <= 250 mg), mg.
MAX_DOSE_MG = 1e4
#: Ceiling of a held concentration: 1 mM, above the aqueous solubility of every drug here, nM.
MAX_CONC_NM = 1e6
#: Ceiling of a measured or target whole-blood trough (1 mg/mL; clinical troughs are
#: <= ~400 ng/mL, cyclosporine), ng/mL.
MAX_TROUGH_NG_ML = 1e6
#: Latest treatment start or stop: ten years (the longest run), days.
MAX_DAY = 3650.0


#: Allowed range of every number of a :class:`Regime`.
REGIME_DOMAINS: Mapping[str, Domain] = MappingProxyType(
    {
        "dose_mg": Domain(0.0, MAX_DOSE_MG, "mg"),
        "loading_dose_mg": Domain(0.0, MAX_DOSE_MG, "mg"),
        "conc_nM": Domain(0.0, MAX_CONC_NM, "nM"),
        "start_day": Domain(0.0, MAX_DAY, "days"),
        "stop_day": Domain(0.0, MAX_DAY, "days"),
        "trough_ng_ml": Domain(0.0, MAX_TROUGH_NG_ML, "ng/mL"),
    }
)


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule string.

    ``kind`` is ``interval`` (a dose every ``interval_h``), ``cycle`` (a daily dose on
    ``on_days`` then ``off_days`` without), ``continuous`` or ``fixed``.
    """

    kind: str
    interval_h: float = 0.0
    on_days: int = 0
    off_days: int = 0

    @property
    def period_h(self) -> float:
        """Length (h) after which the schedule repeats (24 h for continuous and fixed)."""
        if self.kind == "interval":
            return self.interval_h
        if self.kind == "cycle":
            return 24.0 * (self.on_days + self.off_days)
        return 24.0

    @property
    def discrete(self) -> bool:
        """True when the schedule gives separate doses (not continuous, not fixed)."""
        return self.kind in ("interval", "cycle")


_NAMED_INTERVALS_H = MappingProxyType({"daily": 24.0, "bid": 12.0, "weekly": 168.0})
_EVERY_RE = re.compile(r"^every_(\d+)d$")
_CYCLE_RE = re.compile(r"^(\d+)on_(\d+)off$")


def parse_schedule(text: str) -> Schedule:
    """Parse a schedule string (see the module docstring); InputError listing the forms if bad."""
    if not isinstance(text, str):
        raise InputError(f"schedule must be a string, got {text!r}; allowed: {SCHEDULE_FORMS}")
    if text in _NAMED_INTERVALS_H:
        return Schedule("interval", interval_h=_NAMED_INTERVALS_H[text])
    if text in ("continuous", "fixed"):
        return Schedule(text)
    every = _EVERY_RE.match(text)
    if every and int(every.group(1)) >= 1:
        return Schedule("interval", interval_h=24.0 * int(every.group(1)))
    cycle = _CYCLE_RE.match(text)
    if cycle and int(cycle.group(1)) >= 1:
        return Schedule("cycle", on_days=int(cycle.group(1)), off_days=int(cycle.group(2)))
    raise InputError(f"schedule {text!r} is unknown; allowed: {SCHEDULE_FORMS}")


@dataclass(frozen=True)
class Regime:
    """A drug given at a dose on a schedule from ``start_day`` until before ``stop_day``.

    Args:
        drug: drug name in the library (``none`` = untreated control).
        dose_mg: dose per administration (mg); for ``continuous``, mg per day.
        schedule: schedule string (see :data:`SCHEDULE_FORMS`).
        start_day: day of the first dose (day 0 = hour 0).
        stop_day: no dose at or after this day (None = never stop).
        conc_nM: held whole-blood-equivalent concentration (nM); only with schedule ``fixed``.
        loading_dose_mg: optional first dose (mg) replacing ``dose_mg`` once (sirolimus-like);
            0 means none (stored as None, as every regime builder and drug file reads 0).
        target_trough_ng_ml: ``(low, high)`` whole-blood trough range, ng/mL, the dose was
            adjusted to (therapeutic drug monitoring, :mod:`model.tdm`); None: a fixed dose.
        dose_steps: the monitoring record, ``((day, trough_ng_ml, dose_mg), ...)`` in day
            order: the trough measured before the dose of ``day`` and the dose given from that
            dose on (the same dose when the trough was in range). Built by
            :func:`model.tdm.titrate`; plain data, so a stored or checkpointed regime gives the
            same doses.
        co_regime: a second drug given with this one (a combination such as tacrolimus +
            low-dose sirolimus): that drug's own one-drug regime (dose, schedule, start and
            stop, trough target and monitoring record); a plain dict of its fields (a JSON
            record) is turned into one. None: this drug alone. Each drug keeps its own PK
            (:class:`~model.pk_state.CombinedPKState`) and the cells see both concentrations at
            once (:func:`~model.pharmacology.target_occupancy`: FKBP12 competition included).
            Two different drugs at most, both dosed (no ``fixed`` held concentration, no
            ``none``); :attr:`parts` lists the one-drug regimes.
        diet_ppm: the drug is eaten in the food at this content, ppm (mg drug per kg food), a
            mouse's diet dose (Harrison 2009 Nature 460:392: 14 ppm); the schedule is then
            ``continuous`` and ``dose_mg`` the mg a mouse eats a day
            (:func:`model.species.diet_dose_mg_per_day`; built by
            :func:`model.regimes.build_regime` with ``diet_ppm``). None: not a diet.

    The constructor checks everything that does not need the drug library; :func:`check_regime`
    checks the rest (the drug exists, a fixed-only drug uses ``fixed``).
    """

    drug: str
    dose_mg: float
    schedule: str
    start_day: float = 0.0
    stop_day: float | None = None
    conc_nM: float | None = None
    loading_dose_mg: float | None = None
    target_trough_ng_ml: tuple[float, float] | None = None
    dose_steps: tuple[tuple[float, float, float], ...] = ()
    co_regime: Regime | None = None
    diet_ppm: float | None = None
    parsed_schedule: Schedule = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.drug, str) or not self.drug:
            raise InputError(f"drug must be a drug name, got {self.drug!r}")
        set_ = object.__setattr__
        set_(self, "parsed_schedule", parse_schedule(self.schedule))
        set_(self, "dose_mg", _regime_number("dose_mg", self.dose_mg))
        set_(self, "start_day", _regime_number("start_day", self.start_day))
        if self.stop_day is not None:
            stop = _regime_number("stop_day", self.stop_day)
            if stop <= self.start_day:
                raise InputError(
                    f"stop_day must be after start_day ({self.start_day:g}), got {stop:g}"
                )
            set_(self, "stop_day", stop)
        fixed = self.parsed_schedule.kind == "fixed"
        if self.conc_nM is not None:
            if not fixed:
                raise InputError(
                    f"conc_nM is only used with schedule 'fixed', got schedule {self.schedule!r}"
                )
            set_(self, "conc_nM", _regime_number("conc_nM", self.conc_nM))
        elif fixed:
            raise InputError("schedule 'fixed' needs conc_nM (--conc), a concentration in nM")
        if self.loading_dose_mg is not None:
            loading = _regime_number("loading_dose_mg", self.loading_dose_mg)
            if loading == 0.0:
                loading = None  # a 0 mg loading dose is none: the first dose is dose_mg
            elif not self.parsed_schedule.discrete:
                raise InputError(
                    f"loading_dose_mg needs a schedule with separate doses, got {self.schedule!r}"
                )
            set_(self, "loading_dose_mg", loading)
        self._check_monitoring(set_)
        if self.co_regime is not None:
            self._check_co_regime(set_)
        if self.diet_ppm is not None:
            self._check_diet(set_)

    def _check_diet(self, set_: Any) -> None:
        """A diet is a continuous input of the mg a mouse eats a day at ``diet_ppm``."""
        ppm = DIET_PPM_DOMAIN.check("diet_ppm (--diet-ppm)", self.diet_ppm)
        if self.parsed_schedule.kind != "continuous":
            raise InputError(
                f"diet_ppm (--diet-ppm) is eaten through the day: it needs schedule "
                f"'continuous', got {self.schedule!r}"
            )
        eaten = diet_dose_mg_per_day(ppm)
        if not math.isclose(self.dose_mg, eaten, rel_tol=1e-9):
            raise InputError(
                f"dose_mg must be what a mouse eats a day at diet_ppm {ppm:g} ({eaten:.4g} mg "
                f"= ppm x {MOUSE_FOOD_G_PER_DAY:g} g food), got {self.dose_mg:g}"
            )
        set_(self, "diet_ppm", ppm)

    def _check_co_regime(self, set_: Any) -> None:
        """Normalise (a dict from JSON) and check ``co_regime``: one more dosed drug."""
        co = self.co_regime
        if isinstance(co, Mapping):
            co = Regime(**co)
        if not isinstance(co, Regime):
            raise InputError(f"co_regime must be a Regime (a second drug), got {co!r:.60}")
        allowed = "allowed: two different drugs, each dosed (not held at a concentration)"
        if co.co_regime is not None:
            raise InputError(f"co_regime: a combination holds two drugs, not more; {allowed}")
        for part in (self, co):
            if part.drug == "none" or part.parsed_schedule.kind == "fixed":
                what = "drug none" if part.drug == "none" else f"schedule {part.schedule!r}"
                raise InputError(
                    f"co_regime: {part.drug} with {what} cannot be part of a combination; {allowed}"
                )
        if co.drug == self.drug:
            raise InputError(f"co_regime: {co.drug} is given twice; {allowed}")
        set_(self, "co_regime", co)

    @property
    def parts(self) -> tuple[Regime, ...]:
        """The one-drug regimes given together: ``(self,)`` for one drug, else this drug's
        regime (without ``co_regime``) and ``co_regime``."""
        if self.co_regime is None:
            return (self,)
        return (dataclasses.replace(self, co_regime=None), self.co_regime)

    @property
    def label(self) -> str:
        """The drugs given, e.g. ``sirolimus``, ``tacrolimus+sirolimus``, ``none``."""
        return "+".join(part.drug for part in self.parts)

    def _check_monitoring(self, set_: Any) -> None:
        """Normalise and check ``target_trough_ng_ml`` and ``dose_steps`` (lists from JSON)."""
        if self.target_trough_ng_ml is not None:
            low, high = (_regime_number("trough_ng_ml", v) for v in _pair(self.target_trough_ng_ml))
            if not 0 < low < high:
                raise InputError(
                    f"target_trough_ng_ml must be a range low-high with 0 < low < high "
                    f"(ng/mL), got {low:g}-{high:g}"
                )
            if not self.parsed_schedule.discrete:
                raise InputError(
                    f"target_trough_ng_ml needs a schedule with separate doses (a trough before "
                    f"each dose), got {self.schedule!r}"
                )
            set_(self, "target_trough_ng_ml", (low, high))
        if not isinstance(self.dose_steps, list | tuple):  # e.g. a damaged record's true
            raise InputError(
                f"dose_steps must be a list of (day, trough_ng_ml, dose_mg), got "
                f"{self.dose_steps!r:.60}"
            )
        steps = []
        for step in self.dose_steps:
            if not isinstance(step, list | tuple) or len(step) != 3:
                raise InputError(
                    f"dose_steps entries are (day, trough_ng_ml, dose_mg), got {step!r}"
                )
            day, trough, dose = step
            steps.append(
                (
                    _regime_number("start_day", day),
                    _regime_number("trough_ng_ml", trough),
                    _regime_number("dose_mg", dose),
                )
            )
        if steps and self.target_trough_ng_ml is None:
            raise InputError("dose_steps come from monitoring: they need target_trough_ng_ml")
        if any(b[0] <= a[0] for a, b in itertools.pairwise(steps)):
            raise InputError(f"dose_steps must be in increasing day order, got {self.dose_steps!r}")
        set_(self, "dose_steps", tuple(steps))

    @property
    def start_h(self) -> float:
        """Hour of the first dose."""
        return 24.0 * self.start_day

    @property
    def stop_h(self) -> float:
        """Hour from which no dose is given (inf if never)."""
        return math.inf if self.stop_day is None else 24.0 * self.stop_day


def _regime_number(name: str, value: Any) -> float:
    return REGIME_DOMAINS[name].check(name, value)


def _pair(value: Any) -> tuple[Any, Any]:
    if isinstance(value, str) or not hasattr(value, "__len__") or len(value) != 2:
        raise InputError(f"target_trough_ng_ml must be (low, high) in ng/mL, got {value!r}")
    return value[0], value[1]


UNTREATED = Regime("none", 0.0, "daily")
"""The untreated control: no drug, so every concentration is zero."""


def regime_fields(regime: Regime) -> dict[str, Any]:
    """A regime's constructor fields as plain data (``Regime(**regime_fields(r)) == r``);
    ``co_regime`` only when set (a one-drug record keeps the fields it always had), as its
    own fields."""
    out = {f.name: getattr(regime, f.name) for f in dataclasses.fields(Regime) if f.init}
    if regime.diet_ppm is None:
        del out["diet_ppm"]  # only a diet records it: older records stay as they were
    if regime.co_regime is None:
        del out["co_regime"]
    else:
        out["co_regime"] = regime_fields(regime.co_regime)
    return out


def check_regime(regime: Regime, library: DrugLibrary) -> Drug:
    """Check a regime against the library and return its drug (InputError if they clash);
    for a combination, every drug is checked and the first one's is returned."""
    if regime.co_regime is not None:
        check_regime(regime.co_regime, library)
    drug = library.drug(regime.drug)
    if drug.fixed_only and regime.parsed_schedule.kind != "fixed":
        raise InputError(
            f"drug {drug.name!r} has no clinical PK; use schedule 'fixed' with a concentration "
            f"(--conc NM), got schedule {regime.schedule!r}"
        )
    return drug


def default_regime(drug_name: str, library: DrugLibrary, start_day: float = 0.0) -> Regime:
    """The library's default regime for a drug (dose, schedule, loading dose or concentration),
    starting on ``start_day``."""
    drug = library.drug(drug_name)
    fixed = parse_schedule(drug.default_schedule).kind == "fixed"
    return Regime(
        drug=drug.name,
        dose_mg=drug.default_dose_mg,
        schedule=drug.default_schedule,
        start_day=start_day,
        conc_nM=drug.default_conc_nM if fixed else None,
        loading_dose_mg=drug.default_loading_dose_mg,
    )


def dose_times_h(regime: Regime, t_from_h: float, t_to_h: float) -> tuple[np.ndarray, np.ndarray]:
    """Administration times (h) in ``[t_from_h, t_to_h)`` and the dose given at each (mg).

    Only schedules with separate doses give doses; ``continuous`` and ``fixed`` give none.
    The first dose (at ``start_day``) is ``loading_dose_mg`` when one is set; from the day of
    each of ``dose_steps`` on, the dose is that step's. One drug's regime only (a
    combination's drugs each have theirs: :attr:`Regime.parts`).
    """
    if regime.co_regime is not None:
        raise ValueError("dose_times_h takes one drug's regime; iterate over regime.parts")
    sched = regime.parsed_schedule
    empty = np.zeros(0)
    if not sched.discrete or t_to_h <= t_from_h:
        return empty, empty
    step_h = sched.interval_h if sched.kind == "interval" else 24.0
    lo = max(0, math.floor((t_from_h - regime.start_h) / step_h) - 1)
    hi = math.ceil((t_to_h - regime.start_h) / step_h) + 1
    if hi < lo:
        return empty, empty
    k = np.arange(lo, hi + 1)
    if sched.kind == "cycle":
        k = k[k % (sched.on_days + sched.off_days) < sched.on_days]
    times = regime.start_h + k * step_h
    keep = (times >= t_from_h) & (times < t_to_h) & (times < regime.stop_h)
    k, times = k[keep], times[keep]
    doses = np.full(times.shape, regime.dose_mg)
    if regime.loading_dose_mg is not None:
        doses[k == 0] = regime.loading_dose_mg
    for day, _trough, dose in regime.dose_steps:
        doses[(times >= 24.0 * day) & (k != 0)] = dose
    return times, doses
