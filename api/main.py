from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from api.channels import telegram, twilio
from api.errors import install_error_handlers
from api.rasa import RasaClient
from api.routes import booking, calendars, chat, health, intake, nlg, pages, schemas
from api.staff import STAFF_ROUTERS, auth
from core.settings import get_settings
from i18n.detect import warm_up
from i18n.languages import LANGUAGES


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    app.state.rasa = RasaClient(
        settings.rasa_urls, settings.rasa_timeout_seconds, settings.rasa_max_in_flight
    )
    await run_in_threadpool(warm_up, list(LANGUAGES))
    yield
    await app.state.rasa.aclose()


def create_app() -> FastAPI:
    app = FastAPI(
        title="KIM front door",
        summary="Multilingual first contact, screening and Sprechstunden booking for KIM.",
        version="0.1.0",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    routes = (health, nlg, booking, intake, calendars, schemas, pages)
    channels = (chat, twilio, telegram)
    for module in routes + channels:
        app.include_router(module.router)
    for router in STAFF_ROUTERS:
        app.include_router(router)
    auth.install(app)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    return app


app = create_app()
