"""How an exception reads in a log line, the run log and a visitor's message."""


def error_text(exc: BaseException) -> str:
    """`Type: first line of the message`, short enough for a log line and the run log."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__
