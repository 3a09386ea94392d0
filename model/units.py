"""Unit conversions shared by the model's modules."""

SECONDS_PER_HOUR = 3600.0
