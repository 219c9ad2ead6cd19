"""Which torch device the embedders (and anything else that loads a model) run on."""

from __future__ import annotations

import os
import sys

from graphdb.vocabulary import DEVICE_CHOICES


class DeviceError(ValueError):
    """A device was asked for that this machine cannot give (bad name, or CUDA without a GPU)."""


def _no_nvidia_driver() -> bool:
    """True when this is Linux and no NVIDIA driver is loaded: CUDA is then certainly absent, and
    answering needs no `import torch` (seconds), which the fast text path otherwise never does."""
    return sys.platform.startswith("linux") and not (
        os.path.exists("/proc/driver/nvidia/version") or os.path.exists("/dev/nvidiactl")
    )


def cuda_available() -> bool:
    if _no_nvidia_driver():
        return False
    # torch is imported here, not at module level: importing `embed` must stay cheap.
    import torch

    return bool(torch.cuda.is_available())


def resolve_device(device: str = "auto") -> str:
    """'cuda' when CUDA is available and device is 'auto' or 'cuda', else 'cpu'.

    An explicit 'cuda' on a machine without CUDA is an error rather than a silent CPU fallback,
    so a misconfigured MATCHGRAPH_DEVICE shows up at start-up.
    """
    choice = (device or "auto").strip().lower()
    if choice not in DEVICE_CHOICES:
        raise DeviceError(f"device must be one of {', '.join(DEVICE_CHOICES)} (got {device!r})")
    if choice == "cpu":
        return "cpu"
    if cuda_available():
        return "cuda"
    if choice == "cuda":
        raise DeviceError(
            "device 'cuda' was asked for (MATCHGRAPH_DEVICE=cuda) but torch sees no CUDA GPU; use 'auto' or 'cpu'"
        )
    return "cpu"
