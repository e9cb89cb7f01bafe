"""The users file of ``kpitui serve``: ``[[user]]`` tables with scrypt password hashes.

    [[user]]
    name = "lan"
    password = "$scrypt$ln=15,r=8,p=1$<salt, base64>$<key, base64>"

A hash carries its own parameters and a random 16-byte salt, so the cost can be raised later
without invalidating old entries. Passwords are NFC-normalised before hashing (a Vietnamese
keyboard may send composed or decomposed letters). ``kpitui passwd`` rewrites the whole file
atomically with mode 0600; only ``name`` and ``password`` keys are kept.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import getpass
import hashlib
import hmac
import logging
import os
import re
import secrets
import stat
import sys
import tempfile
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from kpitui.core.definitions import _toml_error_position
from kpitui.core.text import clean, quote

LOG2_N, BLOCK_SIZE, PARALLEL = 15, 8, 1  # 32 MiB and ~0.15 s per check on one core
SALT_BYTES, KEY_BYTES = 16, 32
MIN_PASSWORD, MAX_PASSWORD = 8, 1024
NAME_RE = re.compile(r"[\w.@-]{1,64}")
_HASH_RE = re.compile(r"\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)")
log = logging.getLogger("kpitui.serve")
_USER_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*user[ \t]*\]\]", re.MULTILINE)


class UsersError(Exception):
    """A users file, name or password that cannot be used; ``str()`` is one line, which
    starts with ``path[:line]: error:`` when it is about the file."""


class NoUsers(UsersError):
    """A users file without any ``[[user]]`` entry (usable by ``passwd``, not by ``serve``)."""


@dataclass(frozen=True, slots=True)
class User:
    name: str
    password: str
    """The scrypt hash string."""
    line: int = 0


# --------------------------------------------------------------------------- hashes


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: str, salt: bytes, log2_n: int, r: int, p: int, size: int) -> bytes:
    secret = unicodedata.normalize("NFC", password).encode("utf-8")
    maxmem = 128 * r * (2**log2_n) * p + (1 << 24)
    return hashlib.scrypt(secret, salt=salt, n=2**log2_n, r=r, p=p, maxmem=maxmem, dklen=size)


def hash_password(password: str, *, log2_n: int = LOG2_N, salt: bytes | None = None) -> str:
    """The hash string of ``password``: scheme, parameters, random salt, derived key."""
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    key = _scrypt(password, salt, log2_n, BLOCK_SIZE, PARALLEL, KEY_BYTES)
    return f"$scrypt$ln={log2_n},r={BLOCK_SIZE},p={PARALLEL}${_b64(salt)}${_b64(key)}"


def _parse_hash(encoded: str) -> tuple[int, int, int, bytes, bytes] | None:
    m = _HASH_RE.fullmatch(encoded)
    if not m:
        return None
    log2_n, r, p = int(m.group(1)), int(m.group(2)), int(m.group(3))
    # Bounds keep a hand-edited entry from asking for gigabytes or minutes per sign-in.
    if not (10 <= log2_n <= 20 and 1 <= r <= 32 and 1 <= p <= 16 and r * p < 64):
        return None
    try:
        salt = base64.b64decode(m.group(4), validate=True)
        key = base64.b64decode(m.group(5), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(salt) < 8 or not 16 <= len(key) <= 64:
        return None
    return log2_n, r, p, salt, key


def is_hash(encoded: str) -> bool:
    return _parse_hash(encoded) is not None


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches the hash string; the keys are compared in constant time."""
    parsed = _parse_hash(encoded)
    if parsed is None or len(password) > MAX_PASSWORD:
        return False
    log2_n, r, p, salt, key = parsed
    return hmac.compare_digest(_scrypt(password, salt, log2_n, r, p, len(key)), key)


# --------------------------------------------------------------------------- the file


def _line_of_user(text: str, index: int) -> int:
    """The line of the ``index``-th ``[[user]]`` header (1-based; 0 if not found)."""
    for i, m in enumerate(_USER_HEADER.finditer(text)):
        if i == index:
            return text.count("\n", 0, m.start()) + 1
    return 0


def check_name(name: str) -> str:
    """The name, NFC-normalised, or UsersError if it is not a usable user name."""
    name = unicodedata.normalize("NFC", name)
    if not NAME_RE.fullmatch(name):
        raise UsersError(
            f"user name {quote(name)} is not allowed (1 to 64 letters, digits and . _ - @)"
        )
    return name


def parse_users(path: str, text: str) -> dict[str, User]:
    """The users of a file's text, by name; UsersError (``path:line: error: ...``) if any
    entry is unusable."""
    where = clean(path)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, col, message = _toml_error_position(exc)
        raise UsersError(f"{where}:{line}:{col}: error: invalid TOML: {message}") from None
    extra = [k for k in doc if k != "user"]
    if extra:
        raise UsersError(f"{where}: error: unknown key {quote(extra[0])} (only [[user]] tables)")
    entries = doc.get("user", [])
    if not isinstance(entries, list) or not entries:
        raise NoUsers(
            f"{where}: error: no [[user]] entries (add one with: kpitui passwd NAME --users {where})"
        )
    users: dict[str, User] = {}
    for index, entry in enumerate(entries):
        line = _line_of_user(text, index)
        at = f"{where}:{line}" if line else where
        if not isinstance(entry, dict):
            raise UsersError(f"{at}: error: [[user]] must be a table")
        unknown = sorted(set(entry) - {"name", "password"})
        if unknown:
            raise UsersError(f"{at}: error: [[user]]: unknown key {quote(unknown[0])}")
        name, password = entry.get("name"), entry.get("password")
        if not isinstance(name, str):
            raise UsersError(f"{at}: error: [[user]]: 'name' must be a string")
        try:
            name = check_name(name)
        except UsersError as exc:
            raise UsersError(f"{at}: error: {exc}") from None
        if not isinstance(password, str) or not is_hash(password):
            raise UsersError(
                f"{at}: error: user {quote(name)}: 'password' is not a scrypt hash "
                f"(set it with: kpitui passwd {name} --users {where})"
            )
        if name in users:
            raise UsersError(f"{at}: error: user {quote(name)} is listed twice")
        users[name] = User(name, password, line)
    return users


