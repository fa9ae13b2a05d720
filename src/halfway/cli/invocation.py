"""The settings a command runs with: the config file the command line names (or the
built-in demo), with the log redactor installed for its secrets."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from halfway.words import invoked
from halfway.words.language import N_, _

if TYPE_CHECKING:
    from halfway.config.models import Settings

# The words of demo.toml's nudges, for the catalogs: the demo says them in the language.
DEMO_TEXTS = (
    N_("Demo: a reminder of the boundary you set for yourself. How has it held up lately?"),
)


def load_settings(args: argparse.Namespace) -> Settings:
    """The config the command line names. Only a command that sends or checks
    channels has apprise check their URLs and find every secret in them."""
    from halfway.channels import logs
    from halfway.config import loader

    path = loader.find(args.config)
    args.source = str(path)
    if args.checks_channels:
        from halfway.channels import sending

        settings = loader.build(loader.read_toml(path), str(path), sending.url_problem)
        install_redactor(settings, sending.secrets_in)
    else:
        settings = loader.build(loader.read_toml(path), str(path))
        install_redactor(settings, logs.url_secrets)
    return settings


def install_redactor(settings: Settings, secrets_in: Callable[[str], set[str]]) -> None:
    """Keep the channels' secrets and the IMAP password out of every log line: what
    `secrets_in` finds, and always the obvious ones (`logs.url_secrets`: apprise's
    reading leaves out a password with a dot in it, `pa.ss.word`)."""
    from halfway.channels import logs

    def found(url: str) -> set[str]:
        return secrets_in(url) | logs.url_secrets(url)

    urls = [url for urls in settings.channels.values() for url in urls]
    logs.install_redactor(urls, [settings.imap.password] if settings.imap else [], found)


def demo_settings(args: argparse.Namespace) -> Settings:
    """The built-in demo config, its data kept apart from any real data."""
    import tomllib
    from importlib import resources

    from halfway.channels import sending
    from halfway.config import loader

    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    data_dir = Path(args.data_dir or Path(base) / "halfway-demo")
    text = resources.files("halfway").joinpath("demo.toml").read_text("utf-8")
    data = tomllib.loads(text)
    data["data_dir"] = str(data_dir)
    data["channels"]["terminal"] = f"halfway://terminal?inbox={data_dir / 'demo-inbox.jsonl'}"
    args.source = "the demo config"
    settings = loader.build(data, "demo config", sending.url_problem)
    nudges = [n.model_copy(update={"text": _(n.text)}) if n.text else n for n in settings.nudges]
    return settings.model_copy(update={"nudges": nudges})


def demo_banner(settings: Settings) -> None:
    """What the demo shows, and where its data is: said once its port is taken."""
    data_dir = settings.data_dir
    banner = _(
        "halfway demo: three practice nudges will appear here every few seconds.\n"
        "At first the demo answers them for you, as if you had tapped the link; then it\n"
        "goes quiet, so you can see halfway ease off instead of nagging: let it run about\n"
        "a minute to see that. Each nudge, answer, reminder and skip in the log is\n"
        "followed by a line starting with ↳ that says what it means.\n"
        "Nothing leaves this machine and no account is needed.\n"
        "Data: {data}  ·  inbox: {inbox}\n"
        "Health: {health}  ·  stop with Ctrl+C.\n"
        "To use your phone: '{init}', put an apprise URL under [channels]\n"
        "(e.g. phone = \"ntfy://ntfy.sh/your-secret-topic\"), then '{check}'\n"
        "and '{run}'. halfway is a companion, not professional advice."
    )
    print(
        banner.format(
            data=settings.db_path,
            inbox=data_dir / "demo-inbox.jsonl",
            health=f"http://{settings.server.listen}/healthz",
            init=invoked.command("init"),
            check=invoked.command("check"),
            run=invoked.command("run"),
        ),
        flush=True,
    )
