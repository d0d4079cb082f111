"""The ledger's text search index: how it is kept (index_upkeep) and how a search uses it (index_query)."""
