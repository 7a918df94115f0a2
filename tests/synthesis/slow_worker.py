"""A test-only Celery entry module: the real app, whose first analysis hangs mid-run.

Start a worker with ``-A tests.synthesis.slow_worker`` and ``SLOW_WORKER_MARKER`` set
to a file path. In that worker the first call of ``synthesis.services.compute`` writes
the marker (the analysis is then running, its attempt counted) and sleeps, so a test
can kill the worker with the task half done.
"""

import os
import time
from pathlib import Path

from celery import signals

from config.celery import app

__all__ = ["app"]


@signals.worker_ready.connect
def _hang_the_first_analysis(**kwargs) -> None:
    # only here, in the worker, once Django is set up: importing this module runs neither
    marker = os.environ.get("SLOW_WORKER_MARKER")
    if not marker:
        return
    from synthesis import services

    compute = services.compute
    calls = []

    def hanging_compute(*args, **kwargs):
        calls.append(None)
        if len(calls) == 1:
            Path(marker).write_text(str(os.getpid()))
            time.sleep(600)
        return compute(*args, **kwargs)

    services.compute = hanging_compute
