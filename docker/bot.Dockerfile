# The bot image: Rasa (default command) and, with another command, the action server:
#   python -m rasa_sdk --actions actions --port 5055
# Build from the repository root: docker build -f docker/bot.Dockerfile .
FROM python:3.10-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1

RUN pip install uv==0.13.8

WORKDIR /app

# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY bot/requirements.lock bot/requirements.lock
RUN uv pip install --system -r bot/requirements.lock

# A home directory: Rasa and matplotlib keep small config files there.
RUN useradd --system --uid 10001 --user-group --create-home --no-log-init kim \
    && chown kim:kim /app /app/bot

# Named files only: a local bot/.venv or bot/models never ends up in the image.
COPY --chown=kim:kim bot/config.yml bot/domain.yml bot/credentials.yml bot/endpoints.production.yml \
     bot/components.py bot/lock_store.py bot/nlg.py bot/serve.py bot/tracker_store.py bot/
COPY --chown=kim:kim bot/data bot/data
COPY --chown=kim:kim actions actions

USER kim

# The model is part of the image: a container starts the exact model that was built and tested.
RUN RASA_CACHE_DIRECTORY=/tmp/rasa-cache rasa train \
        --config bot/config.yml --domain bot/domain.yml --data bot/data --out bot/models --skip-validation \
    && rm -rf /tmp/rasa-cache .rasa

EXPOSE 5005 5055

CMD ["python", "-m", "bot.serve", "run", "--interface", "0.0.0.0", "--port", "5005", "--model", "bot/models", \
     "--endpoints", "bot/endpoints.production.yml", "--credentials", "bot/credentials.yml"]
