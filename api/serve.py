"""Runs the api under uvicorn and prints the URL once every process is ready (`make run`)."""

import threading
import time

import httpx
import uvicorn

from core.settings import get_settings


def announce_when_ready(url: str, shown_url: str, give_up_after_seconds: float = 600) -> None:
    deadline = time.monotonic() + give_up_after_seconds
    last = ""
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{url}/readyz", timeout=5)
            if response.status_code == 200:
                print(f"\n  KIM front door is ready: open {shown_url}\n", flush=True)
                return
            waiting = [name for name, c in response.json()["checks"].items() if not c["ok"]]
            if ", ".join(waiting) != last:
                last = ", ".join(waiting)
                print(f"waiting for: {last}", flush=True)
        except httpx.HTTPError:
            pass
        time.sleep(2)
    print(f"not ready after {give_up_after_seconds:.0f} s: see {url}/readyz", flush=True)


def main() -> None:
    settings = get_settings()
    host, port = settings.api_host, settings.api_port
    threading.Thread(
        target=announce_when_ready,
        args=(f"http://127.0.0.1:{port}", settings.base_url),
        daemon=True,
    ).start()
    uvicorn.run("api.main:app", host=host, port=port, proxy_headers=True, log_level="info")


if __name__ == "__main__":
    main()
