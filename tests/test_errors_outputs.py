"""Where results go: only a regular file or a new name is replaced; standard output on request.

``export -o`` and ``report -o`` once renamed their result over whatever had
the name: a device node, a named pipe, a symbolic link, a folder. Every
target here is made in a temporary folder (a failing test must not be able
to destroy a real system path): a FIFO, a socket, a folder, symbolic links
to them, and a character device node where the system lets the test make
one. Standard output that cannot be written (full, closed) is the user's
redirection: exit 1 with a message, never an internal error.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import escalade
from _cli import run
from escalade.cli._common import is_stdout
from escalade.exploration import explore

EXPORT = ("export", "iig", "--format", "efg")
STANDOFF = str(Path(__file__).resolve().parents[1] / "docs" / "examples" / "standoff.yaml")


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    """A small exploration run; tests that write a report into it use a copy."""
    out = tmp_path_factory.mktemp("so") / "run"
    explore(escalade.load(STANDOFF), samples=6, seed=1, out=out, replications=1)
    return out


def _report_command(run_folder: Path, tmp_path: Path) -> tuple[str, ...]:
    copy = shutil.copytree(run_folder, tmp_path / "run")
    return ("report", str(copy))


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _socket(path: Path) -> Path:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.close()
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _device(path: Path) -> Path:
    # a character device like the null device, made here (needs the right to make one)
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except (PermissionError, OSError, AttributeError):
        pytest.skip("this system does not let the test make a device node")
    return path


MAKERS = {
    "a named pipe (FIFO)": _fifo,
    "a socket": _socket,
    "a folder": _folder,
    "a device": _device,
}


def _kind_of(path: Path) -> int:
    return stat.S_IFMT(os.lstat(path).st_mode)


@pytest.fixture(params=["export", "report"])
def command(request, run_folder, tmp_path):
    if request.param == "export":
        return EXPORT
    return _report_command(run_folder, tmp_path)


@pytest.mark.parametrize("kind", list(MAKERS))
@pytest.mark.parametrize("through_link", [False, True], ids=["itself", "through a link"])
def test_only_a_regular_file_is_replaced(capsys, tmp_path, command, kind, through_link):
    target = MAKERS[kind](tmp_path / "target")
    before = _kind_of(target)
    named = target
    if through_link:
        named = tmp_path / "link"
        named.symlink_to(target)
    # a reader on a FIFO, so that a writer that opened it would not block the test
    reader = os.open(target, os.O_RDONLY | os.O_NONBLOCK) if kind.startswith("a named") else None
    try:
        code, out, err = run(capsys, *command, "-o", str(named))
        if reader is not None:
            assert os.read(reader, 1) == b""  # nothing was written into the pipe
    finally:
        if reader is not None:
            os.close(reader)
    assert code == 1, (out, err)
    assert f"is {kind}; escalade writes only to a regular file or a new path" in err
    assert str(named) in err
    assert "internal error" not in err
    assert _kind_of(target) == before
    if through_link:
        assert named.is_symlink()
        assert os.readlink(named) == str(target)


def test_a_link_to_a_regular_file_is_followed_and_stays_a_link(capsys, tmp_path, command):
    real = tmp_path / "real.out"
    real.write_text("old")
    link = tmp_path / "link.out"
    link.symlink_to(real)
    code, _, err = run(capsys, *command, "-o", str(link))
    assert code == 0, err
    assert link.is_symlink()
    assert real.read_text() != "old"
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("target", ["", " "])
def test_an_empty_output_name_is_refused(capsys, tmp_path, monkeypatch, command, target):
    monkeypatch.chdir(tmp_path)  # had the name been read as ".", nothing real is in reach
    code, _, err = run(capsys, *command, "-o", target)
    assert code == 1
    assert err == "escalade: an empty path names no file; expected a file name\n"


def test_dash_writes_to_standard_output(capsys, tmp_path, command):
    code, out, err = run(capsys, *command, "-o", "-")
    assert code == 0, err
    assert out.startswith(("EFG 2 R", "<!DOCTYPE html>"))
    assert "wrote" not in err
    assert not (tmp_path / "-").exists()


def test_names_of_standard_output_are_recognised_without_touching_them():
    # /dev/stdout itself is never written in a test (a regression would replace it); the
    # decision is: these names, or the very file standard output is, mean standard output.
    assert all(is_stdout(name) for name in ("-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"))
    assert not is_stdout("report.html")


def test_the_file_standard_output_goes_to_gets_the_result_once(cli, tmp_path):
    target = tmp_path / "game.efg"
    with open(target, "w") as fh:
        result = subprocess.run(
            [sys.executable, "-m", "escalade", *EXPORT, "-o", str(target)],
            stdout=fh,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    text = target.read_text()
    assert text.startswith("EFG 2 R")
    assert text.count("EFG 2 R") == 1


# --------------------------------------------------------------- output folders


@pytest.mark.parametrize(
    "argv",
    [
        ("analyze", STANDOFF, "--runs", "50"),
        ("explore", STANDOFF, "--samples", "4"),
    ],
)
def test_an_out_folder_that_is_the_root_of_the_file_system_is_refused(
    capsys, tmp_path, monkeypatch, argv
):
    # The folder is made in tmp_path and only *reported* to be the root, so that a
    # regression writes into tmp_path, never into the real root.
    import escalade._io as io_module

    folder = tmp_path / "pretend-root"
    real_realpath = os.path.realpath

    def realpath(path, *args, **kwargs):
        resolved = real_realpath(path, *args, **kwargs)
        return "/" if resolved == str(folder) else resolved

    monkeypatch.setattr(io_module.os.path, "realpath", realpath)
    code, _, err = run(capsys, *argv, "--out", str(folder))
    assert code == 1
    assert f"{folder}: is the root of the file system" in err
    assert not folder.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ("analyze", STANDOFF, "--runs", "50"),
        ("explore", STANDOFF, "--samples", "4"),
    ],
)
def test_an_empty_out_folder_name_is_refused(capsys, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *argv, "--out", "")
    assert code == 1
    assert err == "escalade: an empty path names no folder; expected a folder for the results\n"
    assert not list(tmp_path.iterdir())


def test_analyze_into_a_folder_whose_report_is_a_fifo(capsys, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    _fifo(folder / "report.html")
    code, _, err = run(capsys, "analyze", STANDOFF, "--runs", "50", "--out", str(folder))
    assert code == 1
    assert "report.html: is a named pipe (FIFO)" in err
    assert stat.S_ISFIFO(os.lstat(folder / "report.html").st_mode)


# --------------------------------------------------------------- standard output


class _Full:
    """A standard output on a full disk: every write fails as /dev/full makes it fail."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError(errno.EBADF, "no descriptor")


