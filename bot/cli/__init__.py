"""The `guanjia` command line (entry point: bot.cli.main:main) and the chat simulators."""
