import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierslien.settings")
application = get_wsgi_application()

# Web servers (runserver included) compose discovery evenings in the request.
from tierslien.core.warmup import warm_engine_in_background  # noqa: E402

warm_engine_in_background()
