"""One browser session's runs: the arms' models, built on one seed, stepped in lockstep.

Nothing here is module-level state: the page creates a :class:`Run` per session (and a new one
on reset), so two visitors never share a model.
"""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from mtor_abm.model.adverse import adverse_panel
from mtor_abm.model.domains import MAX_SEED, check_seed
from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import REGIME_DOMAINS, DrugLibrary, Regime, load_library
from mtor_abm.model.regimes import build_regime, describe_regime, in_vitro_conc_nM
from mtor_abm.model.scenarios import SCENARIOS, get_scenario
from mtor_abm.model.scenarios.base import defaults, parse_overrides
from mtor_abm.model.species import HUMAN, Subject

MAX_ARMS = 4
MAX_REPLICATES = 8
#: Schedules offered in the menus (any form of ``model.pharmacology.SCHEDULE_FORMS`` works).
SCHEDULES = ("daily", "bid", "weekly", "every_2d", "every_3d", "5on_2off", "continuous", "fixed")


@dataclass(frozen=True)
class ArmSpec:
    """One arm of a run: a label and a regime (None fields take the drug's defaults).

    Args:
        label: name shown above the arm's tissue and in the legend.
        drug: drug name in the library (``none`` = untreated).
        dose_mg: dose per administration, mg.
        schedule: dosing schedule (``daily``, ``weekly``, ``fixed`` ...).
        start_day: treatment start, days (None: the scenario's default).
        conc_nM: held concentration, nM (schedule ``fixed``; research-tool drugs).
        loading_dose_mg: first dose, mg, as the visitor typed it (0: none; None: the drug's
            own loading dose scaled to the dose on the drug's schedule, none on another: the
            rule of :func:`model.regimes.build_regime`, as ``mtor-sim run --dose``).

    A number field may hold the text a visitor typed that is no number: the page shows it in
    the field, and :func:`make_regime` refuses it naming the field.
    """

    label: str
    drug: str = "none"
    dose_mg: float | None = None
    schedule: str | None = None
    start_day: float | None = None
    conc_nM: float | None = None
    loading_dose_mg: float | None = None


SCENARIO_REGIMES = MappingProxyType(
    {
        ("aging", "sirolimus"): MappingProxyType({"schedule": "fixed", "conc_nM": 4.4}),
        ("neuro", "sirolimus"): MappingProxyType({"schedule": "fixed", "conc_nM": 4.4}),
    }
)
"""A drug's default regime in a scenario when the drug's own default (a human clinical dose)
does not fit: the mouse lifespan studies fed rapamycin at 14 ppm, ~4 ng/mL in blood = 4.4 nM
held (Harrison 2009 Nature 460:392; Miller 2011 J Gerontol A 66:191)."""
_REGIME_FIELDS = ("dose_mg", "schedule", "conc_nM", "loading_dose_mg")


def scenario_arm(label: str, drug: str, scenario: str, start_day: float | None = None) -> ArmSpec:
    """A new arm of ``drug`` (a drug picked in a menu, an added arm, a default arm) with the
    scenario's default regime for it (:data:`SCENARIO_REGIMES`); in an in-vitro scenario
    (:attr:`model.scenarios.ScenarioSpec.in_vitro`, a dish with no PK) the drug held at its
    medium concentration (:func:`model.regimes.in_vitro_conc_nM`); else the drug's own."""
    fields = SCENARIO_REGIMES.get((scenario, drug), {})
    if not fields and drug != "none" and get_scenario(scenario).in_vitro:
        fields = {"schedule": "fixed"}  # make_regime holds it at in_vitro_conc_nM
    return ArmSpec(label, drug, start_day=start_day, **fields)


def with_scenario_default(arm: ArmSpec, scenario: str) -> ArmSpec:
    """``arm`` as :func:`scenario_arm` gives it when it sets no regime field of its own (dose,
    schedule, held concentration, loading dose: a link's ``label|drug||||`` arm); else as is."""
    if any(getattr(arm, name) is not None for name in _REGIME_FIELDS):
        return arm
    return scenario_arm(arm.label, arm.drug, scenario, arm.start_day)


COMPARE_DEFAULT = ("none", "sirolimus", "torin1")
"""The drugs of the Compare view's first arms."""


