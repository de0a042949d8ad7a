"""Tests for recontui.secrets: store selection order, file safety, keyring handling.

No test touches the user's real keyring: an autouse fixture installs keyring's
``fail`` backend (or an in-memory fake) and restores the original afterwards.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import threading
import time
from pathlib import Path
from typing import ClassVar

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.backends.chainer import ChainerBackend
from keyrings.cryptfile.cryptfile import CryptFileKeyring

from recontui import secrets as secrets_mod
from recontui.secrets import SecretsError, SecretStore, env_var_name, open_secret_store

SECRET = "s3cr3t-refresh-token-Zq9"
PASSPHRASE = "correct horse battery staple"


class MemoryKeyring(KeyringBackend):
    """A 'real' keyring for tests: in memory, never the user's."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[tuple[str, str], str] = {}
        self.get_calls = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.get_calls += 1
        return self.data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.data[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError(username) from None


class HangingKeyring(MemoryKeyring):
    """Like a locked Secret Service: get_password does not return (for 10 s)."""

    release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.get_calls += 1
        self.release.wait(10)
        return None


class HangingSetKeyring(MemoryKeyring):
    """Answers the probe, then hangs when asked to store something."""

    release = threading.Event()

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait(10)


class ProbeTrap(CryptFileKeyring):
    """A file backend that would prompt with getpass; it must never be called."""

    def get_password(self, service: str, username: str) -> str | None:
        raise AssertionError("file keyring backends must not be probed")


@pytest.fixture(autouse=True)
def isolated_keyring():
    HangingKeyring.release.clear()
    HangingSetKeyring.release.clear()
    original = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    secrets_mod._forget_unresponsive_keyrings()
    yield
    HangingKeyring.release.set()
    HangingSetKeyring.release.set()
    keyring.set_keyring(original)
    secrets_mod._forget_unresponsive_keyrings()


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch):
    """Cheaper scrypt for new files in tests; the cost is read back from the header."""
    monkeypatch.setattr(secrets_mod, "_SCRYPT_N", 2**12)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "books.db.secrets"


def pw_env(passphrase: str = PASSPHRASE) -> dict[str, str]:
    return {"RECONTUI_PASSPHRASE": passphrase}


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


# --------------------------------------------------------------------------- environment


def test_env_var_name_mangling() -> None:
    assert env_var_name("my-profile", "client_secret") == "RECONTUI_SECRET_MY_PROFILE_CLIENT_SECRET"
    assert env_var_name("acme.co uk", "api key") == "RECONTUI_SECRET_ACME_CO_UK_API_KEY"
    assert env_var_name("Zoë", "x") == "RECONTUI_SECRET_ZO__X"
    with pytest.raises(ValueError):
        env_var_name("", "x")


def test_env_var_wins_over_stored_value(path: Path) -> None:
    env = pw_env()
    store = open_secret_store(path, env=env)
    store.set("my-profile", "client_secret", "stored-value")
    assert store.get("my-profile", "client_secret") == "stored-value"

    env["RECONTUI_SECRET_MY_PROFILE_CLIENT_SECRET"] = "from-env"
    assert store.get("my-profile", "client_secret") == "from-env"
    assert "RECONTUI_SECRET_MY_PROFILE_CLIENT_SECRET" in store.describe()
    assert "from-env" not in store.describe()

    env["RECONTUI_SECRET_MY_PROFILE_CLIENT_SECRET"] = ""  # empty counts as unset
    assert store.get("my-profile", "client_secret") == "stored-value"


def test_env_var_is_read_without_any_stored_value(path: Path) -> None:
    env = {"RECONTUI_SECRET_CI_TOKEN": "ci-token", "RECONTUI_PLAINTEXT_SECRETS": "1"}
    store = open_secret_store(path, env=env, allow_plaintext=True)
    assert store.get("ci", "token") == "ci-token"
    assert store.get("ci", "other") is None


# --------------------------------------------------------------------------- encrypted file


