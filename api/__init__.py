"""The ASGI app: settings, lifespan, auth, context, schema extensions, health, CLI."""
