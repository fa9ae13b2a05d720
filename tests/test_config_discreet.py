"""The discretion and safety keys: `discreet_title`, `quick_exit_url`, `[care] helpline`
and `[digest] full_in_email` load with their defaults, from the file and the
environment; a bad value is one line naming the file and the key, with exit 2."""

from __future__ import annotations

import tomllib

import pytest

from halfway.config import loader
from halfway.words import discretion

from .conftest import config_text


def settings_of(tmp_path, body: str = "") -> loader.Settings:
    data = tomllib.loads(config_text(body, data_dir=tmp_path / "data"))
    return loader.build(data, "test config")


def test_the_defaults_are_discreet_with_a_plain_title_and_a_neutral_way_out(tmp_path) -> None:
    settings = settings_of(tmp_path)
    assert settings.discreet is True
    assert settings.discreet_title == "Reminder"
    assert settings.quick_exit_url == discretion.QUICK_EXIT_URL
    assert settings.quick_exit_url.startswith("https://")
    assert settings.care.helpline is None
    assert settings.digest.full_in_email is False
    assert discretion.frame(settings) == discretion.Frame()


def test_the_new_keys_load_from_the_file(tmp_path) -> None:
    settings = settings_of(
        tmp_path,
        'discreet_title = "  Errand  "\nquick_exit_url = "https://news.example.org/"\n'
        '[care]\nhelpline = "Helpline 0800 116 016"\n[digest]\nfull_in_email = true\n',
    )
    assert settings.discreet_title == "Errand"  # trimmed
    assert settings.quick_exit_url == "https://news.example.org/"
    assert settings.care.helpline == "Helpline 0800 116 016"
    assert settings.digest.full_in_email is True
    frame = discretion.frame(settings)
    assert frame.footer()["safety"].endswith("Helpline 0800 116 016")
    assert frame.page_title("halfway · something") == "Errand"


def test_the_new_keys_load_from_the_environment(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HALFWAY_DISCREET_TITLE", "Post")
    monkeypatch.setenv("HALFWAY_CARE__HELPLINE", "Call 116 123")
    monkeypatch.setenv("HALFWAY_DIGEST__FULL_IN_EMAIL", "true")
    settings = settings_of(tmp_path)
    assert (settings.discreet_title, settings.care.helpline) == ("Post", "Call 116 123")
    assert settings.digest.full_in_email is True


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ('discreet_title = ""\n', "discreet_title: must be a text that is not empty"),
        ('discreet_title = "   "\n', "discreet_title: must be a text that is not empty"),
        ('discreet_title = "two\\nlines"\n', "discreet_title: must be one line"),
        (f'discreet_title = "{"x" * 41}"\n', "discreet_title: must be at most 40 characters"),
        (
            'quick_exit_url = "javascript:alert(1)"\n',
            "quick_exit_url: 'javascript:alert(1)' is not an http:// or https:// address",
        ),
        (
            'quick_exit_url = "weather.example.org"\n',
            "quick_exit_url: 'weather.example.org' is not an http:// or https:// address",
        ),
        ('[care]\nhelpline = ""\n', "care.helpline: must be a text that is not empty"),
        ('[care]\nhelpline = "call\\nnow"\n', "care.helpline: must be one line"),
        (f'[care]\nhelpline = "{"9" * 201}"\n', "care.helpline: must be at most 200 characters"),
        ("[care]\nhelpline = 116\n", "care.helpline: "),
        ('[digest]\nfull_in_email = "perhaps"\n', "digest.full_in_email: "),
        ('discreet_titel = "Post"\n', "discreet_titel: unknown key (check the spelling)"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_file_and_key_with_exit_2(
    halfway, config_file, body, line
) -> None:
    path = config_file(body).path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 2
    lines = ran.err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}: {line}")
    assert "Traceback" not in ran.err
    assert "pydantic" not in ran.err


def test_the_safety_line_names_fear_and_carries_the_helpline_wherever_it_is_shown(
    tmp_path,
) -> None:
    from halfway.core import kinds
    from halfway.words import catalog

    line = catalog.safety_line()
    assert "afraid" in line
    assert "unsafe" in line
    assert catalog.safety_line("  ") == line  # an empty helpline adds nothing
    own = catalog.safety_line("Helpline 0800 116 016")
    assert own.startswith(line)
    assert own.endswith("Helpline 0800 116 016")
    # the safety note (a care nudge with the safety line) and every page's footer
    _, note = kinds.render("care_counsel", helpline="Helpline 0800 116 016")
    assert note.endswith(own)
    settings = settings_of(tmp_path, '[care]\nhelpline = "Helpline 0800 116 016"\n')
    assert discretion.frame(settings).footer()["safety"] == own


def test_check_warns_when_the_discreet_title_names_halfway(halfway, config_file) -> None:
    path = config_file('discreet_title = "Halfway check-in"\n').path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 0, ran.err
    assert (
        f"warning: {path}: discreet_title: 'Halfway check-in' names halfway on every lock"
        " screen; a plain word of your own keeps it discreet"
    ) in ran.out + ran.err
    plain = halfway("check", "--config", str(config_file('discreet_title = "Post"\n').path))
    assert "discreet_title" not in plain.out + plain.err
