from django.apps import AppConfig


class SitecacheConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "config.sitecache"
    label = "sitecache"
    verbose_name = "Response cache"

    def ready(self) -> None:
        from config.sitecache import receivers

        receivers.connect()
