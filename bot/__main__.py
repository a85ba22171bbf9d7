"""`python -m bot` is `govdesk`."""

import sys

from bot.cli import main

sys.exit(main())
