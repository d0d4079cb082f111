"""Reading the ledger: digests, summaries, KPIs, ranking, periods, charts and the xlsx export."""