def test_fail_backend_selects_encrypted_file(path: Path) -> None:
    store = open_secret_store(path, env=pw_env())
    assert store.kind == "encrypted-file"
    assert store.location == str(path)
    store.set("acme", "refresh_token", SECRET)

    assert mode(path) == 0o600
    raw = path.read_bytes()
    assert SECRET.encode() not in raw
    assert b"refresh_token" not in raw and b"acme" not in raw
    header = json.loads(raw)
    assert header["format"] == "recontui-secrets" and header["kdf"]["name"] == "scrypt"

    reopened = open_secret_store(path, env=pw_env())
    assert reopened.get("acme", "refresh_token") == SECRET
    assert "encrypted file" in reopened.describe()
    assert "RECONTUI_PASSPHRASE" in reopened.describe()
    assert "no OS keyring" in reopened.describe()


def test_new_files_use_default_scrypt_cost(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets_mod, "_SCRYPT_N", 2**15)
    open_secret_store(path, env=pw_env()).set("p", "n", "v")
    assert json.loads(path.read_bytes())["kdf"]["n"] == 2**15


def test_wrong_passphrase_is_a_clear_error(path: Path) -> None:
    open_secret_store(path, env=pw_env()).set("acme", "token", SECRET)
    with pytest.raises(SecretsError) as info:
        open_secret_store(path, env=pw_env("not the passphrase"))
    message = str(info.value)
    assert message.startswith(f"The passphrase does not unlock {path}.")
    assert "RECONTUI_PASSPHRASE" in message
    assert SECRET not in message and PASSPHRASE not in message
    assert "not the passphrase" not in message


def test_tampered_file_is_reported_as_damaged(path: Path) -> None:
    open_secret_store(path, env=pw_env()).set("acme", "token", SECRET)
    doc = json.loads(path.read_bytes())
    ct = bytearray(secrets_mod._b64d(doc["ciphertext"]))
    ct[0] ^= 1
    doc["ciphertext"] = secrets_mod._b64e(bytes(ct))
    path.write_text(json.dumps(doc))
    with pytest.raises(SecretsError, match="damaged"):
        open_secret_store(path, env=pw_env())

    path.write_text("not json at all")
    with pytest.raises(SecretsError, match="damaged"):
        open_secret_store(path, env=pw_env())


def test_no_passphrase_and_no_opt_in_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "new-dir" / "books.db.secrets"
    with pytest.raises(SecretsError) as info:
        open_secret_store(path, env={})
    message = str(info.value)
    assert "set RECONTUI_PASSPHRASE" in message
    assert "--plaintext-secrets" in message
    assert str(path) in message
    assert not path.parent.exists()  # nothing written on failure

    with pytest.raises(SecretsError):
        open_secret_store(path, env={}, passphrase_provider=lambda: None)


def test_passphrase_provider_used_once_when_env_lacks_it(path: Path) -> None:
    calls: list[int] = []

    def provider() -> str:
        calls.append(1)
        return PASSPHRASE

    store = open_secret_store(path, env={}, passphrase_provider=provider)
    assert store.kind == "encrypted-file"
    store.set("acme", "a", "1")
    store.set("acme", "b", "2")
    assert store.get("acme", "a") == "1"
    store.delete("acme", "a")
    assert calls == [1]
    assert "passphrase prompt" in store.describe()

    # The environment wins over the provider, which then is never called.
    open_secret_store(path, env=pw_env(), passphrase_provider=provider)
    assert calls == [1]
    # Same passphrase, either way.
    assert open_secret_store(path, env=pw_env()).get("acme", "b") == "2"


def test_parent_directory_created_private(tmp_path: Path) -> None:
    path = tmp_path / "state" / "recontui" / "books.db.secrets"
    open_secret_store(path, env=pw_env()).set("p", "n", "v")
    assert mode(path.parent) == 0o700
    assert mode(path.parent.parent) == 0o700
    assert mode(path) == 0o600


# --------------------------------------------------------------------------- plaintext file


def test_plaintext_requires_and_honours_opt_in(path: Path) -> None:
    def provider() -> str:
        raise AssertionError("an explicit plaintext opt-in must not prompt")

    store = open_secret_store(path, env={}, allow_plaintext=True, passphrase_provider=provider)
    assert store.kind == "plaintext-file"
    plain = Path(str(path) + ".json")
    assert store.location == str(plain)
    store.set("acme", "token", SECRET)
    assert mode(plain) == 0o600
    assert json.loads(plain.read_text())["secrets"] == {"acme": {"token": SECRET}}
    assert not path.exists()
    assert open_secret_store(path, env={}, allow_plaintext=True).get("acme", "token") == SECRET
    assert "NOT encrypted" in store.describe()


