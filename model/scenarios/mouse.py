"""What every mouse cohort's parameters share: the sex, which sets the mouse's PK.

The aging and neuro scenarios follow mice; their doses go through the drugs' mouse PK
(:mod:`model.species`), and the sex chooses the mouse set's clearance: females reach higher
blood levels than males on the same rapamycin diet (Miller 2014 Aging Cell 13:468; Fok 2014
PLoS One 9:e83988). The sex changes only the PK, never an outcome directly.
"""

from __future__ import annotations

from types import MappingProxyType

from mtor_abm.model.scenarios.base import Param, TissueScenario
from mtor_abm.model.species import SEXES, Subject

SEX_PARAM = Param(
    "",
    "sex of the cohort's mice: sets the clearance of the drugs' mouse PK (females reach "
    "higher blood levels on the same diet: Miller 2014 Aging Cell 13:468)",
    choices=SEXES,
)


class MouseCohortScenario(TissueScenario):
    """Parameters shared by mouse cohort scenarios; a subclass's ``PARAMETERS`` get ``sex``.

    Args:
        sex: ``male`` or ``female``: whose mouse PK the cohort's doses go through.
    """

    sex: str = "male"

    PARAMETERS = MappingProxyType({"sex": SEX_PARAM})

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "sex" not in cls.PARAMETERS:
            cls.PARAMETERS = MappingProxyType({**cls.PARAMETERS, "sex": SEX_PARAM})


def mouse_subject(scenario) -> Subject:
    """The mouse a cohort scenario's doses go through (its ``sex``; male if it has none)."""
    return Subject("mouse", getattr(scenario, "sex", MouseCohortScenario.sex))
