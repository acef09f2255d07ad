"""Which engine sees which file of the top-level ``templates/`` directory.

The site's pages are Jinja2 templates; the admin, and the overrides of it in ``templates/admin/``,
stay on Django's engine. Both engines read the same directory, so each loader refuses the other's
names: Django's engine would fail to parse a Jinja page (a syntax error, not a "not found" that
lets the next engine try), and Jinja would fail on an admin override.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import jinja2
from django.template import Origin
from django.template.loaders.filesystem import Loader as FilesystemLoader

ADMIN_PREFIX = "admin/"


class SiteTemplateLoader(jinja2.FileSystemLoader):
    """Jinja2's file loader for everything in the template directories except ``admin/``."""

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        if template.startswith(ADMIN_PREFIX):
            raise jinja2.TemplateNotFound(template)
        return super().get_source(environment, template)

    def list_templates(self) -> list[str]:
        return [name for name in super().list_templates() if not name.startswith(ADMIN_PREFIX)]


class AdminOverrideLoader(FilesystemLoader):
    """Django's file loader for the ``admin/`` overrides of the template directories, only."""

    def get_template_sources(self, template_name: str) -> Iterator[Origin]:
        if template_name.startswith(ADMIN_PREFIX):
            yield from super().get_template_sources(template_name)
