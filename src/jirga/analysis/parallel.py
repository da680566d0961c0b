"""Run independent chunks of work on local processes or on an existing Dask cluster.

The caller cuts its job into chunks whose boundaries and seeds do not depend on where they
run, so the results are the same number for number on one process, on many, or on a cluster.

- No scheduler: a pool of local processes (``workers``, default all cores); one worker or one
  chunk runs in this process, which saves the start-up of a pool for small jobs.
- ``scheduler="tcp://HOST:PORT"`` (or the environment variable ``JIRGA_SCHEDULER``): the chunks
  go to that Dask distributed scheduler, whose workers must have jirga installed.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

from jirga.errors import JirgaError

SCHEDULER_VARIABLE = "JIRGA_SCHEDULER"
CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a Dask scheduler to answer."""

Job = TypeVar("Job")
Chunk = TypeVar("Chunk")
Result = TypeVar("Result")


def scheduler_address(option: str | None) -> str | None:
    """The scheduler to use: the option if given, else ``$JIRGA_SCHEDULER``, else None (local)."""
    address = option if option is not None else os.environ.get(SCHEDULER_VARIABLE)
    if address is None or not address.strip():
        return None
    return address.strip()


def default_workers() -> int:
    """All the cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run_chunks(
    task: Callable[[Job, Chunk], Result],
    job: Job,
    chunks: Sequence[Chunk],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    on_done: Callable[[Chunk], None] | None = None,
    connect_timeout: float | None = None,
) -> list[Result]:
    """``[task(job, chunk) for chunk in chunks]``, computed in parallel, in the order of ``chunks``.

    ``task`` must be a module-level function (it travels by reference to other processes);
    ``on_done(chunk)`` is called in this process as each chunk finishes (for progress bars).
    """
    done = on_done or (lambda chunk: None)
    address = scheduler_address(scheduler)
    if address is not None:
        return _on_dask(address, task, job, chunks, done, CONNECT_TIMEOUT if connect_timeout is None else connect_timeout)
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise JirgaError(f"the number of workers must be at least 1, got {workers}", field="--workers")
    if workers == 1 or len(chunks) <= 1:
        results = []
        for chunk in chunks:
            results.append(task(job, chunk))
            done(chunk)
        return results
    return _on_processes(min(workers, len(chunks)), task, job, chunks, done)


def _start_method() -> str:
    """``fork`` where the platform has it, else ``spawn``.

    Forked workers start at once with everything already imported, where spawned ones would
    import jirga (and the command line's whole import tree) anew, seconds per worker. A fork
    is only safe while no other thread runs: the pool forks all its workers before it starts
    its own manager thread, and the command line's progress bars refresh from the main
    thread. Code that calls this module with threads of its own running should pass through
    a Dask cluster instead (or use workers=1).
    """
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def _on_processes(workers: int, task: Callable, job: Any, chunks: Sequence[Any], done: Callable) -> list[Any]:
    results: list[Any] = [None] * len(chunks)
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(_start_method())) as pool:
        pending: dict[Future, int] = {pool.submit(task, job, chunk): index for index, chunk in enumerate(chunks)}
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    index = pending.pop(future)
                    results[index] = future.result()
                    done(chunks[index])
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return results


def _on_dask(address: str, task: Callable, job: Any, chunks: Sequence[Any], done: Callable, timeout: float) -> list[Any]:
    from distributed import Client, as_completed

    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise JirgaError(f"the Dask scheduler at {address} does not answer: {reason}", field="--scheduler") from None
    with client:
        shared = client.scatter(job, broadcast=True)
        futures = client.map(task, [shared] * len(chunks), chunks, pure=False)
        position = {future.key: index for index, future in enumerate(futures)}
        results: list[Any] = [None] * len(chunks)
        try:
            for future, result in as_completed(futures, with_results=True, loop=client.loop):
                index = position[future.key]
                results[index] = result
                done(chunks[index])
        except ImportError as error:
            raise JirgaError(f"the Dask workers at {address} cannot run jirga's code ({error}): install jirga on them", field="--scheduler") from None
    return results
