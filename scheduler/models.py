from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow


class County(Base):
    """A Kreis or kreisfreie Stadt running KIM; one deployment serves one county."""

    __tablename__ = "counties"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    default_language: Mapped[str] = mapped_column(String(8))
    # Comma-separated language codes, in the order the start buttons show them.
    enabled_languages: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    # BookingRules from the county config, as JSON (slot minutes per service, lead, horizon...).
    booking_rules: Mapped[dict] = mapped_column(JSON, default=dict)
    # The KIM coordination office: name, phone, email.
    contact: Mapped[dict] = mapped_column(JSON, default=dict)
    # Triage rules and service directory (intake/triage.py TriageConfig), as JSON.
    triage: Mapped[dict] = mapped_column(JSON, default=dict)
    # How records reach the case system (intake/adapters.py CaseSystemConfig), as JSON.
    case_system: Mapped[dict] = mapped_column(JSON, default=dict)
    # Which screening questions the chat asks (intake/screening.py ScreeningConfig), as JSON.
    screening: Mapped[dict] = mapped_column(JSON, default=dict)
    # Registration offices with a QR poster: [{key, name, municipality}] (OfficeConfig).
    offices: Mapped[list] = mapped_column(JSON, default=list)

    clusters: Mapped[list["Cluster"]] = relationship(back_populates="county")
    municipalities: Mapped[list["Municipality"]] = relationship(back_populates="county")

    @property
    def languages(self) -> list[str]:
        return [code for code in self.enabled_languages.split(",") if code]

    def office(self, key: str | None) -> dict | None:
        """The registration office with this key (a QR code's `src`), or None."""
        return next((office for office in self.offices or [] if office["key"] == key), None)


class Cluster(Base):
    """A group of neighbouring municipalities served by the same case managers."""

    __tablename__ = "clusters"
    __table_args__ = (UniqueConstraint("county_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))

    county: Mapped[County] = relationship(back_populates="clusters")
    municipalities: Mapped[list["Municipality"]] = relationship(back_populates="cluster")


class Municipality(Base):
    """A town or Gemeinde where residents live and case managers hold Sprechstunden."""

    __tablename__ = "municipalities"
    __table_args__ = (UniqueConstraint("county_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id", ondelete="SET NULL"))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))

    county: Mapped[County] = relationship(back_populates="municipalities")
    cluster: Mapped[Cluster | None] = relationship(back_populates="municipalities")


