"""The WSGI application (gunicorn, see gunicorn.conf.py; runserver uses it too).

The web process does not load the grouping engine's compiled kernels as it starts: it
rarely solves (only a discovery evening's tables, composed in the facilitator's request,
which retries with more time when its first search was slowed by loading them), and
loading them in every web worker made the first requests after a start take seconds.
The task worker warms them up instead (`tierslien.core.warmup`). ENGINE_WARM_UP_WEB=true
loads them here, before gunicorn forks its workers (they then share them).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierslien.settings")
application = get_wsgi_application()

from tierslien.core.warmup import warm_web_process  # noqa: E402

warm_web_process()
