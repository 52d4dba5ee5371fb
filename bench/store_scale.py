"""How the encrypted store behaves with a big history, and what encryption costs.

Builds a store with ``--conversations`` conversations and ``--messages`` messages of realistic
lengths (one conversation has 10 000 messages), through the real schema and indexer, then
measures on it:

* file size, time to open the store, first page of the conversation list, opening the
  10 000-message conversation, full-text queries typed "as you type" (p50/p99; also at
  100 000 messages when the run is bigger);
* bytes written per streamed token through the real persistence path (``AnswerWriter``:
  begin, append, a save at most once a second, finish), counted by the kernel (``wchar`` in
  /proc/self/io: every byte passed to write(), i.e. stream-log records, WAL frames,
  checkpoints into the database file and the final checkpoint, amortised), and the page cache
  this dirtied (``write_bytes``: what reaches the disk, in 4 KiB file-system blocks);
* the same on plain SQLite (same code and schema, no key), as ratios: the cost of encryption.

Prints figures, then one JSON line. It is a benchmark, not a test. The database is built with
batched inserts (and ``synchronous=OFF`` while building only); measurements run with the
production settings. The OS page cache is warm (a second start of the app, not a cold boot).

    python bench/store_scale.py                      # 10k conversations, 1M messages
    python bench/store_scale.py --messages 100000    # ten times smaller, quick

Time on the 2-core development VM: about 22 minutes for the default million messages (both
stores, ~10 minutes of which building the encrypted one), about 2 minutes with
``--messages 100000``. ``--out`` puts the databases elsewhere (they need ~3.5 GB at 1M).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.errors

from confide.core.paths import AppPaths
from confide.core.store import (
    KeyStore,
    MessageStats,
    Protection,
    Role,
    ScryptParams,
    Store,
    StoreOptions,
)
from confide.core.store import database as database_module
from confide.core.store.database import PAGE_SIZE, Connection, sidecar_files
from confide.core.store.ids import new_id

BIG_CONVERSATION = 10_000
BATCH = 5_000
MODELS = ("llama3.1:8b", "bielik:11b", "mistral-nemo:12b", "gemma3:12b", "qwen2.5:7b")
QUERY_COUNT = 300


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Keyring mode without touching the real keyring of the machine running the bench."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("missing")


# --- realistic text -------------------------------------------------------------------------


class Text:
    """Zipf-distributed pseudo-words (English- and Polish-like, some diacritics)."""

    def __init__(self, rng: random.Random, size: int = 30_000) -> None:
        syllables = (
            *("ka", "ma", "na", "ra", "ta", "wa", "za", "pra", "sta", "kon", "tra", "ment"),
            *("ing", "er", "ow", "ie", "nia", "cja", "umo", "naj", "sąd", "ży", "ść", "łą"),
            *("ę", "ó", "the", "and", "of", "law", "con", "tract", "ter", "mi", "tion"),
            *("ser", "vice", "pro", "vi", "sion"),
        )
        words: list[str] = []
        seen: set[str] = set()
        while len(words) < size:
            word = "".join(rng.choice(syllables) for _ in range(rng.choice((1, 2, 2, 3, 3, 4))))
            if word not in seen:
                seen.add(word)
                words.append(word)
        self.words = words
        weights = [1 / (rank + 1) ** 1.07 for rank in range(size)]
        total = 0.0
        self.cumulative = []
        for weight in weights:
            total += weight
            self.cumulative.append(total)
        self.rng = rng

    def sentence_words(self, count: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=count)

    def message(self, chars: int) -> str:
        words = self.sentence_words(max(1, chars // 7))
        out: list[str] = []
        for index, word in enumerate(words, 1):
            out.append(word)
            out.append(". " if index % 14 == 0 else ("\n\n" if index % 90 == 0 else " "))
        return "".join(out).strip()

    def length(self, role: str) -> int:
        # Log-normal: users write a few lines, answers run to a page or two.
        median, sigma = (160, 0.9) if role == "user" else (1100, 0.7)
        return int(min(20_000, max(8, self.rng.lognormvariate(0, sigma) * median)))


# --- plain SQLite, for the cost of encryption ----------------------------------------------


def _plain_connect(path: Path, key: bytes, *, create: bool, timeout_s: float = 3.0) -> Connection:
    """database.connect without the key: the same settings on an unencrypted file."""
    from sqlcipher3 import dbapi2

    from confide.core.store.textfold import fold_for_index

    mode = "rwc" if create else "rw"
    conn = dbapi2.connect(
        f"{path.absolute().as_uri()}?mode={mode}",
        uri=True,
        isolation_level=None,
        check_same_thread=False,
        timeout=timeout_s,
    )
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    conn.execute("PRAGMA locking_mode = EXCLUSIVE")
    if create:
        conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
    conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    conn.execute("PRAGMA journal_mode = WAL").fetchone()
    for pragma in (
        "synchronous = FULL",
        "foreign_keys = ON",
        "secure_delete = FAST",
        "temp_store = MEMORY",
    ):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute(f"PRAGMA cache_size = -{database_module.CACHE_KIB}")
    conn.execute(f"PRAGMA journal_size_limit = {database_module.WAL_SIZE_LIMIT}")
    conn.create_function("confide_fold", 1, fold_for_index, deterministic=True)
    return conn


@contextmanager
def plain_sqlite(enabled: bool) -> Iterator[None]:
    original = database_module.connect
    if enabled:
        database_module.connect = _plain_connect  # type: ignore[assignment]
    try:
        yield
    finally:
        database_module.connect = original


# --- measuring ------------------------------------------------------------------------------


def _proc_io(field_name: str) -> int | None:
    try:
        with open("/proc/self/io", encoding="ascii") as io:
            for line in io:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def written_bytes() -> int | None:
    """Every byte this process passed to write(): the store's own I/O, whatever the disk."""
    return _proc_io("wchar")


