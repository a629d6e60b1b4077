"""Background work: jobs are rows written in the caller's transaction, claimed and run by runners.

    queue.enqueue(connection, kind, payload, run_at=, dedupe_key=)   from any service, inside its transaction
    registry.task("kind")                                          a job handler, in a domain's tasks.py
    registry.periodic("name", every_seconds=)                      a sweep, in a domain's tasks.py
    runner.Runner                                                  claims and runs; `kohort worker`, `kohort serve`
"""