def test_passphrase_beats_plaintext_opt_in(path: Path) -> None:
    store = open_secret_store(path, env=pw_env(), allow_plaintext=True)
    assert store.kind == "encrypted-file"


def test_existing_encrypted_file_is_not_bypassed_by_plaintext(path: Path) -> None:
    open_secret_store(path, env=pw_env()).set("acme", "token", SECRET)
    with pytest.raises(SecretsError, match="is encrypted and no passphrase was given"):
        open_secret_store(path, env={}, allow_plaintext=True)
    # ...but the provider is asked in that case.
    store = open_secret_store(
        path, env={}, allow_plaintext=True, passphrase_provider=lambda: PASSPHRASE
    )
    assert store.get("acme", "token") == SECRET


# --------------------------------------------------------------------------- keyring


def test_real_keyring_is_used_when_present(path: Path) -> None:
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    store = open_secret_store(path, env={}, keyring_timeout=1.0)
    assert store.kind == "keyring"
    assert store.location.endswith("MemoryKeyring")
    store.set("my profile", "token", SECRET)
    assert store.get("my profile", "token") == SECRET
    assert not path.exists()

    service = "recontui:" + str(path)
    assert kr.data[(service, "my%20profile/token")] == SECRET
    assert json.loads(kr.data[(service, "my%20profile/__index__")]) == ["token"]
    assert "OS keyring" in store.describe()

    # A second database never sees the first one's secrets.
    other = open_secret_store(path.with_name("other.db.secrets"), env={})
    assert other.get("my profile", "token") is None


def test_keyring_delete_and_delete_all(path: Path) -> None:
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    store = open_secret_store(path, env={})
    store.set("one", "a", "1")
    store.set("one", "b", "2")
    store.set("two", "c", "3")
    store.delete("one", "a")
    store.delete("one", "missing")  # no error
    assert store.get("one", "a") is None
    assert store.get("one", "b") == "2"
    store.delete_all("one")
    assert store.get("one", "b") is None
    assert store.get("two", "c") == "3"
    assert {u for _, u in kr.data} == {"two/c", "two/__index__"}


def test_file_keyring_backends_are_not_an_os_keyring(path: Path) -> None:
    class FileOnlyChainer(ChainerBackend):
        backends: ClassVar = [ProbeTrap()]

    keyring.set_keyring(FileOnlyChainer())
    store = open_secret_store(path, env=pw_env())
    assert store.kind == "encrypted-file"

    keyring.set_keyring(ProbeTrap())
    assert open_secret_store(path, env=pw_env()).kind == "encrypted-file"

    # A chainer with a real member: that member is used directly, the file one never.
    mem = MemoryKeyring()

    class MixedChainer(ChainerBackend):
        backends: ClassVar = [ProbeTrap(), mem]

    keyring.set_keyring(MixedChainer())
    store = open_secret_store(path, env={})
    assert store.kind == "keyring"
    store.set("p", "n", "v")
    assert store.get("p", "n") == "v"


def test_hanging_keyring_falls_back_to_file_within_timeout(path: Path) -> None:
    kr = HangingKeyring()
    keyring.set_keyring(kr)
    started = time.monotonic()
    store = open_secret_store(path, env=pw_env(), keyring_timeout=0.2)
    assert time.monotonic() - started < 1.5
    assert store.kind == "encrypted-file"
    assert "did not answer within 0.2 s" in store.describe()

    # Remembered for the process: no second wait, no second probe.
    started = time.monotonic()
    again = open_secret_store(path, env=pw_env(), keyring_timeout=0.2)
    assert time.monotonic() - started < 0.5
    assert again.kind == "encrypted-file"
    assert kr.get_calls == 1


def test_keyring_that_hangs_on_write_raises_instead_of_blocking(path: Path) -> None:
    keyring.set_keyring(HangingSetKeyring())
    store = open_secret_store(path, env={}, keyring_timeout=0.02)
    assert store.kind == "keyring"
    with pytest.raises(SecretsError, match="did not answer") as info:
        store.set("acme", "token", SECRET)
    assert SECRET not in str(info.value)


