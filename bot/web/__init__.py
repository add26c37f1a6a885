"""Rally's small HTTP server inside the bot process: webhooks, /healthz and /metrics (aiohttp)."""
