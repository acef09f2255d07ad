"""Keep LLMModel.search_vector current in the database itself.

A trigger (rather than a save() hook) keeps the vector right for bulk inserts,
COPY loads and raw updates, which the synthetic-catalog generator and the importer use.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION catalog_llmmodel_search_vector() RETURNS trigger AS $$
BEGIN
  NEW.search_vector :=
      setweight(to_tsvector('simple', regexp_replace(coalesce(NEW.repo_id, ''), '[/_.-]', ' ', 'g')), 'A')
   || setweight(to_tsvector('simple', coalesce(NEW.name, '')), 'A')
   || setweight(to_tsvector('simple', coalesce(NEW.family, '') || ' ' || coalesce(NEW.architecture, '')), 'B')
   || setweight(to_tsvector('simple', array_to_string(coalesce(NEW.tags, '{}'), ' ')), 'B')
   || setweight(to_tsvector('english', coalesce(NEW.summary, '')), 'C')
   || setweight(to_tsvector('english', left(regexp_replace(coalesce(NEW.card_html, ''), '<[^>]*>', ' ', 'g'), 20000)), 'D');
  RETURN NEW;
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS catalog_llmmodel_search_vector_trg ON catalog_llmmodel;
CREATE TRIGGER catalog_llmmodel_search_vector_trg
BEFORE INSERT OR UPDATE OF repo_id, name, family, architecture, tags, summary, card_html
ON catalog_llmmodel FOR EACH ROW EXECUTE FUNCTION catalog_llmmodel_search_vector();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS catalog_llmmodel_search_vector_trg ON catalog_llmmodel;
DROP FUNCTION IF EXISTS catalog_llmmodel_search_vector();
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
