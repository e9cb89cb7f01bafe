"""The users file and ``kpitui passwd`` (SPEC §11.1): scrypt hashes, atomic 0600 writes,
the password from a terminal (asked twice) or from stdin, one-line errors."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import subprocess
import sys
import time
import tomllib
import unicodedata
from pathlib import Path

import pytest

from kpitui.serve import users as u
from kpitui.serve.users import UsersError

from .helpers import PYTHON, clean_env

PASSWORD = "mật khẩu đủ dài"


def passwd(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "kpitui", "passwd", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=clean_env(tmp_path),
        cwd=tmp_path,
        timeout=60,
    )


# --------------------------------------------------------------------------- hashes


def test_a_hash_is_scrypt_with_its_parameters_and_a_random_salt() -> None:
    first, second = u.hash_password(PASSWORD), u.hash_password(PASSWORD)
    assert first != second  # a fresh salt each time
    scheme, params, salt, key = first.split("$")[1:]
    assert scheme == "scrypt" and params == f"ln={u.LOG2_N},r=8,p=1"
    assert len(base64.b64decode(salt)) == u.SALT_BYTES
    # The stored key is exactly the stdlib's scrypt of the NFC password with that salt.
    expected = hashlib.scrypt(
        PASSWORD.encode(), salt=base64.b64decode(salt), n=2**u.LOG2_N, r=8, p=1,
        maxmem=1 << 26, dklen=32,
    )  # fmt: skip
    assert base64.b64decode(key) == expected
    assert u.verify_password(PASSWORD, first) and u.verify_password(PASSWORD, second)


def test_verify_rejects_a_wrong_password_and_a_tampered_hash() -> None:
    encoded = u.hash_password(PASSWORD)
    assert not u.verify_password(PASSWORD + "x", encoded)
    assert not u.verify_password("", encoded)
    head, key = encoded.rsplit("$", 1)
    flipped = base64.b64encode(bytes([base64.b64decode(key)[0] ^ 1]) + base64.b64decode(key)[1:])
    assert not u.verify_password(PASSWORD, f"{head}${flipped.decode()}")
    # Parameters outside sane bounds (a hand-edited file asking for gigabytes) are refused.
    assert not u.verify_password(PASSWORD, encoded.replace("ln=15", "ln=30"))
    assert not u.verify_password(PASSWORD, "plain text password")


def test_composed_and_decomposed_letters_are_the_same_password() -> None:
    encoded = u.hash_password(unicodedata.normalize("NFC", "Đắk Lắk 2025"))
    assert u.verify_password(unicodedata.normalize("NFD", "Đắk Lắk 2025"), encoded)


# --------------------------------------------------------------------------- the file


def test_passwd_from_stdin_writes_a_private_file_atomically(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    done = passwd(tmp_path, "lan", "--users", str(path), stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == f"kpitui passwd: added lan in {path}"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = tomllib.loads(path.read_text("utf-8"))
    assert [e["name"] for e in doc["user"]] == ["lan"]
    assert u.verify_password(PASSWORD, doc["user"][0]["password"])
    assert PASSWORD not in path.read_text("utf-8")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".kpitui")] == []


def test_passwd_replaces_one_entry_and_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    for name, pw in (("lan", "first password"), ("minh", "minh's password")):
        assert passwd(tmp_path, name, "--users", str(path), stdin=pw).returncode == 0
    path.chmod(0o644)  # a loose mode is tightened by the rewrite
    done = passwd(tmp_path, "lan", "--users", str(path), stdin="second password\r\n")
    assert done.returncode == 0 and "replaced the password of lan" in done.stderr
    loaded = u.load_users(path)
    assert list(loaded) == ["lan", "minh"]
    assert u.verify_password("second password", loaded["lan"].password)
    assert not u.verify_password("first password", loaded["lan"].password)
    assert u.verify_password("minh's password", loaded["minh"].password)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_passwd_asks_twice_on_a_terminal(tmp_path: Path) -> None:
    from hostile.ptyutil import PtyApp

    path = tmp_path / "users.toml"
    with PtyApp(["passwd", "thu", "--users", str(path)], env=clean_env(tmp_path)) as app:
        assert app.wait_for(b"New password for thu: ", timeout=30)
        app.write(PASSWORD + "\r")
        assert app.wait_for(b"Again: ", timeout=10)
        app.write(PASSWORD + "\r")
        assert app.wait_for(b"added thu", timeout=30)
        assert PASSWORD.encode() not in app.output  # not echoed
    assert u.verify_password(PASSWORD, u.load_users(path)["thu"].password)

    with PtyApp(["passwd", "thu", "--users", str(path)], env=clean_env(tmp_path)) as app:
        assert app.wait_for(b"New password for thu: ", timeout=30)
        app.write("new password 1\r")
        assert app.wait_for(b"Again: ", timeout=10)
        app.write("new password 2\r")
        assert app.wait_for(b"the two passwords differ; nothing changed", timeout=30)
    assert u.verify_password(PASSWORD, u.load_users(path)["thu"].password)


@pytest.mark.parametrize(
    ("name", "stdin", "message"),
    [
        ("lan", "short\n", "kpitui passwd: error: the password is too short (at least 8 characters)"),
        ("lan", "", "kpitui passwd: error: no password on standard input (one line expected)"),
        ("lan", "\n", "kpitui passwd: error: no password on standard input (one line expected)"),
        ("a b", PASSWORD, "kpitui passwd: error: user name 'a b' is not allowed (1 to 64 letters, digits and . _ - @)"),
        ("x" * 65, PASSWORD, "is not allowed"),
    ],
)  # fmt: skip
def test_passwd_refuses_with_one_line(tmp_path: Path, name: str, stdin: str, message: str) -> None:
    path = tmp_path / "users.toml"
    done = passwd(tmp_path, name, "--users", str(path), stdin=stdin)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and message in done.stderr
    assert not path.exists()


def test_passwd_leaves_a_broken_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    path.write_text('[[user]]\nname = "lan"\npassword = "oops\n', "utf-8")
    before = path.read_bytes()
    done = passwd(tmp_path, "lan", "--users", str(path), stdin=PASSWORD)
    assert done.returncode == 2
    assert done.stderr.startswith(f"{path}:3:")
    assert "invalid TOML" in done.stderr and done.stderr.strip().endswith("nothing changed")
    assert path.read_bytes() == before
    missing = tmp_path / "no" / "users.toml"
    done = passwd(tmp_path, "lan", "--users", str(missing), stdin=PASSWORD)
    assert (
        done.returncode == 2
        and done.stderr.strip() == f"{missing}: error: its folder does not exist"
    )


BAD_FILES = {
    "not_a_hash": ('[[user]]\nname = "lan"\npassword = "hunter2"\n', ":1: error: user 'lan': 'password' is not a scrypt hash"),
    "twice": ('[[user]]\nname = "a"\npassword = "{h}"\n\n[[user]]\nname = "a"\npassword = "{h}"\n', ":5: error: user 'a' is listed twice"),
    "unknown_key": ('[[user]]\nname = "a"\npassword = "{h}"\nrole = "admin"\n', ":1: error: [[user]]: unknown key 'role'"),
    "bad_name": ('[[user]]\nname = "a\\u001b[2Jb"\npassword = "{h}"\n', ":1: error: user name 'a\ufffd[2Jb' is not allowed"),
    "no_users": ("# nobody yet\n", ": error: no [[user]] entries (add one with: kpitui passwd NAME --users "),
    "other_table": ('[server]\nport = 1\n', ": error: unknown key 'server' (only [[user]] tables)"),
    "toml": ('[[user]\n', ":1:7: error: invalid TOML: "),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_unusable_users_files_are_named_with_their_line(tmp_path: Path, case: str) -> None:
    text, expected = BAD_FILES[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(text.replace("{h}", u.hash_password(PASSWORD, log2_n=10)), "utf-8")
    with pytest.raises(UsersError) as caught:
        u.load_users(path)
    message = str(caught.value)
    assert message.startswith(f"{path}{expected}"), message
    assert "\n" not in message and "\x1b" not in message


def test_a_good_file_loads_with_lines(tmp_path: Path) -> None:
    h = u.hash_password(PASSWORD, log2_n=10)
    path = tmp_path / "users.toml"
    path.write_text(
        f'# x\n[[user]]\nname = "lan"\npassword = "{h}"\n\n[[user]]\nname = "Thảo"\npassword = "{h}"\n'
    )
    loaded = u.load_users(path)
    assert [(x.name, x.line) for x in loaded.values()] == [("lan", 2), ("Thảo", 6)]


def test_write_is_atomic_and_private(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    old_umask = os.umask(0)
    try:
        u.write_private(path, "# one\n")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    inode = path.stat().st_ino
    time.sleep(0.01)
    u.write_private(path, "# two\n")
    assert path.read_text() == "# two\n" and path.stat().st_ino != inode  # renamed into place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["users.toml"]


def test_passwd_help_works_without_loading_the_server() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kpitui", "passwd", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "--users FILE" in done.stdout
