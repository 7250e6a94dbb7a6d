from django.apps import AppConfig


class LogsConfig(AppConfig):
    name = "maillage.logs"
    label = "maillage_logs"
    verbose_name = "Journaux"

    def ready(self):
        from maillage.logs import events

        events.connect_auth_signals()
