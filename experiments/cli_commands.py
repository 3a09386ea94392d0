"""The handlers of ``mtor-sim scenarios``, ``drugs``, ``pathway`` and ``pk`` (what they print)."""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np

from mtor_abm.experiments import cli_help
from mtor_abm.experiments.cli_parser import parse_sets
from mtor_abm.model.errors import InputError

EXIT_OK = 0


def make_regime(
    args,
    library,
    in_vitro: bool = False,
    monitor_days: float | None = None,
    notes: list[str] | None = None,
    species: str = "human",
):
    """The regime of ``run`` / ``pk`` arguments (:func:`model.regimes.build_regime`); what
    became of the drug's own loading dose, when it is not the default's, goes to stderr as a
    ``note:`` line (:func:`model.regimes.loading_dose_note`). ``in_vitro``: for a dish (the
    scenario's :attr:`~model.scenarios.ScenarioSpec.in_vitro`): a drug named alone is held
    at its medium concentration, and a dosing regime gets a ``note:`` line saying the medium
    follows a patient's blood curve (:func:`model.regimes.in_vitro_note`). ``monitor_days``:
    the run length, days, over which ``--target-trough`` adjusts the dose
    (:func:`model.tdm.titrate`). ``notes``: a list the ``note:`` lines are appended to instead
    of printed, for a caller that prints them only once every check has passed (a failing
    command prints one ``error:`` line and nothing else). ``species``: who is dosed (the
    scenario's :attr:`~model.scenarios.ScenarioSpec.species`; ``--diet-ppm`` needs a mouse)."""
    from mtor_abm.model.regimes import build_regime, in_vitro_note, loading_dose_note
    from mtor_abm.model.tdm import parse_trough_range

    target = getattr(args, "target_trough", None)
    co_regime = None
    co_drug = getattr(args, "co_drug", None)
    if in_vitro and getattr(args, "regimen", None) is not None:
        raise InputError(
            f"--regimen {args.regimen} doses to a trough in a patient's blood: a dish "
            "(in-vitro scenario) has no pharmacokinetics; allowed: an in-vivo scenario (e.g. "
            "transplant), or --drug with --conc in a dish"
        )
    if co_drug is not None:  # a two-drug --regimen (apply_regimen)
        co_regime = build_regime(
            library,
            co_drug,
            start_day=getattr(args, "start_day", None),
            stop_day=getattr(args, "stop_day", None),
            target_trough_ng_ml=parse_trough_range(args.co_target_trough),
            monitor_until_day=monitor_days,
        )
    regime = build_regime(
        library,
        args.drug,
        dose_mg=args.dose,
        schedule=args.schedule,
        loading_dose_mg=args.loading_dose,
        conc_nM=getattr(args, "conc", None),
        start_day=getattr(args, "start_day", None),
        stop_day=getattr(args, "stop_day", None),
        in_vitro=in_vitro,
        target_trough_ng_ml=None if target is None else parse_trough_range(target),
        monitor_until_day=None if target is None else monitor_days,
        co_regime=co_regime,
        diet_ppm=getattr(args, "diet_ppm", None),
        species=species,
    )
    lines = [loading_dose_note(library, regime), in_vitro_note(regime) if in_vitro else None]
    lines = [f"note: {line}" for line in lines if line]
    if notes is not None:
        notes.extend(lines)
    for line in lines if notes is None else ():
        print(line, file=sys.stderr)
    return regime


def apply_regimen(args) -> None:
    """Fill ``--drug`` and ``--target-trough`` of ``run`` arguments from ``--regimen NAME``
    (:data:`model.regimens.REGIMENS`); InputError when they are also given otherwise. A
    two-drug regimen also sets ``args.co_drug`` and ``args.co_target_trough`` (the second
    drug, built by :func:`make_regime` as ``co_regime``) and refuses ``--dose``,
    ``--schedule`` and ``--loading-dose`` (which drug's would they be?)."""
    name = getattr(args, "regimen", None)
    if name is None:
        return
    from mtor_abm.model.regimens import get_regimen

    preset = get_regimen(name)
    if args.drug not in ("none", preset.drug):
        raise InputError(
            f"--regimen {name} gives {preset.drug}; it cannot be combined with --drug "
            f"{args.drug} (leave --drug out)"
        )
    if args.target_trough is not None or getattr(args, "conc", None) is not None:
        flag = "--target-trough" if args.target_trough is not None else "--conc"
        allowed = "--start-day, --stop-day"
        if preset.co_drug is None:
            allowed = "--dose (the starting dose), --schedule, --loading-dose, " + allowed
        raise InputError(
            f"--regimen {name} sets its own trough range; it cannot be combined with {flag}; "
            f"allowed with it: {allowed}"
        )
    low, high = preset.target_trough_ng_ml
    args.drug, args.target_trough = preset.drug, f"{low:g}-{high:g}"
    args.co_drug = args.co_target_trough = None
    if preset.co_drug is not None:
        for name_ in ("dose", "schedule", "loading_dose"):
            if getattr(args, name_, None) is not None:
                flag = "--" + name_.replace("_", "-")
                raise InputError(
                    f"{flag}: --regimen {name} gives {preset.drug} and {preset.co_drug}, each "
                    f"at its labelled starting dose and schedule; allowed with it: "
                    f"--start-day, --stop-day"
                )
        co_low, co_high = preset.co_target_trough_ng_ml
        args.co_drug, args.co_target_trough = preset.co_drug, f"{co_low:g}-{co_high:g}"


