"""One chat message: the incoming-message type, the intake pipeline, reports, follow-ups and 疑似上报."""
