"""Hardware probe (with simulated machines) and the fit rule."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from confide.core.hardware import (
    GB,
    GIB,
    NVIDIA_SMI_ARGS,
    CommandResult,
    FitReason,
    FitVerdict,
    GpuMemory,
    Hardware,
    HardwareProbe,
    Placement,
    explain_fit,
    fit_explanation,
    fit_for,
    kv_cache_allowance_bytes,
    memory_needed_bytes,
    parse_nvidia_smi,
    run_command,
)


@dataclass(frozen=True)
class Needs:
    download_size_bytes: int
    active_parameters_b: float


def model(download_gb: float, active_b: float) -> Needs:
    return Needs(round(download_gb * GB), active_b)


# --- memory rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("download_gb", "active_b", "needed_gb"),
    [
        (2.0, 3.21, 3.0),  # llama3.2:3b: 2.0 + 0.75 + 0.25
        (5.2, 8.0, 6.45),  # qwen3:8b: 2.0 + 0.75 + 0.5
        (9.1, 14.7, 10.6),  # phi4
        (19.0, 3.0, 20.0),  # qwen3:30b (mixture of experts: cache by active size)
        (43.0, 70.0, 45.1),  # llama3.3:70b
    ],
)
def test_memory_rule(download_gb: float, active_b: float, needed_gb: float) -> None:
    assert memory_needed_bytes(round(download_gb * GB), active_b) == round(needed_gb * GB)


def test_kv_allowance_grows_with_context() -> None:
    assert kv_cache_allowance_bytes(8.0, 4096) == 500_000_000
    assert kv_cache_allowance_bytes(8.0, 32768) == 8 * 500_000_000
    assert memory_needed_bytes(5 * GB, 8.0, 32768) > memory_needed_bytes(5 * GB, 8.0)


# --- fit verdicts on simulated machines --------------------------------------------------------

LAPTOP_8 = Hardware.simulated(8)
LAPTOP_16 = Hardware.simulated(16)
DESKTOP_32_NVIDIA_12 = Hardware.simulated(32, gpu_gib=12)
APPLE_16 = Hardware.simulated(16, apple_silicon=True)

SMALL_3B = model(2.0, 3.21)  # llama3.2:3b
QWEN_8B = model(5.2, 8.0)  # qwen3:8b
PHI4_14B = model(9.1, 14.7)
GPT_OSS_20B = model(14.0, 3.6)
GEMMA_27B = model(17.0, 27.0)
QWEN_30B_MOE = model(19.0, 3.0)
LLAMA_70B = model(43.0, 70.0)


@pytest.mark.parametrize(
    ("hardware", "needs", "verdict"),
    [
        (LAPTOP_8, SMALL_3B, FitVerdict.RUNS_WELL),
        (LAPTOP_8, QWEN_8B, FitVerdict.MAY_BE_SLOW),  # fits, but leaves little memory
        (LAPTOP_8, PHI4_14B, FitVerdict.WILL_NOT_FIT),
        (LAPTOP_16, QWEN_8B, FitVerdict.RUNS_WELL),
        (LAPTOP_16, PHI4_14B, FitVerdict.MAY_BE_SLOW),  # fits, but 14.7B on a processor
        (LAPTOP_16, GPT_OSS_20B, FitVerdict.MAY_BE_SLOW),  # tight
        (LAPTOP_16, GEMMA_27B, FitVerdict.WILL_NOT_FIT),
        (DESKTOP_32_NVIDIA_12, PHI4_14B, FitVerdict.RUNS_WELL),  # all on the card
        (DESKTOP_32_NVIDIA_12, QWEN_30B_MOE, FitVerdict.RUNS_WELL),  # 3B active on CPU
        (DESKTOP_32_NVIDIA_12, GEMMA_27B, FitVerdict.MAY_BE_SLOW),  # split card + CPU
        (DESKTOP_32_NVIDIA_12, LLAMA_70B, FitVerdict.WILL_NOT_FIT),
        (APPLE_16, PHI4_14B, FitVerdict.RUNS_WELL),  # unified memory: the GPU runs it
        (APPLE_16, GPT_OSS_20B, FitVerdict.MAY_BE_SLOW),
        (APPLE_16, GEMMA_27B, FitVerdict.WILL_NOT_FIT),
    ],
)
def test_fit_verdicts(hardware: Hardware, needs: Needs, verdict: FitVerdict) -> None:
    assert fit_for(needs, hardware).verdict is verdict


def test_fit_result_carries_the_numbers_and_reasons() -> None:
    result = fit_for(PHI4_14B, Hardware.simulated(16, available_gib=14))
    assert result.memory_needed_bytes == memory_needed_bytes(PHI4_14B.download_size_bytes, 14.7)
    assert result.total_ram_bytes == 16 * GIB
    assert result.placement is Placement.CPU
    assert result.reasons == (FitReason.LARGE_FOR_PROCESSOR,)

    on_card = fit_for(PHI4_14B, DESKTOP_32_NVIDIA_12)
    assert on_card.placement is Placement.GPU
    assert on_card.usable_gpu_bytes == round(12 * GIB * 0.9)

    split = fit_for(GEMMA_27B, DESKTOP_32_NVIDIA_12)
    assert split.placement is Placement.GPU_AND_CPU
    assert split.reasons[0] is FitReason.SPLIT_GRAPHICS_AND_MEMORY


def test_close_other_programs_when_free_memory_is_short() -> None:
    busy = Hardware.simulated(16, available_gib=3)
    result = fit_for(QWEN_8B, busy)
    assert result.verdict is FitVerdict.RUNS_WELL  # stable: judged on total memory
    assert result.should_close_other_programs
    assert not fit_for(
        QWEN_8B, Hardware.simulated(16, available_gib=12)
    ).should_close_other_programs


def test_larger_context_can_change_the_verdict() -> None:
    assert fit_for(QWEN_8B, LAPTOP_16).verdict is FitVerdict.RUNS_WELL
    assert fit_for(QWEN_8B, LAPTOP_16, context_tokens=65536).verdict is FitVerdict.MAY_BE_SLOW
    assert fit_for(QWEN_8B, LAPTOP_16, context_tokens=131072).verdict is FitVerdict.WILL_NOT_FIT


def test_explanation_is_english_with_the_numbers() -> None:
    text = explain_fit(fit_for(PHI4_14B, LAPTOP_16))
    assert text.startswith("May be slow on this computer.")
    assert "9.9 GB of memory" in text  # 10.6e9 bytes, shown in the OS's binary gigabytes
    assert "16 GB of RAM." in text
    assert "14.7 billion" in text
    assert "4,096 tokens" in text
    assert "{" not in text

    gpu_text = explain_fit(fit_for(PHI4_14B, DESKTOP_32_NVIDIA_12))
    assert "and 12 GB of graphics memory" in gpu_text
    assert "graphics card" in gpu_text

    too_big = explain_fit(fit_for(LLAMA_70B, LAPTOP_8))
    assert too_big.startswith("Will not fit on this computer.")
    assert "8 GB of RAM" in too_big


def test_explanation_templates_go_through_the_translator() -> None:
    explanation = fit_explanation(fit_for(SMALL_3B, LAPTOP_8))
    assert all("{" not in value for value in explanation.values.values())
    polish = {
        "Runs well on this computer.": "Działa dobrze na tym komputerze.",
        "It needs about {needed} of memory; this computer has {ram} of RAM{gpu}.": (
            "Potrzebuje około {needed} pamięci; ten komputer ma {ram} RAM{gpu}."
        ),
    }
    text = explanation.render(lambda template: polish.get(template, template))
    assert text.startswith("Działa dobrze na tym komputerze. Potrzebuje około 2.8 GB pamięci;")
    assert "ma 8 GB RAM." in text


# --- the probe ---------------------------------------------------------------------------------


def fake_memory(total_gib: float, available_gib: float) -> Any:
    return lambda: SimpleNamespace(total=int(total_gib * GIB), available=int(available_gib * GIB))


class FakeRunner:
    def __init__(self, replies: dict[str, CommandResult]) -> None:
        self.replies = replies
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, args: Sequence[str], timeout: float) -> CommandResult:
        assert timeout <= 5, "probes must use a short timeout"
        self.calls.append(tuple(args))
        return self.replies.get(args[0], CommandResult(returncode=-1, stdout=""))


def test_parse_nvidia_smi_skips_unreadable_lines() -> None:
    output = "12288, 1024\n[N/A], [N/A]\nWarning: something\n8192, 0\n"
    assert parse_nvidia_smi(output) == (
        GpuMemory(total_bytes=12288 * 1024**2, used_bytes=1024 * 1024**2),
        GpuMemory(total_bytes=8192 * 1024**2, used_bytes=0),
    )


def test_probe_reads_ram_and_nvidia_memory() -> None:
    runner = FakeRunner({"/usr/bin/nvidia-smi": CommandResult(0, "12288, 512\n")})
    probe = HardwareProbe(
        virtual_memory=fake_memory(32, 20),
        run=runner,
        which=lambda name: "/usr/bin/nvidia-smi" if name == "nvidia-smi" else None,
        system=lambda: "Linux",
        machine=lambda: "x86_64",
    )
    hardware = probe.probe()
    assert hardware.total_ram_bytes == 32 * GIB
    assert hardware.available_ram_bytes == 20 * GIB
    assert hardware.gpu_total_bytes == 12288 * 1024**2
    assert not hardware.unified_memory
    assert runner.calls == [("/usr/bin/nvidia-smi", *NVIDIA_SMI_ARGS)]


def test_probe_without_nvidia_smi_or_when_it_fails_reports_ram_only() -> None:
    absent = HardwareProbe(
        virtual_memory=fake_memory(8, 4), which=lambda _name: None, system=lambda: "Windows"
    )
    assert absent.probe().gpus == ()

    failing = HardwareProbe(
        virtual_memory=fake_memory(8, 4),
        run=FakeRunner({}),  # timeout or crash: returncode -1
        which=lambda _name: "nvidia-smi",
        system=lambda: "Linux",
        machine=lambda: "x86_64",
    )
    assert failing.probe().gpus == ()


def test_probe_detects_apple_silicon_unified_memory() -> None:
    runner = FakeRunner({})
    probe = HardwareProbe(
        virtual_memory=fake_memory(16, 9),
        run=runner,
        which=lambda _name: pytest.fail("no nvidia-smi lookup on a Mac"),
        system=lambda: "Darwin",
        machine=lambda: "arm64",
    )
    hardware = probe.probe()
    assert hardware.unified_memory and hardware.gpus == ()
    assert runner.calls == []


def test_probe_sees_through_rosetta() -> None:
    rosetta = FakeRunner({"sysctl": CommandResult(0, "1\n")})
    intel = FakeRunner({"sysctl": CommandResult(0, "0\n")})
    base: dict[str, Any] = {
        "virtual_memory": fake_memory(16, 9),
        "which": lambda _name: None,
        "system": lambda: "Darwin",
        "machine": lambda: "x86_64",
    }
    assert HardwareProbe(run=rosetta, **base).probe().unified_memory
    assert not HardwareProbe(run=intel, **base).probe().unified_memory


def test_run_command_handles_missing_programs_and_timeouts() -> None:
    assert run_command(["/nonexistent/nvidia-smi-xyz"], 1.0).returncode == -1
    started = time.monotonic()
    slow = run_command([sys.executable, "-c", "import time; time.sleep(10)"], 0.3)
    assert slow.returncode == -1
    assert time.monotonic() - started < 5
    ok = run_command([sys.executable, "-c", "print('12288, 0')"], 10.0)
    assert ok.returncode == 0 and parse_nvidia_smi(ok.stdout)


def test_probe_real_machine_smoke() -> None:
    hardware = HardwareProbe(run=FakeRunner({})).probe()  # real psutil, no real subprocess
    assert hardware.total_ram_bytes > 0
    assert 0 <= hardware.available_ram_bytes <= hardware.total_ram_bytes