def cmd_scenarios(args) -> int:
    from mtor_abm.model.scenarios import SCENARIOS

    data = {
        name: {
            "description": spec.description,
            "default_days": spec.default_days,
            "parameters": {
                k: {
                    "default": getattr(spec.scenario_class, k),
                    "unit": v.unit,
                    "help": v.help,
                    **cli_help.allowed_values(v, getattr(spec.scenario_class, k)),
                }
                for k, v in spec.scenario_class.PARAMETERS.items()
            },
        }
        for name, spec in SCENARIOS.items()
    }
    if args.json:
        print_json(data)
        return EXIT_OK
    for name, info in data.items():
        print(f"{name}: {info['description']} (default {info['default_days']:g} days)")
        for k, v in info["parameters"].items():
            print("  " + cli_help.parameter_line(k, v))
    return EXIT_OK


def cmd_drugs(args) -> int:
    from mtor_abm.model.pharmacology import load_library
    from mtor_abm.model.pk_compartments import build_model, terminal_half_life_h
    from mtor_abm.model.species import SEXES, Subject

    library = load_library(args.drug_file or ())
    data = {}
    for name, drug in library.items():
        half_life = None
        if drug.pk is not None:
            half_life = terminal_half_life_h(build_model(drug, library), name)
        mouse = None  # the mouse set the cohort scenarios use, by sex
        if "mouse" in drug.species_pk:
            mouse = {}
            for sex in SEXES:
                subject = Subject("mouse", sex)
                pk = drug.pk_for(subject)
                mouse[sex] = {
                    "half_life_h": terminal_half_life_h(
                        build_model(drug, library, subject=subject), name
                    ),
                    "clearance_L_per_h": pk.clearance_L_per_h,
                    "bioavailability": pk.bioavailability,
                }
        data[name] = {
            "class": drug.drug_class,
            "description": drug.description,
            "molecular_weight_g_per_mol": drug.molecular_weight_g_per_mol,
            "potency": {k: v for k, v in vars(drug.potency).items() if v is not None},
            "half_life_h": half_life,
            "default_dose_mg": drug.default_dose_mg,
            "default_schedule": drug.default_schedule,
            "mouse_pk": mouse,
            "sources": dict(drug.sources),
        }
    if args.json:
        print_json(data)
        return EXIT_OK
    rows = []
    for name, info in data.items():
        hl = f"t1/2 {info['half_life_h']:.0f} h" if info["half_life_h"] else "no clinical PK"
        dose = info["default_dose_mg"]
        regime = f"{dose:g} mg {info['default_schedule']}" if dose else info["default_schedule"]
        rows.append((name, info["class"], hl, regime or "-", info["description"]))
    print("\n".join(aligned(rows)))
    mice = [(n, i["mouse_pk"]) for n, i in data.items() if i["mouse_pk"]]
    if mice:
        print("\nmouse PK (aging and neuro cohorts; --diet-ppm, --set sex=female):")
        for name, sets in mice:
            male, female = sets["male"], sets["female"]
            print(
                f"  {name}: t1/2 {male['half_life_h']:.3g} h (male), "
                f"{female['half_life_h']:.3g} h (female); F {male['bioavailability']:g}"
            )
    from mtor_abm.experiments.cli_help import regimen_lines

    print("\nstandard regimens (mtor-sim run --regimen NAME):")
    print("\n".join(regimen_lines()))
    return EXIT_OK


def cmd_pathway(args) -> int:
    from mtor_abm.experiments.progress import reporter
    from mtor_abm.model.pathway import simulate_pathway
    from mtor_abm.model.pharmacology import load_library

    overrides = {}
    for k, v in parse_sets(args.set).items():
        try:
            overrides[k] = float(v)
        except ValueError:
            raise InputError(f"--set {k} must be a number, got {v!r}") from None
    with reporter(f"pathway {args.drug}", "sample") as report:
        result = simulate_pathway(
            args.drug,
            args.conc,
            args.hours,
            args.cell_type,
            overrides,
            library=load_library(args.drug_file or ()),
            progress=report,
        )
    if args.json:
        print_json(result)
        return EXIT_OK
    keys = [k for k in result if k not in ("drug", "conc_nM", "cell_type", "times_h")]
    print(f"{args.drug} {args.conc:g} nM on {args.cell_type} (1.0 = untreated at the same time)")
    print("hour " + " ".join(f"{k:>13s}" for k in keys))
    for i, t in enumerate(result["times_h"]):
        if t in (0, 1, 2, 3, 6, 12) or t % 24 == 0 or i == len(result["times_h"]) - 1:
            cells = (result[k][i] for k in keys)
            print(
                f"{t:4g} " + " ".join(f"{'-':>13s}" if v is None else f"{v:13.2f}" for v in cells)
            )
    return EXIT_OK


