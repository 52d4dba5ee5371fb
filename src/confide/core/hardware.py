"""How much memory this computer has, and whether a model will run well on it.

Three parts, kept apart so that each can be tested on its own:

* :class:`HardwareProbe` reads RAM (psutil), NVIDIA graphics memory (``nvidia-smi``) and
  whether the Mac has Apple Silicon unified memory. Every outside call is injectable, so
  tests can simulate any machine. The probe can block for up to its timeout: call it off
  the GUI thread.
* :func:`memory_needed_bytes` is the one rule for "how much memory does this model need".
  The catalog data stores its result too (``memory_needed_gb``) and a test keeps the two
  in step.
* :func:`fit_for` is a pure function from a model's needs and a :class:`Hardware` to a
  :class:`FitResult` (verdict, reasons and the numbers). :func:`fit_explanation` turns that
  into an English template plus values, which the UI translates before formatting.

The numbers below are deliberately cautious. Telling someone a model "may be slow" and
having it run fine costs little; promising it "runs well" and having the laptop freeze
while a lawyer has twenty documents open costs their trust.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

import psutil

GB = 1_000_000_000  # model sizes are published in decimal gigabytes (as ollama.com shows)
GIB = 1024**3  # installed RAM is sold and reported by the OS in binary gigabytes
MIB = 1024**2

# --- The memory rule -----------------------------------------------------------------------

#: Ollama's context window when nobody changes ``num_ctx`` (docs/faq: "By default, Ollama
#: uses a context window size of 4096 tokens"; newer builds keep 4k below 24 GiB of VRAM).
DEFAULT_CONTEXT_TOKENS = 4096

#: The runner process, its compute buffers and the graph: "~0.5–1 GB for Ollama" (catalog
#: facts §14). We take the middle.
RUNTIME_OVERHEAD_BYTES = 750_000_000

#: KV-cache allowance per 4096 tokens of context, by active parameters (billions). It grows
#: with layers x KV heads x head size, which grow with model size. Anchors, in f16:
#: Llama-3.1-8B = 2 x 32 layers x 8 KV heads x 128 x 2 bytes = 128 KiB/token = 0.54 GB per
#: 4096 tokens; Llama-70B (80 layers) = 1.34 GB. Mixture-of-experts models are looked up by
#: their *active* size: their attention layers (hence the cache) are sized like a dense
#: model of about that size (Mixtral 8x7B's cache is the same as Mistral 7B's).
KV_ALLOWANCE_PER_4K: tuple[tuple[float, int], ...] = (
    (4.0, 250_000_000),
    (9.0, 500_000_000),
    (15.0, 750_000_000),
    (40.0, 1_000_000_000),
    (float("inf"), 1_350_000_000),
)

MEMORY_RULE_TEXT = (
    "memory needed = download size + 0.75 GB runtime overhead + a KV-cache allowance for "
    "the context (per 4096 tokens: 0.25 GB up to 4B active parameters, 0.5 GB up to 9B, "
    "0.75 GB up to 15B, 1.0 GB up to 40B, 1.35 GB above), computed at Ollama's default "
    "context of 4096 tokens. Weights in memory are about the size of the GGUF file, so the "
    "download size is not multiplied."
)


def kv_cache_allowance_bytes(active_parameters_b: float, context_tokens: int) -> int:
    """The KV-cache part of the memory rule; linear in the context length."""
    per_4k = KV_ALLOWANCE_PER_4K[-1][1]
    for limit, allowance in KV_ALLOWANCE_PER_4K:
        if active_parameters_b <= limit:
            per_4k = allowance
            break
    return round(per_4k * max(context_tokens, 0) / DEFAULT_CONTEXT_TOKENS)


def memory_needed_bytes(
    download_size_bytes: int,
    active_parameters_b: float,
    context_tokens: int = DEFAULT_CONTEXT_TOKENS,
) -> int:
    """Memory a model needs to run, by :data:`MEMORY_RULE_TEXT`.

    Not the popular "download x 1.2": that charges a 43 GB model 8.6 GB of headroom it does
    not use, while the llama.cpp size tables and the worked examples in our catalog facts
    show weights take about their file size, plus a cache that depends on the context.
    """
    return (
        download_size_bytes
        + RUNTIME_OVERHEAD_BYTES
        + kv_cache_allowance_bytes(active_parameters_b, context_tokens)
    )


# --- Hardware --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GpuMemory:
    """One graphics card's dedicated memory."""

    total_bytes: int
    used_bytes: int = 0
    vendor: str = "NVIDIA"


