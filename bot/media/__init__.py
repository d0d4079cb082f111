"""Photos from the platforms: queued with the message, fetched afterwards, stored locally."""
