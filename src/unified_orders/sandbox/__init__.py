"""The toolkit every sandbox emulator is built on (the role ``moto/core`` plays for moto).

- :mod:`.routes`: a routing table (``Route``/``Router``) an emulator's ``routes.py`` declares;
- :mod:`.errors`: ``EmulatorError``, the one way a handler answers with an error;
- :mod:`.base`: ``BaseEmulator``, the locked request shell, state dump/load and fault hooks;
- :mod:`.clock`: ``WriteClock``, what dates writes: a logical clock, or the wall clock;
- :mod:`.limits`: the pacing models platforms use (sliding window, leaky bucket, cost bucket).

Nothing here knows a platform. Production code never imports an emulator: adapters import their
``sandbox`` package only inside ``Adapter.emulator()``.
"""

from .base import BaseEmulator, FaultHook, Reply, SandboxRequest
from .clock import WallClock, WriteClock, utc_now
from .errors import EmulatorError
from .limits import CostBucket, LeakyBucket, SlidingWindow
from .routes import NoRoute, Route, Router

__all__ = [
    "BaseEmulator",
    "CostBucket",
    "EmulatorError",
    "FaultHook",
    "LeakyBucket",
    "NoRoute",
    "Reply",
    "Route",
    "Router",
    "SandboxRequest",
    "SlidingWindow",
    "WallClock",
    "WriteClock",
    "utc_now",
]
