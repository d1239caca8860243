"""Writes to the scheduler's tables happen here and nowhere else."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import Cluster, County, Municipality
from scheduler.schemas import CountyConfig

_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", " ": "-"})


def slugify(name: str) -> str:
    return name.lower().translate(_TRANSLITERATION)


def load_county(session: Session, config: CountyConfig) -> County:
    """Create or update a county from its config; running it twice changes nothing."""
    county = session.scalar(select(County).where(County.slug == config.slug))
    if county is None:
        county = County(slug=config.slug)
        session.add(county)
    county.name = config.name
    county.timezone = config.timezone
    county.default_language = config.default_language
    county.enabled_languages = ",".join(config.languages)
    session.flush()

    clusters = {c.key: c for c in session.scalars(select(Cluster).where(Cluster.county == county))}
    municipalities = {
        m.slug: m
        for m in session.scalars(select(Municipality).where(Municipality.county == county))
    }
    for cluster_config in config.clusters:
        cluster = clusters.get(cluster_config.key)
        if cluster is None:
            cluster = Cluster(county=county, key=cluster_config.key)
            session.add(cluster)
        cluster.name = cluster_config.name
        for name in cluster_config.municipalities:
            municipality = municipalities.get(slugify(name))
            if municipality is None:
                municipality = Municipality(county=county, slug=slugify(name))
                session.add(municipality)
            municipality.name = name
            municipality.cluster = cluster
    session.flush()
    return county


def get_county(session: Session, slug: str) -> County | None:
    return session.scalar(select(County).where(County.slug == slug))
