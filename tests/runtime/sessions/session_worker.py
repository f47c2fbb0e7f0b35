"""A child process for the conformance suite: opens a store and hammers one session.

Usage::

    python session_worker.py contend FACTORY LOCATION SESSION NAME SAVES READY GO
    python session_worker.py crash FACTORY LOCATION SESSION READY
    python session_worker.py append FACTORY LOCATION SESSION NAME ENTRIES READY GO
    python session_worker.py journal-crash FACTORY LOCATION SESSION READY

``contend``: signal READY, wait for the file GO, then SAVES times: load, bump the counter,
save with the version read, and retry on `SessionConflictError` (any other error ends the
process with a traceback). Prints ``{"saves": n, "conflicts": n}``.

``crash``: save forever, each document padded to a random size so that writes take a
while; touches READY after the first save. The parent kills it with SIGKILL.
"""

from __future__ import annotations

import importlib
import json
import pathlib
import random
import sys
import time

from agentcharts.exceptions import SessionConflictError


def open_store(factory: str, location: str):
    module, _, attribute = factory.partition(":")
    return getattr(importlib.import_module(module), attribute)(location)


def wait_for(path: pathlib.Path) -> None:
    deadline = time.monotonic() + 30
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {path}")
        time.sleep(0.002)


def contend(store, session_id: str, name: str, *, saves: int, ready: str, go: str) -> None:
    pathlib.Path(ready).touch()
    wait_for(pathlib.Path(go))
    done = conflicts = 0
    while done < saves:
        stored = store.load(session_id)
        document = json.loads(stored.document)
        document["count"] += 1
        document["writers"][name] = document["writers"].get(name, 0) + 1
        time.sleep(0.002)  # widen the window between read and write
        try:
            store.save(session_id, json.dumps(document), expected_version=stored.version)
        except SessionConflictError:
            conflicts += 1
            continue
        done += 1
    print(json.dumps({"saves": done, "conflicts": conflicts}))


def crash(store, session_id: str, ready: str) -> None:
    version = store.load(session_id).version if store.exists(session_id) else 0
    rng = random.Random()  # noqa: S311 - padding sizes, not secrets
    while True:
        document = {"count": version + 1, "pad": "x" * rng.randrange(1, 300_000)}
        version = store.save(session_id, json.dumps(document), expected_version=version)
        pathlib.Path(ready).touch()


def append(store, session_id: str, name: str, *, entries: int, ready: str, go: str) -> None:
    pathlib.Path(ready).touch()
    wait_for(pathlib.Path(go))
    done = conflicts = 0
    version = store.load(session_id).version
    while done < entries:
        entry = json.dumps({"writer": name, "n": done})
        try:
            version = store.append(session_id, [entry], expected_version=version)
        except SessionConflictError:
            conflicts += 1
            version = store.load(session_id).version
            continue
        done += 1
    print(json.dumps({"entries": done, "conflicts": conflicts}))


def journal_crash(store, session_id: str, ready: str) -> None:
    version = store.load(session_id).version
    rng = random.Random()  # noqa: S311 - sizes, not secrets
    batches = 0
    while True:
        batch = [
            json.dumps({"add": 1, "pad": "x" * rng.randrange(1, 20_000)})
            for _ in range(rng.randrange(1, 21))
        ]
        version = store.append(session_id, batch, expected_version=version)
        batches += 1
        pathlib.Path(ready).touch()
        if batches % 3 == 0:
            store.compact(session_id, json.dumps({"count": version - 1}), version=version)


def main(argv: list[str]) -> None:
    mode, factory, location, session_id, *rest = argv
    store = open_store(factory, location)
    if mode == "contend":
        name, saves, ready, go = rest
        contend(store, session_id, name, saves=int(saves), ready=ready, go=go)
    elif mode == "append":
        name, entries, ready, go = rest
        append(store, session_id, name, entries=int(entries), ready=ready, go=go)
    elif mode == "journal-crash":
        (ready,) = rest
        journal_crash(store, session_id, ready)
    else:
        (ready,) = rest
        crash(store, session_id, ready)


if __name__ == "__main__":
    main(sys.argv[1:])