@dataclass(frozen=True)
class Hardware:
    """What the probe found. Build one directly to simulate a machine."""

    total_ram_bytes: int
    available_ram_bytes: int
    gpus: tuple[GpuMemory, ...] = ()
    #: Apple Silicon: the graphics processor uses the same RAM, so there is no separate
    #: graphics memory, and models run on the GPU out of RAM.
    unified_memory: bool = False

    @property
    def gpu_total_bytes(self) -> int:
        return sum(gpu.total_bytes for gpu in self.gpus)

    @property
    def has_dedicated_gpu(self) -> bool:
        return self.gpu_total_bytes > 0

    @classmethod
    def simulated(
        cls,
        ram_gib: float,
        *,
        available_gib: float | None = None,
        gpu_gib: float = 0.0,
        apple_silicon: bool = False,
    ) -> Hardware:
        """A made-up machine, for tests and "what if I had more memory" previews."""
        total = round(ram_gib * GIB)
        available = round((ram_gib * 0.6 if available_gib is None else available_gib) * GIB)
        gpus = (GpuMemory(total_bytes=round(gpu_gib * GIB)),) if gpu_gib > 0 else ()
        return cls(total, available, gpus, unified_memory=apple_silicon)


@dataclass(frozen=True)
class CommandResult:
    returncode: int
    stdout: str


CommandRunner = Callable[[Sequence[str], float], CommandResult]


def run_command(args: Sequence[str], timeout: float) -> CommandResult:
    """Run a short helper command; any failure is an ordinary "not available"."""
    kwargs: dict[str, Any] = {}
    if sys.platform == "win32":
        # A windowed app must not flash a console window for every probe.
        kwargs["creationflags"] = getattr(subprocess, "CREATE_NO_WINDOW", 0)
    try:
        completed = subprocess.run(  # a fixed argument list, never a shell
            list(args),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **kwargs,
        )
    except (OSError, subprocess.SubprocessError):
        return CommandResult(returncode=-1, stdout="")
    return CommandResult(returncode=completed.returncode, stdout=completed.stdout)


def parse_nvidia_smi(output: str) -> tuple[GpuMemory, ...]:
    """Parse ``memory.total,memory.used`` in MiB, one line per card.

    Lines that are not two numbers (``[N/A]`` on some laptops, warnings) are skipped rather
    than failing the whole probe.
    """
    gpus: list[GpuMemory] = []
    for line in output.splitlines():
        fields = [item.strip() for item in line.split(",")]
        if len(fields) != 2:
            continue
        try:
            total_mib, used_mib = float(fields[0]), float(fields[1])
        except ValueError:
            continue
        if total_mib > 0:
            gpus.append(
                GpuMemory(total_bytes=round(total_mib * MIB), used_bytes=round(used_mib * MIB))
            )
    return tuple(gpus)


NVIDIA_SMI_ARGS = (
    "--query-gpu=memory.total,memory.used",
    "--format=csv,noheader,nounits",
)


