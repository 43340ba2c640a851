"""Every RQ job state of the pinned version reads as on its way or ended: none as a provider failure."""

from __future__ import annotations

import importlib

from rq.job import Job as RqJob
from rq.job import JobStatus

from stockdash.workers import tasks
from stockdash.workers.enqueue import ENDED, PENDING, TASKS
from stockdash.workers.fetches import FETCHING, WebQueue, fetch_id


def test_every_job_state_is_pending_or_ended_and_never_both():
    assert not PENDING & ENDED
    assert set(JobStatus) == PENDING | ENDED


def test_a_created_fetch_job_reads_as_fetching(redis_url):
    web = WebQueue(redis_url)
    job = RqJob.create(
        tasks.fetch_symbol,
        args=("AAPL",),
        kwargs={"provider": "demo"},
        id=fetch_id("demo", "AAPL"),
        connection=web.redis,
        status=JobStatus.CREATED,
    )
    job.save()
    assert web.hand_over(["AAPL"], provider="demo", new=set()) == {"AAPL": FETCHING}


def test_every_task_named_for_rq_is_a_function_of_its_module():
    for name, path in TASKS.items():
        module, _, function = path.rpartition(".")
        assert function == name and callable(getattr(importlib.import_module(module), name)), path
