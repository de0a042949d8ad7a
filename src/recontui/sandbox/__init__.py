"""Local stand-ins for QuickBooks Online v3 and BILL v3, seeded with a demo business.

Independent of the rest of recontui on purpose: a connector bug cannot hide behind code
shared with the server it is tested against.
"""

from .config import SandboxConfig
from .sandbox import Sandbox
from .server import RunningSandbox, serve

__all__ = ["RunningSandbox", "Sandbox", "SandboxConfig", "serve"]