def cmd_pk(args) -> int:
    from mtor_abm.experiments.progress import reporter
    from mtor_abm.experiments.runner import run_adverse_panel
    from mtor_abm.model.pharmacology import dose_times_h, load_library
    from mtor_abm.model.pk import simulate, steady_state_summary
    from mtor_abm.model.regimes import describe_regime

    library = load_library(args.drug_file or ())
    if library.drug(args.drug).fixed_only:
        raise InputError(f"drug '{args.drug}' has no clinical PK (research tool); use 'pathway'")
    from mtor_abm.experiments.runner import check_days

    args.days = check_days(args.days)  # before make_regime prints its notes
    subject = pk_subject(args)
    regime = make_regime(args, library, species=subject.species)
    with reporter(f"pk {regime.drug}", "sample") as report:
        times, conc = simulate(
            regime, args.days, dt_h=0.5, library=library, progress=report, subject=subject
        )
    parent = conc.get(regime.drug, np.zeros_like(times))
    ss = {}
    if regime.drug != "none":
        ss = steady_state_summary(regime, library, subject=subject)
    result = {
        "drug": regime.drug,
        "dose_mg": regime.dose_mg,
        "schedule": regime.schedule,
        "loading_dose_mg": regime.loading_dose_mg,
        "regime_label": describe_regime(regime),
        "times_h": times.tolist(),
        "conc_ng_ml": np.asarray(parent).tolist(),
        "species_ng_ml": {s: np.asarray(c).tolist() for s, c in conc.items()},
        "trough_ng_ml": ss.get("trough_ng_ml"),
        "cmax_ng_ml": ss.get("cmax_ng_ml"),
        "half_life_h": ss.get("half_life_h"),
        "adverse": run_adverse_panel(regime, args.days, library, subject=subject),
        "pk_subject": subject.to_dict(),
    }
    if args.json:
        print_json(result)
        return EXIT_OK
    doses, _ = dose_times_h(regime, 0.0, args.days * 24.0)
    who = "" if subject.species == "human" else f" in a {subject.sex} mouse (mouse PK)"
    print(f"{describe_regime(regime)}{who} over {days_text(args.days)}")
    print(f"  doses given: {len(doses)}")
    for key in ("trough_ng_ml", "cmax_ng_ml", "half_life_h"):
        value = result[key]
        print(f"  {key:13s} {format_readout(value, key)}")
    print("  adverse panel (1.0 = untreated, higher is worse):")
    for k, v in result["adverse"].items():
        print(f"    {k:20s} {format_readout(v, k)}")
    return EXIT_OK


def pk_subject(args):
    """Whose PK ``pk`` computes: ``--species`` (default human) and, for a mouse, ``--sex``
    (default male); InputError for ``--sex`` or ``--diet-ppm`` without ``--species mouse``."""
    from mtor_abm.model.species import HUMAN, Subject

    species = getattr(args, "species", None) or "human"
    sex = getattr(args, "sex", None)
    if species == "human":
        for flag, value in (("--sex", sex), ("--diet-ppm", getattr(args, "diet_ppm", None))):
            if value is not None:
                raise InputError(
                    f"{flag} is for a mouse (the cohort scenarios' PK); allowed: add "
                    f"--species mouse, or leave {flag} out"
                )
        return HUMAN
    return Subject(species, sex or "male")


def aligned(rows: list[tuple[str, ...]]) -> list[str]:
    """``rows`` of text cells as lines, each column but the last padded to its widest cell
    plus two spaces (so a long drug class never shifts the columns after it)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)] if rows else []
    return [
        "".join(f"{cell:{w}s}  " for cell, w in zip(row, widths, strict=False)) + row[-1]
        for row in rows
    ]


def print_json(obj: Any) -> None:
    """Print ``obj`` as one line of strict JSON on stdout (a NaN or infinity is a failure)."""
    from mtor_abm.experiments.runner import json_safe

    sys.stdout.write(json.dumps(json_safe(obj), allow_nan=False) + "\n")


def days_text(days: float) -> str:
    """A run length in words: ``1 day``, ``0.5 days``, ``30 days``."""
    return f"{days:g} day" if days == 1 else f"{days:g} days"


def format_readout(value: Any, key: str = "", setup: dict | None = None) -> str:
    """A readout or adverse index as the text summaries show it (visualization.numbers: 3
    significant figures, ``≥ 20`` at the adverse ratio indices' limit, a missing value in the
    readout's own words: ``never``, ``no doubling``, ``n/a (untreated arm did not grow)``,
    ``n/a (no wound)`` for an event ``setup``, the run's scenario parameters, did not set up)."""
    from mtor_abm.model.adverse import CAPPED_KEYS, MAX_DELAY_INDEX
    from mtor_abm.visualization.numbers import limited, missing_words

    if isinstance(value, float):
        return limited(value, MAX_DELAY_INDEX if key in CAPPED_KEYS else None)
    return missing_words(key, setup)[0] if value is None else str(value)
