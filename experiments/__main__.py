"""``python -m mtor_abm.experiments`` is the same as the ``mtor-sim`` command."""

import sys

from mtor_abm.experiments.cli import main

sys.exit(main())
