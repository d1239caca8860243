"""Operator commands: `python -m api.cli load-county [SLUG | --all]`."""

import argparse
from pathlib import Path

from sqlalchemy.orm import Session

from core.db import session_scope
from core.settings import PROJECT_ROOT, get_settings
from faq.schemas import read_faq_content
from faq.service import load_faq_content
from intake.service import rotate_data_keys
from scheduler.models import County
from scheduler.schemas import read_county_config
from scheduler.service import load_county


def load_county_with_content(session: Session, path: Path) -> tuple[County, int]:
    """A county from its config file, with its curated FAQ content (config/faq/<slug>/)."""
    config = read_county_config(path)
    faq_dir = PROJECT_ROOT / "config" / "faq" / config.slug
    county = load_county(session, config)
    answers = (
        load_faq_content(session, county, read_faq_content(faq_dir)) if faq_dir.is_dir() else 0
    )
    return county, answers


def _load_county(args: argparse.Namespace) -> None:
    settings = get_settings()
    directory = settings.counties_dir
    paths = (
        sorted(directory.glob("*.yml"))
        if args.all
        else [directory / f"{args.slug or settings.county}.yml"]
    )
    for path in paths:
        with session_scope() as session:
            county, answers = load_county_with_content(session, path)
            print(f"{answers} FAQ answers; ", end="")
            print(
                f"loaded {county.name}: {len(county.municipalities)} municipalities, "
                f"{len(county.clusters)} clusters, languages {', '.join(county.languages)}"
            )


def _rotate_data_keys(args: argparse.Namespace) -> None:
    with session_scope() as session:
        print(f"re-encrypted {rotate_data_keys(session)} records with the newest key")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m api.cli")
    commands = parser.add_subparsers(required=True)
    load = commands.add_parser("load-county", help="create or update a county from config/counties")
    load.add_argument("slug", nargs="?", help="file name without .yml (default: KIM_COUNTY)")
    load.add_argument("--all", action="store_true", help="every file in config/counties")
    load.set_defaults(handler=_load_county)
    rotate = commands.add_parser(
        "rotate-data-keys", help="re-encrypt stored records with the first key of DATA_KEYS"
    )
    rotate.set_defaults(handler=_rotate_data_keys)
    args = parser.parse_args(argv)
    args.handler(args)


if __name__ == "__main__":
    main()
