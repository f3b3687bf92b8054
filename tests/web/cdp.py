"""A tiny Chrome DevTools Protocol client over --remote-debugging-pipe (no websocket needed).

Chromium reads NUL-terminated JSON messages on fd 3 and writes them on fd 4.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any


class Browser:
    def __init__(self, chromium: str, profile: Path, env: dict[str, str] | None = None,
                 args: tuple[str, ...] = ()) -> None:
        to_child_r, self._w = os.pipe()
        self._r, from_child_w = os.pipe()

        def fds() -> None:
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", f"--user-data-dir={profile}", "--remote-debugging-pipe",
             "--window-size=412,915", *args, "about:blank"],
            pass_fds=(3, 4, to_child_r, from_child_w), preexec_fn=fds,  # noqa: PLW1509
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._id = 0
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]

    def _send(self, msg: dict[str, Any]) -> None:
        os.write(self._w, json.dumps(msg).encode() + b"\0")

    def _recv(self) -> dict[str, Any]:
        while b"\0" not in self._buf:
            chunk = os.read(self._r, 65536)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        self._send(msg)
        while True:
            reply = self._recv()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def js(self, expression: str) -> Any:
        res = self.call("Runtime.evaluate", self.session, expression=expression,
                        awaitPromise=True, returnByValue=True)
        return res.get("result", {}).get("value")

    def goto(self, url: str) -> None:
        self.call("Page.navigate", self.session, url=url)
        self.wait("document.readyState === 'complete'")

    def wait(self, condition: str, timeout: float = 10.0) -> Any:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                value = self.js(
                    f"(function(){{try{{return {condition};}}catch(e){{return null;}}}})()")
            except RuntimeError:
                value = None
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(condition)

    def screenshot(self, path: Path) -> None:
        import base64

        data = self.call("Page.captureScreenshot", self.session, format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError):
            self.call("Browser.close")
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._w)
        os.close(self._r)
