from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
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


class IntakeStatistic(Base):
    """One screening, counted for the key figures: no link to a person, a booking or a record.

    Records are deleted 30 days after the appointment; these rows stay, so the yearly report
    still has triage outcomes and life areas ("case level to structure level").
    """

    __tablename__ = "intake_statistics"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    # The first day of the month: no finer time is kept.
    month: Mapped[date] = mapped_column(Date, index=True)
    booked: Mapped[bool] = mapped_column(Boolean)
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipalities.id", ondelete="SET NULL")
    )
    outcome: Mapped[str] = mapped_column(String(24))
    rule: Mapped[str] = mapped_column(String(64))
    # The referral's service as named when the rule fired (the config may change later).
    service: Mapped[str | None] = mapped_column(String(200))
    # Comma-separated life-area codes (intake/screening.py), "" when none were named.
    life_areas: Mapped[str] = mapped_column(String(300), default="")


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
