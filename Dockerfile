# One image for web, worker and beat; configuration comes from the environment.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# The mypyc-compiled scoring core (evals/scoring/native.py): gcc only for the build, removed after.
# A failed build fails the image (no --optional): production should not silently run the rules 1.5x slower.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && python -m evals.scoring.native build --force \
    && apt-get purge -y --auto-remove gcc libc6-dev && rm -rf /var/lib/apt/lists/*
RUN SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build CELERY_BROKER_URL=memory:// \
    python manage.py collectstatic --noinput
RUN useradd --system --uid 10001 app && chown -R app /app
USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
