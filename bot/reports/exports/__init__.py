"""The ledger's xlsx export: the streaming writer, and the job that runs a large one off the request."""
