"""``escalade serve``: the local web workbench."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from typing import TYPE_CHECKING

from escalade.cli._common import EXIT_OK

if TYPE_CHECKING:
    from escalade.cli._common import Commands


def register(commands: Commands) -> None:
    """Add ``serve``."""
    p = commands.add_parser(
        "serve",
        help="the local web workbench: scenarios, what-if, jobs, run store",
        description=(
            "Serve the web workbench: pick a scenario, move its parameters and see the stage "
            "game re-solved, run analyses as jobs, browse the run store. Binds to 127.0.0.1 "
            "(this machine only) unless --host says otherwise. Needs the web extra: "
            "pip install 'escalade[web]'."
        ),
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument(
        "--runs",
        metavar="ROOT",
        default=None,
        help="run store folder jobs write into (default: a temporary folder)",
    )
    p.add_argument(
        "--scenarios",
        metavar="DIR",
        default=None,
        help="a folder of scenario files to offer beside the bundled ones",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    from escalade.errors import MissingDependencyError

    missing = [m for m in ("starlette", "uvicorn") if importlib.util.find_spec(m) is None]
    if missing:
        raise MissingDependencyError(
            f"escalade serve needs {' and '.join(missing)}, which are not installed; expected "
            "the web extra: pip install 'escalade[web]'"
        )
    from escalade.web import serve

    serve(
        host=args.host,
        port=args.port,
        runs=args.runs,
        scenarios=args.scenarios,
        say=lambda line: print(line, file=sys.stderr, flush=True),
    )
    return EXIT_OK
