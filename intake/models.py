from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow


class Consent(Base):
    """A resident's yes or no to the consent text, with the text's version, language and channel.

    Kept as long as the law requires (proof of consent) even after the record is deleted.
    """

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    text_version: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(16))
    given: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PreIntakeRecord(Base):
    """What the case manager gets before the first meeting: the record, encrypted at rest."""

    __tablename__ = "pre_intake_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"), unique=True
    )
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consents.id"))
    # The record as JSON (intake/record.py), encrypted with core.crypto.
    payload_encrypted: Mapped[str] = mapped_column(Text)
    # Unencrypted, for triage statistics and staff lists: no personal data.
    triage_outcome: Mapped[str] = mapped_column(String(24))
    triage_rule: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboxMessage(Base):
    """A record on its way to the case system; written in the booking's transaction.

    pending -> delivered, or dead after the retry window; an admin can re-drive a dead one.
    """

    __tablename__ = "intake_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int | None] = mapped_column(
        ForeignKey("pre_intake_records.id", ondelete="SET NULL")
    )
    # The receiver's guarantee of exactly once: the same key on every retry.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
