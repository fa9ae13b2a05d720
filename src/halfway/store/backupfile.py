"""The backup file: a tar of `manifest.json` and `data/…`, sealed whole with a key.

Uncompressed: borg and restic compress and deduplicate it themselves (an archive month
that did not change is stored once), and `tar -xf` opens a plain one without halfway.
`data/` holds what a data folder needs to come back whole: the hot file and its count
beside it (`halfway.writes.json`), every archive month, the schema-1 file if an upgrade
left one, the reply key (`secret.key`) and the link tokens (`links.json`), so reply
links, the private app and the calendar feed sent before keep working after a restore.

The manifest names, per file, its sha256 and size and, for a data file, the id of each
record by table. `open_backup` verifies all of it in memory: each checksum, each id (no
more, no fewer), and that the hot file's list of archive months is met by the months
there. With a key the whole file is sealed (`sealing`): not even the manifest's ids
can be read, and it opens only with that key.

Pure apart from `open_backup`, which reads the file.
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson

from halfway.core.instants import format_instant
from halfway.core.rawjson import ReadOnly, Record
from halfway.core.tokens import KEY_FILE
from halfway.store import archives, layout, sealing
from halfway.store.database import SCHEMA_VERSION, StoreError
from halfway.store.datafile import SIDECAR, damaged, meta_of, newer, opened
from halfway.store.links import FILE as LINKS_FILE
from halfway.words.language import _, ngettext

FORMAT = "halfway backup"
VERSION = 1
MANIFEST = "manifest.json"
DATA = "data/"
SEALED_AS = "halfway backup"  # the name a sealed backup is bound to (see `sealing`)
HOT = "halfway.json"
# What a backup takes from the top of the data folder, in the order a restore writes
# them: the hot file after the rest, its count beside it after the hot file.
TOP = (KEY_FILE, LINKS_FILE, layout.BACKUP_NAME, HOT, SIDECAR)
DATA_FILES = (HOT, layout.BACKUP_NAME)  # and every archive month: files of records
MONTH = re.compile(r"archive/\d{4}-\d{2}\.json")


class BadInput(ValueError):
    """A FILE or FOLDER that cannot be used as given (exit 2); nothing was changed."""


class Damaged(StoreError):
    """A backup that does not hold what its manifest says (exit 1); the message names
    the backup and the file or record that differs."""


@dataclass(frozen=True)
class Backup:
    """A backup opened and verified: its manifest and its files by name."""

    manifest: Record
    files: dict[str, bytes]

    def records(self) -> int:
        """How many records it holds (one per id and table, wherever it is kept)."""
        found = {
            (table, record_id)
            for entry in self.manifest["files"].values()
            for table, ids in entry.get("records", {}).items()
            for record_id in ids
        }
        return len(found)

    def holds(self) -> str:
        """'812 records in 6 files'."""
        records = ngettext("{n} record", "{n} records", self.records()).format(n=self.records())
        files = ngettext("{n} file", "{n} files", len(self.files)).format(n=len(self.files))
        return _("{records} in {files}").format(records=records, files=files)

    def taken(self) -> str:
        """When it was taken: '2026-12-02 15:20 UTC'."""
        return str(self.manifest["taken_at"])[:16].replace("T", " ") + " UTC"


def parse(name: str, raw: bytes, key: bytes | None = None) -> Record:
    """A data file's bytes as its tables (the one place a backup reads a data file's
    records), a sealed one opened with `key` and the name sealed into it (the file's
    own). ValueError if it does not parse or open."""
    try:
        raw = opened(Path(name), raw, key, Path(name).name)
    except StoreError as error:
        raise ValueError(str(error).removeprefix(f"{name}: ")) from None
    data = orjson.loads(raw)
    problem = layout.shape_problem(data)
    if problem:
        raise ValueError(problem)
    return dict(data)


def ids_of(data: ReadOnly) -> dict[str, list[str]]:
    """The record ids of a parsed data file, by table (its meta left out), sorted."""
    return {
        table: sorted(str(r["id"]) for r in records.values() if isinstance(r.get("id"), str))
        for table, records in data.items()
        if table != "meta"
    }


def whole_problem(
    files: Mapping[str, bytes], where: Callable[[str], str], key: bytes | None = None
) -> str | None:
    """Why these files are not a whole data folder, or None: a data file that does not
    parse, or an archive month the hot file lists that is missing or cut short (said as
    the store says it, the file named through `where`)."""
    parsed = {}
    for name, raw in files.items():
        if name in DATA_FILES or MONTH.fullmatch(name):
            try:
                parsed[name] = parse(name, raw, key)
            except ValueError as error:
                return damaged(where(name), error)
    hot = parsed.get(HOT)
    if hot is None:
        return _("{path}: the data file is missing").format(path=where(HOT))
    version = meta_of(hot).get("schema_version", 1)
    if isinstance(version, int) and version > SCHEMA_VERSION:
        return newer(where(HOT), version)
    for month, written in sorted((archives.known(meta_of(hot)) or {}).items()):
        name = f"archive/{month}.json"
        if name not in parsed:
            said = _("{path}: this archive month is missing ({remedy})")
            return said.format(path=where(name), remedy=archives.remedy(month))
        problem = archives.shrunk(
            Path(where(name)), month, archives.count(parsed[name]), {month: written}
        )
        if problem:
            return problem
    return None


def manifest_of(files: Mapping[str, bytes], taken_at: datetime, key: bytes | None = None) -> Record:
    """What a backup of `files` holds: per file its sha256 and size, per data file the
    ids of its records by table."""
    entries: Record = {}
    for name, raw in files.items():
        entry: Record = {"sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}
        if name in DATA_FILES or MONTH.fullmatch(name):
            entry["records"] = ids_of(parse(name, raw, key))
        entries[name] = entry
    return {
        "format": FORMAT,
        "version": VERSION,
        "taken_at": format_instant(taken_at),
        "schema_version": SCHEMA_VERSION,
        "files": entries,
    }


def pack(manifest: ReadOnly, files: Mapping[str, bytes], key: bytes | None) -> bytes:
    """The backup file's bytes: the tar, sealed with `key` when there is one."""
    out = io.BytesIO()
    stamp = int(datetime.fromisoformat(str(manifest["taken_at"])).timestamp())
    members = [(MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))]
    members += [(DATA + name, raw) for name, raw in files.items()]
    with tarfile.open(fileobj=out, mode="w:", format=tarfile.PAX_FORMAT) as tar:
        for directory in sorted({DATA, DATA + "archive/"}):
            info = tarfile.TarInfo(directory.rstrip("/"))
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o700, stamp
            tar.addfile(info)
        for name, raw in members:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(raw), 0o600, stamp
            tar.addfile(info, io.BytesIO(raw))
    plain = out.getvalue()
    return sealing.seal(key, plain, SEALED_AS) if key is not None else plain


