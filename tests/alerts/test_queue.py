"""With REDIS_URL: each delivery attempt is an RQ job run by a real `worker.py work` process."""

from datetime import timedelta

import pytest

from stockdash.alerts.channels import parse_channels
from stockdash.alerts.sender import Dispatcher
from tests.alerts.helpers import deliveries, fire_aapl_above_200, statuses
from tests.harness import wait_for
from tests.workers.conftest import FAST, live_worker_count, worker_env

pytestmark = pytest.mark.slow


@pytest.fixture
def dispatcher():
    made: list[Dispatcher] = []

    def make(engine, channels, redis_url: str) -> Dispatcher:
        made.append(Dispatcher(engine, channels, give_up_after=timedelta(minutes=10), redis_url=redis_url))
        made[-1].start()
        return made[-1]

    yield make
    for d in made:
        d.stop()


def _env(database_url: str, redis_url: str, channels: str) -> dict[str, str]:
    return worker_env(
        DATABASE_URL=database_url, REDIS_URL=redis_url, PROVIDER="demo", ALERT_CHANNELS=channels
    )


def test_a_worker_sends_it_and_retries_after_a_500(
    engine, database_url, redis_url, receiver, workers, dispatcher
):
    hook = receiver(statuses=[500])
    channels = parse_channels(hook.url())
    worker = workers(_env(database_url, redis_url, hook.url()), *FAST)
    wait_for(lambda: live_worker_count(redis_url), timeout=60, what="a live worker")
    fire_aapl_above_200(engine, channels)
    dispatcher(engine, channels, redis_url)
    wait_for(lambda: statuses(engine) == ["sent"], timeout=60, what="sent by the worker")
    assert len(hook.received) == 2 and len(hook.delivered) == 1
    assert deliveries(engine)[0]["attempts"] == 2
    log = worker.text()
    assert "alert delivery=1 firing=1 channel=#1 json attempt=1 status=pending" in log
    assert "alert delivery=1 firing=1 channel=#1 json attempt=2 status=sent" in log
    assert hook.url() not in log and str(hook.port) not in log


def test_a_worker_killed_mid_delivery_loses_nothing(
    engine, database_url, redis_url, receiver, workers, dispatcher
):
    hook = receiver(hold=1)
    channels = parse_channels(hook.url())
    env = _env(database_url, redis_url, hook.url())
    first = workers(env, *FAST)
    wait_for(lambda: live_worker_count(redis_url), timeout=60, what="a live worker")
    fire_aapl_above_200(engine, channels)
    dispatcher(engine, channels, redis_url)
    wait_for(lambda: hook.received, timeout=60, what="the delivery under way in the worker")
    first.close()  # SIGKILL to the worker and its job process
    workers(env, *FAST)
    wait_for(lambda: hook.delivered, timeout=90, what="the delivery sent by the next worker")
    wait_for(lambda: statuses(engine) == ["sent"], timeout=30, what="marked sent")
    assert len(hook.delivered) == 1
    assert deliveries(engine)[0]["attempts"] >= 2
