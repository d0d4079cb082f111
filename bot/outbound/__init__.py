"""Messages the bot sends on its own (reminders, digests): outbox table, sender, transports."""
