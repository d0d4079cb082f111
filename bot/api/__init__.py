"""The HTTP API: webhooks, the read API, exports, health and metrics, the request-body limit."""
