"""Cell types: the signalling parameters that make one cell type differ from another.

Every cell carries the same network (:mod:`model.signaling`); a :class:`CellType` holds its
per-cell parameters with their allowed ranges, and :data:`CELL_TYPES` the named types.

The values written below are the hand-set priors (:data:`PRIOR_CELL_TYPES`). The parameters
that ``mtor-sim calibrate`` fits (:data:`model.calibration.fit.FREE_PARAMETERS`) are then
replaced by the fitted set shipped in ``model/calibration/fitted_parameters.toml``
(:mod:`model.calibration.parameter_set`), so :data:`CELL_TYPES` carries the fitted values and
every run's manifest names the set by its hash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from types import MappingProxyType

from mtor_abm.model.calibration.parameter_set import shipped_parameter_set
from mtor_abm.model.domains import Domain
from mtor_abm.model.errors import InputError


def _param(default: float, domain: Domain):
    """A CellType field with its allowed range as metadata (see :data:`PARAM_DOMAINS`)."""
    return field(default=default, metadata={"domain": domain})


@dataclass(frozen=True)
class CellType:
    """Signalling parameters of a cell type (all dimensionless unless a unit is given).

    Args:
        name: identifier used on the command line (``--cell-type``).
        description: one line for users.
        pi3k_gain: RTK/PI3K drive at growth-factor signal 1 (1 = normal epithelium). Assumed.
        pten_activity: PTEN lipid-phosphatase activity (1 = normal, 0.1 = PTEN-null tumour).
        tsc_loss: 1 if TSC1/2 is lost, so Rheb (and mTORC1) ignores AKT and growth factors.
        fkbp12_level: FKBP12 abundance (1 = normal, 0 = knocked out); rapalogs need it.
        feedback_strength: S6K -> IRS1 inhibition strength per unit S6K-T389 phosphorylation
            (Harrington 2004 J Cell Biol 166:213). The shared default is fitted (S4, S5,
            L09-L11); 19.3 before the fit kept the reference cell's IRS1 at 0.39 with the
            graded S6K of ``K_S6K``. 0 in T-cells: the IL-2 receptor recruits PI3K through
            Shc-Grb2-Gab2, not IRS1 (Gadina 2000 JBC 275:26959), so S6K's serine
            phosphorylation of IRS1 has no receptor to act on there. Assumed.
        foxo_rtk_gain: maximal FOXO-driven receptor re-expression (Chandarlapaty 2011 Cancer
            Cell 19:58: HER3, IGF-1R, insulin receptor). The shared default is fitted. 0 in
            T-cells: their growth input is the IL-2 receptor, which recruits PI3K through
            Gab2, not through the receptors FOXO re-expresses (as for ``feedback_strength``).
            Assumed.
        mtorc2_turnover_per_h: turnover rate of assembled mTORC2, 1/h. Cultured lines lose
            mTORC2 within 24-48 h of rapamycin (Sarbassov 2006 Mol Cell 22:159); mouse liver
            and muscle over days to two weeks of daily dosing (Lamming 2012 Science
            335:1638). Assumed magnitudes within those windows.
        mtorc2_rapalog_sensitivity: fraction of new mTORC2 assembly that FRB-bound
            FKBP12-rapalog prevents at full occupancy (cell-type dependent: strong in liver
            and muscle, weak in most epithelia; Sarbassov 2006). Assumed.
        basal_autophagy: autophagic flux independent of ULK1 (basal turnover). Assumed.
        prolif_s6k_weight: share of the G1->S signal carried by S6K rather than 4E-BP1/eIF4E.
            Low in epithelia (Dowling 2010 Science 328:1172: 4E-BPs control proliferation).
        rapalog_4ebp_adaptation: how far the rapalog block of 4E-BP phosphorylation fades
            (1 = back to the late, partial block within hours, as in epithelial lines: Choo 2008
            PNAS 105:17414; 0 = stays at its peak: lymphocytes, whose rapamycin-sensitive G1->S
            runs through 4E-BP2 with a sustained block, So 2016 Sci Signal 9:ra57).
        prolif_4ebp_hill: steepness of G1->S in free eIF4E (4E-BP phosphorylation relative to
            the reference cell), shared by every cell type: G1->S needs eIF4E-dependent
            translation of short-lived cell-cycle mRNAs with structured 5' UTRs (cyclin D1,
            Myc, ODC), whose translation rises steeply with free eIF4E ("weak" mRNAs:
            Koromilas 1992 EMBO J 11:4153; Rousseau 1996 PNAS 93:1065; cyclin D1 through
            4E-BP1: Averous 2008 Oncogene 27:1106; Dowling 2010 Science 328:1172). 2.5, the
            value fitted in T-cells (rows S10, L18: IL-2-driven G1->S is lost when 4E-BP2
            stays dephosphorylated, So 2016 Sci Signal 9:ra57), for every cell: with it,
            PTEN-null cells, whose G1->S rides on a high eIF4E release, lose more of it to a
            rapalog than wild type (rows S13, S14). It was 1 in epithelia before.
        p27_brake: strength of the FOXO -> p27Kip1 brake on G1->S: G1 progress is divided by
            ``1 + p27_brake * FOXO`` (nuclear FOXO fraction, 0-1) relative to the reference
            cell's, so it is graded in the growth-factor input through PI3K -> AKT. T-cells:
            IL-2 releases G1 through PI3K -> AKT -| FoxO -> p27Kip1 (Stahl 2002 J Immunol
            168:5024; Nourse 1994 Nature 372:570: rapamycin keeps p27 high), assumed 4. 0
            elsewhere: with the S6K -> IRS1 feedback, a rapalog's AKT rise would lift the brake
            and raise wild-type epithelia's G1->S above untreated, against Luo 1996 Mol Cell
            Biol 16:6744 (rapamycin raises p27). Assumed.
        nfat_il2_share: share of the growth-factor input that the cell makes itself through
            calcineurin -> NFAT -> IL-2 (T-cells: TCR-driven autocrine IL-2, blocked by
            calcineurin inhibitors; Bierer 1990 PNAS 87:9231). 0 for other cells. Assumed 0.8.
        vhl_loss: fraction of HIF-alpha that escapes oxygen-dependent degradation (0 = intact
            pVHL, 1 = VHL-null). pVHL targets prolyl-hydroxylated HIF-alpha for proteasomal
            degradation in normoxia; without it HIF-alpha is stable at any oxygen tension
            (Maxwell 1999 Nature 399:271), as in clear-cell renal carcinoma (1 in
            ``tumor_ccrcc``). Read by the tumor scenario's HIF-1a
            (:meth:`model.scenarios.tumor.TumorModel.hif1a`); no effect on the kinase network.

    Each number's allowed range is in its field metadata (:data:`PARAM_DOMAINS`): fractions
    (``tsc_loss``, ``mtorc2_rapalog_sensitivity``, ``prolif_s6k_weight``,
    ``rapalog_4ebp_adaptation``, ``nfat_il2_share``) in [0, 1]; relative levels and gains in
    [0, 100]; ``pten_activity`` at least 0.01 (99 % loss: it divides the PI3K drive) and
    ``mtorc2_turnover_per_h`` at least 1e-4 /h. Ceilings are far beyond any biology, there only
    so that no finite value overflows the network.
    """

    name: str
    description: str
    pi3k_gain: float = _param(1.0, Domain(0.0, 100.0))
    pten_activity: float = _param(1.0, Domain(0.01, 100.0))
    tsc_loss: float = _param(0.0, Domain(0.0, 1.0))
    fkbp12_level: float = _param(1.0, Domain(0.0, 100.0))
    feedback_strength: float = _param(19.3, Domain(0.0, 100.0))
    foxo_rtk_gain: float = _param(1.5, Domain(0.0, 100.0))
    mtorc2_turnover_per_h: float = _param(1.0 / 48.0, Domain(1e-4, 100.0, "1/h"))
    mtorc2_rapalog_sensitivity: float = _param(0.1, Domain(0.0, 1.0))
    basal_autophagy: float = _param(0.2, Domain(0.0, 100.0))
    prolif_s6k_weight: float = _param(0.25, Domain(0.0, 1.0))
    rapalog_4ebp_adaptation: float = _param(1.0, Domain(0.0, 1.0))
    prolif_4ebp_hill: float = _param(2.5, Domain(0.1, 10.0))
    p27_brake: float = _param(0.0, Domain(0.0, 100.0))
    nfat_il2_share: float = _param(0.0, Domain(0.0, 1.0))
    vhl_loss: float = _param(0.0, Domain(0.0, 1.0))

    def __post_init__(self) -> None:
        for name, domain in PARAM_DOMAINS.items():
            domain.check(name, getattr(self, name))


#: Per-cell signalling parameters, in the order the cell table stores them.
PARAM_NAMES: tuple[str, ...] = tuple(
    f.name for f in fields(CellType) if f.name not in ("name", "description")
)

#: Allowed range of every signalling parameter (from the CellType field metadata).
PARAM_DOMAINS: Mapping[str, Domain] = MappingProxyType(
    {f.name: f.metadata["domain"] for f in fields(CellType) if "domain" in f.metadata}
)

PRIOR_CELL_TYPES: Mapping[str, CellType] = MappingProxyType(
    {
        ct.name: ct
        for ct in (
            CellType("epithelial", "generic epithelial cell (the reference cell type)"),
            CellType(
                "tumor_pten_null",
                "tumour cell with PTEN loss: high PI3K-AKT-mTOR",
                pten_activity=0.1,
            ),
            CellType(
                "tumor_ccrcc",
                "clear-cell renal carcinoma cell, VHL-null: HIF-alpha stable at any oxygen "
                "(Maxwell 1999 Nature 399:271), its synthesis still mTORC1-dependent (Thomas "
                "2006 Nat Med 12:122); PI3K drive as the wild-type tumour",
                pi3k_gain=1.2,
                vhl_loss=1.0,
            ),
            CellType(
                "tumor_tsc_null",
                "tumour cell with TSC1/2 loss: mTORC1 on without growth factors",
                tsc_loss=1.0,
            ),
            CellType(
                "tumor_wild_type",
                "tumour cell without PI3K-pathway mutation",
                pi3k_gain=1.2,
            ),
            CellType(
                "tcell",
                "T lymphocyte: growth signal = IL-2 + TCR, mostly its own NFAT-made IL-2; "
                "G1->S through 4E-BP2/eIF4E with a sustained rapalog block, S6K dispensable "
                "(So 2016 Sci Signal 9:ra57); PI3K through Gab2, no S6K-IRS1 feedback; "
                "FOXO-p27 G1 brake; FKBP12-rich",
                fkbp12_level=2.0,
                feedback_strength=0.0,
                foxo_rtk_gain=0.0,
                p27_brake=4.0,
                prolif_s6k_weight=0.1,
                rapalog_4ebp_adaptation=0.0,
                nfat_il2_share=0.8,
                basal_autophagy=0.15,
            ),
            CellType(
                "hepatocyte",
                "liver cell: insulin signalling, mTORC2 eroded by chronic rapalog "
                "(Lamming 2012 Science 335:1638)",
                mtorc2_turnover_per_h=1.0 / 96.0,
                mtorc2_rapalog_sensitivity=0.8,
                prolif_s6k_weight=0.3,
            ),
            CellType(
                "myocyte",
                "skeletal-muscle-like cell: mTORC2 eroded by chronic rapalog (Lamming 2012)",
                mtorc2_turnover_per_h=1.0 / 120.0,
                mtorc2_rapalog_sensitivity=0.7,
            ),
            CellType(
                "fibroblast",
                "fibroblast: wound-healing proliferation and migration",
                pi3k_gain=1.1,
            ),
            CellType(
                "neuron",
                "post-mitotic neuron: high basal autophagy, no division",
                basal_autophagy=0.35,
                prolif_s6k_weight=0.0,
            ),
        )
    }
)

"""The named cell types with their hand-set (prior) values, before the fitted set is applied."""


def own_parameters(ct: CellType) -> frozenset[str]:
    """Names of the parameters a cell type sets itself (its value differs from the shared
    :class:`CellType` default): a ``"*"`` table of a parameter set leaves them alone."""
    shared = CellType("shared", "")
    return frozenset(k for k in PARAM_NAMES if getattr(ct, k) != getattr(shared, k))


def set_values_for(parameters: Mapping[str, Mapping[str, float]], ct: CellType) -> dict[str, float]:
    """The values a parameter set gives cell type ``ct``: its ``"*"`` table (the shared
    default, so not for parameters ``ct`` sets itself, see :func:`own_parameters`), then the
    table named after ``ct``."""
    own = own_parameters(ct)
    shared = {k: v for k, v in parameters.get("*", {}).items() if k not in own}
    return {**shared, **parameters.get(ct.name, {})}


def with_parameter_set(
    types: Mapping[str, CellType], parameters: Mapping[str, Mapping[str, float]]
) -> Mapping[str, CellType]:
    """``types`` with the values of a parameter set applied (:func:`set_values_for`). Raises
    :class:`ValueError` naming the entry when the set names an unknown cell type or parameter
    (a corrupt shipped file must not be half-applied)."""
    unknown_types = set(parameters) - set(types) - {"*"}
    if unknown_types:
        raise ValueError(f"parameter set names unknown cell types {sorted(unknown_types)}")
    for ct, table in parameters.items():
        bad = set(table) - set(PARAM_NAMES)
        if bad:
            raise ValueError(f"parameter set [{ct}] names unknown parameters {sorted(bad)}")
    return MappingProxyType(
        {name: replace(ct, **set_values_for(parameters, ct)) for name, ct in types.items()}
    )


CELL_TYPES: Mapping[str, CellType] = with_parameter_set(PRIOR_CELL_TYPES, shipped_parameter_set())
"""The named cell types as the model uses them: the priors with the shipped fitted set."""


def cell_type(name: str) -> CellType:
    """Return the cell type called ``name`` or raise a one-line :class:`InputError`."""
    try:
        return CELL_TYPES[name]
    except KeyError:
        allowed = ", ".join(CELL_TYPES)
        raise InputError(f"unknown cell type '{name}'; allowed: {allowed}") from None


def cell_type_params(ct: CellType | str) -> dict[str, float]:
    """Per-cell parameter values of a cell type, keyed by :data:`PARAM_NAMES`."""
    ct = cell_type(ct) if isinstance(ct, str) else ct
    values = asdict(ct)
    return {k: float(values[k]) for k in PARAM_NAMES}
