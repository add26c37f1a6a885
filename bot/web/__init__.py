"""Rally's small HTTP server inside the bot process: webhooks, /healthz, /metrics and the petitions'
public pages (aiohttp)."""