# opening and checking one ----------------------------------------------------------


def open_backup(path: Path, key: bytes | None) -> Backup:
    """The backup in `path`, every checksum and id verified; BadInput for a file that is
    no halfway backup (or one sealed, without a key), Damaged for one that differs from
    its manifest."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(_("{path}: no such file").format(path=path)) from None
    except IsADirectoryError:
        raise BadInput(_("{path}: is a folder, not a backup file").format(path=path)) from None
    except OSError as error:
        raise BadInput(
            _("{path}: cannot be read ({reason})").format(path=path, reason=error.strerror)
        ) from None
    if sealing.is_sealed(raw):
        if key is None:
            raise BadInput(
                _(
                    "{path}: this backup is encrypted: it opens only with the key it was made"
                    " with ([encryption] key_file in the config)"
                ).format(path=path)
            )
        try:
            raw = sealing.unseal(key, raw, SEALED_AS)
        except sealing.SealError as error:
            raise Damaged(
                _("{path}: this backup does not open: {error}").format(path=path, error=error)
            ) from None
    manifest, files = unpack(path, raw)
    verify(path, manifest, files, key)
    return Backup(manifest, files)


def unpack(path: Path, raw: bytes) -> tuple[Record, dict[str, bytes]]:
    """The manifest and the data files of a backup's tar. Only regular files of the
    names a backup holds are taken (nothing is extracted by the tar's own paths)."""
    if raw[257:262] != b"ustar":
        raise BadInput(_("{path}: is not a halfway backup").format(path=path))
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
            for member in tar:
                if member.isdir():
                    continue
                name = member.name
                usable = name == MANIFEST or (
                    name.startswith(DATA) and _known(name.removeprefix(DATA))
                )
                handle = tar.extractfile(member) if member.isfile() else None
                if not usable or handle is None or name in found:
                    raise Damaged(
                        _("{path}: holds {name!r}, which no halfway backup holds").format(
                            path=path, name=name
                        )
                    )
                found[name] = handle.read()
    except (tarfile.TarError, EOFError) as error:
        raise Damaged(
            _("{path}: the backup is damaged ({error})").format(path=path, error=error)
        ) from None
    if MANIFEST not in found:
        raise BadInput(
            _("{path}: is not a halfway backup (it has no {manifest})").format(
                path=path, manifest=MANIFEST
            )
        )
    try:
        manifest = orjson.loads(found.pop(MANIFEST))
    except ValueError:
        raise Damaged(
            _("{path}: its {manifest} is damaged").format(path=path, manifest=MANIFEST)
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BadInput(_("{path}: is not a halfway backup").format(path=path))
    if not isinstance(manifest.get("version"), int) or manifest["version"] > VERSION:
        raise BadInput(
            _("{path}: made by a newer halfway; upgrade halfway to open it").format(path=path)
        )
    if not _well_formed(manifest):
        raise Damaged(_("{path}: its {manifest} is damaged").format(path=path, manifest=MANIFEST))
    return manifest, {name.removeprefix(DATA): raw for name, raw in found.items()}


def _known(name: str) -> bool:
    return name in TOP or MONTH.fullmatch(name) is not None


def _well_formed(manifest: ReadOnly) -> bool:
    files = manifest.get("files")
    if not isinstance(files, dict) or not isinstance(manifest.get("taken_at"), str):
        return False
    for name, entry in files.items():
        if not _known(name) or not isinstance(entry, dict):
            return False
        if not isinstance(entry.get("sha256"), str) or not isinstance(entry.get("bytes"), int):
            return False
        records = entry.get("records", {})
        if not isinstance(records, dict) or not all(
            isinstance(ids, list) and all(isinstance(i, str) for i in ids)
            for ids in records.values()
        ):
            return False
    return True


def verify(
    path: Path, manifest: ReadOnly, files: Mapping[str, bytes], key: bytes | None = None
) -> None:
    """Damaged, naming the file or the record, unless `files` are what `manifest` says:
    the same files, each with its checksum and size, each data file with the ids it names
    (no more, no fewer), and the hot file's archive months all there."""
    listed: ReadOnly = manifest["files"]
    missing, unnamed = sorted(set(listed) - set(files)), sorted(set(files) - set(listed))
    if missing:
        raise Damaged(
            _("{path}: {file} is named in the backup's manifest but is not in it").format(
                path=path, file=missing[0]
            )
        )
    if unnamed:
        raise Damaged(
            _("{path}: holds {file}, which its manifest does not name").format(
                path=path, file=unnamed[0]
            )
        )
    for name in sorted(files, key=order):
        raw, entry = files[name], listed[name]
        if hashlib.sha256(raw).hexdigest() != entry["sha256"] or len(raw) != entry["bytes"]:
            raise Damaged(
                _(
                    "{path}: {name} does not match its checksum; the backup was changed or damaged"
                ).format(path=path, name=name)
            )
        if "records" not in entry and (name in DATA_FILES or MONTH.fullmatch(name)):
            raise Damaged(
                _("{path}: its manifest names no records for {name}").format(path=path, name=name)
            )
        if "records" in entry:
            try:
                held = ids_of(parse(name, raw, key))
            except ValueError as error:
                raise Damaged(
                    _("{path}: {name} is damaged ({error})").format(
                        path=path, name=name, error=error
                    )
                ) from None
            _same_ids(path, name, entry["records"], held)
    problem = whole_problem(files, lambda name: f"{path}: {name}", key)
    if problem:
        raise Damaged(problem)


def _same_ids(
    path: Path, name: str, named: Mapping[str, list[str]], held: Mapping[str, list[str]]
) -> None:
    for table in sorted(set(named) | set(held)):
        want, have = set(named.get(table, [])), set(held.get(table, []))
        if want - have:
            lost = min(want - have)
            raise Damaged(
                _("{path}: record {lost} of '{table}' is missing from {name}").format(
                    path=path, lost=lost, table=table, name=name
                )
            )
        if have - want:
            extra = min(have - want)
            raise Damaged(
                _(
                    "{path}: {name} holds record {extra} of '{table}', which its manifest"
                    " does not name"
                ).format(path=path, name=name, extra=extra, table=table)
            )


def order(name: str) -> tuple[int, str]:
    """The order a restore writes files in: archive months first, then TOP's order."""
    return (-1, name) if MONTH.fullmatch(name) else (TOP.index(name), name)
