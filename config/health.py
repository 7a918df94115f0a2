"""/healthz for a load balancer: the database, the broker and the workers, up or down.

It needs no login and names nothing but those three and the worker count; each
check is bounded by a short timeout (BROKER_TIMEOUT, the database's connect timeout).
"""

from dataclasses import dataclass

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import broker_reachable, worker_count


@dataclass(frozen=True)
class Health:
    database: bool
    broker: bool
    workers: int
    in_process: bool  # tasks run in the web process: no broker or worker to need

    @property
    def ok(self) -> bool:
        return self.database and self.broker and (self.in_process or self.workers > 0)

    def to_dict(self) -> dict:
        def status(up: bool) -> str:
            return "up" if up else "down"

        return {
            "database": {"status": status(self.database)},
            "broker": {"status": status(self.broker)},
            "workers": {
                "status": status(self.in_process or self.workers > 0),
                "count": self.workers,
            },
        }


def database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def health_check() -> Health:
    from django.conf import settings

    in_process = settings.CELERY_TASK_ALWAYS_EAGER
    broker = broker_reachable()
    return Health(
        database=database_reachable(),
        broker=broker,
        workers=worker_count() if broker else 0,
        in_process=in_process,
    )


@require_GET
@never_cache
def healthz(request):
    health = health_check()
    return JsonResponse(health.to_dict(), status=200 if health.ok else 503)
