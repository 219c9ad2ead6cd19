"""The GraphQL SDL exported from the code to `schema/schema.graphql`.

python -m graph_service.api.sdl          # rewrite the file
python -m graph_service.api.sdl --check  # exit 1 when the file is out of date
"""

from __future__ import annotations

import sys

from graph_service.api.schema import schema
from schema import sdl_file

SDL_PATH = sdl_file()  # package data of the top-level `schema` package
HEADER = "# Generated from graph_service/api by `python -m graph_service.api.sdl`; do not edit.\n\n"


def current_sdl() -> str:
    return HEADER + schema.as_str().strip() + "\n"


def main(argv: list[str]) -> int:
    text = current_sdl()
    if "--check" in argv:
        if not SDL_PATH.exists() or SDL_PATH.read_text(encoding="utf-8") != text:
            print(f"{SDL_PATH} is out of date: run `python -m graph_service.api.sdl`", file=sys.stderr)
            return 1
        return 0
    SDL_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {SDL_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
