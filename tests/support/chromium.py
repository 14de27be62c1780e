"""Headless Chromium driven over the DevTools protocol (``--remote-debugging-pipe``): no extra package, no
browser download. Used by the browser tests and the hostile-input tests.

Chromium runs with every host name resolving to nothing (``--host-resolver-rules``), so a page that needed a CDN
would draw nothing; every URL a page asks for is recorded, so a test can check that only documented tile hosts
were asked.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest


def chromium_binary() -> str:
    """Debian's Chromium (or LOTRATE_CHROMIUM); a clear failure, never a skip, when there is none."""
    how = "install Debian's package (`apt-get install -y chromium`, as .ci/run does) or set LOTRATE_CHROMIUM"
    given = os.environ.get("LOTRATE_CHROMIUM")
    if given:
        if not (os.path.isfile(given) and os.access(given, os.X_OK)):
            pytest.fail(f"LOTRATE_CHROMIUM={given!r} is not an executable file: {how}", pytrace=False)
        return given
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail(f"Chromium is needed for the browser tests and was not found on PATH: {how}", pytrace=False)
    return found


class Chromium:
    """Headless Chromium driven through the DevTools protocol over ``--remote-debugging-pipe``."""

    def __init__(self, binary: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="lotrate-chromium-")
        to_read, to_write = os.pipe()  # we write commands; Chromium reads them on fd 3
        from_read, from_write = os.pipe()  # Chromium writes answers on fd 4; we read them

        def child_fds() -> None:  # runs in the child before exec: put the pipe ends on fds 3 and 4
            a, b = os.dup(to_read), os.dup(from_write)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the browser; closed in close())
        self.proc = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--remote-debugging-pipe",
                "--host-resolver-rules=MAP * ~NOTFOUND",  # offline: no host name resolves
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--font-render-hinting=none",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            pass_fds=(3, 4),
            preexec_fn=child_fds,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.stderr,
        )
        os.close(to_read)
        os.close(from_write)
        self._out, self._in = to_write, from_read
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []
        self.dialogs: list[str] = []
        self.session = ""

    # -- protocol -------------------------------------------------------------------------------------
    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._in], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                self.stderr.seek(0)
                raise RuntimeError(f"Chromium exited: {self.stderr.read()[-2000:].decode(errors='replace')}")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        msg: dict[str, Any] = json.loads(raw)
        return msg

    def _post(self, method: str, params: dict[str, Any] | None, session: str | None) -> int:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._out, json.dumps(msg).encode() + b"\0")
        return self._id

    def _event(self, msg: dict[str, Any]) -> None:
        self.events.append(msg)
        if msg.get("method") == "Page.javascriptDialogOpening":  # an alert() ran: record it, dismiss it
            self.dialogs.append(str(msg["params"].get("message")))
            self._post("Page.handleJavaScriptDialog", {"accept": False}, msg.get("sessionId"))

    def send(
        self, method: str, params: dict[str, Any] | None = None, *, browser: bool = False, timeout: float = 30
    ) -> dict[str, Any]:
        want = self._post(method, params, None if browser else self.session)
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read(deadline)
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                result: dict[str, Any] = msg.get("result", {})
                return result
            if "method" in msg:
                self._event(msg)

    def wait_for(self, method: str, timeout: float = 20) -> dict[str, Any]:
        for msg in self.events:
            if msg.get("method") == method:
                self.events.remove(msg)
                return msg
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read(deadline)
            if "method" in msg:
                self._event(msg)
                if msg["method"] == method:
                    return msg

    # -- page -----------------------------------------------------------------------------------------
    def open_tab(self, width: int = 900, height: int = 1200) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, browser=True)
        self.session = self.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, browser=True
        )["sessionId"]
        for domain in ("Page", "Runtime", "Network"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def load(self, path: Path, *, has_map: bool = True, ready: str | None = None) -> list[str]:
        """Open a file and wait until Leaflet drew its vector layers (or ``ready``, a JavaScript condition,
        holds); return every URL the page asked for."""
        self.events.clear()
        self.dialogs.clear()
        self.send("Page.navigate", {"url": path.resolve().as_uri()})
        self.wait_for("Page.loadEventFired")
        condition = ready or "document.querySelectorAll('path.leaflet-interactive').length > 0"
        deadline = time.monotonic() + 15
        while (has_map or ready) and not self.js(condition):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        time.sleep(0.3)  # let tile errors and the last frames settle
        self.js("0")  # drain pending events
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def js(self, expression: str) -> Any:
        out = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in out:
            raise RuntimeError(f"{expression[:60]}...: {out['exceptionDetails']}")
        return out["result"].get("value")

    def screenshot(self, path: Path, full_page: bool = True) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            height = self.js("document.documentElement.scrollHeight")
            width = self.js("document.documentElement.scrollWidth")
            params |= {
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            }
        data = self.send("Page.captureScreenshot", params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def mouse_to(self, x: float, y: float) -> None:
        self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close", browser=True, timeout=5)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        os.close(self._out)
        os.close(self._in)
        self.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    # -- printing -------------------------------------------------------------------------------------
    def print_pdf(self) -> bytes:
        """The page printed as Chromium prints it (CSS page size: A4 for lotrate's pages)."""
        data = self.send("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}, timeout=60)["data"]
        return base64.b64decode(data)


def pdf_page_count(pdf: bytes) -> int:
    """Pages of a PDF written by Chromium: its ``/Type /Page`` objects (not the ``/Pages`` tree)."""
    import re

    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def remote_urls(urls: list[str]) -> list[str]:
    """The URLs that would leave the machine (not the page itself, not inlined data)."""
    return [u for u in urls if not u.startswith(("file:", "data:", "about:"))]
