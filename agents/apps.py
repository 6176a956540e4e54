from django.apps import AppConfig
from django.db.models.signals import post_migrate


def setup_role_groups(sender, using="default", apps=None, **kwargs) -> None:
    """After every migrate (and test-database flush): one group per role with its permissions.
    Permissions of every app are created first, since apps later in INSTALLED_APPS would only
    get theirs after this app's signal."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    from agents.services import role_groups_sync

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=global_apps)
    role_groups_sync()


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "Agents and teams"

    def ready(self) -> None:
        post_migrate.connect(setup_role_groups, sender=self, dispatch_uid="agents.setup_role_groups")
        # The cached caller (agents/callers.py) is forgotten when its user, profile or customer changes.
        from agents.callers import connect_signals

        connect_signals()
