"""Sample data never reaches the real channels: on a folder made
by `halfway demo-data`, `run`, `send` and `digest --send` print what goes out (and
keep it in the folder's demo-inbox.jsonl) unless `--real-channels` is given."""

from __future__ import annotations

import json

from halfway.store import samples

from .conftest import soon, wait_for


def sample_folder(halfway, config_file, http_receiver, smtp_receiver, body: str = ""):
    written = config_file(
        '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'
        'channels = ["push"]\n' + body + '[digest]\nchannels = ["mail"]\n',
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url(), "mail": smtp_receiver.url()},
    )
    ran = halfway("demo-data", "--weeks", "2", "--config", str(written.path))
    assert ran.code == 0, ran.err
    hot = json.loads((written.data_dir / "halfway.json").read_bytes())
    assert next(iter(hot["meta"].values()))[samples.MARK] == "demo-data"
    return written


def inbox(written) -> list[dict[str, str]]:
    path = written.data_dir / samples.INBOX
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_send_and_digest_send_on_sample_data_print_unless_told_real(
    halfway, config_file, http_receiver, smtp_receiver
) -> None:
    written = sample_folder(halfway, config_file, http_receiver, smtp_receiver)
    config = str(written.path)
    checked = halfway("check", "--config", config)
    assert "sample data (made by 'halfway demo-data')" in checked.out, checked.err

    sent = halfway("send", "evening", "--config", config)
    assert sent.code == 0, sent.err
    assert http_receiver.posts() == []
    assert "push: sent" in sent.out
    [line] = sent.err.splitlines()
    assert "holds sample data (made by 'halfway demo-data')" in line
    assert "--real-channels" in line
    assert len(inbox(written)) == 1

    digest = halfway("digest", "--send", "--force", "--config", config)
    assert digest.code == 0, digest.err
    assert "holds sample data" in digest.err
    assert smtp_receiver.messages == []
    assert len(inbox(written)) == 2

    real = halfway("send", "evening", "--real-channels", "--config", config)
    assert real.code == 0, real.err
    assert real.err == ""
    assert len(http_receiver.posts()) == 1
    real = halfway("digest", "--send", "--force", "--real-channels", "--config", config)
    assert real.code == 0, real.err
    assert len(smtp_receiver.messages) == 1
    assert len(inbox(written)) == 2


def test_the_daemon_on_sample_data_prints_its_nudges_and_sends_them_with_real_channels(
    halfway, config_file, http_receiver, smtp_receiver, start_daemon
) -> None:
    body = f'[[nudges]]\nid = "soon"\nkind = "boundary"\nat = "{soon(2)}"\nchannels = ["push"]\n'
    written = sample_folder(halfway, config_file, http_receiver, smtp_receiver, body)
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: any(m["title"] for m in inbox(written)), timeout=30)
    assert http_receiver.posts() == []
    assert daemon.stop() == 0
    assert "holds sample data" in daemon.stderr()
    assert smtp_receiver.messages == []

    # with --real-channels a one-off nudge made now goes to the receiver
    written = config_file(
        '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'
        f'channels = ["push"]\n[[nudges]]\nid = "later"\nkind = "boundary"\nat = "{soon(2)}"\n'
        'channels = ["push"]\n[digest]\nchannels = ["mail"]\n',
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url(), "mail": smtp_receiver.url()},
    )
    daemon = start_daemon("--real-channels", "--config", str(written.path))
    wait_for(lambda: http_receiver.posts(), timeout=30)
    assert daemon.stop() == 0
    assert "holds sample data" not in daemon.stderr()
