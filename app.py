"""The web process: `gunicorn app:server` (settings in gunicorn.conf.py)."""

from stockdash.web import create_app

app = create_app()
server = app.server

if __name__ == "__main__":
    app.run(debug=app.services.settings.dash_debug)
