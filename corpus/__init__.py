"""The sample corpus that `matchgraph demo` ingests, shipped as package data (found through
`importlib.resources`, so an installed matchgraph finds it as a checkout does).

    sample_folder()   sample/: the comparison documents
    rejects_folder()  rejects/: inputs that are not comparison documents, refused with a reason

How the files are made and what they must parse to: corpus/README.md in the repository (the
manifest and the capability data it is built from are not installed; only the two folders are).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _folder(name: str) -> Path:
    folder = files(__name__).joinpath(name)
    if not isinstance(folder, Path):  # a zip import: not how matchgraph is installed
        raise RuntimeError(f"the sample corpus is not on the file system ({folder}); install matchgraph unpacked")
    return folder


def sample_folder() -> Path:
    return _folder("sample")


def rejects_folder() -> Path:
    return _folder("rejects")