def load_users(path: str | os.PathLike[str]) -> dict[str, User]:
    """The users file's users; UsersError with a one-line message when it is not usable."""
    where = clean(os.fspath(path))
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise UsersError(
            f"{where}: error: no such file (create it with: kpitui passwd NAME --users {where})"
        ) from None
    except IsADirectoryError:
        raise UsersError(f"{where}: error: is a folder, not a users file") from None
    except OSError as exc:
        raise UsersError(
            f"{where}: error: cannot read: {clean(exc.strerror or str(exc))}"
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UsersError(f"{where}:{line}: error: not UTF-8 text") from None
    return parse_users(os.fspath(path), text)


def is_private(path: str | os.PathLike[str]) -> bool:
    """Whether only the owner can read the file (group and others have no access)."""
    try:
        return not (os.stat(path).st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except OSError:
        return True


def render_users(users: dict[str, User]) -> str:
    lines = ["# Users of `kpitui serve`; written by `kpitui passwd`. Passwords are scrypt hashes."]
    for user in users.values():
        # Names are \w . @ - only and hashes are base64: a JSON string is a TOML basic string.
        lines += ["", "[[user]]", f'name = "{user.name}"', f'password = "{user.password}"']
    return "\n".join(lines) + "\n"


def write_private(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` atomically (temp file in the same folder, fsync, rename), mode 0600."""
    target = Path(path)
    folder = target.parent
    fd, tmp = tempfile.mkstemp(prefix=".kpitui-users-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def existing_users(path: str | os.PathLike[str]) -> dict[str, User]:
    """The users of a file about to be rewritten: none if it is new or empty; UsersError if
    it is broken (it is then left alone) or its folder does not exist."""
    if not os.path.lexists(path):
        if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise UsersError(f"{clean(os.fspath(path))}: error: its folder does not exist")
        return {}
    try:
        return load_users(path)
    except NoUsers:
        return {}
    except UsersError as exc:
        raise UsersError(f"{exc}; nothing changed") from None


def set_password(path: str | os.PathLike[str], name: str, password: str) -> bool:
    """Add ``name`` or replace its password; returns whether it replaced an entry."""
    name = check_name(name)
    check_password(password)
    where = clean(os.fspath(path))
    users = existing_users(path)
    replaced = name in users
    users[name] = User(name, hash_password(password))
    try:
        write_private(path, render_users(users))
    except OSError as exc:
        raise UsersError(
            f"{where}: error: cannot write: {clean(exc.strerror or str(exc))}"
        ) from None
    return replaced


class UsersStore:
    """The users file, re-read when it changes (``kpitui passwd`` while serving takes effect
    at once); a broken new version is logged and the last good one stays in effect."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._stamp = self._stat()
        self._users = load_users(path)

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def current(self) -> dict[str, User]:
        stamp = self._stat()
        if stamp is not None and stamp != self._stamp:
            self._stamp = stamp
            try:
                self._users = load_users(self.path)
                log.info("users file re-read: %d users", len(self._users))
            except UsersError as exc:
                log.error("%s (the previous version stays in effect)", exc)
        return self._users


# --------------------------------------------------------------------------- passwords


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UsersError(f"the password is too short (at least {MIN_PASSWORD} characters)")
    if len(password) > MAX_PASSWORD:
        raise UsersError(f"the password is too long (at most {MAX_PASSWORD} characters)")


def read_password(stdin: TextIO, name: str) -> str:
    """The new password: asked twice on the terminal, or the first line of a piped stdin."""
    if stdin.isatty():
        try:
            first = getpass.getpass(f"New password for {name}: ")
            second = getpass.getpass("Again: ")
        except EOFError:
            raise UsersError("no password given") from None
        if not hmac.compare_digest(first.encode(), second.encode()):
            raise UsersError("the two passwords differ; nothing changed")
        return first
    line = stdin.readline()
    password = line[:-1] if line.endswith("\n") else line
    password = password[:-1] if password.endswith("\r") else password
    if not password:
        raise UsersError("no password on standard input (one line expected)")
    return password


def passwd_command(name: str, users_path: str, stdin: TextIO | None = None) -> int:
    """``kpitui passwd NAME --users FILE``: 0 = written, 2 = refused (a one-line message)."""
    try:
        name = check_name(name)
        existing_users(users_path)  # a broken file is reported before a password is asked
        password = read_password(stdin or sys.stdin, name)
        replaced = set_password(users_path, name, password)
    except UsersError as exc:
        message = str(exc)
        print(
            message if ": error: " in message else f"kpitui passwd: error: {message}",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130
    verb = "replaced the password of" if replaced else "added"
    print(f"kpitui passwd: {verb} {name} in {clean(users_path)}", file=sys.stderr)
    return 0
