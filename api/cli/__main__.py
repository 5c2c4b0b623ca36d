"""`python -m api.cli`: the `threadline` command."""

import sys

from api.cli import main

sys.exit(main())
