from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base


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

    clusters: Mapped[list["Cluster"]] = relationship(back_populates="county")
    municipalities: Mapped[list["Municipality"]] = relationship(back_populates="county")

    @property
    def languages(self) -> list[str]:
        return [code for code in self.enabled_languages.split(",") if code]


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
