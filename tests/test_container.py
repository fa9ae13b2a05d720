"""The container a NAS user runs (Containerfile, issue 21), built and run with a real
engine: Debian's podman with runc, as root. No image registry is needed: the base is
made from Debian's packages (debootstrap, then podman import), and the Python packages
come from wheels built here, installed in the image with no index (`--build-arg
WHEELS=wheels`). Skipped, saying why, where podman, runc or debootstrap is missing or
this is not root (scripts/test installs them when it runs as root).

One test uses the image, so that pytest-xdist builds it in one worker only, once
(a few minutes on a loaded 2-core machine: debootstrap, the wheels, the build; the
base is kept in podman's store for the next run), and makes every check on it. The
containers use the host's network, so the nudge reaches a receiver on loopback, and
halfway listens on 0.0.0.0 at a free port.
"""

from __future__ import annotations

import base64
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from halfway.words.discretion import NOT_ADVICE

from .conftest import ROOT, free_port, receiving_http, wait_for

ENGINE = ["podman", "--runtime", "runc"]
# podman's default limits are above the hard limits of this kind of machine
LIMITS = ["--ulimit", "nofile=1024:1024"]
RUN_LIMITS = [*LIMITS, "--ulimit", "nproc=1024:1024"]
BASE = "localhost/halfway-test-base:bookworm"
UID = 10001
# What a slim image does without: apt's lists and archives, docs, manuals, translations.
SLIM = (
    "var/cache/apt/archives", "var/lib/apt/lists",
    "usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale",
)  # fmt: skip


