"""Re-load the GPU and quantization reference data after editing hardware/data/*.json."""

from django.core.management.base import BaseCommand

from hardware.services.reference import sync_reference_data


class Command(BaseCommand):
    help = "Upsert the shipped GPUs and quantization formats (idempotent)."

    def handle(self, *args, **options) -> None:
        gpus, quants = sync_reference_data()
        self.stdout.write(self.style.SUCCESS(f"{gpus} GPUs and {quants} quantization formats loaded."))
