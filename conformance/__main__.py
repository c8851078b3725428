"""``python -m dropout_conformance``: the same as the ``dropout-conformance`` command."""

import sys

from .grader.cli import main

sys.exit(main())