location_serves = Table(
    "location_serves",
    Base.metadata,
    Column("location_id", ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "municipality_id", ForeignKey("municipalities.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Location(Base):
    """A place where case managers hold Sprechstunden (a town hall room, a social office)."""

    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("county_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    room: Mapped[str] = mapped_column(String(200), default="")
    step_free: Mapped[bool] = mapped_column(Boolean, default=False)
    # How to get there by bus: lines and stop (Wesel: poor public transport, 004:122).
    bus: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    county: Mapped[County] = relationship()
    municipality: Mapped[Municipality] = relationship()
    # Further municipalities this location serves besides its own.
    serves: Mapped[list[Municipality]] = relationship(secondary=location_serves)
    office_hours: Mapped[list["OfficeHours"]] = relationship(
        back_populates="location", cascade="all, delete-orphan"
    )


class CaseManager(Base):
    __tablename__ = "case_managers"
    __table_args__ = (UniqueConstraint("county_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), default="")
    # Languages spoken besides German, comma-separated codes.
    languages: Mapped[str] = mapped_column(String(200), default="")
    # Secret part of the private ICS feed URL; replacing it revokes old subscriptions.
    feed_token: Mapped[str] = mapped_column(String(64), unique=True)
    # Bumped at the start of every booking write: a row lock that serialises bookings of one
    # case manager on PostgreSQL and takes SQLite's write lock before anything is read.
    lock_version: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    county: Mapped[County] = relationship()
    absences: Mapped[list["Absence"]] = relationship(
        back_populates="case_manager",
        cascade="all, delete-orphan",
        foreign_keys="Absence.case_manager_id",
    )


class OfficeHours(Base):
    """A weekly recurring Sprechstunde of one case manager at one location, in local time."""

    __tablename__ = "office_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"))
    case_manager_id: Mapped[int] = mapped_column(ForeignKey("case_managers.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(SmallInteger)  # Monday = 0
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    # Comma-separated service keys (booking.services in the county config).
    services: Mapped[str] = mapped_column(String(200), default="intake")

    location: Mapped[Location] = relationship(back_populates="office_hours")
    case_manager: Mapped[CaseManager] = relationship()

    @property
    def service_list(self) -> list[str]:
        return [s for s in self.services.split(",") if s]


class Closure(Base):
    """A day without Sprechstunden besides NRW public holidays: county-wide or one location."""

    __tablename__ = "closures"
    __table_args__ = (UniqueConstraint("county_id", "day", "location_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")

    county: Mapped[County] = relationship()


class Absence(Base):
    """A case manager away (holiday, illness); a cover person holds the Sprechstunden if named."""

    __tablename__ = "absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_manager_id: Mapped[int] = mapped_column(ForeignKey("case_managers.id", ondelete="CASCADE"))
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    cover_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_managers.id", ondelete="SET NULL")
    )

    case_manager: Mapped[CaseManager] = relationship(
        back_populates="absences", foreign_keys=[case_manager_id]
    )
    cover: Mapped[CaseManager | None] = relationship(foreign_keys=[cover_id])


# A booking row occupies its slot while it is held or confirmed.
ACTIVE_STATES = ("held", "confirmed")
_ACTIVE = text("status IN ('held', 'confirmed')")
_CONFIRMED = text("status = 'confirmed'")


class Booking(Base):
    """A slot held, then booked: held -> confirmed -> cancelled / attended / no_show.

    The partial unique indexes are the guarantee against double booking: one active booking per
    case manager and start time, and one confirmed booking per conversation and service.
    """

    __tablename__ = "bookings"
    __table_args__ = (
        Index(
            "uq_bookings_active_slot",
            "case_manager_id",
            "starts_at",
            unique=True,
            postgresql_where=_ACTIVE,
            sqlite_where=_ACTIVE,
        ),
        Index(
            "uq_bookings_confirmed_per_conversation",
            "conversation_id",
            "service",
            unique=True,
            postgresql_where=_CONFIRMED,
            sqlite_where=_CONFIRMED,
        ),
        Index("ix_bookings_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    # The pseudonymous conversation (never a phone number); no foreign key: a deleted
    # conversation leaves an anonymous booking behind for the key figures.
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    service: Mapped[str] = mapped_column(String(32))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    case_manager_id: Mapped[int] = mapped_column(ForeignKey("case_managers.id"))
    # Where the resident lives (may differ from the location's town).
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="held")
    language: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(16))
    hold_token: Mapped[str] = mapped_column(String(64), unique=True)
    hold_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    code: Mapped[str | None] = mapped_column(String(8), unique=True)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(String(32))
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    no_show_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    feedback_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    feedback_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    location: Mapped[Location] = relationship()
    case_manager: Mapped[CaseManager] = relationship()
    municipality: Mapped[Municipality | None] = relationship()


class FeedbackResponse(Base):
    """Three answers after an attended appointment; no link back to the booking or person."""

    __tablename__ = "feedback_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))
    language: Mapped[str] = mapped_column(String(8))
    # yes / partly / no, or null when skipped.
    understood: Mapped[str | None] = mapped_column(String(8))
    helpful: Mapped[str | None] = mapped_column(String(8))
    recommend: Mapped[str | None] = mapped_column(String(8))
    # Only the month: a day would help re-identify the person.
    submitted_month: Mapped[date] = mapped_column(Date)
