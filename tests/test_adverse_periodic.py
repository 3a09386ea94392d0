"""The adverse panel's periodic-steady-state shortcut gives the step-by-step panel's numbers.

Once a dosing period changes no signalling variable or PK amount (``PERIODIC_RTOL``), the panel
skips whole periods (a 1500-day panel: ~10-25 s -> ~1-2 s on the 2-core machine). Here the
shortcut is compared with the panel computed hour by hour (shortcut switched off) for regimes
that exercise it: a held concentration started late, daily and weekly doses, a 5-on/2-off
cycle with a loading dose, and a stop day (the relaxation after it is simulated in full).
"""

from __future__ import annotations

import pytest

from mtor_abm.model import adverse
from mtor_abm.model.pharmacology import load_library
from mtor_abm.model.regimes import build_regime

CASES = [
    ("sirolimus", {"conc_nM": 4.4, "start_day": 30.0}, 150.0),
    ("sirolimus", {"dose_mg": 2.0, "schedule": "daily", "start_day": 0.0}, 150.0),
    ("everolimus", {"dose_mg": 10.0, "schedule": "weekly", "start_day": 3.0}, 150.0),
    ("everolimus", {"dose_mg": 5.0, "schedule": "5on_2off", "loading_dose_mg": 10.0,
                    "start_day": 0.0}, 150.0),
    ("sirolimus", {"dose_mg": 2.0, "schedule": "daily", "start_day": 0.0, "stop_day": 100.0},
     150.0),
]  # fmt: skip


@pytest.mark.parametrize(("drug", "kw", "days"), CASES, ids=[f"{d}-{i}" for i, (d, _, _) in
                                                            enumerate(CASES)])  # fmt: skip
def test_skipping_periodic_periods_keeps_the_step_by_step_panel(drug, kw, days, monkeypatch):
    library = load_library()
    regime = build_regime(library, drug, **kw)
    skipped = []
    original = adverse._repeats

    def spy(now, before):
        skipped.append(original(now, before))
        return skipped[-1]

    monkeypatch.setattr(adverse, "_repeats", spy)
    fast = adverse.adverse_panel(regime, days, library)
    if "stop_day" not in kw:
        assert any(skipped), "the periodic state was never reached: nothing was skipped"
    monkeypatch.setattr(adverse, "_periodic_cycle", lambda *a: None)
    slow = adverse.adverse_panel(regime, days, library)
    for key in adverse.ADVERSE_KEYS:
        assert fast[key] == pytest.approx(slow[key], rel=1e-7, abs=1e-12), key