def compare_default(scenario: str) -> list[ArmSpec]:
    """The Compare view's first arms in ``scenario``: :data:`COMPARE_DEFAULT`, each with the
    scenario's default regime (:func:`scenario_arm`)."""
    return [scenario_arm(d if d != "none" else "untreated", d, scenario) for d in COMPARE_DEFAULT]


def make_regime(arm: ArmSpec, scenario: str | None, library: DrugLibrary) -> Regime:
    """The arm's regime (:func:`model.regimes.build_regime`), with the menus' choices mapped
    to its fields: schedule ``fixed`` holds the drug's default concentration unless one is
    set, and a research-tool drug is always held; ``start_day`` None takes the scenario's.
    In an in-vitro scenario an arm with no regime field is held too (``build_regime``'s
    ``in_vitro``); a cohort of mice is dosed as a mouse (``species``: no patient's default or
    loading dose). A number field holding text (what a visitor typed that is no number) is an
    InputError naming the field (``dose_mg must be a number in [0, 10000] mg, got 'abc'``)."""
    for name in ("dose_mg", "loading_dose_mg", "start_day", "conc_nM"):
        value = getattr(arm, name)
        if value is not None:  # a field's text that is no number: refused by its domain
            REGIME_DOMAINS[name].check(name, value)
    drug = library.drug(arm.drug)
    schedule, conc = arm.schedule, arm.conc_nM
    if schedule == "fixed" and conc is None:
        conc = in_vitro_conc_nM(library, arm.drug)
    if schedule != "fixed" and not drug.fixed_only:
        conc = None
    if drug.fixed_only:
        schedule, conc = "fixed", conc if conc is not None else drug.default_conc_nM
    start = arm.start_day
    if start is None:
        start = get_scenario(scenario).default_start_day
    held = schedule == "fixed" or conc is not None
    return build_regime(
        library,
        arm.drug,
        dose_mg=None if held else arm.dose_mg,
        schedule=None if conc is not None else schedule,
        loading_dose_mg=None if held else arm.loading_dose_mg,
        conc_nM=conc,
        start_day=start,
        in_vitro=scenario is not None and get_scenario(scenario).in_vitro,
        species=get_scenario(scenario).species if scenario is not None else "human",
    )


def needs_hidden_twin(scenario: str, arm_specs) -> bool:
    """Whether a run needs untreated twins stepped along (readouts against untreated growth,
    a treated arm and no untreated arm)."""
    drugs = [a.drug for a in arm_specs]
    return get_scenario(scenario).needs_twin and "none" not in drugs and bool(drugs)


