"""The worker queue (RQ on Redis at REDIS_URL): the clock and the web enqueue, `worker.py work` runs.

Without REDIS_URL nothing here is used: the clock and the web do the work in-process.
"""
