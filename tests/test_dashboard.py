"""Dashboard without a browser: per-session runs, rendering, lessons and the server's checks."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from mtor_abm.model.errors import InputError
from mtor_abm.visualization.dashboard import lessons, server, view_figures, views
from mtor_abm.visualization.dashboard.lesson_run import explain, run_to_end
from mtor_abm.visualization.dashboard.state import ArmSpec, Run, make_regime

SMALL = {"width": 20, "height": 20, "initial_cells": 40}


def test_arms_of_a_run_share_the_seed_and_step_in_lockstep():
    run = Run("culture", [ArmSpec("untreated"), ArmSpec("rapa", "sirolimus")], SMALL, seed=3)
    a, b = run.models
    assert np.array_equal(a.category_layer()[0], b.category_layer()[0])
    run.step(2)
    assert a.hours == b.hours == run.hours == 2.0


def test_each_run_owns_its_models():
    one, two = Run("culture", [ArmSpec("a")], SMALL), Run("culture", [ArmSpec("a")], SMALL)
    one.step(3)
    assert one.hours == 3.0 and two.hours == 0.0
    assert one.models[0] is not two.models[0]


def test_bad_parameter_is_a_clear_error():
    with pytest.raises(InputError, match="width"):
        Run("culture", [ArmSpec("a")], {"width": -1})
    with pytest.raises(InputError, match="1 to 4 arms"):
        Run("culture", [ArmSpec(str(i)) for i in range(5)], SMALL)


def test_regime_defaults_follow_the_drug_and_scenario():
    from mtor_abm.model.pharmacology import load_library

    lib = load_library()
    assert make_regime(ArmSpec("t", "torin1"), "culture", lib).conc_nM == 250.0
    siro = make_regime(ArmSpec("s", "sirolimus"), "transplant", lib)  # a patient: Rapamune
    assert (siro.dose_mg, siro.schedule) == (2.0, "daily")
    dish = make_regime(ArmSpec("s", "sirolimus"), "culture", lib)  # a dish has no PK: held
    assert (dish.schedule, dish.conc_nM) == ("fixed", 10.0)  # Choo 2008: 10-20 nM
    held = make_regime(ArmSpec("s", "sirolimus", schedule="fixed", conc_nM=20), "culture", lib)
    assert held.conc_nM == 20 and held.schedule == "fixed"


def test_an_arm_keeps_the_loading_dose_it_is_given():
    """A dose typed into the page keeps the loading dose (the page carries it into the arm);
    0 means none; a held arm has none; a URL from before the field existed still opens."""
    from mtor_abm.model.pharmacology import load_library
    from mtor_abm.visualization.dashboard import urlstate

    lib = load_library()
    loading = lib.drug("sirolimus").default_loading_dose_mg
    assert loading
    kept = make_regime(ArmSpec("s", "sirolimus", 3.0, loading_dose_mg=loading), "culture", lib)
    assert (kept.dose_mg, kept.loading_dose_mg) == (3.0, loading)
    none = make_regime(ArmSpec("s", "sirolimus", loading_dose_mg=0.0), "culture", lib)
    assert none.loading_dose_mg is None and none.dose_mg == lib.drug("sirolimus").default_dose_mg
    held = ArmSpec("s", "sirolimus", schedule="fixed", conc_nM=5.0, loading_dose_mg=6.0)
    assert make_regime(held, "culture", lib).loading_dose_mg is None
    arms = [ArmSpec("a", "sirolimus", 3.0, "daily", 0.0, None, 6.0), ArmSpec("b", "none")]
    q = urlstate.query("Compare", "culture", 0, ArmSpec("x"), arms, None)
    assert urlstate.read(q)["arms"] == arms
    old = urlstate.read("arms=a%7Csirolimus%7C2%7Cdaily%7C0%7C%3Bb%7Cnone%7C%7C%7C%7C")
    assert old["arms"][0] == ArmSpec("a", "sirolimus", 2.0, "daily", 0.0)


def test_csv_export_has_one_row_per_arm_and_step():
    run = Run("culture", [ArmSpec("untreated"), ArmSpec("torin", "torin1")], SMALL)
    run.step(2)
    rows = list(csv.DictReader(io.StringIO(run.to_csv())))
    assert len(rows) == 2 * 3
    assert {r["arm"] for r in rows} == {"untreated", "torin"}
    assert "cells" in rows[0] and rows[-1]["time_h"] == "2.0"


def test_tissue_image_is_upscaled_and_marks_empty_sites():
    run = Run("culture", [ArmSpec("a")], SMALL)
    model = run.models[0]
    rgba = views.tissue_rgba(model, views.CELL_TYPE, None)
    k = views.display_factor(20, 20)
    assert rgba.shape == (20 * k, 20 * k, 4)
    codes, _ = model.category_layer()
    empty = np.argwhere(codes < 0)[0]
    row, col = (19 - empty[1]) * k, empty[0] * k
    assert tuple(rgba[row, col]) == views.EMPTY_RGBA
    assert views.png_bytes(rgba)[:4] == b"\x89PNG"


def test_click_position_maps_back_to_the_site():
    k = views.display_factor(20, 20)
    for x, y in ((0, 0), (5, 17), (19, 19)):
        px, py = (x + 0.5) * k, (20 - y - 0.5) * k
        assert views.site_at(px, py, 20, 20, 20 * k) == (x, y)


def test_shared_scale_covers_every_arm():
    run = Run("culture", [ArmSpec("a"), ArmSpec("t", "torin1")], SMALL)
    run.step()
    scale = views.shared_scale(run.models, "autophagy")
    top = max(np.nanmax(m.readout_layers()["autophagy"]) for m in run.models)
    assert scale.centre == 1.0 and scale.vmin == 0.0 and scale.vmax >= top * 0.99
    assert "untreated" in scale.title


def test_figures_render_to_png():
    run = Run("culture", [ArmSpec("a"), ArmSpec("s", "sirolimus")], SMALL)
    run.step(2)
    labels = [a.spec.label for a in run.arms]
    fig = view_figures.timeseries_figure(run.timeseries(), labels, "mean_pS6K")
    assert view_figures.figure_png(fig)[:4] == b"\x89PNG"
    snap = view_figures.snapshot_figure(
        run.models, labels, "pS6K", views.shared_scale(run.models, "pS6K"), "t"
    )
    assert view_figures.figure_png(snap, tight=True)[:4] == b"\x89PNG"


def test_packaged_lessons_load_or_are_listed_unavailable():
    cat = lessons.load_catalogue()
    assert cat.errors == []
    assert len(cat.lessons) + len(cat.unavailable) >= 4
    assert any(le.scenario == "culture" for le in cat.lessons)


def test_bad_lesson_is_one_line_error(tmp_path: Path):
    good = (lessons.LESSON_DIR / "01_rapalogs_cytostatic.toml").read_text()
    (tmp_path / "bad_drug.toml").write_text(good.replace('drug = "torin1"', 'drug = "aspirin"'))
    (tmp_path / "bad_param.toml").write_text(good.replace("width = 60", "widht = 60"))
    (tmp_path / "bad_key.toml").write_text(good.replace("{rapa.cells.fold", "{nope.cells.fold"))
    (tmp_path / "later.toml").write_text(good.replace('scenario = "culture"', 'scenario = "moon"'))
    cat = lessons.load_catalogue([tmp_path])
    assert cat.lessons == []
    assert [t for t, _ in cat.unavailable] == ["Why are rapalogs cytostatic?"]
    assert len(cat.errors) == 3 and all("\n" not in e for e in cat.errors)
    assert any("aspirin" in e for e in cat.errors)
    assert any("widht" in e for e in cat.errors)
    assert any("nope.cells.fold" in e for e in cat.errors)


def test_explanation_is_filled_from_the_run():
    lesson = lessons.load_lesson(lessons.LESSON_DIR / "02_akt_feedback.toml")
    run = Run(lesson.scenario, [a for _, a in lesson.arms], dict(SMALL), lesson.seed)
    run.step(6)
    text = lessons.fill_explanation(lesson, run.timeseries(), run.readouts())
    assert "{" not in text and "n/a" not in text
    rapa_akt = run.timeseries()[1]["mean_pAKT_S473"][-1]
    assert f"{rapa_akt:.2f}" in text


def test_every_packaged_lesson_fills_its_explanation_from_a_small_run():
    """Every placeholder of every packaged lesson resolves after the lesson's own run length
    (on small tissues and cohorts)."""
    small = {
        "culture": dict(SMALL),
        "tumor": {"width": 30, "height": 30, "seed_radius_sites": 5.0},
        "transplant": {"width": 30, "height": 30},
        "aging": {"organisms": 4},
        "neuro": {"organisms": 4},
    }
    for lesson in lessons.load_catalogue().lessons:
        lesson = replace(lesson, params={**lesson.params, **small[lesson.scenario]}, replicates=2)
        run = run_to_end(lesson)
        text = explain(lesson, run)
        assert "{" not in text and "[[" not in text and "n/a" not in text, lesson.title


def test_simple_markdown_escapes_html():
    html = views.simple_markdown("## Title\n\nsome **bold** <script>")
    assert "<h2>Title</h2>" in html and "<b>bold</b>" in html and "&lt;script&gt;" in html


def test_dashboard_port_in_use_is_bad_input():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(InputError, match="another --port"):
            server.check_port("127.0.0.1", port)
    with pytest.raises(InputError, match="--port"):
        server.cmd_dashboard(SimpleNamespace(host="127.0.0.1", port=70000))


def test_front_end_assets_are_installed_for_offline_use():
    assert server.missing_assets() == []


def test_plot_selector_names_every_column_once_in_words():
    """The 'Plot over time' choices: one readable name per timeseries column of every
    scenario, each mapping back to its own column (no raw keys such as ``vegf_mean``)."""
    from scenario_cases import SMALL as SMALL_CASES

    from mtor_abm.model.scenarios import SCENARIOS

    for scenario, (options, _, _) in SMALL_CASES.items():
        pairs = dict(pairs_of(options))
        params = dict(kv.split("=") for opt, kv in pairs_of(options) if opt == "--set")
        params = {k: float(v) for k, v in params.items()}
        if "--replicates" in pairs:
            params[SCENARIOS[scenario].replicates_param] = int(pairs["--replicates"])
        run = Run(scenario, [ArmSpec("a")], params)
        run.step(1)
        columns = [c for c in run.timeseries()[0] if c not in ("time_h", "day")]
        names = view_figures.column_names(columns)
        assert sorted(names.values()) == sorted(columns), scenario
        assert all("_" not in name for name in names), scenario
        for column, unit in FIELD_MEAN_UNITS.items():
            if column in columns:  # a field's mean carries the field's unit
                assert view_figures.column_label(column).endswith(f"({unit})"), column


FIELD_MEAN_UNITS = {"il2_mean": "pM", "chemokine_mean": "relative", "mean_sasp": "relative"}
"""Field means over the tissue and the units of their fields (views.FIELD_UNITS; IL-2 is pM in
the transplant, chemokine and SASP relative)."""


def test_readout_table_labels_carry_their_units_in_parentheses():
    """The readout table of every scenario: no raw names ('time to progression days',
    'division time h', 'tcell peak'): a unit its name ends with shows as '(days)' or '(day)',
    a fraction as '(0-1)', a duration in hours none (its value says h or days), never an
    empty '()'; every label distinct."""
    from scenario_cases import SMALL as SMALL_CASES

    from mtor_abm.visualization.dashboard.panels import _row_label

    for scenario, (options, _, _) in SMALL_CASES.items():
        params = dict(kv.split("=") for opt, kv in pairs_of(options) if opt == "--set")
        run = Run(scenario, [ArmSpec("a", "sirolimus")], {k: float(v) for k, v in params.items()})
        run.step(2)
        names = list(run.replicate_readouts()[0][0])
        labels = [_row_label(n) for n in names]
        assert len(set(labels)) == len(labels), scenario
        for name, label in zip(names, labels, strict=True):
            assert "_" not in label and "()" not in label and "tcell" not in label, label
            for suffix in ("_days", "_day"):
                if name.endswith(suffix):
                    assert label.endswith(f"({suffix[1:]})"), (name, label)
            if name.endswith("_h"):  # a duration: its value carries h or days
                assert not re.search(r"\bh\)?$", label), (name, label)
            if name.endswith("_fraction"):
                assert label.endswith("(0-1)"), (name, label)
    assert view_figures.readout_label("time_to_progression_days") == "time to progression (days)"


def pairs_of(options: list[str]) -> list[tuple[str, str]]:
    """Command-line options as (option, value) pairs."""
    return list(zip(options[::2], options[1::2], strict=True))


def _small_run(scenario: str, arm: ArmSpec | None = None) -> Run:
    """A scenario's run on the small test tissue (scenario_cases.SMALL), one step in."""
    from scenario_cases import SMALL as SMALL_CASES

    from mtor_abm.model.scenarios import SCENARIOS

    options = SMALL_CASES[scenario][0]
    params = {
        k: float(v) for o, kv in pairs_of(options) if o == "--set" for k, v in [kv.split("=")]
    }
    if "--replicates" in options:
        params[SCENARIOS[scenario].replicates_param] = int(dict(pairs_of(options))["--replicates"])
    run = Run(scenario, [arm or ArmSpec("a")], params)
    run.step(1)
    return run


