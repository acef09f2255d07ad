"""The "what can I run?" finder form."""

from __future__ import annotations

from django import forms

from hardware.models import GPU
from hardware.services.fit import STANDARD_CONTEXTS


class FinderForm(forms.Form):
    gpus = forms.ModelMultipleChoiceField(
        queryset=GPU.objects.order_by("vendor", "memory_gb", "name"), to_field_name="slug", required=False,
        label="GPUs", help_text="One or more cards you have (their memory and bandwidth add up).",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    memory_gb = forms.FloatField(required=False, min_value=1, max_value=4096, label="…or memory (GB)")
    bandwidth_gbs = forms.FloatField(required=False, min_value=10, max_value=100_000, label="and bandwidth (GB/s)")
    context = forms.TypedChoiceField(choices=[(c, f"{c // 1024}K tokens") for c in STANDARD_CONTEXTS], coerce=int,
                                     initial=8192, required=False, empty_value=8192)
    min_tokens_per_s = forms.FloatField(required=False, min_value=0, max_value=10_000, label="Minimum tokens/s")
    license = forms.CharField(required=False, max_length=100)
    leaderboard = forms.ChoiceField(choices=[("open-llm-v1", "Open LLM Leaderboard v1"),
                                             ("open-llm-v2", "Open LLM Leaderboard v2"), ("nous", "Nous suite")],
                                    initial="open-llm-v1", required=False)

    def clean(self):
        data = super().clean()
        data["leaderboard"] = data.get("leaderboard") or "open-llm-v1"
        gpus = data.get("gpus")
        if not gpus and not (data.get("memory_gb") and data.get("bandwidth_gbs")):
            raise forms.ValidationError("Choose at least one GPU, or give both memory and bandwidth.")
        if gpus:
            data["memory_gb"] = sum(g.usable_memory_gb for g in gpus)
            # Layers are split across cards (llama.cpp's default): one token visits every card in
            # turn, so the effective bandwidth is the harmonic mean, not the sum.
            data["bandwidth_gbs"] = len(gpus) / sum(1 / g.bandwidth_gbs for g in gpus)
        return data
