"""`python -m bot.cli ...`: the same as the `guanjia` command."""

from bot.cli.main import main

raise SystemExit(main())
