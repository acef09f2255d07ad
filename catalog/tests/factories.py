"""factory_boy factories for catalog rows. Other apps' tests import these too.

Defaults describe a plausible, fully documented (non-stub) model so a bare
``LLMModelFactory()`` renders every section of the model page.
"""

from __future__ import annotations

import hashlib
from datetime import date

import factory
from factory.django import DjangoModelFactory

from catalog.jobs import JobStatus
from catalog.models import (
    DocumentKind,
    DocumentStatus,
    EdgeKind,
    ImportItem,
    ImportJob,
    ItemStatus,
    LineageEdge,
    LLMModel,
    MergeRecipe,
    Organization,
    QuantFormat,
    QuantizedVariant,
    SourceDocument,
)


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"org{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    url = factory.LazyAttribute(lambda o: f"https://huggingface.co/{o.slug}")


class LLMModelFactory(DjangoModelFactory):
    """``LLMModelFactory(repo_id="acme/Foo-7B")`` also creates the ``acme`` organisation."""

    class Meta:
        model = LLMModel
        django_get_or_create = ("repo_id",)

    class Params:
        org_slug = factory.Sequence(lambda n: f"org{n}")

    repo_id = factory.LazyAttributeSequence(lambda o, n: f"{o.org_slug}/Model-{n}-7B")
    name = factory.LazyAttribute(lambda o: o.repo_id.split("/", 1)[1])
    organization = factory.LazyAttribute(lambda o: OrganizationFactory(slug=o.repo_id.split("/", 1)[0]))
    family = "mistral"
    architecture = "MistralForCausalLM"
    is_moe = False
    total_params_b = 7.2
    context_length = 32768
    license = "apache-2.0"
    release_date = date(2024, 1, 15)
    prompt_format = "chatml"
    prompt_template = "<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n"
    tags = factory.LazyFunction(lambda: ["text-generation"])
    downloads = factory.Sequence(lambda n: 1000 + n)
    summary = factory.LazyAttribute(lambda o: f"{o.name}, a test model.")
    card_html = "<p>A <strong>test</strong> card.</p>"


class MoEModelFactory(LLMModelFactory):
    is_moe = True
    num_experts = 8
    experts_per_token = 2
    total_params_b = 46.7
    active_params_b = 12.9
    architecture = "MixtralForCausalLM"
    family = "mixtral"


class StubModelFactory(LLMModelFactory):
    """A model known only because another document names it."""

    is_stub = True
    family = ""
    architecture = ""
    total_params_b = None
    context_length = None
    license = ""
    release_date = None
    prompt_format = ""
    prompt_template = ""
    downloads = None
    summary = ""
    card_html = ""


class SourceDocumentFactory(DjangoModelFactory):
    class Meta:
        model = SourceDocument

    kind = DocumentKind.MODEL_CARD
    raw_text = factory.Sequence(lambda n: f"---\nlicense: apache-2.0\n---\n# Test card {n}\n")
    content_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.raw_text.encode()).hexdigest())
    size_bytes = factory.LazyAttribute(lambda o: len(o.raw_text.encode()))
    origin = factory.Sequence(lambda n: f"cards/test-{n}.md")
    model = factory.SubFactory(LLMModelFactory)
    status = DocumentStatus.IMPORTED
    parsed_facts = factory.LazyFunction(lambda: {"model": {"license": "apache-2.0"}})
    warnings = factory.LazyFunction(list)


class LineageEdgeFactory(DjangoModelFactory):
    class Meta:
        model = LineageEdge

    child = factory.SubFactory(LLMModelFactory)
    parent = factory.SubFactory(LLMModelFactory)
    kind = EdgeKind.FINETUNE
    params = factory.LazyFunction(dict)
    confidence = 1.0
    evidence = "base_model in the card metadata"


class MergeRecipeFactory(DjangoModelFactory):
    class Meta:
        model = MergeRecipe

    model = factory.SubFactory(LLMModelFactory)
    step = 0
    tool = "mergekit"
    method = "ties"
    base_model = factory.SubFactory(LLMModelFactory)
    dtype = "bfloat16"
    parameters = factory.LazyFunction(lambda: {"normalize": True})
    raw_config = factory.LazyAttribute(
        lambda o: f"merge_method: {o.method}\nbase_model: {o.base_model.repo_id if o.base_model else ''}\n"
        "dtype: bfloat16\n"
    )
    parsed_config = factory.LazyAttribute(
        lambda o: {"merge_method": o.method, "base_model": o.base_model.repo_id if o.base_model else None}
    )


class QuantizedVariantFactory(DjangoModelFactory):
    class Meta:
        model = QuantizedVariant

    model = factory.SubFactory(LLMModelFactory)
    format = QuantFormat.GGUF
    level = "Q4_K_M"
    bits_per_weight = 4.85
    repo_id = factory.LazyAttribute(lambda o: f"{o.model.repo_id}-GGUF")
    quantizer = "TheBloke"


class ImportJobFactory(DjangoModelFactory):
    class Meta:
        model = ImportJob

    via = ImportJob.Via.UPLOAD
    label = "test import"
    status = JobStatus.DONE
    total = 1
    processed = 1
    succeeded = 1


class ImportItemFactory(DjangoModelFactory):
    class Meta:
        model = ImportItem

    job = factory.SubFactory(ImportJobFactory)
    position = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: f"card-{n}.md")
    content = "# card"
    status = ItemStatus.IMPORTED