def engine(
    *args: str, check: bool = True, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*ENGINE, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and done.returncode:
        raise AssertionError(f"podman {' '.join(args)}: exit {done.returncode}\n{done.stderr}")
    return done


def why_not() -> str | None:
    """Why no container can be built and run here, or None."""
    missing = [name for name in ("podman", "runc", "debootstrap") if not shutil.which(name)]
    if missing:
        return f"needs {', '.join(missing)}: apt install podman runc debootstrap (scripts/test does as root)"
    if os.geteuid() != 0:
        return "needs root: debootstrap makes the base image, and podman runs it with runc as root"
    probe = subprocess.run([*ENGINE, "info"], capture_output=True, text=True, check=False)
    if probe.returncode:
        last = (probe.stderr.strip().splitlines() or ["no reason given"])[-1]
        return f"podman cannot run here: {last}"
    return None


def debian_mirror() -> list[str]:
    """The Debian mirror this machine's apt uses (a CI machine may reach no other)."""
    sources = [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*")]
    for source in sources:
        if source.suffix not in (".list", ".sources") or not source.is_file():
            continue
        for url in re.findall(r"(?:URIs:|^deb)\s+(\S+/debian)/?\s", source.read_text(), re.M):
            return [url]
    return []


def make_base(work: Path) -> None:
    """Debian bookworm with python3 and its venv, trimmed as a slim image is."""
    root = work / "root"
    made = subprocess.run(
        [
            "debootstrap",
            "--variant=minbase",
            "--include=python3,python3-venv",
            "bookworm",
            root,
            *debian_mirror(),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    if made.returncode:
        said = (made.stdout + made.stderr).strip().splitlines()[-5:]
        raise AssertionError("debootstrap failed:\n" + "\n".join(said))
    for waste in SLIM:
        shutil.rmtree(root / waste, ignore_errors=True)
    tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
    subprocess.run(
        [*ENGINE, "import", "-", BASE], stdin=tar.stdout, capture_output=True, check=True
    )
    assert tar.wait() == 0
    shutil.rmtree(root)


def make_wheels(into: Path) -> None:
    """halfway's wheel, built from a copy of this checkout (pip builds inside its source
    folder), and its dependencies' wheels for the base image's Python and machine."""
    source = into.parent / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "tests", "docs", "bench", "test-artifacts", "build", "dist",
            "__pycache__", "*.egg-info", ".*_cache",
        ),
    )  # fmt: skip
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--wheel-dir", into, source], check=True, timeout=600
    )
    version = engine(
        "run", "--rm", *RUN_LIMITS, BASE, "python3", "-c",
        "import sys; print('%d.%d' % sys.version_info[:2])",
    ).stdout.strip()  # fmt: skip
    platforms = [f"manylinux_2_{minor}_{platform.machine()}" for minor in range(17, 37)]
    (own,) = into.glob("halfway-*.whl")
    subprocess.run(
        [
            *pip, "download", "--only-binary=:all:", "--implementation", "cp",
            "--python-version", version, *[a for p in platforms for a in ("--platform", p)],
            "--dest", into, own,
        ],
        check=True,
        timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Containerfile built on the local base with local wheels, removed afterwards."""
    if reason := why_not():
        pytest.skip(reason)
    work = tmp_path_factory.mktemp("container")
    if engine("image", "exists", BASE, check=False).returncode:
        make_base(work)
    context = work / "context"
    context.mkdir()
    shutil.copy(ROOT / "Containerfile", context / "Containerfile")
    (context / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "slim_venv.py", context / "scripts" / "slim_venv.py")
    make_wheels(context / "wheels")
    tag = f"localhost/halfway-test:{uuid.uuid4().hex[:12]}"
    engine(
        "build", "--format", "docker", "--network", "host", *LIMITS, "--layers=false",
        "--build-arg", f"BASE={BASE}", "--build-arg", "WHEELS=wheels",
        "--tag", tag, "--file", str(context / "Containerfile"), str(context),
        timeout=900,
    )  # fmt: skip
    try:
        yield tag
    finally:
        engine("rmi", "--force", tag, check=False)


class Containers:
    """Containers and volumes a test starts, removed at its end."""

    def __init__(self, image: str) -> None:
        self.image = image
        self.names: list[str] = []
        self.volumes: list[str] = []

    def volume(self) -> str:
        name = f"halfway-test-{uuid.uuid4().hex[:12]}"
        engine("volume", "create", name)
        self.volumes.append(name)
        return name

    def start(self, *args: str) -> str:
        name = f"halfway-test-{uuid.uuid4().hex[:12]}"
        self.names.append(name)
        engine(
            "run", "--detach", "--name", name, "--network", "host", *RUN_LIMITS, *args, self.image
        )
        return name

    def once(self, *args: str, command: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
        return engine("run", "--rm", "--network", "host", *RUN_LIMITS, *args, self.image, *command)

    def remove(self) -> None:
        for name in self.names:
            engine("rm", "--force", "--time", "0", name, check=False)
        for volume in self.volumes:
            engine("volume", "rm", "--force", volume, check=False)


@pytest.fixture
def containers(image: str) -> Iterator[Containers]:
    made = Containers(image)
    try:
        yield made
    finally:
        made.remove()


def health(port: int) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            body: dict[str, Any] = json.load(answer)
            return body
    except OSError:
        return None


def logs(name: str) -> str:
    done = engine("logs", name)
    return done.stdout + done.stderr


def megabytes(image: str) -> float:
    return int(engine("image", "inspect", "--format", "{{.Size}}", image).stdout) / 1e6


def test_the_image_runs_halfway_as_a_nas_user_would(
    containers: Containers, tmp_path: Path, record_property: Any
) -> None:
    image = containers.image
    inspected = json.loads(engine("image", "inspect", image).stdout)[0]
    config = inspected["Config"]
    assert config["User"] == f"{UID}:{UID}"
    assert config["StopSignal"] == "SIGTERM"
    assert "/data" in config["Volumes"]
    assert "/healthz" in " ".join(inspected["Healthcheck"]["Test"])
    assert "HALFWAY_CONFIG=/config/config.toml" in config["Env"]
    assert "HALFWAY_DATA_DIR=/data" in config["Env"]

    size, base = megabytes(image), megabytes(BASE)
    record_property(
        "figure",
        f"container image {size:.0f} MB: the base {base:.0f} MB, halfway's layers {size - base:.0f} MB",
    )
    # scripts/slim_venv.py at work (139 MB before it, 73 MB with it: docs/benchmarks.md)
    assert size - base < 100, f"halfway's layers are {size - base:.0f} MB"

    # Only the installed package: no compiler, no pip, no source tree; and the dates
    # in every language halfway speaks (the image keeps only their locale data).
    inside = containers.once(
        command=(
            "sh", "-c",
            "for tool in gcc cc pip pip3; do command -v $tool && exit 1; done;"
            " python3 -m pip --version 2>/dev/null && exit 1; test ! -e /src || exit 1;"
            " python3 -c 'import datetime; from halfway.words import dates, language;"
            " [print(language.use(l) or dates.day_month(datetime.date(2026, 12, 5)))"
            " for l in language.LANGUAGES]'",
        )
    )  # fmt: skip
    assert inside.stdout.split() == ["5", "Dec", "5.", "Dez.", "5", "dic"], inside
    # cryptography's library, stripped of its symbols, still seals and opens
    sealed = containers.once(
        command=(
            "python3", "-c",
            "from halfway.store import sealing; key = sealing.new_key();"
            " print(sealing.unseal(key, sealing.seal(key, b'kept', 'a'), 'a').decode())",
        )
    )  # fmt: skip
    assert sealed.stdout.split() == ["kept"], sealed

    # No config mounted: the demo, on /data
    demo_port = free_port()
    demo = containers.start(
        "-e", f"HALFWAY_SERVER__LISTEN=0.0.0.0:{demo_port}", "-v", f"{containers.volume()}:/data"
    )  # fmt: skip
    wait_for(lambda: health(demo_port), timeout=60)
    assert "this is the demo" in logs(demo)
    assert "Data: /data/halfway.json" in logs(demo)
    engine("rm", "--force", "--time", "0", demo)

    # A config mounted: the daemon sends a nudge every few seconds to a receiver on loopback
    with receiving_http() as receiver:
        port = free_port()
        config_file = tmp_path / "config.toml"
        config_file.write_text(
            'timezone = "UTC"\n'
            f'[server]\npublic_url = "http://127.0.0.1:{port}"\n'
            f'[channels]\npush = "{receiver.json_url()}"\n'
            '[[nudges]]\nid = "often"\nkind = "gesture_log"\nevery = "3s"\n',
            encoding="utf-8",
        )
        config_file.chmod(0o644)
        data = containers.volume()
        mounts = ["-v", f"{config_file}:/config/config.toml:ro", "-v", f"{data}:/data"]
        first = containers.start("-e", f"HALFWAY_SERVER__LISTEN=0.0.0.0:{port}", *mounts)

        answer = wait_for(lambda: health(port), timeout=60)
        assert answer["status"] == "ok", answer
        wait_for(receiver.posts, timeout=60)
        sent = re.findall(r"/r/(d_[0-9a-f]+)\.", json.dumps(receiver.bodies()))
        assert sent, receiver.bodies()

        status = engine("exec", first, "halfway", "status", check=False)
        assert status.returncode == 0, status
        assert "running" in status.stdout
        reload = engine("exec", first, "halfway", "reload", check=False)
        assert reload.returncode == 0, reload
        wait_for(lambda: "reloaded:" in logs(first), timeout=30)

        pid = engine("inspect", "--format", "{{.State.Pid}}", first).stdout.strip()
        ids = Path(f"/proc/{pid}/status").read_text().split("Uid:")[1].split()[:4]
        assert ids == [str(UID)] * 4, ids

        healthy = engine("healthcheck", "run", first, check=False)
        assert healthy.returncode == 0, healthy

        began = time.monotonic()
        engine("stop", "--time", "10", first)
        took = time.monotonic() - began
        assert took < 5, f"SIGTERM took {took:.1f} s"
        assert engine("inspect", "--format", "{{.State.ExitCode}}", first).stdout.strip() == "0"
        assert "stopped" in logs(first)

    # A second container on the same volume (an upgrade) finds the first one's records
    export = containers.once(*mounts, command=("halfway", "export", "--format", "json"))
    kept = {delivery["id"] for delivery in json.loads(export.stdout)["deliveries"]}
    assert set(sent) <= kept, (sent, kept)

    # The summary as a PDF, in an image without Pillow and with fontTools in pure Python
    today = time.strftime("%Y-%m-%d", time.gmtime())
    made = containers.once(
        *mounts,
        command=(
            "sh", "-c",
            f"halfway summary --from {today} --to {today} --out /tmp/s.pdf >&2 && base64 /tmp/s.pdf",
        ),
    )  # fmt: skip
    assert "Pillow" not in made.stderr, made.stderr
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(base64.b64decode(made.stdout))).pages
    assert NOT_ADVICE in " ".join(" ".join(page.extract_text() for page in pages).split())


def test_compose_keeps_the_data_in_one_volume_and_the_port_on_loopback() -> None:
    """compose.yaml as the README's three commands use it: the service, its one data
    volume, the config read-only where the image reads it, a restart policy, and the
    port published on loopback only. Checked without an engine, so it runs anywhere."""
    import yaml  # type: ignore[import-untyped]  # apprise's dependency, without stubs

    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    service = compose["services"]["halfway"]
    assert service["build"] == "."
    assert service["restart"] == "unless-stopped"
    assert service["ports"] == ["127.0.0.1:8470:8470"]
    volumes = service["volumes"]
    assert "halfway-data:/data" in volumes
    assert "halfway-data" in compose["volumes"]
    (config,) = [v for v in volumes if isinstance(v, dict)]
    assert config["target"] == "/config/config.toml"
    assert config["read_only"] is True
    assert config["bind"]["create_host_path"] is False
    # the proxy network's lines are there, commented out
    assert "#   proxy:" in (ROOT / "compose.yaml").read_text(encoding="utf-8")
