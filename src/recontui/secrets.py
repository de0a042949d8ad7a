"""One place to keep credentials (OAuth refresh tokens, client secrets, API keys).

recontui runs in three very different places: a desktop session with a real OS
keyring, an SSH session on a server where the keyring is absent or locked, and
cron/CI where nobody can type anything. A single store with a fixed, explicit
order keeps behaviour predictable in all three:

1. **Environment variables**, ``RECONTUI_SECRET_<PROFILE>_<NAME>`` (see
   :func:`env_var_name`). Read-only; when set and non-empty they win over every
   stored value, so cron and CI can inject secrets without touching disk. An
   empty variable counts as unset (``FOO=`` in a crontab is almost always a
   mistake, and an empty token only produces a confusing auth error later).
   The mangling is lossy (profile ``a_b`` + name ``c`` and profile ``a`` + name
   ``b_c`` give the same variable); keep profile names free of ``_`` if that
   matters.
2. **The OS keyring** (Secret Service, KWallet, macOS Keychain, Windows
   Credential Locker) -- only when keyring's active backend is a real one
   (not ``fail``/``null``, and not the file backends of ``keyrings.cryptfile``
   or ``keyrings.alt``, which would prompt with ``getpass`` behind the
   full-screen app's back) *and* it answers a probe within ``keyring_timeout``
   seconds. A locked Secret Service can block forever, so the probe runs in a
   daemon thread; a backend that times out is remembered for the rest of the
   process and skipped from then on. Entries use service
   ``"recontui:" + <absolute secrets_path>`` and username
   ``"<namespace>/<name>"`` (namespace percent-encoded), so two databases never
   share secrets. ``<namespace>/__index__`` holds a JSON list of the names in
   that namespace (names only, never values) so :meth:`SecretStore.delete_all`
   can find them.
3. **An encrypted file at ``secrets_path``**, unlocked by a passphrase from
   ``RECONTUI_PASSPHRASE`` or from the app's ``passphrase_provider`` (asked at
   most once per store; this module never calls ``getpass`` itself because a
   full-screen app may own the terminal). Format: a JSON document
   ``{"format": "recontui-secrets", "version": 1, "cipher": "AES-256-GCM",
   "kdf": {"name": "scrypt", "salt", "n", "r", "p"}, "check", "nonce",
   "ciphertext"}``. scrypt derives 64 bytes: the first 32 are the AES-GCM key,
   the last 32 key an HMAC stored as ``check`` so a wrong passphrase can be
   told apart from a damaged file. The header is bound to the ciphertext as
   GCM associated data. The plaintext inside is
   ``{"secrets": {namespace: {name: value}}}``.
4. **A plaintext JSON file at ``<secrets_path>.json``** -- only with an
   explicit opt-in (``allow_plaintext=True``; the CLI maps
   ``--plaintext-secrets`` / ``RECONTUI_PLAINTEXT_SECRETS=1`` to it). A
   separate path means an encrypted file is never mistaken for, or silently
   replaced by, a plaintext one. With the opt-in the passphrase provider is
   not asked (the user chose plaintext) unless an encrypted file already
   exists, and an existing encrypted file is never bypassed: without its
   passphrase opening fails rather than silently starting an empty plaintext
   store that lacks the tokens.

Both files are mode 0600 (a missing parent directory is created 0700) and
written atomically -- temp file in the same directory, fsync, ``os.replace``,
fsync of the directory -- because refresh tokens rotate and a crash mid-write
must never lose the last good one. Read-modify-write cycles (and keyring index
updates) are serialised between processes with ``fcntl.flock`` on
``<file>.lock``; on platforms without ``fcntl`` only threads are serialised.

Secret values never appear in exception messages, logs or reprs. Because
Textual's crash screen prints the local variables of every frame, values are
also kept out of this module's locals where practical (wrapped in
:class:`_Redacted` or a :class:`_SecretDoc`, whose reprs hide them).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import re
import secrets as _random
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import quote

import keyring
import keyring.errors
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

try:  # POSIX only; recontui targets Linux/macOS servers.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["SecretStore", "SecretsError", "env_var_name", "open_secret_store"]

ENV_PREFIX = "RECONTUI_SECRET_"
PASSPHRASE_ENV = "RECONTUI_PASSPHRASE"
KEYRING_SERVICE_PREFIX = "recontui:"
PLAINTEXT_SUFFIX = ".json"

_INDEX_NAME = "__index__"
_PROBE_USERNAME = "__probe__"
_ENCRYPTED_FORMAT = "recontui-secrets"
_PLAINTEXT_FORMAT = "recontui-secrets-plaintext"
_CIPHER = "AES-256-GCM"
_CHECK_LABEL = b"recontui secrets passphrase check v1"

# scrypt cost for new files (~32 MiB, ~0.15 s). Stored in the header, so it can
# be raised later without breaking existing files.
_SCRYPT_N = 2**15
_SCRYPT_R = 8
_SCRYPT_P = 1

# Keyring operations after a successful probe may legitimately be slower (an
# unlock dialog on a desktop), but must never hang a cron job forever.
_KEYRING_OP_TIMEOUT_FACTOR = 10.0
# How long a writer waits for another process's read-modify-write to finish.
_LOCK_TIMEOUT = 30.0

# Modules whose backends are not an OS keyring: "no keyring" stand-ins, the
# chainer (handled by looking inside it), and file backends that would ask for
# their own password with getpass.
_NOT_OS_KEYRING_MODULES = (
    "keyring.backends.fail",
    "keyring.backends.null",
    "keyring.backends.chainer",
    "keyrings.cryptfile",
    "keyrings.alt",
)

T = TypeVar("T")


class SecretsError(Exception):
    """A problem the user can fix; the message says what happened and what to do next.

    Messages never contain secret values, so the app can show them verbatim.
    """


# --------------------------------------------------------------------------- helpers


class _Redacted(Generic[T]):
    """Holds a secret so that reprs and traceback locals show ``<redacted>``."""

    __slots__ = ("_value",)

    def __init__(self, value: T) -> None:
        self._value = value

    def reveal(self) -> T:
        return self._value

    def __repr__(self) -> str:
        return "<redacted>"

    __str__ = __repr__


class _SecretDoc:
    """The ``{namespace: {name: value}}`` mapping, with a repr that hides values."""

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, dict[str, str]] | None = None) -> None:
        self._data: dict[str, dict[str, str]] = data if data is not None else {}

    @classmethod
    def from_obj(cls, obj: object) -> _SecretDoc | None:
        """Validate a decoded ``secrets`` object; ``None`` if it has the wrong shape."""
        if not isinstance(obj, dict):
            return None
        for namespace, entries in obj.items():
            if not isinstance(namespace, str) or not isinstance(entries, dict):
                return None
            for name, value in entries.items():
                if not isinstance(name, str) or not isinstance(value, str):
                    return None
        return cls(obj)

    def get(self, namespace: str, name: str) -> str | None:
        return self._data.get(namespace, {}).get(name)

    def set(self, namespace: str, name: str, value: _Redacted[str]) -> bool:
        entries = self._data.setdefault(namespace, {})
        if entries.get(name) == value.reveal():
            return False
        entries[name] = value.reveal()
        return True

    def delete(self, namespace: str, name: str) -> bool:
        entries = self._data.get(namespace)
        if entries is None or name not in entries:
            return False
        del entries[name]
        if not entries:
            del self._data[namespace]
        return True

    def delete_all(self, namespace: str) -> bool:
        return self._data.pop(namespace, None) is not None

    def to_obj(self) -> dict[str, dict[str, str]]:
        return self._data

    def __repr__(self) -> str:
        count = sum(len(entries) for entries in self._data.values())
        return f"<{count} secrets redacted>"


def _mangle(part: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", part).upper()


def env_var_name(profile: str, name: str) -> str:
    """Return the environment variable that overrides secret ``name`` of ``profile``.

    ``RECONTUI_SECRET_<PROFILE>_<NAME>``: each part upper-cased with every
    character other than ASCII letters and digits replaced by ``_`` (so the
    result is a portable shell variable name). Exposed so the CLI and docs can
    tell users exactly which variable to set for cron or CI.
    """
    if not profile or not name:
        raise ValueError("profile and name must be non-empty")
    return f"{ENV_PREFIX}{_mangle(profile)}_{_mangle(name)}"


def _validate(namespace: str, name: str | None = None) -> None:
    if not isinstance(namespace, str) or not namespace:
        raise ValueError("namespace must be a non-empty string")
    if name is None:
        return
    if not isinstance(name, str) or not name:
        raise ValueError("secret name must be a non-empty string")
    if name == _INDEX_NAME:
        raise ValueError(f"{_INDEX_NAME!r} is reserved and cannot be used as a secret name")


def _scrub(text: str, secret: _Redacted[str] | None) -> str:
    """Remove a secret from third-party error text before it reaches a message."""
    if secret is not None and secret.reveal():
        text = text.replace(secret.reveal(), "<redacted>")
    return text


def _describe_exc(exc: BaseException, secret: _Redacted[str] | None = None) -> str:
    detail = _scrub(str(exc), secret).strip()
    name = type(exc).__name__
    return f"{name}: {detail}" if detail else name


class _TimedOut(Exception):
    pass


def _run_with_timeout(fn: Callable[[], T], timeout: float) -> T:
    """Run ``fn`` in a daemon thread; raise :class:`_TimedOut` if it does not finish.

    A daemon thread because a hung D-Bus call cannot be cancelled: the thread
    is abandoned and must not keep the process alive at exit.
    """
    done = threading.Event()
    box: dict[str, Any] = {}

    def runner() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=runner, name="recontui-keyring", daemon=True).start()
    if not done.wait(timeout):
        raise _TimedOut
    if "error" in box:
        raise box["error"]
    return box["result"]


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(os.path.expanduser(os.fspath(path))))


def _ensure_dir(directory: Path) -> None:
    """Create missing directories 0700 (existing ones, like the database's, are left alone)."""
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for path in reversed(missing):
        with suppress(FileExistsError):
            os.mkdir(path, 0o700)


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; not every platform lets us open a directory."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(path: Path, payload: _Redacted[bytes]) -> None:
    """Replace ``path`` so that a crash leaves either the old or the new file, never half."""
    try:
        _ensure_dir(path.parent)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _write_error(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload.reveal())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException as exc:
        with suppress(OSError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError):
            raise _write_error(path, exc) from exc
        raise
    _fsync_dir(path.parent)


def _write_error(path: Path, exc: OSError) -> SecretsError:
    reason = exc.strerror or type(exc).__name__
    return SecretsError(
        f"Could not write the secrets file {path} ({reason}): "
        f"check free disk space and the permissions of {path.parent}."
    )


_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Serialise read-modify-write between threads and between processes.

    The lock file is never deleted: removing a flock'd file lets two processes
    lock two different inodes.
    """
    with _thread_locks_guard:
        tlock = _thread_locks.setdefault(str(lock_path), threading.Lock())
    with tlock:
        if fcntl is None:  # pragma: no cover - Windows
            yield
            return
        try:
            _ensure_dir(lock_path.parent)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise SecretsError(
                f"Could not create the lock file {lock_path} ({exc.strerror}): "
                f"check the permissions of {lock_path.parent}."
            ) from exc
        try:
            deadline = time.monotonic() + _LOCK_TIMEOUT
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise SecretsError(
                            f"Another recontui process has held {lock_path} for over "
                            f"{_LOCK_TIMEOUT:.0f} s: wait for it to finish, or stop it."
                        ) from None
                    time.sleep(0.01)
            yield
        finally:
            os.close(fd)  # closing releases the flock


def _b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64d(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("expected base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


# --------------------------------------------------------------------------- backends


class _Backend(Protocol):
    kind: str
    location: str

    def get(self, namespace: str, name: str) -> str | None: ...
    def set(self, namespace: str, name: str, value: _Redacted[str]) -> None: ...
    def delete(self, namespace: str, name: str) -> None: ...
    def delete_all(self, namespace: str) -> None: ...
    def describe(self) -> str: ...


class _FileBackend:
    """Shared load / atomic read-modify-write logic of the two file stores."""

    kind = "file"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        self._lock_path = path.with_name(path.name + ".lock")

    # subclasses
    def _decode(self, raw: _Redacted[bytes]) -> _SecretDoc:
        raise NotImplementedError

    def _encode(self, doc: _SecretDoc, previous: _Redacted[bytes] | None) -> _Redacted[bytes]:
        raise NotImplementedError

    def _damaged(self) -> SecretsError:
        return SecretsError(
            f"The secrets file {self.path} is damaged or is not a recontui secrets file: "
            "restore it from a backup, or move it aside and sign in again."
        )

    def _read_raw(self) -> _Redacted[bytes] | None:
        try:
            return _Redacted(self.path.read_bytes())
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SecretsError(
                f"Could not read the secrets file {self.path} ({exc.strerror}): "
                "check its owner and permissions."
            ) from exc

    def _load(self) -> tuple[_SecretDoc, _Redacted[bytes] | None]:
        raw = self._read_raw()
        if raw is None:
            return _SecretDoc(), None
        return self._decode(raw), raw

    def verify(self) -> None:
        """Fail at open time (wrong passphrase, damaged file) instead of on first use."""
        self._load()

    def _modify(self, change: Callable[[_SecretDoc], bool]) -> None:
        with _exclusive(self._lock_path):
            doc, raw = self._load()
            if change(doc):
                _atomic_write(self.path, self._encode(doc, raw))

    def get(self, namespace: str, name: str) -> str | None:
        # No lock: os.replace means a reader sees the old or the new file whole.
        return self._load()[0].get(namespace, name)

    def set(self, namespace: str, name: str, value: _Redacted[str]) -> None:
        self._modify(lambda doc: doc.set(namespace, name, value))

    def delete(self, namespace: str, name: str) -> None:
        self._modify(lambda doc: doc.delete(namespace, name))

    def delete_all(self, namespace: str) -> None:
        self._modify(lambda doc: doc.delete_all(namespace))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path}>"


class _EncryptedFile(_FileBackend):
    kind = "encrypted-file"

    def __init__(self, path: Path, passphrase: _Redacted[str], source: str) -> None:
        super().__init__(path)
        self._passphrase = passphrase
        self.passphrase_source = source
        # (salt, n, r, p) -> (aes key, check); in memory only, never on disk.
        self._keys: dict[tuple[bytes, int, int, int], _Redacted[tuple[bytes, bytes]]] = {}

    def _derive(self, salt: bytes, n: int, r: int, p: int) -> tuple[bytes, bytes]:
        cache_key = (salt, n, r, p)
        cached = self._keys.get(cache_key)
        if cached is None:
            material = Scrypt(salt=salt, length=64, n=n, r=r, p=p).derive(
                unicodedata.normalize("NFC", self._passphrase.reveal()).encode("utf-8")
            )
            check = hmac.new(material[32:], _CHECK_LABEL, "sha256").digest()
            cached = _Redacted((material[:32], check))
            self._keys[cache_key] = cached
        return cached.reveal()

    @staticmethod
    def _aad(header: dict[str, Any]) -> bytes:
        return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def _parse(self, raw: _Redacted[bytes]) -> tuple[dict[str, Any], bytes, bytes, bytes]:
        """Return (header, salt, nonce, ciphertext) or raise 'damaged'."""
        try:
            outer = json.loads(raw.reveal())
            if not isinstance(outer, dict) or outer.get("format") != _ENCRYPTED_FORMAT:
                raise ValueError("format")
            if outer.get("version") != 1 or outer.get("cipher") != _CIPHER:
                raise ValueError("version")
            kdf = outer["kdf"]
            if not isinstance(kdf, dict) or kdf.get("name") != "scrypt":
                raise ValueError("kdf")
            salt = _b64d(kdf["salt"])
            n, r, p = kdf["n"], kdf["r"], kdf["p"]
            sane = (
                all(type(v) is int for v in (n, r, p))
                and 2**10 <= n <= 2**22
                and n & (n - 1) == 0
                and 1 <= r <= 32
                and 1 <= p <= 16
                and len(salt) >= 16
            )
            if not sane:
                raise ValueError("kdf parameters")
            _b64d(outer["check"])
            nonce = _b64d(outer["nonce"])
            ciphertext = _b64d(outer["ciphertext"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise self._damaged() from None
        header = {k: outer[k] for k in ("format", "version", "cipher", "kdf", "check")}
        return header, salt, nonce, ciphertext

    def _decode(self, raw: _Redacted[bytes]) -> _SecretDoc:
        header, salt, nonce, ciphertext = self._parse(raw)
        kdf = header["kdf"]
        key, check = self._derive(salt, kdf["n"], kdf["r"], kdf["p"])
        if not hmac.compare_digest(check, _b64d(header["check"])):
            raise SecretsError(
                f"The passphrase does not unlock {self.path}. Set {PASSPHRASE_ENV} to the "
                "passphrase used when the file was created, or move the file aside to start "
                "a new one (you will have to sign in again)."
            )
        try:
            doc = _SecretDoc.from_obj(
                json.loads(AESGCM(key).decrypt(nonce, ciphertext, self._aad(header))).get("secrets")
            )
        except (InvalidTag, ValueError, AttributeError):
            raise self._damaged() from None
        if doc is None:
            raise self._damaged()
        return doc

    def _encode(self, doc: _SecretDoc, previous: _Redacted[bytes] | None) -> _Redacted[bytes]:
        if previous is not None:
            # Keep the salt so the cached key stays valid; only the nonce changes.
            header, salt, _nonce, _ct = self._parse(previous)
            kdf = header["kdf"]
            n, r, p = kdf["n"], kdf["r"], kdf["p"]
        else:
            salt, n, r, p = _random.token_bytes(16), _SCRYPT_N, _SCRYPT_R, _SCRYPT_P
        key, check = self._derive(salt, n, r, p)
        header = {
            "format": _ENCRYPTED_FORMAT,
            "version": 1,
            "cipher": _CIPHER,
            "kdf": {"name": "scrypt", "salt": _b64e(salt), "n": n, "r": r, "p": p},
            "check": _b64e(check),
        }
        nonce = _random.token_bytes(12)
        ciphertext = AESGCM(key).encrypt(
            nonce,
            json.dumps({"secrets": doc.to_obj()}, separators=(",", ":")).encode("utf-8"),
            self._aad(header),
        )
        outer = {**header, "nonce": _b64e(nonce), "ciphertext": _b64e(ciphertext)}
        return _Redacted(json.dumps(outer, indent=1).encode("utf-8") + b"\n")

    def describe(self) -> str:
        return f"encrypted file {self.path} (passphrase from {self.passphrase_source})"


class _PlaintextFile(_FileBackend):
    kind = "plaintext-file"

    def _decode(self, raw: _Redacted[bytes]) -> _SecretDoc:
        try:
            outer = _Redacted(json.loads(raw.reveal()))
            ok = (
                isinstance(outer.reveal(), dict)
                and outer.reveal().get("format") == _PLAINTEXT_FORMAT
                and outer.reveal().get("version") == 1
            )
            doc = _SecretDoc.from_obj(outer.reveal().get("secrets")) if ok else None
        except (ValueError, AttributeError):
            raise self._damaged() from None
        if doc is None:
            raise self._damaged()
        return doc

    def _encode(self, doc: _SecretDoc, previous: _Redacted[bytes] | None) -> _Redacted[bytes]:
        return _Redacted(
            json.dumps(
                {"format": _PLAINTEXT_FORMAT, "version": 1, "secrets": doc.to_obj()},
                indent=1,
                sort_keys=True,
            ).encode("utf-8")
            + b"\n"
        )

    def describe(self) -> str:
        return (
            f"plaintext file {self.path} (NOT encrypted; opted in with --plaintext-secrets "
            "or RECONTUI_PLAINTEXT_SECRETS=1)"
        )


# Backends (by dotted class name) that stopped answering; skipped for the rest of
# the process so every later open does not pay the timeout again.
_unresponsive_keyrings: set[str] = set()
_GET_KEYRING = "keyring.get_keyring()"


def _backend_label(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _active_label(active: object) -> str:
    """Name the active backend for `doctor`, including a chainer's members."""
    from keyring.backends.chainer import ChainerBackend

    label = _backend_label(active)
    if isinstance(active, ChainerBackend):
        members = ", ".join(_backend_label(m) for m in active.backends) or "nothing"
        label = f"{label} of {members}"
    return label


def _is_os_keyring(backend: object) -> bool:
    for cls in type(backend).__mro__:
        module = getattr(cls, "__module__", "") or ""
        if any(module == m or module.startswith(m + ".") for m in _NOT_OS_KEYRING_MODULES):
            return False
    try:
        priority = backend.priority  # type: ignore[attr-defined]
    except Exception:  # a non-viable backend raises from its priority
        return False
    # keyring itself only "recommends" backends with priority >= 1.
    return isinstance(priority, int | float) and priority >= 1


def _pick_os_keyring(active: object) -> object | None:
    """The backend to use directly, or None.

    For a chainer we use its best real member directly rather than the chainer:
    chaining would fall through to file backends that prompt with getpass.
    """
    from keyring.backends.chainer import ChainerBackend

    if isinstance(active, ChainerBackend):
        for member in active.backends:
            if _is_os_keyring(member):
                return member
        return None
    return active if _is_os_keyring(active) else None


class _KeyringBackend:
    kind = "keyring"

    def __init__(self, backend: Any, service: str, lock_path: Path, op_timeout: float) -> None:
        self._kr = backend
        self.service = service
        self.location = _backend_label(backend)
        self._lock_path = lock_path
        self.op_timeout = op_timeout

    def _username(self, namespace: str, name: str) -> str:
        return f"{quote(namespace, safe='')}/{name}"

    def _call(self, action: str, fn: Callable[[], T], secret: _Redacted[str] | None = None) -> T:
        try:
            return _run_with_timeout(fn, self.op_timeout)
        except _TimedOut:
            _unresponsive_keyrings.add(self.location)
            raise SecretsError(
                f"The keyring ({self.location}) did not answer within {self.op_timeout:g} s "
                f"while {action}: unlock it and try again."
            ) from None
        except Exception as exc:
            # ``from None``: the backend's frames may hold the value as a local.
            raise SecretsError(
                f"The keyring ({self.location}) failed while {action} "
                f"({_describe_exc(exc, secret)}): unlock it and try again."
            ) from None

    def _get_raw(self, username: str) -> str | None:
        kr, service = self._kr, self.service
        return self._call("reading a secret", lambda: kr.get_password(service, username))

    def _set_raw(self, username: str, value: _Redacted[str]) -> None:
        kr, service = self._kr, self.service
        self._call(
            "storing a secret",
            lambda: kr.set_password(service, username, value.reveal()),
            secret=value,
        )

    def _delete_raw(self, username: str) -> None:
        kr, service = self._kr, self.service

        def delete() -> None:
            try:
                kr.delete_password(service, username)
            except keyring.errors.PasswordDeleteError:
                pass  # already gone

        self._call("deleting a secret", delete)

    def _read_index(self, namespace: str) -> list[str]:
        raw = self._get_raw(self._username(namespace, _INDEX_NAME))
        if not raw:
            return []
        try:
            names = json.loads(raw)
        except ValueError:
            return []
        return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []

    def _write_index(self, namespace: str, names: list[str]) -> None:
        username = self._username(namespace, _INDEX_NAME)
        if names:
            self._set_raw(username, _Redacted(json.dumps(sorted(names))))
        else:
            self._delete_raw(username)

    def get(self, namespace: str, name: str) -> str | None:
        return self._get_raw(self._username(namespace, name))

    def set(self, namespace: str, name: str, value: _Redacted[str]) -> None:
        with _exclusive(self._lock_path):
            # Index first: a crash between the two writes leaves an index entry
            # without a value (harmless), never a value delete_all cannot find.
            names = self._read_index(namespace)
            if name not in names:
                self._write_index(namespace, [*names, name])
            self._set_raw(self._username(namespace, name), value)

    def delete(self, namespace: str, name: str) -> None:
        with _exclusive(self._lock_path):
            self._delete_raw(self._username(namespace, name))
            names = self._read_index(namespace)
            if name in names:
                self._write_index(namespace, [n for n in names if n != name])

    def delete_all(self, namespace: str) -> None:
        with _exclusive(self._lock_path):
            for name in self._read_index(namespace):
                self._delete_raw(self._username(namespace, name))
            self._delete_raw(self._username(namespace, _INDEX_NAME))

    def describe(self) -> str:
        return f"OS keyring {self.location} (service {self.service!r})"

    def __repr__(self) -> str:
        return f"<_KeyringBackend {self.location} service={self.service!r}>"


def _probe_keyring(service: str, timeout: float) -> tuple[Any | None, str]:
    """Return (usable backend, "") or (None, why the keyring is not used)."""
    if _GET_KEYRING in _unresponsive_keyrings:
        return None, "keyring did not answer earlier in this process"
    stage: dict[str, Any] = {}

    def work() -> None:
        active = keyring.get_keyring()
        stage["active"] = _active_label(active)
        chosen = _pick_os_keyring(active)
        stage["chosen"] = chosen
        if chosen is None or _backend_label(chosen) in _unresponsive_keyrings:
            return
        chosen.get_password(service, _PROBE_USERNAME)  # type: ignore[attr-defined]
        stage["answered"] = True

    try:
        _run_with_timeout(work, timeout)
    except _TimedOut:
        chosen = stage.get("chosen")
        label = _backend_label(chosen) if chosen is not None else _GET_KEYRING
        _unresponsive_keyrings.add(label)
        return None, f"{label} did not answer within {timeout:g} s (it may be locked)"
    except Exception as exc:
        chosen = stage.get("chosen")
        label = _backend_label(chosen) if chosen is not None else _GET_KEYRING
        return None, f"{label} failed ({_describe_exc(exc)})"
    chosen = stage.get("chosen")
    if chosen is None:
        return None, f"no OS keyring (active keyring backend: {stage.get('active')})"
    if not stage.get("answered"):
        return None, f"{_backend_label(chosen)} did not answer earlier in this process"
    return chosen, ""


# --------------------------------------------------------------------------- public store


class SecretStore:
    """Environment overrides in front of one backing store; see the module docstring.

    Create with :func:`open_secret_store`. ``kind`` is ``"keyring"``,
    ``"encrypted-file"`` or ``"plaintext-file"``; ``location`` is the keyring
    backend's dotted class name or the file path.
    """

    def __init__(
        self,
        backend: _Backend,
        *,
        env: Mapping[str, str],
        secrets_path: Path,
        keyring_note: str = "",
    ) -> None:
        self._backend = backend
        self._env = env
        self._keyring_note = keyring_note
        self._secrets_path = secrets_path

    @property
    def kind(self) -> str:
        return self._backend.kind

    @property
    def location(self) -> str:
        return self._backend.location

    def _env_value(self, namespace: str, name: str) -> str | None:
        return self._env.get(env_var_name(namespace, name)) or None

    def get(self, namespace: str, name: str) -> str | None:
        """The secret, from its environment variable if set, else from the backing store."""
        _validate(namespace, name)
        from_env = self._env_value(namespace, name)
        if from_env is not None:
            return from_env
        return self._backend.get(namespace, name)

    def set(self, namespace: str, name: str, value: str) -> None:
        """Store durably (atomically for files).

        An environment variable for the same secret still wins on :meth:`get`;
        the stored value is what remains once the variable is unset.
        """
        secret = _Redacted(value)
        del value  # keep the plain value out of this frame's locals
        _validate(namespace, name)
        if not isinstance(secret.reveal(), str):
            raise TypeError("secret value must be a str")
        self._backend.set(namespace, name, secret)

    def delete(self, namespace: str, name: str) -> None:
        """Forget a stored secret (no error if absent; environment variables are untouched)."""
        _validate(namespace, name)
        self._backend.delete(namespace, name)

    def delete_all(self, namespace: str) -> None:
        """Forget every stored secret of a namespace, e.g. when a profile is removed."""
        _validate(namespace)
        self._backend.delete_all(namespace)

    def env_overrides(self) -> list[str]:
        """Names (never values) of the ``RECONTUI_SECRET_*`` variables currently set."""
        return sorted(k for k, v in self._env.items() if k.startswith(ENV_PREFIX) and v)

    def describe(self) -> str:
        """One line for ``recontui doctor``: where secrets live and what overrides them."""
        parts = [self._backend.describe()]
        if self._keyring_note:
            parts.append(f"keyring not used: {self._keyring_note}")
        # Secrets written while another store was in use are invisible now; say so.
        base = self._secrets_path
        for other in (base, base.with_name(base.name + PLAINTEXT_SUFFIX)):
            if str(other) != self.location and other.exists():
                parts.append(f"note: {other} also exists and is not used")
        overrides = self.env_overrides()
        shown = ", ".join(overrides) if overrides else "none set"
        parts.append(f"environment overrides: {ENV_PREFIX}* ({shown})")
        return "; ".join(parts)

    def __repr__(self) -> str:
        return f"SecretStore(kind={self.kind!r}, location={self.location!r})"


def _find_passphrase(
    environ: _Redacted[Mapping[str, str]],
    provider: Callable[[], str | None] | None,
    *,
    ask: bool,
) -> tuple[_Redacted[str] | None, str]:
    """(passphrase, where it came from); a helper so no caller frame holds it in the clear."""
    from_env = environ.reveal().get(PASSPHRASE_ENV)
    if from_env:
        return _Redacted(from_env), PASSPHRASE_ENV
    if provider is not None and ask:
        answer = provider()
        if answer:
            return _Redacted(answer), "the passphrase prompt"
    return None, ""


def open_secret_store(
    secrets_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    passphrase_provider: Callable[[], str | None] | None = None,
    allow_plaintext: bool = False,
    keyring_timeout: float = 3.0,
    use_keyring: bool = True,
) -> SecretStore:
    """Pick the backing store in the documented order and return it ready to use.

    ``env`` defaults to the live ``os.environ`` (tests pass a dict). The
    passphrase provider is called at most once, only when neither the keyring
    nor ``RECONTUI_PASSPHRASE`` can be used; it must not prompt on a terminal a
    full-screen app owns, and may return ``None``/``""`` for "no passphrase".
    Exceptions it raises (e.g. the user cancelling) propagate unchanged.

    Raises :class:`SecretsError` when nothing can be used, when an existing
    encrypted file cannot be unlocked, or when a file is damaged -- all at open
    time, so the app can react before it needs a token.
    """
    # Wrapped: the environment holds the passphrase and RECONTUI_SECRET_* values.
    environ: _Redacted[Mapping[str, str]] = _Redacted(os.environ if env is None else env)
    del env
    path = _absolute(Path(secrets_path))
    plaintext_path = path.with_name(path.name + PLAINTEXT_SUFFIX)

    keyring_note = "disabled"
    if use_keyring:
        kr, keyring_note = _open_keyring(path, keyring_timeout)
        if kr is not None:
            return SecretStore(kr, env=environ.reveal(), secrets_path=path)

    encrypted_exists = path.exists()
    # With an explicit plaintext opt-in the user has chosen not to type a
    # passphrase -- unless an encrypted file already exists and needs one.
    passphrase, source = _find_passphrase(
        environ, passphrase_provider, ask=encrypted_exists or not allow_plaintext
    )
    if passphrase is not None:
        store = _EncryptedFile(path, passphrase, source)
        store.verify()
        return SecretStore(
            store, env=environ.reveal(), keyring_note=keyring_note, secrets_path=path
        )
    if encrypted_exists:
        raise SecretsError(
            f"The secrets file {path} is encrypted and no passphrase was given: "
            f"set {PASSPHRASE_ENV} to the passphrase used when it was created."
        )
    if allow_plaintext:
        plain = _PlaintextFile(plaintext_path)
        plain.verify()
        return SecretStore(
            plain, env=environ.reveal(), keyring_note=keyring_note, secrets_path=path
        )
    raise SecretsError(
        "No keyring is available here and no passphrase was given: "
        f"set {PASSPHRASE_ENV} (the secrets file at {path} will be encrypted with it), "
        "or pass --plaintext-secrets to store them unencrypted."
    )


def _open_keyring(path: Path, timeout: float) -> tuple[_KeyringBackend | None, str]:
    """The OS keyring that holds ``path``'s secrets if one answers in time, and a note on
    the keyring either way (what ``describe`` says when another store is used)."""
    service = KEYRING_SERVICE_PREFIX + str(path)
    backend, note = _probe_keyring(service, timeout)
    if backend is None:
        return None, note
    kr = _KeyringBackend(
        backend,
        service,
        path.with_name(path.name + ".lock"),
        op_timeout=timeout * _KEYRING_OP_TIMEOUT_FACTOR,
    )
    return kr, note


def _forget_unresponsive_keyrings() -> None:
    """Test hook: clear the per-process memory of keyrings that timed out."""
    _unresponsive_keyrings.clear()
