from django.apps import AppConfig


class ApiConfig(AppConfig):
    """Project-wide API plumbing, an app only for its one table (IdempotencyKey) and task."""

    name = "config.api"
    label = "api"
    verbose_name = "API"
    default_auto_field = "django.db.models.BigAutoField"
