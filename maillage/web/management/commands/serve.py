"""`maillage serve`: the production server (gunicorn), as `make run` calls it."""

import logging
import os

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


def _default_workers() -> int:
    return int(os.environ.get("MAILLAGE_WORKERS", 0)) or (2 * (os.cpu_count() or 1) + 1)


def _threads() -> int:
    return int(os.environ.get("MAILLAGE_THREADS", 0)) or 2


def _logger_class():
    from gunicorn.glogging import Logger

    class MaillageLogger(Logger):
        """gunicorn's own messages (start, workers, errors) written by Maillage's handlers:
        in its format (MAILLAGE_LOG_FORMAT) and through the same filter that removes
        personal data."""

        def setup(self, cfg):
            super().setup(cfg)
            self.error_log.handlers = list(logging.getLogger().handlers)

    return MaillageLogger


class Command(BaseCommand):
    help = "Serve Maillage with gunicorn (never Django's development server)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=None)
        parser.add_argument(
            "--no-warmup",
            action="store_true",
            help="Start the workers cold (by default the common pages are rendered once "
            "before the fork, see maillage.web.warmup).",
        )

    def handle(self, *args, host, port, workers, no_warmup, **options):
        from gunicorn.app.base import BaseApplication

        from maillage.web.warmup import warm_up
        from maillage.wsgi import application

        if not 0 < port < 65536:
            raise CommandError(
                _("Port invalide : %(port)s (attendu entre 1 et 65535).") % {"port": port}
            )

        class MaillageServer(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", f"{host}:{port}")
                self.cfg.set("workers", workers or _default_workers())
                self.cfg.set("worker_class", "gthread")
                self.cfg.set("threads", _threads())
                # No gunicorn access log: Maillage logs each request itself, as JSON and
                # without the query string's values or the client's address (maillage.logs).
                self.cfg.set("accesslog", None)
                self.cfg.set("logger_class", _logger_class())
                self.cfg.set("timeout", 60)
                self.cfg.set("preload_app", True)

            def load(self):
                return application

        if not no_warmup:
            warm_up(application, host=host, port=port)
        self.stdout.write(
            _("Maillage sert sur http://%(host)s:%(port)s/") % {"host": host, "port": port}
        )
        MaillageServer().run()