@dataclass
class HardwareProbe:
    """Reads this computer's memory. Replace any callable to simulate another machine."""

    virtual_memory: Callable[[], Any] = psutil.virtual_memory
    run: CommandRunner = run_command
    which: Callable[[str], str | None] = shutil.which
    system: Callable[[], str] = platform.system
    machine: Callable[[], str] = platform.machine
    timeout_s: float = 2.0
    _cache: Hardware | None = field(default=None, init=False, repr=False)

    def probe(self) -> Hardware:
        memory = self.virtual_memory()
        apple = self._is_apple_silicon()
        gpus = () if apple else self._nvidia_gpus()
        return Hardware(
            total_ram_bytes=int(memory.total),
            available_ram_bytes=int(memory.available),
            gpus=gpus,
            unified_memory=apple,
        )

    def _is_apple_silicon(self) -> bool:
        if self.system() != "Darwin":
            return False
        if self.machine() == "arm64":
            return True
        # An x86_64 Python under Rosetta still runs on Apple Silicon, and so does Ollama
        # (natively); the kernel tells the truth through this sysctl.
        result = self.run(("sysctl", "-n", "hw.optional.arm64"), self.timeout_s)
        return result.returncode == 0 and result.stdout.strip() == "1"

    def _nvidia_gpus(self) -> tuple[GpuMemory, ...]:
        executable = self.which("nvidia-smi")
        if executable is None:
            return ()
        result = self.run((executable, *NVIDIA_SMI_ARGS), self.timeout_s)
        if result.returncode != 0:
            return ()
        return parse_nvidia_smi(result.stdout)


def probe_hardware(probe: HardwareProbe | None = None) -> Hardware:
    return (probe or HardwareProbe()).probe()


# --- Fit -------------------------------------------------------------------------------------


class FitVerdict(str, Enum):
    RUNS_WELL = "runs_well"
    MAY_BE_SLOW = "may_be_slow"
    WILL_NOT_FIT = "will_not_fit"

    @property
    def rank(self) -> int:
        """0 is best; for sorting."""
        return _VERDICT_RANK[self]


_VERDICT_RANK = {FitVerdict.RUNS_WELL: 0, FitVerdict.MAY_BE_SLOW: 1, FitVerdict.WILL_NOT_FIT: 2}


class FitReason(str, Enum):
    FITS_GRAPHICS_MEMORY = "fits_graphics_memory"  # whole model on the graphics card
    FITS_UNIFIED_MEMORY = "fits_unified_memory"  # Apple Silicon, comfortably
    FITS_MEMORY = "fits_memory"  # CPU, comfortably, and small enough to be quick
    TIGHT_MEMORY = "tight_memory"  # fits only with little left for other programs
    LARGE_FOR_PROCESSOR = "large_for_processor"  # fits, but many parameters on a CPU
    SPLIT_GRAPHICS_AND_MEMORY = "split_graphics_and_memory"  # part on the card, part on CPU
    TOO_BIG = "too_big"
    CLOSE_OTHER_PROGRAMS = "close_other_programs"  # needs more than is free right now


class Placement(str, Enum):
    GPU = "gpu"
    GPU_AND_CPU = "gpu_and_cpu"
    CPU = "cpu"
    NONE = "none"


#: Share of total RAM a model may take and still leave the OS, a browser and an office
#: suite room to breathe.
COMFORTABLE_RAM_FRACTION = 0.70
#: What the operating system itself needs at the very least; beyond this the model cannot
#: be loaded without heavy swapping (Ollama refuses to load it).
OS_RESERVE_BYTES = 1_500_000_000
#: Drivers and the desktop keep part of a graphics card's memory.
USABLE_GPU_FRACTION = 0.90
#: On a processor alone, speed follows the active parameters read per token. Above this a
#: laptop CPU gives a few words per second: usable, but slow.
CPU_COMFORTABLE_ACTIVE_PARAMETERS_B = 10.0


class ModelNeeds(Protocol):
    """What :func:`fit_for` needs to know about a model (a catalog Variant has these)."""

    @property
    def download_size_bytes(self) -> int: ...

    @property
    def active_parameters_b(self) -> float: ...


@dataclass(frozen=True)
class FitResult:
    verdict: FitVerdict
    reasons: tuple[FitReason, ...]
    placement: Placement
    memory_needed_bytes: int
    total_ram_bytes: int
    available_ram_bytes: int
    usable_gpu_bytes: int
    unified_memory: bool
    active_parameters_b: float
    context_tokens: int

    @property
    def should_close_other_programs(self) -> bool:
        return FitReason.CLOSE_OTHER_PROGRAMS in self.reasons


