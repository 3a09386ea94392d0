"""``python -m experiments`` is the same as the ``mtor-sim`` command."""

import sys

from experiments.cli import main

sys.exit(main())
