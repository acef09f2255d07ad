"""Extension points that keep dependencies pointing one way.

``catalog`` imports documents but knows nothing of ``evals`` or ``hardware``;
those apps subscribe here and store what is theirs (benchmark results, fit
estimates) inside the same transaction as the document.
"""

from django.dispatch import Signal

# Sent inside the import transaction: kwargs document, parsed (ParsedDocument), model, and cache
# (catalog.services.models.LookupCache, shared by the documents of one job; receivers keep their own
# per-job lookups in cache.extra under their app's name).
# A receiver that raises rolls the whole document back, so nothing is half-written.
# When the importer stores a group of documents in bulk (catalog.services.bulk_store) it also passes
# ``group`` (an ImportGroup): a receiver may then hand its writes to ``group.defer(key, fn, args)``
# so that ``fn([args of every document], cache=cache)`` runs once for the group (returning a set of
# touched model ids) instead of once per document. Without ``group`` it must write at once.
document_imported = Signal()

# Sent after a document's facts were deleted because a newer version replaces it: kwargs document.
document_superseded = Signal()

# Sent after an import job committed: kwargs job, model_ids (the models it touched).
import_job_finished = Signal()

# Sent after a curator changed catalog facts outside an import (API or admin), once the change
# is saved: kwargs model_ids (the models whose facts changed), fields (names of the changed
# LLMModel fields, plus "lineage" when edges were added or removed), user.
models_changed = Signal()
