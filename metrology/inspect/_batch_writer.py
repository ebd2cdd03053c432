"""The batch's results file: one JSON line appended per image (see
:mod:`metrology.inspect.batch`, whose public names include :class:`BatchWriteError`)."""

from __future__ import annotations

import json
import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from .._serial import to_jsonable
from ..errors import InputError, MetrologyError
from ._batch_pool import signals_deferred

__all__: list[str] = []


class BatchWriteError(MetrologyError):
    """The results file could not be written (full disk, permissions); earlier lines are kept."""

    __module__ = "metrology.inspect.batch"   # where users import it from


class JsonlWriter:
    """Append-only JSONL writer.  Each line is written and flushed at once (a crash of this
    process loses no finished line: it is in the OS's cache); its fsync, milliseconds of
    waiting on the disk, runs on a helper thread while the next image is inspected, and the
    next line (or ``close``) waits for it first.  A failed write or fsync is rolled back: the
    file keeps every line before it, and BatchWriteError is raised."""

    def __init__(self, path: Path):
        self.path = path
        if path.is_dir():
            raise InputError(f"{path}: is a folder; give a .jsonl file path")
        if not path.parent.is_dir():
            raise InputError(f"{path}: folder {path.parent} does not exist")
        try:
            self.fh = open(path, "ab+")
        except OSError as exc:
            raise InputError(f"cannot open {path} for writing: {exc.strerror}") from None
        self._repair()
        self._syncer: ThreadPoolExecutor | None = None
        self._sync: Future | None = None   # the fsync of the last line, from offset _sync_pos
        self._sync_pos = 0

    def _repair(self) -> None:
        """Cut a last line left incomplete by a crash, so the next line starts clean."""
        fh = self.fh
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return
        block = 65536
        pos = size
        while pos > 0:
            start = max(0, pos - block)
            fh.seek(start)
            chunk = fh.read(pos - start)
            i = chunk.rfind(b"\n")
            if i >= 0:
                fh.truncate(start + i + 1)
                return
            pos = start
        fh.truncate(0)

    def write(self, record: dict) -> None:
        line = (json_line(record) + "\n").encode()
        with signals_deferred():  # a stop never leaves half a line
            self._settle()
            pos = self._append(line)
            if self._syncer is None:
                self._syncer = ThreadPoolExecutor(1, thread_name_prefix="metrology-fsync")
            self._sync, self._sync_pos = self._syncer.submit(_fsync, self.fh.fileno()), pos

    def _settle(self) -> None:
        """Wait for the last line's fsync; roll that line back if it failed."""
        sync, self._sync = self._sync, None
        if sync is not None:
            try:
                sync.result()
            except OSError as exc:
                self._fail(self._sync_pos, exc)

    def _append(self, line: bytes) -> int:
        fh = self.fh
        pos = fh.seek(0, os.SEEK_END)
        try:
            fh.write(line)
            fh.flush()
        except OSError as exc:
            self._fail(pos, exc)
        return pos

    def _fail(self, pos: int, exc: OSError) -> None:
        try:  # roll back the partial (or not durable) line; everything before it stays
            self.fh.truncate(pos)
            self.fh.flush()
        except OSError:
            pass
        raise BatchWriteError(f"cannot append to {self.path}: {exc.strerror or exc}; the "
                              f"results written before are kept; free space and rerun "
                              f"(finished images are skipped)") from None

    def close(self) -> None:
        """Wait for the last fsync (BatchWriteError if it failed) and close the file."""
        try:
            self._settle()
        finally:
            if self._syncer is not None:
                self._syncer.shutdown(wait=True)
            try:
                self.fh.close()
            except OSError:
                pass


def _fsync(fd: int) -> None:
    os.fsync(fd)


def json_line(record: dict) -> str:
    """``record`` as one line of JSON, as ``json.dumps(to_jsonable(record))`` writes it (but
    for keys ``None``, ``True`` and ``False``, which read ``null``, ``true``, ``false``).

    A record from the batch is plain JSON already (the workers convert it), so it is dumped
    directly (0.26 ms for a demo record, against 0.8-0.9 ms walking its 800 values through
    :func:`~metrology._serial.to_jsonable` first); other values go through ``to_jsonable``
    one by one (``default``), and a record with NaN or infinity (``json`` refuses them) or
    keys ``json`` cannot take is converted whole, NaN becoming null."""
    try:
        return json.dumps(record, allow_nan=False, default=to_jsonable)
    except (ValueError, TypeError):
        return json.dumps(to_jsonable(record), allow_nan=False)
