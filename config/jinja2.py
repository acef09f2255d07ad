"""The Jinja2 environment of the site's pages (``TEMPLATES[0]``; the admin keeps Django's engine).

Django's engine walked a node tree and resolved every dotted lookup by trying a dict lookup, an
attribute and a list index in turn, catching the failures: on the board and model pages rendering
cost more than the queries. Jinja2 compiles a template to Python once per process.

The pages render exactly as they did under Django's engine:

- ``{{ value }}`` goes through :func:`_finalize`, which does what Django's engine does to a value it
  prints: aware datetimes in the current time zone, numbers and dates localized, then escaped as
  Django's ``escape()`` does (quotes come out as ``&quot;`` and ``&#x27;``, as before; markupsafe
  alone would write ``&#34;`` and ``&#39;``). Values that are already safe (``mark_safe``, forms,
  Markup) are printed as they are.
- Form widgets are drawn by :class:`FormRenderer` from Django's own Jinja2 widget templates.
- Undefined names and attributes print as "" and chain (``a.b.c`` on a missing ``a`` is undefined,
  not an error), and the ``none`` test holds for them, as ``{% if a.b is None %}`` did for a missing
  key in Django's engine.
- Filters with Django's semantics (``date``, ``floatformat``, ``intcomma``, ``pluralize``,
  ``truncatechars``, ``urlencode`` ...) are Django's own functions.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma, naturaltime
from django.forms import renderers
from django.template import Context as DjangoContext
from django.template import TemplateDoesNotExist, defaultfilters
from django.template.backends.base import BaseEngine
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.formats import localize
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from jinja2 import ChainableUndefined, Environment, Undefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from catalog.panels import Panel
from catalog.templatetags import catalog_extras
from config.template_loaders import SiteTemplateLoader
from evals.templatetags import evals_extras

# What a simple tag's values render with in a page: localized, autoescaped (see verification_badge).
_PAGE_CONTEXT = DjangoContext(autoescape=True)


def _finalize(value: Any) -> Any:
    """Django's ``render_value_in_context`` for a printed value, with the common cases first.

    Jinja2 escapes what this returns unless it is already safe. Its escaping and Django's differ
    only in the entities for quotes, so a string without quotes is left to it (one escape per
    value, not two); a string with quotes gets Django's ``escape()`` here.
    """
    cls = value.__class__
    if cls is str:
        if '"' in value or "'" in value:
            return Markup(html.escape(value))
        return value
    if hasattr(value, "__html__"):
        return value
    if cls is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)  # what localize() gives an int without grouping
    if isinstance(value, Undefined):
        return ""
    return Markup(html.escape(str(localize(template_localtime(value)))))


def _is_none(value: Any) -> bool:
    return value is None or isinstance(value, Undefined)


def url(viewname: str, *args: Any, **kwargs: Any) -> str:
    """``{% url viewname arg ... %}``."""
    return reverse(viewname, args=args or None, kwargs=kwargs or None)


def date(value: Any, arg: str | None = None) -> str:
    """Django's ``date`` filter, given local time as Django's engine gives it (expects_localtime)."""
    return defaultfilters.date(template_localtime(value), arg)


def default_if_none(value: Any, arg: Any) -> Any:
    return arg if _is_none(value) else value


def items(value: Any) -> Any:
    """``mapping.items()``, or nothing for a value that is not a mapping: JSON read from documents
    (recipe parameters, stated averages) is iterated as Django's engine did, without failing."""
    return value.items() if isinstance(value, Mapping) else ()


def widthratio(value: Any, max_value: Any, max_width: int) -> str:
    """``{% widthratio value max_value max_width %}``: round(value / max_value * max_width)."""
    try:
        return str(round(float(value) / float(max_value) * int(max_width)))
    except ZeroDivisionError:
        return "0"
    except (ValueError, TypeError, OverflowError):
        return ""


@pass_context
def render_panel(context: Context, panel: Panel) -> Markup:
    """A section another app contributes to a page, rendered with its own context (catalog.panels)."""
    return Markup(render_to_string(panel.template, dict(panel.context), request=context.get("request")))


@pass_context
def query_with(context: Context, *pairs: str | None, **changes: str | None) -> str:
    """The current query string with some parameters replaced; see ``catalog_extras.query_string_with``."""
    return catalog_extras.query_string_with(context.get("request"), *pairs, **changes)


