"""Field validators shared by models, forms and serializers."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# The Hub allows letters, digits, '-', '_', '.' in both parts; no leading/trailing separators.
REPO_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")


def validate_repo_id(value: str) -> None:
    if not REPO_ID_RE.fullmatch(value or "") or ".." in value:
        raise ValidationError(
            "Enter a repo id of the form 'organization/name' (letters, digits, '-', '_' and '.').",
            code="invalid_repo_id",
        )
