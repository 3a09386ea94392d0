"""The scenario registry: every scenario the CLI, sweeps and dashboard can run.

A scenario registers a :class:`ScenarioSpec`; nothing else in the project lists scenarios, so a
new one appears everywhere once it is added to :data:`SCENARIOS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from mtor_abm.model.errors import InputError
from mtor_abm.model.scenarios.aging import AgingModel, aging_readouts
from mtor_abm.model.scenarios.aging_params import AgingScenario
from mtor_abm.model.scenarios.base import TissueScenario
from mtor_abm.model.scenarios.culture import CultureModel, CultureScenario, culture_readouts
from mtor_abm.model.scenarios.neuro import NeuroModel, NeuroScenario, neuro_readouts
from mtor_abm.model.scenarios.transplant import TransplantModel
from mtor_abm.model.scenarios.transplant_params import TransplantScenario
from mtor_abm.model.scenarios.transplant_readouts import READOUT_NOTES as TRANSPLANT_NOTES
from mtor_abm.model.scenarios.transplant_readouts import transplant_readouts
from mtor_abm.model.scenarios.tumor import TumorModel
from mtor_abm.model.scenarios.tumor_params import DEFAULT_START_DAY, TumorScenario
from mtor_abm.model.scenarios.tumor_readouts import tumor_readouts


@dataclass(frozen=True)
class ScenarioSpec:
    """How to build, run and read out one scenario.

    Attributes:
        name: command-line name.
        description: one line for users.
        scenario_class: typed parameters (a Mesa ``Scenario`` subclass).
        model_class: the model, built as ``model_class(scenario, regime, library)``.
        default_days: run length when ``--days`` is not given, days.
        readouts: ``readouts(model, twin)`` -> the summary readouts; ``twin`` is the untreated
            model on the same seed (None when the run is itself untreated or needs no twin).
        needs_twin: whether readouts compare against an untreated twin.
        default_start_day: treatment start when ``--start-day`` is not given, days (e.g. the
            tumor's "established" day).
        replicates_param: for cohort scenarios, the scenario parameter that ``--replicates``
            sets (e.g. ``organisms``): one run of a cohort rather than one run per seed.
        in_vitro: a dish of cells, not an organism. Its runs have no adverse-effect panel
            (:mod:`model.adverse` scores a patient's whole-body exposure: glucose
            intolerance, hyperlipidaemia, infection risk, wound healing; a dish has none of
            them), and a drug given by name alone is held at a medium concentration
            (:func:`model.regimes.build_regime` with ``in_vitro``) rather than dosed as to a
            patient.
        readout_notes: a few words on what a readout is, keyed by readout name, printed beside
            its value where the name alone could mislead (e.g. a fraction taken at a peak).
        species: who its doses go into (:mod:`model.species`): ``human`` (a patient; every
            drug's ``[pk]``) or ``mouse`` (the cohorts: the drugs' ``[pk_mouse]``, the sex a
            scenario parameter; a diet dose, ``--diet-ppm``, needs a mouse).

    A scenario's own figures are registered on the visualization side
    (``visualization.scenario_figures.SCENARIO_FIGURES``, keyed by name): the model knows no
    plotting.
    """

    name: str
    description: str
    scenario_class: type[TissueScenario]
    model_class: type
    default_days: float
    readouts: Callable
    needs_twin: bool = False
    default_start_day: float = 0.0
    replicates_param: str | None = None
    in_vitro: bool = False
    readout_notes: Mapping[str, str] = MappingProxyType({})
    species: str = "human"


SCENARIOS: Mapping[str, ScenarioSpec] = MappingProxyType(
    {
        "culture": ScenarioSpec(
            name="culture",
            description="in-vitro monolayer in a dish under a held medium concentration (a dose "
            "replays a patient's blood curve); no adverse panel",
            scenario_class=CultureScenario,
            model_class=CultureModel,
            default_days=3.0,
            readouts=culture_readouts,
            needs_twin=True,
            in_vitro=True,
        ),
        "aging": ScenarioSpec(
            name="aging",
            description="cohort of small tissues over a mouse lifespan: damage, senescence, "
            "stem cells; lifespans; mouse PK (14 ppm diet rapamycin: --drug sirolimus "
            "--diet-ppm 14)",
            scenario_class=AgingScenario,
            model_class=AgingModel,
            default_days=1500.0,
            readouts=aging_readouts,
            needs_twin=True,
            replicates_param="organisms",
            species="mouse",
        ),
        "neuro": ScenarioSpec(
            name="neuro",
            description="cohort of neuron patches making an aggregation-prone protein cleared "
            "by autophagy; mouse PK",
            scenario_class=NeuroScenario,
            model_class=NeuroModel,
            default_days=365.0,
            readouts=neuro_readouts,
            replicates_param="organisms",
            species="mouse",
        ),
        "transplant": ScenarioSpec(
            name="transplant",
            description="donor graft in host tissue, alloreactive T-cells, optional infection "
            "and wound",
            scenario_class=TransplantScenario,
            model_class=TransplantModel,
            default_days=30.0,
            readouts=transplant_readouts,
            readout_notes=TRANSPLANT_NOTES,
        ),
        "tumor": ScenarioSpec(
            name="tumor",
            description="2D tissue slice around a growing tumor fed by vessels: hypoxia, "
            "necrosis, VEGF-driven angiogenesis; RECIST-like response",
            scenario_class=TumorScenario,
            model_class=TumorModel,
            default_days=60.0,
            readouts=tumor_readouts,
            default_start_day=DEFAULT_START_DAY,
        ),
    }
)


def get_scenario(name: str) -> ScenarioSpec:
    """The registered scenario ``name`` or a one-line :class:`InputError`."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise InputError(f"unknown scenario '{name}'; allowed: {', '.join(SCENARIOS)}") from None


IN_VITRO_PANEL = "not applicable in vitro"
"""What outputs say in place of an in-vitro run's adverse-effect panel
(:attr:`ScenarioSpec.in_vitro`); its JSON summary has ``"adverse": null``."""
