from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow

REVIEW_STATES = ("draft", "machine_translated", "reviewed")
# What residents may see: drafts stay with the editors.
VISIBLE_STATES = ("machine_translated", "reviewed")
COUNTY_SCOPE = "*"


class FaqTopic(Base):
    """A topic residents ask about; its key is the Rasa intent (faq_housing, ...)."""

    __tablename__ = "faq_topics"
    __table_args__ = (UniqueConstraint("county_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))

    answers: Mapped[list["FaqAnswer"]] = relationship(back_populates="topic")


class FaqAnswer(Base):
    """One answer in one language, for the whole county or one municipality.

    The German answer is the source: its `version` grows when its text changes. A translation
    records the German version it was made from (`source_version`), so it shows as outdated
    when the German text moves on (the way Integreat tracks translation versions).
    """

    __tablename__ = "faq_answers"
    __table_args__ = (UniqueConstraint("topic_id", "scope", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("faq_topics.id", ondelete="CASCADE"))
    # COUNTY_SCOPE for the county's answer, else the municipality's slug.
    scope: Mapped[str] = mapped_column(String(64), default=COUNTY_SCOPE)
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    review_state: Mapped[str] = mapped_column(String(24), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    source_version: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The staff member who last edited it; content files never overwrite such an answer.
    updated_by: Mapped[str | None] = mapped_column(String(200))

    topic: Mapped[FaqTopic] = relationship(back_populates="answers")
