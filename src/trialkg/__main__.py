"""``python -m trialkg``: the command line."""

from .cli import main

raise SystemExit(main())