def test_no_colour_repeats_within_a_cell_type_legend():
    """Every category of every scenario's legend, and the empty site, in its own colour."""
    from scenario_cases import SMALL as SMALL_CASES

    for scenario in SMALL_CASES:
        _, labels = _small_run(scenario).models[0].category_layer()
        colours = [c.lower() for _, c in views.category_legend(labels)]
        assert len(set(colours)) == len(colours), (scenario, colours)


def test_vessels_are_drawn_on_every_colouring():
    """On every colour option of the tumor (cell type, each readout, each field), every vessel
    site is drawn in the vessel colour with a white rim at the page's scale, never in the
    colour its value would give (low-valued or empty sites would hide it)."""
    run = _small_run("tumor", ArmSpec("s", "sirolimus", start_day=0.0))
    model = run.models[0]
    codes, labels = model.category_layer()
    vessels = np.argwhere(codes == labels.index("vessel"))
    assert len(vessels) > 0
    violet = [int(views.LABEL_COLOURS["vessel"][i : i + 2], 16) for i in (1, 3, 5)]
    height = codes.shape[1]
    for option in views.colour_options(model):
        scale = views.shared_scale([model], option)
        image = views.tissue_rgba(model, option, scale)
        k = views.display_factor(*codes.shape)
        assert k >= 3
        for x, y in vessels:
            r0, c0 = (height - 1 - y) * k, x * k
            assert list(image[r0 + k // 2, c0 + k // 2, :3]) == violet, option
            assert list(image[r0, c0, :3]) == [255, 255, 255], option


@pytest.mark.parametrize(("site_um", "k"), [(20.0, 14), (20.0, 3), (10.0, 7), (20.0, 1)])
def test_scale_bar_is_a_round_length_drawn_to_scale(site_um, k):
    """The bar's length is 1, 2 or 5 x 10^n um, its width that length at k px per site_um
    site (to the pixel), between 40 % and 100 % of the 80 px it aims at."""
    um, px = views.scale_bar(site_um, k)
    mantissa = um / 10 ** np.floor(np.log10(um))
    assert round(mantissa, 9) in (1.0, 2.0, 5.0)
    assert px == round(um * k / site_um)
    assert 32 <= px <= 80


def test_the_tumor_tissue_scale_is_its_lattice_spacing():
    from mtor_abm.model.scenarios.tumor_params import DX_UM

    assert views.site_size_um(_small_run("tumor").models[0]) == DX_UM  # 20 um sites


def test_each_scenarios_first_plot_is_one_of_its_columns():
    """The first plot (the headline: tumor cells for the tumor, alive fraction for aging)
    is a column the scenario records; a misspelt one would fall back to another in silence."""
    from mtor_abm.visualization.dashboard.app import DEFAULT_PLOT

    assert DEFAULT_PLOT["tumor"] == "tumor_cells"
    for scenario, column in DEFAULT_PLOT.items():
        assert column in _small_run(scenario).timeseries()[0], scenario
