"""The web channel's contract (architecture: `POST /api/v1/chat`)."""

from pydantic import BaseModel, ConfigDict, Field, StrictStr


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sender_id: StrictStr = Field(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")
    text: StrictStr
    language: StrictStr | None = None
    source: StrictStr | None = Field(None, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class Button(BaseModel):
    title: str
    payload: str


class BotMessage(BaseModel):
    text: str
    buttons: list[Button] = []


class ChatResponse(BaseModel):
    language: str
    messages: list[BotMessage]


class ErrorDetail(BaseModel):
    field: str | None = None
    message: str


class ErrorResponse(BaseModel):
    error: str
    message: str
    details: list[ErrorDetail] = []
