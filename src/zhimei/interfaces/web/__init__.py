"""The web studio: server-rendered Jinja2 templates (autoescaped), HTMX and a little JS for streaming."""

__all__: list[str] = []
