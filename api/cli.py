"""Operator commands: `python -m api.cli load-county [SLUG | --all]`."""

import argparse

from core.db import session_scope
from core.settings import get_settings
from scheduler.schemas import read_county_config
from scheduler.service import load_county


def _load_county(args: argparse.Namespace) -> None:
    settings = get_settings()
    directory = settings.counties_dir
    paths = (
        sorted(directory.glob("*.yml"))
        if args.all
        else [directory / f"{args.slug or settings.county}.yml"]
    )
    for path in paths:
        config = read_county_config(path)
        with session_scope() as session:
            county = load_county(session, config)
            print(
                f"loaded {county.name}: {len(county.municipalities)} municipalities, "
                f"{len(county.clusters)} clusters, languages {', '.join(county.languages)}"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m api.cli")
    commands = parser.add_subparsers(required=True)
    load = commands.add_parser("load-county", help="create or update a county from config/counties")
    load.add_argument("slug", nargs="?", help="file name without .yml (default: KIM_COUNTY)")
    load.add_argument("--all", action="store_true", help="every file in config/counties")
    load.set_defaults(handler=_load_county)
    args = parser.parse_args(argv)
    args.handler(args)


if __name__ == "__main__":
    main()
