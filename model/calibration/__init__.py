"""Observations as data and the model evaluated on them (the calibration harness's model side).

``observations.toml`` holds published results, one row per observation: the experiment (cell
type, drugs and concentrations or a regime, time), the readout, the published value or bound
with its uncertainty, the source and a confidence grade. :mod:`.evaluate` computes the model's
value for any row; :mod:`.fit` fits free parameters to a chosen part of the table.
"""