def fit_for(
    model: ModelNeeds,
    hardware: Hardware,
    context_tokens: int = DEFAULT_CONTEXT_TOKENS,
) -> FitResult:
    """Will ``model`` run on ``hardware``? Pure: same inputs, same answer.

    Rules, first match wins:

    1. Dedicated graphics card and the model fits in 90% of its memory: RUNS_WELL.
    2. More than (RAM - 1.5 GB OS reserve) + usable graphics memory: WILL_NOT_FIT.
    3. Apple Silicon: within 70% of RAM RUNS_WELL (the GPU runs it from RAM), else
       MAY_BE_SLOW (tight).
    4. Otherwise the processor does (most of) the work: more than 70% of RAM is
       MAY_BE_SLOW (tight); more than 10B active parameters is MAY_BE_SLOW (large for a
       processor); anything else RUNS_WELL.

    The verdict uses *total* RAM so that it does not flicker as other programs open and
    close; needing more than is free right now is reported separately as a reason.
    """
    active_b = model.active_parameters_b
    needed = memory_needed_bytes(model.download_size_bytes, active_b, context_tokens)
    total = hardware.total_ram_bytes
    usable_gpu = round(hardware.gpu_total_bytes * USABLE_GPU_FRACTION)
    comfortable = total * COMFORTABLE_RAM_FRACTION
    limit = max(total - OS_RESERVE_BYTES, 0) + usable_gpu

    reasons: list[FitReason] = []
    if hardware.has_dedicated_gpu and needed <= usable_gpu:
        verdict, placement = FitVerdict.RUNS_WELL, Placement.GPU
        reasons.append(FitReason.FITS_GRAPHICS_MEMORY)
    elif needed > limit:
        verdict, placement = FitVerdict.WILL_NOT_FIT, Placement.NONE
        reasons.append(FitReason.TOO_BIG)
    elif hardware.unified_memory:
        placement = Placement.GPU
        if needed <= comfortable:
            verdict = FitVerdict.RUNS_WELL
            reasons.append(FitReason.FITS_UNIFIED_MEMORY)
        else:
            verdict = FitVerdict.MAY_BE_SLOW
            reasons.append(FitReason.TIGHT_MEMORY)
    else:
        placement = Placement.GPU_AND_CPU if hardware.has_dedicated_gpu else Placement.CPU
        if needed > comfortable:
            reasons.append(FitReason.TIGHT_MEMORY)
        if active_b > CPU_COMFORTABLE_ACTIVE_PARAMETERS_B:
            reasons.append(FitReason.LARGE_FOR_PROCESSOR)
        if reasons:
            verdict = FitVerdict.MAY_BE_SLOW
            if placement is Placement.GPU_AND_CPU:
                reasons.insert(0, FitReason.SPLIT_GRAPHICS_AND_MEMORY)
        else:
            verdict = FitVerdict.RUNS_WELL
            reasons.append(FitReason.FITS_MEMORY)

    runs_from_ram = placement in (Placement.CPU, Placement.GPU_AND_CPU) or (
        placement is Placement.GPU and hardware.unified_memory
    )
    if verdict is not FitVerdict.WILL_NOT_FIT and runs_from_ram:
        from_ram = needed - (usable_gpu if placement is Placement.GPU_AND_CPU else 0)
        if from_ram > hardware.available_ram_bytes:
            reasons.append(FitReason.CLOSE_OTHER_PROGRAMS)

    return FitResult(
        verdict=verdict,
        reasons=tuple(reasons),
        placement=placement,
        memory_needed_bytes=needed,
        total_ram_bytes=total,
        available_ram_bytes=hardware.available_ram_bytes,
        usable_gpu_bytes=usable_gpu,
        unified_memory=hardware.unified_memory,
        active_parameters_b=active_b,
        context_tokens=context_tokens,
    )


# --- Explanations ----------------------------------------------------------------------------

