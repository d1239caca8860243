# The app image: api (default), Celery worker, Celery beat and the one-shot migration.
# Build from the repository root: docker build -f docker/app.Dockerfile .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_NO_CACHE=1 \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

RUN pip install uv==0.13.8

WORKDIR /app

# Dependencies first: this layer is rebuilt only when pyproject.toml or uv.lock change.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev

COPY api api
COPY core core
COPY conversations conversations
COPY scheduler scheduler
COPY intake intake
COPY faq faq
COPY staff staff
COPY reports reports
COPY i18n i18n
COPY migrations migrations
COPY config config
COPY scripts scripts
COPY alembic.ini alembic.ini
# The api renders every bot text (NLG callback) from the responses in the Rasa domain.
COPY bot/domain.yml bot/domain.yml
# The NLU examples train the language-ID n-gram model at start-up (i18n/ngram_model.py).
COPY bot/data/nlu bot/data/nlu

RUN .venv/bin/pybabel compile -d i18n/locales -D messages

RUN useradd --system --uid 10001 --user-group --create-home --no-log-init kim \
    && mkdir -p /app/var \
    && chown kim:kim /app/var
USER kim

ENV PYTHONPATH=/app \
    PATH=/app/.venv/bin:$PATH \
    KIM_ENV=production

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["python", "-m", "api.serve"]