def models_of(scenario: str, arm_specs, replicates: int = 1) -> int:
    """How many models a run builds: every arm on every replicate seed, plus hidden twins."""
    twins = 1 if needs_hidden_twin(scenario, arm_specs) else 0
    return (len(arm_specs) + twins) * int(replicates)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters a spreadsheet reads as a formula (OWASP "CSV injection")."""


def spreadsheet_text(text: str) -> str:
    """``text`` as a CSV cell a spreadsheet shows literally: a leading ``'`` where the text would
    start a formula (a lesson's arm label ``=HYPERLINK(...)`` would otherwise be live in Excel)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def untreated_baseline_h(arms) -> float | None:
    """The hour an untreated arm's response is measured from: the treatment start of the
    regime it is compared with (the first treated arm's), so both arms' relative size and
    RECIST response start on the same day (a tumor model alone takes day 14 for untreated,
    whatever the treated arm's start). None when no arm is treated."""
    treated = [a.regime for a in arms if a.regime.drug != "none"]
    return treated[0].start_h if treated else None


@dataclass
class Arm:
    """A built arm: its spec, regime and live models (one per replicate seed).

    ``model`` is the first replicate, the one the page draws; the others only count.
    """

    spec: ArmSpec
    regime: Regime
    replicates: list[Any]

    @property
    def model(self) -> Any:
        """The replicate shown in the page (seed = the run's seed)."""
        return self.replicates[0]


@dataclass
class Run:
    """Two to four arms (or one) of a scenario on the same seed, stepped together.

    Args:
        scenario: registered scenario name.
        arms: the arms' specs (1 to :data:`MAX_ARMS`).
        params: scenario parameter overrides (strings or typed values; validated here).
        seed: random seed shared by every arm (same initial tissue in each).
        library: drug library (default: the packaged one).
        replicates: models per arm on seeds ``seed, seed + 1, ...`` (1 to
            :data:`MAX_REPLICATES`); replicate ``i`` of every arm starts from the same tissue
            (paired comparison), and readouts are reported as mean and spread over them.
    """

    scenario: str
    arm_specs: list[ArmSpec]
    params: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    library: DrugLibrary | None = None
    replicates: int = 1
    arms: list[Arm] = field(init=False)
    untreated_baseline_h: float | None = field(init=False, default=None)
    horizon_h: float = field(init=False, default=0.0)
    twins: list[Any] = field(init=False, repr=False)
    lock: threading.RLock = field(init=False, repr=False)
    _adverse: dict = field(init=False, repr=False, default_factory=dict)
    _adverse_lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        spec = get_scenario(self.scenario)
        if not 1 <= len(self.arm_specs) <= MAX_ARMS:
            raise InputError(f"a run has 1 to {MAX_ARMS} arms, got {len(self.arm_specs)}")
        self.seed = check_seed(self.seed)
        if not 1 <= int(self.replicates) <= MAX_REPLICATES:
            raise InputError(
                f"replicates must be 1 to {MAX_REPLICATES} seeds per arm, got {self.replicates!r}"
            )
        if self.seed + int(self.replicates) - 1 > MAX_SEED:  # replicate i runs seed + i
            raise InputError(
                f"seed must leave room for {self.replicates} replicate seeds below 2**63, "
                f"got {self.seed}"
            )
        self.library = self.library or load_library()
        self.horizon_h = 24.0 * spec.default_days  # Play stops here; run_on moves it
        self.params = parse_overrides(spec.scenario_class, self.params)
        self.lock = threading.RLock()  # held by steps and by every read of the models
        self.arms = []
        for arm in self.arm_specs:
            regime = make_regime(arm, self.scenario, self.library)
            models = [
                spec.model_class(
                    spec.scenario_class(rng=int(self.seed) + i, **self.params), regime, self.library
                )
                for i in range(int(self.replicates))
            ]
            self.arms.append(Arm(arm, regime, models))
        self.untreated_baseline_h = untreated_baseline_h(self.arms)
        if self.untreated_baseline_h is not None:
            for arm in self.arms:
                for model in arm.replicates if arm.regime.drug == "none" else ():
                    if hasattr(model, "baseline_h"):  # tumor: RECIST from this hour
                        model.baseline_h = self.untreated_baseline_h
        # readouts against an untreated twin (growth inhibition ...) need one on every seed:
        # without an untreated arm, a hidden one is stepped along (never drawn)
        self.twins = []
        if needs_hidden_twin(self.scenario, self.arm_specs):
            untreated = make_regime(ArmSpec("untreated twin"), self.scenario, self.library)
            self.twins = [
                spec.model_class(
                    spec.scenario_class(rng=int(self.seed) + i, **self.params),
                    untreated,
                    self.library,
                )
                for i in range(int(self.replicates))
            ]

    @property
    def spec(self):
        """The scenario's registry entry."""
        return SCENARIOS[self.scenario]

    @property
    def models(self) -> list:
        """The arms' models, in arm order."""
        return [a.model for a in self.arms]

    @property
    def hours(self) -> float:
        """Tissue time of the run, h (every arm is at the same time)."""
        return float(self.arms[0].model.hours)

    @property
    def dt_h(self) -> float:
        """Hours per step."""
        return float(self.arms[0].model.dt_h)

    @property
    def subject(self) -> Subject:
        """Whose PK the arms' doses go through: a cohort's mice (their sex), else a patient
        (the models' own, so the PK curve and the adverse panel show what the cells see)."""
        return getattr(self.arms[0].model, "subject", HUMAN) if self.arms else HUMAN

    @property
    def setup(self) -> dict[str, Any]:
        """Every scenario parameter of the run, defaults included (what it set up: a wound,
        an infection ...)."""
        return {**defaults(self.spec.scenario_class), **self.params}

    def run_on(self, days: float) -> None:
        """Move the run's horizon (where Play stops, what captions and the adverse panel
        cover) ``days`` further, days > 0 (the page's "Run on" button at the end)."""
        if not days > 0:
            raise InputError(f"days to run on must be > 0, got {days!r}")
        self.horizon_h += 24.0 * days

    def step(self, n: int = 1) -> None:
        """Advance every arm by ``n`` steps (lockstep)."""
        with self.lock:
            for _ in range(int(n)):
                for arm in self.arms:
                    for model in arm.replicates:
                        model.step()
                for model in self.twins:
                    model.step()

    def timeseries(self) -> list[dict[str, list[float]]]:
        """Each arm's recorded readouts of its shown replicate (columns, with ``time_h``)."""
        with self.lock:
            return [a.model.timeseries() for a in self.arms]

    def replicate_timeseries(self) -> list[list[dict[str, list[float]]]]:
        """Per arm, per replicate: the recorded readouts (columns, with ``time_h``)."""
        with self.lock:
            return [[m.timeseries() for m in a.replicates] for a in self.arms]

    def readouts(self) -> list[dict[str, Any]]:
        """Each arm's summary readouts of its shown replicate (see :meth:`replicate_readouts`)."""
        return [reps[0] for reps in self.replicate_readouts()]

    def replicate_readouts(self) -> list[list[dict[str, Any]]]:
        """Per arm, per replicate: the scenario's summary readouts.

        A treated replicate's untreated twin is replicate ``i`` of the run's first untreated
        arm (same seed), or of the hidden twins stepped along when no arm is untreated. A
        readout that cannot be computed yet (too early) is left out.
        """
        spec = self.spec
        twin_arm = self._untreated_arm()
        twins = twin_arm.replicates if twin_arm is not None else self.twins
        out = []
        with self.lock:
            for arm in self.arms:
                reps = []
                for i, model in enumerate(arm.replicates):
                    series = model.timeseries()
                    other = None
                    if spec.needs_twin and arm.regime.drug != "none" and twins:
                        other = twins[i]
                    try:
                        reps.append(dict(spec.readouts(model, other, series)))
                    except Exception:  # a readout that needs more time or a twin
                        reps.append({})
                out.append(reps)
        return out

    def adverse_panels(self, days: float) -> list[dict[str, float]]:
        """Each arm's adverse-effect panel over ``days`` (:func:`model.adverse.adverse_panel`,
        as in ``mtor-sim run``; 1.0 = untreated, higher is worse).

        The panel depends on the regime and the run's length only (no seed), so it is computed
        once per regime and kept; it does not touch the models (no ``lock`` held: playback
        goes on while a long panel is computed).

        Raises:
            ValueError: the scenario is in vitro (:attr:`model.scenarios.ScenarioSpec.in_vitro`):
                a dish has no patient, so no panel (the page says it does not apply).
        """
        if self.spec.in_vitro:
            raise ValueError(f"{self.scenario} is in vitro: it has no adverse-effect panel")
        out = []
        for arm in self.arms:
            key = (arm.regime, float(days))
            with self._adverse_lock:
                panel = self._adverse.get(key)
            if panel is None:
                panel = adverse_panel(arm.regime, float(days), self.library, subject=self.subject)
                with self._adverse_lock:
                    self._adverse[key] = panel
            out.append(dict(panel))
        return out

    def has_adverse_panels(self, days: float) -> bool:
        """Whether every arm's panel over ``days`` is already computed (reading it is free)."""
        with self._adverse_lock:
            return all((arm.regime, float(days)) in self._adverse for arm in self.arms)

    def _untreated_arm(self) -> Arm | None:
        return next((a for a in self.arms if a.regime.drug == "none"), None)

    def to_csv(self) -> str:
        """Every arm's timeseries as one long CSV table (``arm, drug, regime, <columns>``)."""
        series = self.timeseries()
        columns: list[str] = []
        for s in series:
            columns += [c for c in s if c not in columns]
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["scenario", "seed", "arm", "regime", *columns])
        for arm, s in zip(self.arms, series, strict=True):
            n = len(s.get("time_h", []))
            for i in range(n):
                row = [s[c][i] if c in s else "" for c in columns]
                label = spreadsheet_text(arm.spec.label)
                writer.writerow(
                    [self.scenario, self.seed, label, describe_regime(arm.regime), *row]
                )
        return buf.getvalue()
