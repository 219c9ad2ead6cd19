"""Data files shipped inside matchgraph's packages, found through `importlib.resources`.

The same call finds them in a checkout, an editable install and an installed wheel, so nothing
computes paths from `__file__` to reach a folder beside the code. Callers get a `Path` because
the files are handed to programs that want one (Maven gets the pom, the ingester walks folders);
pip and uv always install wheels unpacked, so an installed resource is a real file.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def package_path(package: str, *parts: str) -> Path:
    """The file or folder `parts` inside the installed `package`, as a file-system path."""
    resource = files(package).joinpath(*parts)
    if not isinstance(resource, Path):  # a zip import: not how matchgraph is installed
        raise RuntimeError(
            f"{package}/{'/'.join(parts)} is not on the file system ({resource}); install matchgraph unpacked"
        )
    return resource
