"""`python -m app`: serve the playground (flags override PLAYGROUND_* environment variables)."""

from __future__ import annotations

import argparse
import os

from app.config import ENV_PREFIX, Settings
from app.serve import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app", description="Serve MLP Playground.")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default 8000)")
    parser.add_argument("--workers", type=int, help="worker processes (default 1)")
    parser.add_argument("--log-level", help="uvicorn log level (default info)")
    args = parser.parse_args(argv)
    settings = Settings.from_env(
        host=args.host, port=args.port, workers=args.workers, log_level=args.log_level
    )
    # Workers are separate processes: they read their settings from the environment.
    for name in ("host", "port", "workers", "log_level"):
        os.environ[ENV_PREFIX + name.upper()] = str(getattr(settings, name))
    shown_host = "127.0.0.1" if settings.host in ("0.0.0.0", "") else settings.host
    print(f"MLP Playground: open http://{shown_host}:{settings.port}/ in your browser", flush=True)
    serve(settings)


if __name__ == "__main__":
    main()
