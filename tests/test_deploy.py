"""The deployment guide's files (deploy/) work as the guide says: the systemd units pass
``systemd-analyze verify``, the environment files give each instance valid settings, nginx
accepts its configuration and passes Telegram's posts to the active instance past a standby,
and a backup restores into a database holding the same rows.

Each check needs its tool (systemd-analyze, nginx, pg_dump) and is skipped without it; CI
installs nginx."""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.config import Settings, read_dotenv
from bot.db import create_engine
from bot.fakeapi import FakeBotAPI
from bot.models import Base
from tests.harness import RunningBot, _admin_dsn, free_port, postgres_admin_url
from tests.processes import fill

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
UNITS = ("backcoach@.service", "backcoach-backup.service", "backcoach-backup.timer")


def needs(tool: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(shutil.which(tool) is None, reason=f"{tool} is not installed")


def instance_settings(instance: int) -> Settings:
    """What the unit's two EnvironmentFile= lines give instance ``instance``."""
    environ = {**read_dotenv(DEPLOY / "backcoach.env"),
               **read_dotenv(DEPLOY / f"instance-{instance}.env")}
    return Settings.from_env(environ, dotenv=None)


def test_each_instance_gets_valid_settings_of_its_own() -> None:
    first, second = instance_settings(1), instance_settings(2)
    for settings in (first, second):
        assert settings.database_url.get_backend_name() == "postgresql"
        assert settings.webhook_url is not None and settings.webhook_url.startswith("https://")
        assert settings.health_listen is not None
    assert first.listen != second.listen
    assert first.health_listen != second.health_listen
    # nginx passes the webhook's path to both instances' webhook ports.
    proxy = (DEPLOY / "nginx-backcoach.conf").read_text()
    upstreams = re.findall(r"server (127\.0\.0\.1:\d+)", proxy)
    assert upstreams == [f"{host}:{port}" for host, port in (first.listen, second.listen)]
    assert f"location = {first.webhook_url.split('bot.example.org', 1)[1]} " in proxy


@needs("systemd-analyze")
def test_the_systemd_units_verify(tmp_path: Path) -> None:
    """As installed: the paths they name are replaced by this checkout's and this venv's."""
    backcoach = shutil.which("backcoach")
    assert backcoach is not None, "the project is installed, with its entry point"
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        text = text.replace("/opt/backcoach/venv/bin/backcoach", backcoach)
        text = text.replace("/opt/backcoach/deploy/", f"{DEPLOY}/")
        text = text.replace("/etc/backcoach/", f"{DEPLOY}/")
        (tmp_path / name).write_text(text)
    (tmp_path / "backcoach@1.service").symlink_to(tmp_path / "backcoach@.service")
    checked = ["backcoach@1.service", *UNITS[1:]]
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(f"./{name}" for name in checked)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0 and result.stderr == "", result.stderr


def nginx_conf(folder: Path, site: str) -> Path:
    """A whole nginx configuration around the site's, with everything it writes in ``folder``."""
    (folder / "site.conf").write_text(site)
    temp = " ".join(f"{kind}_temp_path {folder}/{kind};" for kind in (
        "client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = folder / "nginx.conf"
    conf.write_text(
        f"worker_processes 1;\nerror_log {folder}/error.log;\npid {folder}/nginx.pid;\n"
        f"events {{ worker_connections 64; }}\n"
        f"http {{ access_log off; {temp} include {folder}/site.conf; }}\n")
    return conf


@needs("nginx")
@needs("openssl")
def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=bot.example.org", "-keyout", str(tmp_path / "privkey.pem"),
         "-out", str(tmp_path / "fullchain.pem")],
        check=True, capture_output=True, timeout=60)
    site = (DEPLOY / "nginx-backcoach.conf").read_text().replace(
        "/etc/letsencrypt/live/bot.example.org/", f"{tmp_path}/")
    conf = nginx_conf(tmp_path, site)
    result = subprocess.run(["nginx", "-t", "-c", str(conf), "-e", str(tmp_path / "error.log")],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr


@contextlib.asynccontextmanager
async def nginx(folder: Path, site: str, port: int) -> AsyncIterator[None]:
    conf = nginx_conf(folder, site)
    process = await asyncio.create_subprocess_exec(
        "nginx", "-c", str(conf), "-e", str(folder / "error.log"), "-g", "daemon off;",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        deadline = asyncio.get_running_loop().time() + 60
        while True:
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            assert process.returncode is None, await process.stderr.read()  # type: ignore[union-attr]
            assert asyncio.get_running_loop().time() < deadline, "nginx did not listen"
            await asyncio.sleep(0.05)
        yield
    finally:
        process.terminate()
        await process.wait()


@needs("nginx")
async def test_nginx_passes_the_posts_to_the_active_instance_past_a_standby(
    api: FakeBotAPI, migrated_database_url: str, tmp_path: Path
) -> None:
    """The guide's proxy, on plain HTTP: the first instance's port is closed, as a standby's
    is; the second is the active bot, and Telegram's posts reach it."""
    public, standby, active = free_port(), free_port(), free_port()
    site = (DEPLOY / "nginx-backcoach.conf").read_text()
    site = re.sub(r"listen 443 ssl;", f"listen 127.0.0.1:{public};", site)
    site = re.sub(r"\s*ssl_certificate\S* [^;]+;", "", site)
    site = site.replace("127.0.0.1:8443", f"127.0.0.1:{standby}")
    site = site.replace("127.0.0.1:8444", f"127.0.0.1:{active}")
    path = instance_settings(1).webhook_url.split("bot.example.org", 1)[1]  # type: ignore[union-attr]
    async with nginx(tmp_path, site, public):
        bot = RunningBot(api, migrated_database_url, webhook=True,
                         BACKCOACH_WEBHOOK_URL=f"http://127.0.0.1:{public}{path}",
                         BACKCOACH_LISTEN=f"127.0.0.1:{active}")
        await bot.start()
        try:
            user = api.user(9301)
            for _ in range(3):
                await user.send("/help")
                await user.expect("/workout")
        finally:
            await bot.stop()
    assert [post.status for post in api.webhook.posts] == [200, 200, 200]


async def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(make_url(url))
    try:
        async with engine.connect() as connection:
            return {table.name: await connection.scalar(select(func.count()).select_from(table))
                    for table in Base.metadata.sorted_tables}
    finally:
        await engine.dispose()


@needs("pg_dump")
@needs("pg_restore")
@pytest.mark.skipif(postgres_admin_url() is None, reason="backups are of PostgreSQL")
async def test_a_backup_restores_into_the_same_rows(database_url: str, tmp_path: Path) -> None:
    await fill(database_url, range(7301, 7304), range(830_000, 830_020))
    result = await asyncio.create_subprocess_exec(
        str(DEPLOY / "backup.sh"), database_url, str(tmp_path / "backups"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(result.communicate(), 120)
    assert result.returncode == 0, err.decode()
    dump = Path(out.decode().strip())
    assert dump.parent == tmp_path / "backups"
    assert await asyncio.to_thread(lambda: sorted(dump.parent.iterdir())) == [dump]

    restored = make_url(database_url).set(database=f"{make_url(database_url).database}_restored")
    admin = await asyncpg.connect(_admin_dsn(postgres_admin_url() or ""))
    try:
        await admin.execute(f'CREATE DATABASE "{restored.database}"')
        target = restored.set(drivername="postgresql").render_as_string(hide_password=False)
        process = await asyncio.create_subprocess_exec(
            "pg_restore", "--no-owner", "--dbname", target, str(dump),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        _, err = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0, err.decode()
        counts = await row_counts(restored.render_as_string(hide_password=False))
        assert counts == await row_counts(database_url)
        assert counts["reminders"] == 20 and counts["screening_results"] == 3
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{restored.database}" WITH (FORCE)')
        await admin.close()
