"""The emulator toolkit: routing, the request shell, error answers, fault hooks, pacing."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from unified_orders.sandbox import (
    BaseEmulator,
    CostBucket,
    EmulatorError,
    LeakyBucket,
    NoRoute,
    Route,
    Router,
    SandboxRequest,
    SlidingWindow,
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Notes(BaseEmulator):
    router: ClassVar[Router] = Router(
        [
            Route("GET", "notes/", "list_notes"),
            Route("POST", "notes/", "add_note"),
            Route("GET", "notes/{id:int}/", "get_note"),
            Route("POST", "search/", "search", writes=False),
        ]
    )
    api_root = "/api/"

    def __init__(self) -> None:
        super().__init__()
        self.state = {"notes": []}
        self.changes = 0

    def admit(self, request: SandboxRequest) -> None:
        if request.headers.get("authorization") != "Bearer ok":
            raise EmulatorError(401, {"detail": "no"})
        request.reply_headers["x-version"] = "1"

    def changed(self) -> None:
        self.changes += 1

    def list_notes(self, request: SandboxRequest) -> tuple[int, Any]:
        return 200, list(self.state["notes"])

    def add_note(self, request: SandboxRequest) -> tuple[int, Any, dict[str, str]]:
        if not request.body:
            raise EmulatorError(400, {"text": ["required"]})
        self.state["notes"].append(request.body)
        return 201, request.body, {"location": f"/api/notes/{len(self.state['notes'])}/"}

    def get_note(self, request: SandboxRequest, id: str) -> tuple[int, Any]:
        try:
            return 200, self.state["notes"][int(id) - 1]
        except IndexError:
            raise EmulatorError(404, {"detail": "Not found."}) from None

    def search(self, request: SandboxRequest) -> tuple[int, Any]:
        return 200, [n for n in self.state["notes"] if request.body in n]


AUTH = {"authorization": "Bearer ok"}


def test_router_resolves_params_and_reports_allowed_methods() -> None:
    route, params = Notes.router.resolve("get", "notes/12/")
    assert (route.handler, params) == ("get_note", {"id": "12"})
    with pytest.raises(NoRoute) as missing:
        Notes.router.resolve("DELETE", "notes/")
    assert missing.value.allowed == ("GET", "POST")
    with pytest.raises(NoRoute) as unknown:
        Notes.router.resolve("GET", "notes/abc/")
    assert unknown.value.allowed == ()
    assert len(Notes.router) == 4
    assert [r.is_write for r in Notes.router] == [False, True, False, False]


def test_shell_routes_counts_writes_and_answers_errors() -> None:
    notes = Notes()
    assert notes.handle("POST", "/api/notes/", {}, AUTH, "hello")[:2] == (201, "hello")
    assert notes.writes == 1
    assert notes.changes == 2
    assert notes.handle("GET", "/api/notes/1/", {}, AUTH, None) == (
        200,
        "hello",
        {"x-version": "1"},
    )
    assert notes.handle("POST", "/api/search/", {}, AUTH, "ell")[:2] == (200, ["hello"])
    assert notes.writes == 1
    assert notes.handle("GET", "/api/notes/9/", {}, AUTH, None)[0] == 404
    assert notes.handle("DELETE", "/api/notes/", {}, AUTH, None)[0] == 405
    assert notes.handle("GET", "/elsewhere", {}, AUTH, None)[0] == 404
    assert notes.handle("GET", "/api/notes/", {}, {}, None)[:2] == (401, {"detail": "no"})
    status, body, headers = notes.handle("POST", "/api/notes/", {}, AUTH, "")
    assert (status, body, headers) == (400, {"text": ["required"]}, {"x-version": "1"})


def test_fault_hooks_answer_first_and_state_round_trips() -> None:
    notes = Notes()
    notes.faults.append(lambda request: (503, "down", {}) if request.method == "POST" else None)
    assert notes.handle("POST", "/api/notes/", {}, AUTH, "x")[0] == 503
    notes.faults.clear()
    notes.handle("POST", "/api/notes/", {}, AUTH, "x")
    saved = notes.dump_state()
    other = Notes()
    other.load_state(saved)
    assert other.handle("GET", "/api/notes/", {}, AUTH, None)[1] == ["x"]
    saved["notes"].append("not shared")
    assert notes.state == {"notes": ["x"]}


def test_limits() -> None:
    clock = Clock()
    window = SlidingWindow(2, 1.0, clock)
    assert window.take("a") is None
    assert window.take("a") is None
    assert window.take("a") == pytest.approx(1.0)
    assert window.take("b") is None
    clock.now = 1.0
    assert window.take("a") is None

    bucket = LeakyBucket(2, 1.0, clock)
    assert bucket.take() is None
    assert bucket.take() is None
    assert bucket.take() == pytest.approx(1.0)
    assert bucket.throttled == 1
    clock.now = 2.0
    assert bucket.take() is None
    assert bucket.peak == 2

    cost = CostBucket(100, 50.0, clock)
    assert cost.charge(80) is None
    cost.spend(80)
    assert cost.charge(40) == pytest.approx(0.4)
    clock.now = 3.0
    assert cost.charge(40) is None