@pass_context
def nav_current(context: Context, *prefixes: str, exact: str = "") -> SafeString:
    """`aria-current="page"` on the nav link of the section being shown."""
    return catalog_extras.nav_current_attribute(context.get("request"), *prefixes, exact=exact)


def verification_badge(status: str, stated: Any, recomputed: Any) -> str:
    """The verification badge (``evals_extras.verification_badge``) with values printed as a page prints them."""
    return evals_extras.verification_badge(_PAGE_CONTEXT, status, stated, recomputed)


class SiteEnvironment(Environment):
    """Jinja2's environment with Django's order of lookups for dicts."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``obj.attribute``, trying a dict's key first as Django's engine did: ``row.items`` is the
        row's "items" cell, and the tables built as dicts of cell text (evals/tables.py) cost no
        failed attribute lookup per cell."""
        if obj.__class__ is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def _environment(**options: Any) -> Environment:
    # Django's backend defaults to DebugUndefined under DEBUG, which prints "{{ name }}" for a missing
    # value: pages would differ between development and production.
    options["undefined"] = ChainableUndefined
    return SiteEnvironment(finalize=_finalize, **options)


def form_environment(**options: Any) -> Environment:
    """The environment of :class:`FormRenderer`: Django's Jinja2 widget templates, printed like the pages."""
    return _environment(**options)


def environment(**options: Any) -> Environment:
    # Django built a loader for DIRS; this one reads the same directories without the admin overrides.
    options["loader"] = SiteTemplateLoader(options["loader"].searchpath)
    # Django's engine keeps a template's last newline (Django's Jinja2 widget templates expect it dropped).
    options.setdefault("keep_trailing_newline", True)
    env = _environment(**options)
    env.globals.update({
        "url": url,
        "static": static,
        "render_panel": render_panel,
        "query_with": query_with,
        "nav_current": nav_current,
        "plotly_figure": catalog_extras.plotly_figure,
        "verification_badge": verification_badge,
        "widthratio": widthratio,
    })
    env.filters.update({
        # Django's filters, with Django's semantics.
        "date": date,
        "default_if_none": default_if_none,
        "filesizeformat": defaultfilters.filesizeformat,
        "floatformat": defaultfilters.floatformat,
        "intcomma": intcomma,
        "naturaltime": naturaltime,
        "pluralize": defaultfilters.pluralize,
        "truncatechars": defaultfilters.truncatechars,
        "truncatewords": defaultfilters.truncatewords,
        "urlencode": defaultfilters.urlencode,
        "yesno": defaultfilters.yesno,
        # The site's own.
        "demote_headings": catalog_extras.demote_headings,
        "fixed": catalog_extras.fixed,
        "get_item": catalog_extras.get_item,
        "items": items,
        "kind_badge": catalog_extras.kind_badge,
        "params_b": catalog_extras.params_b,
        "pretty_json": catalog_extras.pretty_json,
        "tokens": catalog_extras.tokens,
    })
    env.tests["none"] = _is_none
    env.tests["list"] = catalog_extras.is_list
    return env


class FormRenderer(renderers.Jinja2):
    """Form widgets, labels and error lists drawn by Jinja2 (``FORM_RENDERER``).

    Django's default renderer draws each widget with Django's engine, including its attributes
    template: the leaderboard's filter form (14 fields) cost 4.6 ms a page. Django ships the same
    templates for Jinja2 (django/forms/jinja2); they are rendered here with the site's printing of
    values, so the HTML is the same. A template only Django's engine has (the admin's own widgets)
    is drawn by Django's renderer, as before.
    """

    @cached_property
    def engine(self) -> BaseEngine:
        return self.backend({
            "APP_DIRS": False,
            "DIRS": [Path(renderers.__file__).parent / "jinja2"],
            "NAME": "djangoforms-jinja2",
            "OPTIONS": {"environment": "config.jinja2.form_environment"},
        })

    @cached_property
    def django_renderer(self) -> renderers.DjangoTemplates:
        return renderers.DjangoTemplates()

    def get_template(self, template_name: str) -> Any:
        try:
            return self.engine.get_template(template_name)
        except TemplateDoesNotExist:
            return self.django_renderer.get_template(template_name)
