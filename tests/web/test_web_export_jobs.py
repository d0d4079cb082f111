"""A large ledger export runs as a job: progress page, download for the requester (or 创城办) only.

The threshold is lowered to 5 rows and the export page to 5 rows so that a dozen tickets make a
job with three pages of progress; the worker is run the way the scheduler runs it (run_once).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, update

from bot.app import create_app
from bot.app_services import AppServices, build_services
from bot.core.clock import ManualClock
from bot.reports import ledger_export
from bot.reports.exports import jobs
from bot.reports.exports.jobs import ExportWorker
from config import GuanjiaConfig
from config.settings import Settings
from models import ExportJob
from tests.support.web_helpers import login, make_user
from tests.web.test_web_ledger import bulk_tickets


@pytest.fixture
def export_dir(tmp_path: Path) -> Path:
    return tmp_path / "exports"


@pytest.fixture
def services(
    settings: Settings, cfg: GuanjiaConfig, clock: ManualClock, engine: Engine, export_dir: Path
) -> AppServices:
    small = settings.model_copy(update={"export_job_rows": 5, "export_dir": export_dir})
    return build_services(small, cfg, clock=clock, engine=engine)


@pytest.fixture
def client(services: AppServices) -> Iterator[TestClient]:
    with TestClient(create_app(services)) as test_client:
        yield test_client


@pytest.fixture
def worker(services: AppServices, export_dir: Path, monkeypatch: pytest.MonkeyPatch) -> ExportWorker:
    monkeypatch.setattr(ledger_export, "PAGE", 5)
    return ExportWorker(services.session_factory, services.cfg, services.clock, export_dir)


def _progress_seen(worker: ExportWorker, look: Callable[[], str]) -> list[str]:
    """Run the worker, reading the progress page after every page of rows it writes."""
    seen: list[str] = []
    original = worker._progress

    def watching(job_id: int) -> Callable[[int], None]:
        report = original(job_id)

        def both(done: int) -> None:
            report(done)
            found = re.search(r"已完成 <strong>(\d+)</strong> / (\d+)", look())
            seen.append(f"{found.group(1)}/{found.group(2)}" if found else "-")

        return both

    worker._progress = watching  # type: ignore[method-assign]
    assert worker.run_once() != []
    return seen


def test_a_large_export_is_a_job_with_progress_and_a_download(
    client: TestClient, services: AppServices, worker: ExportWorker, export_dir: Path
) -> None:
    bulk_tickets(services, 12, unit="hws")
    bulk_tickets(services, 3, unit="jtzd")
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    answer = client.get("/ledger.xlsx?unit=hws", follow_redirects=False)
    assert answer.status_code == 303
    page_url = answer.headers["location"]
    assert re.fullmatch(r"/exports/\d+", page_url)
    waiting = client.get(page_url).text
    assert "正在导出" in waiting and 'http-equiv="refresh"' in waiting
    assert client.get("/ledger.xlsx?unit=hws", follow_redirects=False).headers["location"] == page_url  # no second job
    assert _progress_seen(worker, lambda: client.get(page_url).text) == ["5/12", "10/12", "12/12"]
    done = client.get(page_url).text
    assert "正在导出" not in done and "refresh" not in done and "已导出 <strong>12</strong> 条" in done
    download = client.get(f"{page_url}/download")
    assert download.status_code == 200
    rows = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + 12  # the header and the unit's tickets only
    assert len(list(export_dir.glob("*.xlsx"))) == 1


def test_small_exports_stay_immediate(client: TestClient, services: AppServices) -> None:
    bulk_tickets(services, 5, unit="hws")
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    answer = client.get("/ledger.xlsx", follow_redirects=False)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(ledger_export.XLSX)
    assert len(list(load_workbook(io.BytesIO(answer.content)).active.iter_rows())) == 1 + 5


def test_only_the_requester_or_the_office_downloads(
    client: TestClient, services: AppServices, worker: ExportWorker
) -> None:
    bulk_tickets(services, 8, unit="hws")
    bulk_tickets(services, 4, unit="jtzd")
    make_user(services, "li", "unit", unit="hws")
    make_user(services, "zhou", "unit", unit="hws")
    make_user(services, "wang", "supervisor")
    login(client, "li")
    page_url = client.get("/ledger.xlsx?unit=jtzd", follow_redirects=False).headers["location"]
    worker.run_once()
    mine = client.get(f"{page_url}/download")
    rows = list(load_workbook(io.BytesIO(mine.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + 8  # a unit member's export is the unit's, whatever the query string says
    login(client, "zhou")  # the same unit, another person
    assert client.get(page_url).status_code == 404
    assert client.get(f"{page_url}/download").status_code == 404
    login(client, "wang")
    assert client.get(f"{page_url}/download").status_code == 200
    assert client.get("/exports/99999999999").status_code == 404  # beyond a database integer: no 500


def test_files_are_removed_after_a_day(
    client: TestClient, services: AppServices, worker: ExportWorker, clock: ManualClock, export_dir: Path
) -> None:
    bulk_tickets(services, 7)
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    page_url = client.get("/ledger.xlsx", follow_redirects=False).headers["location"]
    worker.run_once()
    clock.advance(timedelta(hours=23))
    worker.run_once()
    login(client, "wang")  # the web session of a day ago has ended
    kept = client.get(f"{page_url}/download", follow_redirects=False)
    assert kept.status_code == 200 and kept.headers["content-type"].startswith(ledger_export.XLSX)
    clock.advance(timedelta(hours=2))
    worker.run_once()
    login(client, "wang")
    assert list(export_dir.iterdir()) == []
    assert client.get(f"{page_url}/download", follow_redirects=False).status_code == 404
    assert "已过期" in client.get(page_url).text


def test_a_job_is_claimed_once_and_again_when_its_worker_died(
    client: TestClient, services: AppServices, worker: ExportWorker, clock: ManualClock
) -> None:
    bulk_tickets(services, 7)
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    client.get("/ledger.xlsx", follow_redirects=False)
    other = ExportWorker(services.session_factory, services.cfg, clock, worker.directory)
    job_id = worker.claim()
    assert job_id is not None
    assert other.claim() is None  # running, with a fresh heartbeat
    clock.advance(jobs.STALE_AFTER + timedelta(seconds=1))
    assert other.claim() == job_id  # the first worker went silent: taken over
    assert worker.claim() is None
    other.run(job_id)
    with services.session_factory() as session:
        job = session.get(ExportJob, job_id)
        assert job is not None and (job.status, job.rows_done) == (jobs.DONE, 7)


def test_a_failed_export_says_so(
    client: TestClient, services: AppServices, worker: ExportWorker, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk_tickets(services, 7)
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    page_url = client.get("/ledger.xlsx", follow_redirects=False).headers["location"]

    def broken(*args: object, **kwargs: object) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(jobs, "write_filtered_ledger", broken)
    worker.run_once()
    page = client.get(page_url).text
    assert "导出失败" in page and "refresh" not in page
    assert client.get(f"{page_url}/download").status_code == 404
    assert list(worker.directory.glob("*")) == []
    with services.session_factory() as session, session.begin():  # nothing is retried by itself
        session.execute(update(ExportJob).values(status=jobs.FAILED))
    assert worker.run_once() == []