# --------------------------------------------------------------------------- durability


def test_crash_during_write_keeps_previous_file(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_secret_store(path, env=pw_env())
    store.set("acme", "refresh_token", "old-token")
    before = path.read_bytes()

    def crash(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(os, "replace", crash)
        with pytest.raises(SecretsError, match="Could not write") as info:
            store.set("acme", "refresh_token", "new-token")
    assert "new-token" not in str(info.value)

    assert path.read_bytes() == before
    assert open_secret_store(path, env=pw_env()).get("acme", "refresh_token") == "old-token"
    leftovers = {p.name for p in path.parent.iterdir()}
    assert leftovers == {path.name, path.name + ".lock"}


def test_secret_never_in_repr_messages_or_traceback_locals(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual's crash screen prints frame locals; our frames must not show values."""
    store = open_secret_store(path, env={}, allow_plaintext=True)
    store.set("acme", "old", SECRET)

    def crash(src: object, dst: object) -> None:
        raise OSError(5, "I/O error")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(SecretsError) as info:
        store.set("acme", "new", SECRET + "-new")
    monkeypatch.undo()

    assert_not_in_module_locals(info.value, SECRET)
    assert SECRET not in str(info.value)
    assert SECRET not in repr(store) and SECRET not in store.describe()

    # Wrong passphrase, with secrets in the environment: the open frame holds env.
    env = {**pw_env("wrong-pass-Xy7"), "RECONTUI_SECRET_ACME_X": SECRET}
    open_secret_store(path, env=pw_env()).set("acme", "k", "v")
    with pytest.raises(SecretsError) as info:
        open_secret_store(path, env=env)
    assert_not_in_module_locals(info.value, SECRET, "wrong-pass-Xy7")


def assert_not_in_module_locals(error: BaseException, *needles: str) -> None:
    """Walk the traceback (and its causes) as Textual's crash screen does."""
    exc: BaseException | None = error
    seen = 0
    while exc is not None:
        tb = exc.__traceback__
        while tb is not None:
            frame = tb.tb_frame
            if frame.f_globals.get("__name__") == "recontui.secrets":
                for value in frame.f_locals.values():
                    for needle in needles:
                        assert needle not in repr(value)
                    seen += 1
            tb = tb.tb_next
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    assert seen > 0


def _writer(path: str, prefix: str, count: int) -> None:
    store = open_secret_store(Path(path), env=pw_env(), use_keyring=False)
    for i in range(count):
        store.set("shared", f"{prefix}-{i}", f"value-{prefix}-{i}")


def test_two_processes_writing_concurrently_lose_nothing(path: Path) -> None:
    open_secret_store(path, env=pw_env()).set("shared", "seed", "0")  # both use one salt
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(str(path), p, 20)) for p in ("a", "b")]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(30)
        assert proc.exitcode == 0
    store = open_secret_store(path, env=pw_env())
    for prefix in ("a", "b"):
        for i in range(20):
            assert store.get("shared", f"{prefix}-{i}") == f"value-{prefix}-{i}"


def test_file_delete_and_delete_all(path: Path) -> None:
    store = open_secret_store(path, env=pw_env())
    store.delete("nobody", "nothing")  # no file, no error
    assert not path.exists()
    store.set("one", "a", "1")
    store.set("one", "b", "2")
    store.set("two", "c", "3")
    store.delete("one", "a")
    assert store.get("one", "a") is None
    assert store.get("one", "b") == "2"
    store.delete_all("one")
    store.delete_all("never-existed")
    reopened = open_secret_store(path, env=pw_env())
    assert reopened.get("one", "b") is None
    assert reopened.get("two", "c") == "3"


def test_invalid_names_are_refused(path: Path) -> None:
    store: SecretStore = open_secret_store(path, env=pw_env())
    for namespace, name in (("p", ""), ("", "n"), ("p", "__index__")):
        with pytest.raises(ValueError):
            store.set(namespace, name, "v")
    assert not path.exists()


# The backends above are installed explicitly by each test. Keep them out of
# keyring's own discovery, which would otherwise offer them (they look viable) to
# every other test that runs in this process after collection.
for _cls in [c for c in list(KeyringBackend._classes) if c.__module__ == __name__]:
    KeyringBackend._classes.discard(_cls)
