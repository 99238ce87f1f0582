"""`python -m escodegen ...`: the same command line as the `escodegen` script."""

import sys

from escodegen.cli import main

sys.exit(main())