@pytest.mark.parametrize(
    "argv",
    [
        ("check", "iig", "--draws", "0"),
        ("solve", "iig", "--json"),
        EXPORT,
        ("simulate", STANDOFF, "--runs", "20", "--seed", "1"),
        ("list",),
        ("--help",),
        ("--version",),
    ],
)
def test_a_full_standard_output_is_exit_1_with_a_message(capsys, monkeypatch, argv):
    from escalade.cli import main

    monkeypatch.setattr(sys, "stdout", _Full())
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 1, err
    assert err == (
        "escalade: cannot write to standard output (No space left on device); expected a "
        "writable standard output (redirect it to a file, or use -o FILE where the command "
        "has it)\n"
    )


def test_dev_full_as_the_user_sees_it(tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:  # opened for writing only: nothing is replaced
        result = subprocess.run(
            [sys.executable, "-m", "escalade", "solve", "iig", "--json"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1
    assert result.stderr.startswith("escalade: cannot write to standard output (")
    assert "Traceback" not in result.stderr
    assert "Exception ignored" not in result.stderr


def test_a_closed_standard_output_as_the_user_sees_it():
    result = subprocess.run(
        [sys.executable, "-m", "escalade", "check", "iig", "--draws", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.close(1),
    )
    assert result.returncode == 1
    assert result.stderr == (
        "escalade: cannot write to standard output (it is closed); expected a writable "
        "standard output (redirect it to a file, or use -o FILE where the command has it)\n"
    )
