"""Forms shared by the public import page and the admin upload page."""

from __future__ import annotations

from django import forms
from django.conf import settings

from catalog.services.imports import DocumentInput
from catalog.services.models import normalize_repo_id


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ImportForm(forms.Form):
    files = MultipleFileField(
        required=False,
        help_text="Model cards (.md), scraped catalog pages (.txt) or lm-eval result files (.json).",
    )
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}), required=False, label="Or paste a document",
        max_length=settings.MAX_DOCUMENT_BYTES,
    )
    repo_id = forms.CharField(
        required=False, max_length=200, label="Repo id (optional)",
        help_text="Only needed when the document does not say which model it describes, e.g. org/name.",
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > settings.MAX_BATCH_FILES:
            raise forms.ValidationError(f"At most {settings.MAX_BATCH_FILES} files per import.")
        for upload in files:
            if upload.size > settings.MAX_DOCUMENT_BYTES:
                raise forms.ValidationError(
                    f"{upload.name} is {upload.size:,} bytes; the limit is {settings.MAX_DOCUMENT_BYTES:,} bytes."
                )
        total = sum(upload.size for upload in files)
        if total > settings.MAX_BATCH_BYTES:
            raise forms.ValidationError(
                f"The files add up to {total:,} bytes; one import takes at most {settings.MAX_BATCH_BYTES:,} bytes."
            )
        return files

    def clean_repo_id(self) -> str:
        value = self.cleaned_data["repo_id"].strip()
        if value and not normalize_repo_id(value):
            raise forms.ValidationError("Enter a repo id of the form organization/name.")
        return value

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("files") and not (data.get("text") or "").strip():
            raise forms.ValidationError("Choose at least one file or paste a document.")
        return data

    def documents(self) -> list[DocumentInput]:
        repo_id = self.cleaned_data["repo_id"]
        docs = [DocumentInput(name=f.name, content=f.read(), repo_id_hint=repo_id) for f in self.cleaned_data["files"]]
        if self.cleaned_data["text"].strip():
            docs.append(DocumentInput(name="pasted text", content=self.cleaned_data["text"], repo_id_hint=repo_id))
        return docs
