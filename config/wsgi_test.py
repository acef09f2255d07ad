"""The WSGI application under the current settings (used by in-process API tests)."""

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