def dirtied_bytes() -> int | None:
    """Bytes of page cache this process dirtied (``write_bytes``): what the file system will
    write to the disk, in whole 4 KiB blocks. A small write followed by a flush to the disk
    costs a whole block here, whichever file it goes to."""
    return _proc_io("write_bytes")


def timed(call: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass
class Figures:
    label: str
    messages: int = 0
    conversations: int = 0
    build_s: float = 0.0
    file_bytes: int = 0
    open_ms: float = 0.0
    list_ms: float = 0.0
    open_big_ms: float = 0.0
    open_big_page_ms: float = 0.0
    fts: dict[int, tuple[float, float]] = field(default_factory=dict)
    bytes_per_token: float | None = None
    stream_bytes_per_token: float | None = None
    finish_bytes_per_token: float | None = None
    index_bytes_per_token: float | None = None
    dirtied_bytes_per_token: float | None = None
    index_upkeep_per_token: float | None = None
    erase_big_s: float = 0.0


def make_queries(text: Text, rng: random.Random) -> list[str]:
    """What people type: one to three words, the last one often still being typed."""
    queries = []
    for _ in range(QUERY_COUNT):
        words = text.sentence_words(rng.choice((1, 1, 2, 2, 3)))
        last = words[-1]
        if len(last) > 4 and rng.random() < 0.6:
            words[-1] = last[: rng.randint(3, len(last) - 1)]
        queries.append(" ".join(words))
    return queries


def measure_fts(store: Store, queries: list[str]) -> tuple[float, float]:
    store.index_now()
    samples = [timed(lambda q=q: store.search(q), 1)[0] for q in queries]
    return statistics.median(samples), percentile(samples, 0.99)


# --- building -------------------------------------------------------------------------------


def conversation_sizes(messages: int, conversations: int, rng: random.Random) -> list[int]:
    big = min(BIG_CONVERSATION, messages // 2)
    rest = messages - big
    others = max(1, conversations - 1)
    mean = max(2.0, rest / others)
    sizes = [max(2, int(rng.expovariate(1 / mean))) for _ in range(others)]
    scale = rest / sum(sizes)
    sizes = [max(2, int(s * scale)) for s in sizes]
    sizes[-1] += rest - sum(sizes)
    sizes.insert(len(sizes) // 2, big)
    return sizes


@dataclass
class BuildStats:
    index_bytes: int = 0
    """Bytes written while indexing (wchar), merges and checkpoints they caused included."""
    indexed_chars: int = 0


def build(
    store: Store,
    sizes: list[int],
    text: Text,
    rng: random.Random,
    on_progress: Callable[[int], None],
    stats: BuildStats | None = None,
) -> str:
    """Inserts everything in batches; returns the id of the 10 000-message conversation.

    Rows go in 5 000 per transaction, but the search index is fed as the app feeds it,
    ``index_batch`` (128) messages per transaction: FTS5 writes a segment per transaction and
    merges as segments pile up, so only the app's cadence gives the index the shape (levels,
    merges under way) it would have after years of use."""
    stats = stats if stats is not None else BuildStats()
    db = store._db
    db.connection.execute("PRAGMA synchronous = OFF")  # building only; measurements use FULL
    start_ms = 1_700_000_000_000
    span_ms = 2 * 365 * 86_400_000
    big_id = ""
    inserted = 0
    conversations: list[tuple[Any, ...]] = []
    rows: list[tuple[Any, ...]] = []
    endings: list[tuple[Any, ...]] = []

    def flush() -> None:
        # Conversations before their messages (foreign key), endings after.
        with db.transaction("bench: building") as conn:
            conn.executemany(
                "INSERT INTO conversations (id, title, model, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                conversations,
            )
            conn.executemany(
                "INSERT INTO messages (id, conversation_id, parent_id, role, model, status,"
                " created_at, finished_at, eval_count, eval_duration_ns, content)"
                " VALUES (?, ?, ?, ?, ?, 'complete', ?, ?, ?, ?, ?)",
                rows,
            )
            conn.executemany(
                "UPDATE conversations SET updated_at = ?, active_leaf_id = ? WHERE id = ?", endings
            )
        # Checkpoints around the indexing, so that the bytes counted for it are its own WAL
        # frames and their copy into the database file (a little more than the app's
        # 1 000-page checkpoints would write: a page changed by two batches is copied twice).
        checkpoint = "PRAGMA wal_checkpoint(TRUNCATE)"
        db.connection.execute(checkpoint).fetchall()
        before = written_bytes() or 0
        store._indexer.index_queued(chunk=store.options.index_batch)
        db.connection.execute(checkpoint).fetchall()
        stats.index_bytes += (written_bytes() or 0) - before
        stats.indexed_chars += sum(len(row[-1]) for row in rows)
        conversations.clear()
        rows.clear()
        endings.clear()
        on_progress(inserted)

    big_index = sizes.index(max(sizes))  # the long conversation (smaller in a quick run)
    for number, size in enumerate(sizes):
        conv_id = new_id()
        if number == big_index:
            big_id = conv_id
        model = rng.choice(MODELS)
        moment = start_ms + int(span_ms * number / len(sizes))
        conversations.append((conv_id, f"Conversation {number}", model, moment, moment))
        parent: str | None = None
        last_user: str | None = None
        for index in range(size):
            role = "user" if index % 2 == 0 else "assistant"
            message_id = new_id()
            moment += rng.randint(5_000, 120_000)
            # Now and then an answer is regenerated: a sibling branch, as in real use.
            regenerated = role == "assistant" and index > 2 and rng.random() < 0.05
            answer = role == "assistant"
            rows.append(
                (
                    message_id,
                    conv_id,
                    last_user if regenerated else parent,
                    role,
                    model if answer else None,
                    moment,
                    moment,
                    rng.randint(50, 900) if answer else None,
                    rng.randint(10**9, 30 * 10**9) if answer else None,
                    text.message(text.length(role)),
                )
            )
            if role == "user":
                last_user = message_id
            parent = message_id
            inserted += 1
            if len(rows) >= BATCH:
                flush()
        endings.append((moment, parent, conv_id))
    flush()
    db.connection.execute("PRAGMA synchronous = FULL")
    return big_id


class FakeMonotonic:
    """Simulated time for the streaming run: the writer sees 30 tokens/s without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class StreamingFigures:
    total: float | None
    """Bytes written per token, all included."""
    saves: float | None
    """Starting answers and the periodic saves while they stream."""
    finish: float | None
    """Storing finished answers (with the index batches and checkpoints they trigger)."""
    final: float | None
    """The last index batch and a final checkpoint, so that nothing is left pending."""
    dirtied: float | None
    """Page cache dirtied per token over the whole run (4 KiB blocks, see dirtied_bytes)."""
    tokens_per_answer: float


def measure_streaming(
    paths: AppPaths,
    key_store: KeyStore,
    text: Text,
    rng: random.Random,
    answers: int,
    rate: float,
    answer_tokens: int = 0,
) -> StreamingFigures:
    """Streams ``answers`` answers through ``AnswerWriter`` at ``rate`` tokens/s (simulated
    time: the writer saves once per simulated second), as the app does. Answers have
    realistic lengths, or ``answer_tokens`` tokens each if given."""
    clock = FakeMonotonic()
    store = Store.open(paths, key_store, options=StoreOptions(monotonic=clock))
    try:
        conv = store.conversations.create("Streaming benchmark")
        parent = store.conversations.add_message(conv.id, None, Role.USER, "Pytanie").id
        store.index_now()
        with store._db.reading("bench") as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        stream = finish = 0
        tokens = 0
        dirtied_before = dirtied_bytes() or 0
        for _ in range(answers):
            if answer_tokens:
                words = text.message(answer_tokens * 5)[: answer_tokens * 4]
            else:
                words = text.message(text.length("assistant"))
            pieces = [words[i : i + 4] for i in range(0, len(words), 4)]  # ~4 chars per token
            before = written_bytes() or 0
            writer = store.begin_answer(conv.id, parent, "llama3.1:8b")
            for piece in pieces:
                clock.now += 1 / rate
                writer.append(piece)
                writer.flush_if_due()
            middle = written_bytes() or 0
            answer = writer.finish(stats=MessageStats(eval_count=len(pieces)))
            after = written_bytes() or 0
            stream += middle - before
            finish += after - middle
            tokens += len(pieces)
            parent = answer.id
        before = written_bytes() or 0
        store.index_now()
        with store._db.reading("bench") as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        final = (written_bytes() or 0) - before
        dirtied = (dirtied_bytes() or 0) - dirtied_before
    finally:
        store.close()
    if written_bytes() is None:
        return StreamingFigures(None, None, None, None, None, tokens / answers)
    return StreamingFigures(
        (stream + finish + final) / tokens,
        stream / tokens,
        finish / tokens,
        final / tokens,
        dirtied / tokens if dirtied else None,
        tokens / answers,
    )


def file_size(paths: AppPaths) -> int:
    return sum(
        p.stat().st_size
        for p in (paths.database_file, *sidecar_files(paths.database_file))
        if p.exists()
    )


def run(label: str, root: Path, args: argparse.Namespace, plain: bool) -> Figures:
    figures = Figures(label)
    rng = random.Random(args.seed)
    text = Text(rng)
    queries = make_queries(text, random.Random(args.seed + 1))
    sizes = conversation_sizes(args.messages, args.conversations, rng)
    figures.messages, figures.conversations = sum(sizes), len(sizes)
    paths = AppPaths.portable(root / label).ensure()
    keyring.set_keyring(MemoryKeyring())  # one keyring per run: both use the same entry name
    key_store = KeyStore.for_paths(paths, scrypt=ScryptParams())
    with plain_sqlite(plain):
        started = time.perf_counter()
        store = Store.create(paths, key_store, Protection.KEYRING)
        checkpoint = 100_000 if args.messages > 100_000 else None

        def progress(done: int) -> None:
            nonlocal checkpoint
            print(f"  [{label}] {done:,} messages", end="\r", file=sys.stderr, flush=True)
            if checkpoint is not None and done >= checkpoint:
                checkpoint = None
                figures.fts[done] = measure_fts(store, queries)

        build_stats = BuildStats()
        big_id = build(store, sizes, text, rng, progress, build_stats)
        if written_bytes() is not None and build_stats.indexed_chars:
            figures.index_upkeep_per_token = build_stats.index_bytes / (
                build_stats.indexed_chars / 4
            )
        store.close()
        figures.build_s = time.perf_counter() - started
        print(file=sys.stderr)
        figures.file_bytes = file_size(paths)

        samples = []
        for _ in range(5):
            start = time.perf_counter()
            reopened = Store.open(paths, key_store)
            samples.append((time.perf_counter() - start) * 1000)
            reopened.close()
        figures.open_ms = statistics.median(samples)
        store = Store.open(paths, key_store)
        try:
            figures.list_ms = statistics.median(
                timed(lambda: store.conversations.list_conversations(limit=50), 20)
            )
            figures.open_big_ms = statistics.median(
                timed(lambda: store.conversations.branch(big_id), 5)
            )
            figures.open_big_page_ms = statistics.median(
                timed(lambda: store.conversations.branch(big_id, limit=50), 20)
            )
            figures.fts[figures.messages] = measure_fts(store, queries)
        finally:
            store.close()
        streaming = measure_streaming(
            paths, key_store, text, rng, args.answers, args.token_rate, args.answer_tokens
        )
        figures.bytes_per_token = streaming.total
        figures.stream_bytes_per_token = streaming.saves
        figures.finish_bytes_per_token = streaming.finish
        figures.index_bytes_per_token = streaming.final
        figures.dirtied_bytes_per_token = streaming.dirtied
        tokens_per_answer = streaming.tokens_per_answer
        store = Store.open(paths, key_store)
        try:
            store.conversations.soft_delete(big_id)
            started = time.perf_counter()
            store.purge_deleted()
            figures.erase_big_s = time.perf_counter() - started
        finally:
            store.close()
    print(
        f"  [{label}] streamed {args.answers} answers of {tokens_per_answer:.0f} tokens on average",
        file=sys.stderr,
    )
    return figures


def scrypt_ms() -> float:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    params = ScryptParams()
    start = time.perf_counter()
    Scrypt(salt=os.urandom(16), length=32, n=params.n, r=params.r, p=params.p).derive(b"passphrase")
    return (time.perf_counter() - start) * 1000


def _ratio(encrypted: float | None, plain: float | None) -> float | None:
    if not encrypted or not plain:
        return None
    return encrypted / plain


def report(
    encrypted: Figures, plain: Figures | None, args: argparse.Namespace, kdf_ms: float
) -> None:
    def row(
        name: str, value: Callable[[Figures], float | None], unit: str, digits: int = 2
    ) -> None:
        enc = value(encrypted)
        base = value(plain) if plain else None
        ratio = _ratio(enc, base)
        cells = [
            f"{name:<44}",
            f"{enc:>12.{digits}f} {unit:<6}" if enc is not None else f"{'n/a':>19}",
        ]
        if plain:
            cells.append(f"{base:>12.{digits}f} {unit:<6}" if base is not None else f"{'n/a':>19}")
            cells.append(f"x{ratio:.2f}" if ratio else "")
        print("  ".join(cells))

    print()
    print(
        f"Store at scale: {encrypted.conversations:,} conversations, "
        f"{encrypted.messages:,} messages (page size {PAGE_SIZE} B, SQLCipher 4, WAL, "
        "synchronous=FULL)"
    )
    header = f"{'':<44}  {'encrypted':>19}"
    if plain:
        header += f"  {'plain SQLite':>19}  ratio"
    print(header)
    row("build (batched inserts + indexing)", lambda f: f.build_s, "s", 1)
    row("file size", lambda f: f.file_bytes / 2**20, "MiB", 1)
    row("open the store (keyring; warm OS cache)", lambda f: f.open_ms, "ms")
    row("first page of the conversation list (50)", lambda f: f.list_ms, "ms")
    row("open the 10 000-message conversation (all)", lambda f: f.open_big_ms, "ms")
    row("  its last 50 messages (a first screen)", lambda f: f.open_big_page_ms, "ms")
    for size in sorted(encrypted.fts):
        row(
            f"search p50 at {size:,} messages",
            lambda f, n=size: f.fts.get(n, (None, None))[0],
            "ms",
        )
        row(
            f"search p99 at {size:,} messages",
            lambda f, n=size: f.fts.get(n, (None, None))[1],
            "ms",
        )
    row("bytes written per streamed token (total)", lambda f: f.bytes_per_token, "B", 1)
    row(
        "  of which periodic saves (1/s, and the header)",
        lambda f: f.stream_bytes_per_token,
        "B",
        1,
    )
    row("  of which finishing answers", lambda f: f.finish_bytes_per_token, "B", 1)
    row("  of which last index batch + checkpoint", lambda f: f.index_bytes_per_token, "B", 1)
    row(
        "search index upkeep over the build, per token",
        lambda f: f.index_upkeep_per_token,
        "B",
        1,
    )
    row(
        "page cache dirtied per token (4 KiB blocks)",
        lambda f: f.dirtied_bytes_per_token,
        "B",
        1,
    )
    row("erase the 10 000-message conversation", lambda f: f.erase_big_s, "s")
    print(
        f"Streaming simulated at {args.token_rate:g} tokens/s, ~4 characters per token, "
        f"{args.answers} answers of "
        + (f"{args.answer_tokens} tokens" if args.answer_tokens else "realistic length")
        + "; bytes = wchar of /proc/self/io (all writes: "
        "stream logs, WAL, checkpoints into the database file). Page cache dirtied = write_bytes "
        "(what the file system writes to the disk, in 4 KiB blocks; one block per durable save "
        "at least, whatever the format)."
    )
    print(f"Passphrase key derivation (scrypt n=2**17, r=8, p=1): {kdf_ms:.0f} ms")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--conversations", type=int, default=None, help="default: messages / 100")
    parser.add_argument("--answers", type=int, default=200, help="answers streamed for bytes/token")
    parser.add_argument("--token-rate", type=float, default=30.0, help="tokens per second")
    parser.add_argument(
        "--answer-tokens", type=int, default=0, help="fixed answer length (default: realistic)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent / "out" / "store_scale"
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--no-plain", action="store_true", help="skip the plain SQLite comparison")
    args = parser.parse_args(argv)
    if args.conversations is None:
        args.conversations = max(2, args.messages // 100)
    root = args.out.resolve()
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    previous = keyring.get_keyring()
    try:
        kdf_ms = scrypt_ms()
        encrypted = run("encrypted", root, args, plain=False)
        plain = None if args.no_plain else run("plain", root, args, plain=True)
    finally:
        keyring.set_keyring(previous)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    report(encrypted, plain, args, kdf_ms)
    largest = max(encrypted.fts)
    time_ratios = [
        r
        for r in (
            _ratio(encrypted.open_ms, plain.open_ms) if plain else None,
            _ratio(encrypted.list_ms, plain.list_ms) if plain else None,
            _ratio(encrypted.open_big_ms, plain.open_big_ms) if plain else None,
            _ratio(encrypted.fts[largest][0], plain.fts[largest][0]) if plain else None,
        )
        if r
    ]
    summary = {
        "messages": encrypted.messages,
        "fts_p50_ms": round(encrypted.fts[largest][0], 2),
        "fts_p99_ms": round(encrypted.fts[largest][1], 2),
        "open_10k_conversation_ms": round(encrypted.open_big_ms, 2),
        "list_first_page_ms": round(encrypted.list_ms, 3),
        "bytes_per_token": round(encrypted.bytes_per_token, 1)
        if encrypted.bytes_per_token
        else None,
        "encryption_cost_ratio": round(statistics.geometric_mean(time_ratios), 2)
        if time_ratios
        else None,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
