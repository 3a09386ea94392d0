"""The one regime builder: a drug plus what the user gave, the drug's defaults for the rest.

The command line (``mtor-sim run`` / ``pk``), sweep specs, the dashboard's arms and its lessons all
build regimes here, so the same words give the same regime everywhere. A combination (two drugs
given together, ``co_regime``) is built here too: each drug's regime by :func:`build_regime`,
the second passed to the first's as ``co_regime``; :func:`build_regimen` builds a standard
regimen (:mod:`model.regimens`), one drug or two.
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from mtor_abm.model.errors import InputError
from mtor_abm.model.pharmacology import (
    UNTREATED,
    DrugLibrary,
    Regime,
    check_regime,
    default_regime,
    parse_schedule,
)
from mtor_abm.model.pk_state import pk_state
from mtor_abm.model.regimens import get_regimen
from mtor_abm.model.species import Subject, diet_dose_mg_per_day
from mtor_abm.model.tdm import titrate

IN_VITRO_CONC_NM = 10.0
"""A dish's medium concentration of a drug named alone that has none of its own
(``dosing.conc_nM`` in its drug file), nM: sirolimus at 10-20 nM holds S6K phosphorylation
down in cultured cells from 1 h to 24 h (Choo 2008 PNAS 105:17414; the calibration's
signalling targets are at 10 nM)."""


def in_vitro_conc_nM(library: DrugLibrary, drug: str) -> float:
    """The medium concentration, nM, at which a dish holds ``drug`` by default: the drug's own
    (``dosing.conc_nM``, research tools such as torin1) or :data:`IN_VITRO_CONC_NM`."""
    own = library.drug(drug).default_conc_nM
    return IN_VITRO_CONC_NM if own is None else float(own)


def build_regime(
    library: DrugLibrary,
    drug: str = "none",
    *,
    dose_mg: float | None = None,
    schedule: str | None = None,
    loading_dose_mg: float | None = None,
    conc_nM: float | None = None,
    start_day: float | None = None,
    stop_day: float | None = None,
    in_vitro: bool = False,
    target_trough_ng_ml: tuple[float, float] | None = None,
    monitor_until_day: float | None = None,
    co_regime: Regime | None = None,
    diet_ppm: float | None = None,
    species: str = "human",
) -> Regime:
    """The regime of ``drug`` with the given fields and the library's defaults for the rest.

    Args:
        library: the drug library (``drug`` must be in it; ``none`` is the untreated control).
        drug: drug name.
        dose_mg: dose per administration, mg (default: the drug's).
        schedule: dosing schedule (:data:`~model.pharmacology.SCHEDULE_FORMS`; default: the drug's).
        loading_dose_mg: first dose, mg; 0: none (the first dose is ``dose_mg``); default
            (None): :func:`drug_loading_dose`, the drug's own scaled to ``dose_mg`` on the
            drug's schedule, none on another.
        conc_nM: hold this concentration, nM (schedule ``fixed``; research-tool drugs).
        start_day: day of the first dose (None or 0: day 0).
        stop_day: no dose from this day on (None: never stop).
        in_vitro: the regime is for a dish (:attr:`model.scenarios.ScenarioSpec.in_vitro`),
            which has no pharmacokinetics: a drug given with no dose, loading dose or dosing
            schedule is held at :func:`in_vitro_conc_nM` (not the drug's patient regime). A
            dose or schedule given is kept: the medium then follows the blood curve that
            regime gives a patient (:func:`in_vitro_note` says so).
        target_trough_ng_ml: ``(low, high)`` whole-blood trough range, ng/mL: the dose is
            adjusted to it by the label's rule (therapeutic drug monitoring,
            :func:`model.tdm.titrate`; ``dose_mg`` is the starting dose); None: a fixed dose.
        monitor_until_day: with ``target_trough_ng_ml``, the run length, days: troughs are
            measured on the monitoring days before it (required then).
        co_regime: a second drug given with this one, its regime built by this function
            (with its own ``target_trough_ng_ml``: each drug is monitored to its own range);
            in vivo only, both dosed (see :class:`~model.pharmacology.Regime`).
        diet_ppm: the drug in a mouse's food, ppm (mg per kg food): a continuous input of
            what a mouse eats a day (:func:`model.species.diet_dose_mg_per_day`); only for
            ``species`` mouse, and alone (no dose, schedule, loading dose, concentration or
            trough target: the diet sets them).
        species: who is dosed (:attr:`model.scenarios.ScenarioSpec.species`): ``human`` or
            ``mouse`` (a cohort scenario); a diet needs a mouse. A mouse given a drug by name
            alone eats the drug's standard diet (``dosing.mouse_diet_ppm``: sirolimus 14 ppm,
            Harrison 2009), never a patient's dose (InputError for a drug without one).

    Returns the checked :class:`~model.pharmacology.Regime` (``UNTREATED`` for drug ``none``).
    Raises :class:`~model.errors.InputError` naming the field when the combination is invalid
    (an unknown drug, ``conc_nM`` with a dosing schedule, ``stop_day`` not after
    ``start_day``, a clinical schedule for a research-tool drug, ...) or when a given field
    would be ignored: a ``dose_mg``, ``loading_dose_mg`` (0 included) or
    ``target_trough_ng_ml`` with a held concentration (``conc_nM``, or a research-tool drug,
    which is only held), or any field but ``start_day`` with drug ``none`` (the dashboard
    passes its scenario's start day for every arm; the other faces refuse a start day given to
    ``none`` themselves, with :func:`untreated_start_day`). A field is given when it is not
    None: a drug file's default is never passed in, so it never conflicts.
    """
    if isinstance(drug, str) and "+" in drug:
        raise InputError(
            f"drug {drug!r} names two drugs; allowed here: one drug name (see 'mtor-sim "
            "drugs'); a combination is a standard regimen: mtor-sim run --regimen "
            "tacrolimus+sirolimus"
        )
    found = library.drug(drug)
    if co_regime is not None:
        if in_vitro:
            raise InputError(
                "co_regime: a dish (in-vitro scenario) holds one drug in its medium; "
                "allowed: one drug, or run an in-vivo scenario (e.g. transplant)"
            )
        if drug == "none":
            raise InputError(f"co_regime: {co_regime.drug} needs a first drug, not none")
    given = {
        "dose_mg": dose_mg,
        "schedule": schedule,
        "loading_dose_mg": loading_dose_mg,
        "conc_nM": conc_nM,
        "stop_day": stop_day,
        "target_trough_ng_ml": target_trough_ng_ml,
        "monitor_until_day": monitor_until_day,
        "diet_ppm": diet_ppm,
    }
    if drug == "none":
        _refuse_untreated(given)
        return UNTREATED
    if diet_ppm is not None:
        return _diet_regime(library, drug, given, in_vitro, species, start_day, co_regime)
    if target_trough_ng_ml is not None and in_vitro:
        raise InputError(
            "target_trough (--target-trough) monitors a patient's blood: a dish has no "
            "pharmacokinetics; allowed: leave it out, or run an in-vivo scenario"
        )
    dosed = dose_mg is not None or loading_dose_mg is not None or schedule not in (None, "fixed")
    if target_trough_ng_ml is not None and species == "mouse":
        raise InputError(
            "target_trough (--target-trough, --regimen) adjusts a patient's dose to a trough: "
            "a mouse cohort is dosed by diet or per mouse; allowed: --diet-ppm PPM, --dose MG "
            "with --schedule, or --conc NM"
        )
    named_alone = not dosed and conc_nM is None and target_trough_ng_ml is None
    if species == "mouse" and named_alone and found.pk is not None and not in_vitro:
        return _mouse_default(library, drug, given, start_day, co_regime)
    if in_vitro and conc_nM is None and not dosed:
        conc_nM = in_vitro_conc_nM(library, drug)
    if conc_nM is not None or (found.fixed_only and schedule in (None, "fixed")):
        _refuse_doses_when_held(library, drug, given, conc_nM)
    if conc_nM is not None:
        if schedule not in (None, "fixed"):
            raise InputError(
                f"conc_nM (--conc) holds a concentration: it cannot be combined with schedule "
                f"{schedule!r}; allowed: leave the schedule out (held), or a dose without --conc"
            )
        regime = Regime(drug, 0.0, "fixed", conc_nM=conc_nM)
    elif found.fixed_only and schedule in (None, "fixed") and dose_mg is None:
        regime = default_regime(drug, library)
    else:
        base = default_regime(drug, library)
        if species == "mouse" and dose_mg is None and not in_vitro:
            # the drug file's default dose is a patient's (sirolimus 2 mg: 67 mg/kg in a mouse)
            raise InputError(
                f"dose_mg (--dose) is needed to dose a mouse by {schedule or 'loading dose'}: "
                f"{drug}'s default {base.dose_mg:g} mg is a patient's dose; allowed: a dose per "
                "mouse, mg (e.g. 0.06 = 2 mg/kg in a 30 g mouse), a diet in ppm (--diet-ppm), "
                "or a held concentration (--conc)"
            )
        dose = dose_mg if dose_mg is not None else base.dose_mg
        loading = loading_dose_mg
        if loading is None and species != "mouse":  # the label's loading dose is a patient's
            loading = drug_loading_dose(base, dose, schedule or base.schedule)
        regime = Regime(drug, dose, schedule or base.schedule, loading_dose_mg=loading)
    regime = _in_window(regime, start_day, stop_day)
    check_regime(regime, library)
    if target_trough_ng_ml is not None:
        if monitor_until_day is None:
            raise InputError("target_trough needs monitor_until_day, the run length in days")
        regime = titrate(regime, library, target_trough_ng_ml, monitor_until_day)
    elif monitor_until_day is not None:
        raise InputError("monitor_until_day is only used with target_trough_ng_ml")
    if co_regime is not None:
        regime = dataclasses.replace(regime, co_regime=co_regime)
        pk_state(regime, library)  # both drugs have PK, and they share no blood species
    return regime


def check_regime_species(regime: Regime, species: str, scenario: str) -> None:
    """Refuse a diet regime (``diet_ppm``) in a scenario whose subjects are not mice (one-line
    InputError naming the scenario): the diet's mg/day is a mouse's food intake."""
    if regime.diet_ppm is not None and species != "mouse":
        raise InputError(
            f"diet_ppm (--diet-ppm) {regime.diet_ppm:g} feeds a mouse: scenario {scenario!r} "
            f"doses a {species} patient; allowed: a mouse cohort scenario (aging, neuro), or "
            "a dose with a schedule"
        )


#: A regime field's name and its command-line flag, for the one-line refusals.
FLAGS = MappingProxyType(
    {
        "dose_mg": "--dose",
        "schedule": "--schedule",
        "loading_dose_mg": "--loading-dose",
        "conc_nM": "--conc",
        "start_day": "--start-day",
        "stop_day": "--stop-day",
        "target_trough_ng_ml": "--target-trough",
        "monitor_until_day": "--days",
        "diet_ppm": "--diet-ppm",
    }
)


def _mouse_default(
    library: DrugLibrary,
    drug: str,
    given: dict,
    start_day: float | None,
    co_regime: Regime | None,
) -> Regime:
    """A mouse cohort's regime of a drug named alone: its standard diet (``dosing.
    mouse_diet_ppm``), never the patient's clinical dose (mg per patient would be tens of
    mg/kg in a mouse). InputError when the drug has none: the user gives a diet or a dose."""
    found = library.drug(drug)
    found.pk_for(Subject("mouse"))  # InputError when the drug has no mouse PK
    ppm = found.default_mouse_diet_ppm
    if ppm is None:
        raise InputError(
            f"{drug} has no standard mouse diet (dosing.mouse_diet_ppm in its drug file) and "
            "its clinical dose is a patient's; allowed: --diet-ppm PPM, --dose MG (per mouse) "
            "with --schedule, or --conc NM"
        )
    return _diet_regime(
        library, drug, {**given, "diet_ppm": ppm}, False, "mouse", start_day, co_regime
    )


def _diet_regime(
    library: DrugLibrary,
    drug: str,
    given: dict,
    in_vitro: bool,
    species: str,
    start_day: float | None,
    co_regime: Regime | None,
) -> Regime:
    """The regime of a drug eaten in a mouse's food at ``given["diet_ppm"]`` ppm: a continuous
    input of :func:`~model.species.diet_dose_mg_per_day` mg/day (from ``start_day`` to
    ``given["stop_day"]``). InputError naming the field for a dish, a patient, a drug without
    mouse PK, or any other dosing field given with it (the diet sets them)."""
    ppm = given["diet_ppm"]
    shown = f"diet_ppm (--diet-ppm) {ppm:g}" if isinstance(ppm, int | float) else "diet_ppm"
    if in_vitro:
        raise InputError(
            f"{shown} feeds a mouse: a dish (in-vitro scenario) has no food; allowed: --conc NM "
            "in a dish, or --diet-ppm in a mouse cohort scenario (aging, neuro)"
        )
    if species != "mouse":
        raise InputError(
            f"{shown} feeds a mouse: this scenario doses a {species} patient; allowed: "
            "--diet-ppm in a mouse cohort scenario (aging, neuro), or --dose with --schedule"
        )
    for field in ("dose_mg", "schedule", "loading_dose_mg", "conc_nM", "target_trough_ng_ml"):
        value = given[field]
        if value is None or (field == "schedule" and value == "continuous"):
            continue
        raise InputError(
            f"{shown} sets the dose (what a mouse eats a day, eaten through the day): it cannot "
            f"be combined with {_named(field)}; allowed: --diet-ppm alone (with --start-day, "
            f"--stop-day), or {FLAGS[field]} without --diet-ppm"
        )
    if co_regime is not None:
        raise InputError(f"{shown}: a diet holds one drug; allowed: one drug in the food")
    found = library.drug(drug)
    if found.pk is None:
        raise InputError(
            f"{shown}: {drug} has no pharmacokinetics (a research tool, only held at a "
            f"concentration); allowed: --conc NM, or a drug with mouse PK (see 'mtor-sim drugs')"
        )
    found.pk_for(Subject("mouse"))  # InputError when the drug has no mouse PK
    regime = Regime(drug, diet_dose_mg_per_day(ppm), "continuous", diet_ppm=ppm)
    regime = _in_window(regime, start_day, given["stop_day"])
    check_regime(regime, library)
    return regime


def _in_window(regime: Regime, start_day: float | None, stop_day: float | None) -> Regime:
    """``regime`` given from ``start_day`` (None: day 0) until ``stop_day`` (None: never
    stopped); InputError when it would stop before it starts."""
    start = start_day or 0.0
    if not start and stop_day is None:
        return regime
    if stop_day is not None and stop_day <= start:
        raise InputError(
            f"stop_day (--stop-day) must be after start_day ({start:g}), got {stop_day:g}"
        )
    return dataclasses.replace(regime, start_day=start, stop_day=stop_day)


def _named(field: str) -> str:
    """``field`` with its flag, e.g. ``dose_mg (--dose)``."""
    return f"{field} ({FLAGS[field]})"


def _refuse_untreated(given: dict) -> None:
    """InputError for the first field of ``given`` (name -> value, None: not given) that is
    given to drug ``none``: an untreated run has no dose, schedule, concentration or end, so
    the field would be dropped unsaid. (A start day is not refused here: the dashboard passes
    its scenario's for every arm; the command line, sweep specs and the API refuse one given
    to ``none`` themselves.)"""
    for field, value in given.items():
        if value is not None:
            raise InputError(
                f"{_named(field)} needs a drug: drug 'none' is the untreated control, which has "
                f"no {field}; allowed: name a drug (see 'mtor-sim drugs'), or leave {field} out"
            )


def untreated_start_day(start_day: float) -> str:
    """The one-line refusal of a start day given to drug ``none`` (for the faces that refuse
    it; :func:`build_regime` accepts one, see :func:`_refuse_untreated`)."""
    return (
        f"start_day (--start-day) {start_day:g} needs a drug: drug 'none' is the untreated "
        "control, which has no start; allowed: name a drug (see 'mtor-sim drugs'), or leave "
        "start_day out"
    )


def _refuse_doses_when_held(
    library: DrugLibrary, drug: str, given: dict, conc_nM: float | None
) -> None:
    """InputError when a dose, a loading dose or a trough target is given with a held
    concentration (``conc_nM``, or a research-tool drug, which is only ever held): a held
    concentration has no doses, so each would be dropped unsaid. ``given``: the fields as the
    caller gave them (None: not given; a default from the drug file is never given)."""
    for field, what in (
        ("dose_mg", "a dose"),
        ("loading_dose_mg", "a loading dose"),
        ("target_trough_ng_ml", "a dose adjusted to a trough"),
    ):
        value = given[field]
        if value is None:
            continue
        shown = (
            "-".join(f"{v:g}" for v in value) if field == "target_trough_ng_ml" else f"{value:g}"
        )
        flag = FLAGS[field]
        if conc_nM is None:  # a research tool (fixed_only), held at its own concentration
            own = library.drug(drug).default_conc_nM
            raise InputError(
                f"{_named(field)} {shown}: {drug} has no clinical PK (a research tool) and is "
                f"only held at a concentration, so {what} would be ignored; allowed: leave "
                f"{flag} out ({drug} is held at {own:g} nM), or --conc NM"
            )
        raise InputError(
            f"{_named(field)} {shown} cannot be combined with conc_nM (--conc) {conc_nM:g}: "
            f"a held concentration takes no dose, so {what} would be ignored; allowed: "
            f"{flag} without --conc (a dosed regime), or --conc without {flag} (held)"
        )


def build_regimen(
    library: DrugLibrary,
    name: str,
    monitor_until_day: float,
    *,
    start_day: float | None = None,
    stop_day: float | None = None,
) -> Regime:
    """The standard regimen ``name`` (:data:`model.regimens.REGIMENS`) over a run of
    ``monitor_until_day`` days: each drug at its default regimen (dose, schedule, loading dose
    from its drug file) from ``start_day`` to ``stop_day``, dosed to its own trough range
    (:func:`build_regime` per drug; a two-drug regimen as ``co_regime``).

    Raises:
        InputError: unknown name (listing the presets), or what :func:`build_regime` refuses.
    """
    preset = get_regimen(name)
    regimes = [
        build_regime(
            library,
            drug,
            start_day=start_day,
            stop_day=stop_day,
            target_trough_ng_ml=target,
            monitor_until_day=monitor_until_day,
        )
        for drug, target in preset.drug_targets
    ]
    if len(regimes) == 1:
        return regimes[0]
    return dataclasses.replace(regimes[0], co_regime=regimes[1])


def drug_loading_dose(base: Regime, dose_mg: float, schedule: str) -> float | None:
    """The loading dose, mg, a regime of ``dose_mg`` on ``schedule`` takes from the drug's
    default regime ``base`` when none is given (None: no loading dose).

    On the drug's own schedule, its loading dose in the same ratio to the dose: the Rapamune
    label gives sirolimus 6 mg once then 2 mg daily, and up to 15 mg once then 5 mg daily, a
    loading dose three times the daily one either way; at the default dose it is the drug's
    own. On another schedule (weekly, a cycle, ...) none: a loading dose is labelled for one
    regimen, and the user gives one (``loading_dose_mg``) when the new regimen has one.

    Raises:
        InputError: ``schedule`` is not a schedule form.
    """
    if base.loading_dose_mg is None or parse_schedule(schedule) != base.parsed_schedule:
        return None
    return base.loading_dose_mg * dose_mg / base.dose_mg


def loading_dose_note(library: DrugLibrary, regime: Regime) -> str | None:
    """One line saying what became of the drug's own loading dose in ``regime`` when that is
    not the drug's default regime's (None: the drug has none, or the regime keeps it as it
    is), e.g. ``sirolimus: loading dose 15 mg (its 6 mg with 2 mg daily, scaled to 5 mg)``.
    For the command line and run records, so the loading dose never changes unsaid; a
    combination's drugs' notes are joined with ``; ``."""
    if regime.co_regime is not None:
        notes = [loading_dose_note(library, part) for part in regime.parts]
        return "; ".join(n for n in notes if n) or None
    if regime.drug == "none" or regime.diet_ppm is not None:  # a diet has no doses
        return None
    base = default_regime(regime.drug, library)
    own, now = base.loading_dose_mg, regime.loading_dose_mg
    if own is None or regime.parsed_schedule.kind == "fixed" or now == own:
        return None
    labelled = f"its {own:g} mg with {base.dose_mg:g} mg {base.schedule}"
    if now is None:
        if regime.parsed_schedule != base.parsed_schedule:
            why = f"{labelled} belongs to that schedule, not {regime.schedule}"
        else:
            why = f"{labelled}, left out on request"
        return f"{regime.drug}: no loading dose ({why}); --loading-dose sets one"
    if now == drug_loading_dose(base, regime.dose_mg, regime.schedule):
        how = f"{labelled}, scaled to {regime.dose_mg:g} mg"
    else:
        how = f"given; {labelled}"
    return f"{regime.drug}: loading dose {now:g} mg ({how}); --loading-dose 0 for none"


def in_vitro_note(regime: Regime) -> str | None:
    """One line for a dosing regime given to a dish (an in-vitro scenario): the medium
    follows the blood curve the regime gives a patient; None for a held concentration or
    untreated."""
    if regime.drug == "none" or regime.parsed_schedule.kind == "fixed":
        return None
    return (
        f"a dish has no pharmacokinetics: its medium follows the blood curve of "
        f"{describe_regime(regime)} in a patient; --conc NM holds a medium concentration"
    )


def describe_regime(regime: Regime) -> str:
    """The whole regime in words, for every label, header, title and legend.

    Nothing that changes the exposure is left out: the loading dose, the start and stop days,
    e.g. ``sirolimus 2 mg daily after a 6 mg loading dose``, ``torin1 held at 250 nM from day
    3 to day 6``, ``untreated``; a combination is its drugs' descriptions joined by `` + ``.
    """
    if regime.co_regime is not None:
        return " + ".join(describe_regime(part) for part in regime.parts)
    if regime.drug == "none":
        return "untreated"
    if regime.parsed_schedule.kind == "fixed":
        text = f"{regime.drug} held at {regime.conc_nM:g} nM"
    elif regime.diet_ppm is not None:
        text = f"{regime.drug} {regime.diet_ppm:g} ppm in food ({regime.dose_mg:.3g} mg/day)"
    else:
        text = f"{regime.drug} {regime.dose_mg:g} mg {regime.schedule}"
        if regime.loading_dose_mg is not None:
            text += f" after a {regime.loading_dose_mg:g} mg loading dose"
    if regime.start_day:
        text += f" from day {regime.start_day:g}"
    if regime.stop_day is not None:
        text += f" to day {regime.stop_day:g}"
    if regime.target_trough_ng_ml is not None:
        low, high = regime.target_trough_ng_ml
        text += f", dosed to a trough of {low:g}-{high:g} ng/mL"
        changes = [f"{dose:.3g} mg from day {day:g}" for day, _t, dose in _changes(regime)]
        if changes:
            text += " (" + ", ".join(changes) + ")"
    return text


def monitoring_lines(regime: Regime) -> list[str]:
    """One line per monitored drug of ``regime``: its target range and every measured trough
    with the dose given from then on, e.g. ``sirolimus troughs (target 4-8 ng/mL): day 7
    9.61 ng/mL -> 1.25 mg, day 14 5.2 ng/mL -> 1.25 mg``. Empty when no drug is monitored."""
    lines = []
    for part in regime.parts:
        if part.target_trough_ng_ml is None:
            continue
        low, high = part.target_trough_ng_ml
        steps = ", ".join(
            f"day {day:g} {trough:.3g} ng/mL -> {dose:.3g} mg"
            for day, trough, dose in part.dose_steps
        )
        lines.append(
            f"{part.drug} troughs (target {low:g}-{high:g} ng/mL): {steps or 'none measured yet'}"
        )
    return lines


def _changes(regime: Regime) -> list[tuple[float, float, float]]:
    """The monitoring steps that changed the dose."""
    out, dose = [], regime.dose_mg
    for step in regime.dose_steps:
        if step[2] != dose:
            out.append(step)
            dose = step[2]
    return out


def describe_regime_fields(fields: dict) -> str:
    """:func:`describe_regime` of a regime stored as plain data (a summary's ``regime``;
    a combination's ``co_regime`` as its own fields)."""
    return describe_regime(regime_from_fields(fields))


def regime_from_fields(fields: dict) -> Regime:
    """The :class:`~model.pharmacology.Regime` a summary's ``regime`` (plain data) records;
    keys that are not regime fields are ignored."""
    names = {f.name for f in dataclasses.fields(Regime) if f.init}
    kept = {k: v for k, v in fields.items() if k in names}
    if isinstance(kept.get("co_regime"), dict):
        kept["co_regime"] = {k: v for k, v in kept["co_regime"].items() if k in names}
    return Regime(**kept)
