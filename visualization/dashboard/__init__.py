"""The classroom dashboard (README, "The dashboard"), a Solara page: ``mtor-sim dashboard``.

``state`` holds one browser session's models (no model is shared between visitors), ``views``
turns models into tissue images and ``view_figures`` into downloadable figures, ``lessons``
loads the guided units from ``visualization/lessons/*.toml``, ``app`` is the Solara page and
``server`` starts it offline.
"""
