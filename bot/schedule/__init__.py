"""Timed work: the scheduler and its lease, reminders and escalation, digest jobs."""
