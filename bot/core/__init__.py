"""Foundations every package may use: clock, database, domain errors, migrations, logging, actor, echo safety."""