#: English source templates, one per reason. The UI passes each through Qt's translation and
#: then formats it with :attr:`FitExplanation.values`; keep the placeholders when translating.
VERDICT_TEMPLATES: Mapping[FitVerdict, str] = {
    FitVerdict.RUNS_WELL: "Runs well on this computer.",
    FitVerdict.MAY_BE_SLOW: "May be slow on this computer.",
    FitVerdict.WILL_NOT_FIT: "Will not fit on this computer.",
}
NEED_TEMPLATE = "It needs about {needed} of memory; this computer has {ram} of RAM{gpu}."
GPU_SUFFIX_TEMPLATE = " and {gpu_memory} of graphics memory"
REASON_TEMPLATES: Mapping[FitReason, str] = {
    FitReason.FITS_GRAPHICS_MEMORY: "The whole model fits on the graphics card, which is fast.",
    FitReason.FITS_UNIFIED_MEMORY: (
        "Apple Silicon shares memory with its graphics processor, and the model leaves "
        "plenty of room."
    ),
    FitReason.FITS_MEMORY: "It leaves enough room for your other programs.",
    FitReason.TIGHT_MEMORY: (
        "It would use more than {comfort_percent} of the memory, so other programs may slow down."
    ),
    FitReason.LARGE_FOR_PROCESSOR: (
        "It has {parameters} billion active parameters; without a large graphics card, "
        "answers come a few words per second."
    ),
    FitReason.SPLIT_GRAPHICS_AND_MEMORY: (
        "It is too big for the graphics card alone, so part of it runs on the processor."
    ),
    FitReason.TOO_BIG: (
        "It needs more memory than this computer has, even with everything else closed."
    ),
    FitReason.CLOSE_OTHER_PROGRAMS: (
        "Only {available} is free right now: close some programs before you start it."
    ),
}
RULE_TEMPLATE = (
    "Estimate: download size + 0.75 GB for the program + working memory for {context} "
    "tokens of text."
)


@dataclass(frozen=True)
class FitExplanation:
    """English templates (in display order) and the values to format them with."""

    templates: tuple[str, ...]
    values: Mapping[str, str]

    def render(self, translate: Callable[[str], str] | None = None) -> str:
        tr = translate or (lambda text: text)
        values = dict(self.values)
        # The graphics-memory clause is its own template so that translators get whole
        # phrases, and machines without a card simply leave it out.
        gpu_memory = values.get("gpu_memory", "")
        values["gpu"] = tr(GPU_SUFFIX_TEMPLATE).format(gpu_memory=gpu_memory) if gpu_memory else ""
        return " ".join(tr(template).format(**values) for template in self.templates)


def format_gib(size_bytes: float) -> str:
    """'6.1 GB', in binary units labelled GB: that is what the OS shows for RAM, and the
    explanation compares the model's need with the RAM, so both use the same unit."""
    value = size_bytes / GIB
    if value >= 100 or abs(value - round(value)) < 0.05:
        return f"{value:.0f} GB"
    return f"{value:.1f} GB"


def fit_explanation(result: FitResult) -> FitExplanation:
    templates = [VERDICT_TEMPLATES[result.verdict], NEED_TEMPLATE]
    templates += [REASON_TEMPLATES[reason] for reason in result.reasons]
    templates.append(RULE_TEMPLATE)
    values = {
        "needed": format_gib(result.memory_needed_bytes),
        "ram": format_gib(result.total_ram_bytes),
        "gpu_memory": format_gib(result.usable_gpu_bytes / USABLE_GPU_FRACTION)
        if result.usable_gpu_bytes and not result.unified_memory
        else "",
        "available": format_gib(result.available_ram_bytes),
        "comfort_percent": f"{COMFORTABLE_RAM_FRACTION:.0%}",
        "parameters": f"{result.active_parameters_b:g}",
        "context": f"{result.context_tokens:,}",
    }
    return FitExplanation(tuple(templates), values)


def explain_fit(result: FitResult) -> str:
    """The English hover text for a fit verdict."""
    return fit_explanation(result).render()
