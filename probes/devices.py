"""Where a probe runs: device choice, precision, the device's name and peak rate, memory readings."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

from graphdb.vocabulary import DEVICE_CHOICES

# Dense bf16 tensor-core peaks (TFLOP/s, no sparsity) from the vendors' data sheets, matched on
# torch.cuda.get_device_name(). The first pattern that matches wins, so specific names go first.
BF16_PEAK_TFLOPS = (
    (r"H100.*PCIe", 756.0),
    (r"H100.*NVL", 835.0),
    (r"H100|H800", 989.0),  # SXM5
    (r"H200", 989.0),
    (r"GH200", 989.0),
    (r"B200", 2250.0),
    (r"A100", 312.0),
    (r"L40S", 362.0),
    (r"L4\b", 121.0),
)


class DeviceUnavailable(RuntimeError):
    """The requested device is not there (e.g. --device cuda on a machine without CUDA)."""


@dataclass(frozen=True)
class Placement:
    device: str  # 'cpu' | 'cuda'
    dtype_name: str  # 'float32' | 'bfloat16' | 'float16'
    device_name: str

    @property
    def dtype(self):
        import torch

        return getattr(torch, self.dtype_name)


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def resolve(device: str = "auto", dtype: str | None = None) -> Placement:
    """CUDA in bf16 (fp16 where bf16 is not supported) when asked or available; else CPU in fp32."""
    import torch

    if device not in DEVICE_CHOICES:
        raise ValueError(f"device must be one of {', '.join(DEVICE_CHOICES)} (got {device!r})")
    if device == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable("--device cuda, but torch sees no CUDA device here")
    if device == "cuda" or (device == "auto" and torch.cuda.is_available()):
        name = torch.cuda.get_device_name()
        chosen = dtype or ("bfloat16" if torch.cuda.is_bf16_supported() else "float16")
        return Placement("cuda", chosen, name)
    import os

    threads = torch.get_num_threads()
    return Placement("cpu", dtype or "float32", f"{cpu_name()} ({threads} threads, {os.cpu_count()} cores)")


def bf16_peak_tflops(device_name: str) -> float | None:
    for pattern, peak in BF16_PEAK_TFLOPS:
        if re.search(pattern, device_name):
            return peak
    return None


def synchronize(device: str) -> None:
    if device == "cuda":
        import torch

        torch.cuda.synchronize()


# -- memory ---------------------------------------------------------------------------------------

CUDA_MEMORY_METHOD = "torch.cuda.max_memory_allocated: weights + activations + workspace, MB"
CPU_MEMORY_METHOD = (
    "parameter bytes + peak RSS growth during the timed forwards "
    "(VmHWM reset through /proc/self/clear_refs; a 5 ms RSS sampler where that is not possible), MB"
)


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="utf-8") as status:
            match = re.search(rf"^{field}:\s+(\d+)\s+kB", status.read(), re.MULTILINE)
        return int(match.group(1)) if match else None
    except OSError:
        return None


class CpuPeakMemory:
    """Peak RSS growth over a block of work, in MB.

    On Linux the kernel's high-water mark (VmHWM) is reset to the current RSS by writing "5" to
    /proc/self/clear_refs, so the peak after the block is exact. Where that fails, a thread samples
    RSS every 5 ms (a short spike can be missed; the method string says so).
    """

    def __init__(self):
        self.baseline_kb = 0
        self.peak_kb = 0
        self._sampler: threading.Thread | None = None
        self._stop = threading.Event()

    def __enter__(self) -> CpuPeakMemory:
        self.baseline_kb = _status_kb("VmRSS") or 0
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
                clear.write("5")
            self._hwm = True
        except OSError:
            self._hwm = False
            self.peak_kb = self.baseline_kb
            self._sampler = threading.Thread(target=self._sample, daemon=True)
            self._sampler.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, _status_kb("VmRSS") or 0)
            time.sleep(0.005)

    def __exit__(self, *exc) -> None:
        if self._hwm:
            self.peak_kb = _status_kb("VmHWM") or self.baseline_kb
        else:
            self._stop.set()
            if self._sampler is not None:
                self._sampler.join()

    @property
    def growth_mb(self) -> float:
        return max(0, self.peak_kb - self.baseline_kb) / 1024
