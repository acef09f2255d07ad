"""Ship the GPU and quantization-format reference data (hardware/data/*.json)."""

from django.db import migrations


def load(apps, schema_editor) -> None:
    from hardware.services.reference import sync_reference_data

    sync_reference_data(apps.get_model("hardware", "GPU"), apps.get_model("hardware", "QuantizationFormat"))


class Migration(migrations.Migration):
    dependencies = [("hardware", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
