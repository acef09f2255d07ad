from django.db import migrations


class Migration(migrations.Migration):
    """The catalog version: a sequence, because nextval is non-transactional and takes no row lock,
    so concurrent writers never wait on each other and every process (web, Celery, commands) sees
    the same counter with or without Redis."""

    initial = True
    dependencies: list = []

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS sitecache_catalog_version",
            "DROP SEQUENCE IF EXISTS sitecache_catalog_version",
        ),
    ]
