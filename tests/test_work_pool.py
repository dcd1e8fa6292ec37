"""Jobs in worker processes: same readings as in-process, errors come back as OcrError."""

from __future__ import annotations

import pytest

from extract.executor import LocalExecutor, default_workers, make_executor
from extract.ocr import OcrError, OcrSettings, ocr_image_frame, ocr_page_layout
from extract.work_pool import WorkPool
from tests.conftest import FIXTURES, SAMPLE_DUMP

SCANS = FIXTURES / "scans"


@pytest.mark.slow
def test_two_workers_read_what_one_process_reads():
    settings = OcrSettings()
    pdf, png = str(SCANS / "skewed-200.pdf"), str(SCANS / "scan-page.png")
    executor = LocalExecutor(2)
    with WorkPool(executor) as pool:
        pool.add_pdf_page(pdf, 1, settings)
        pool.add_image(png, settings)
        # taken out of queue order: the pool hands back whichever is asked for
        image_layout, image_conf = pool.result(("image", png, 1))
        page_layout, page_conf = pool.result(("pdf", pdf, 1))
    executor.close()
    here, conf = ocr_page_layout(pdf, 1, settings)
    assert page_layout.text == here.text and page_conf == pytest.approx(conf)
    assert page_layout.skew == here.skew and [w.bbox for w in page_layout.words] == \
        [w.bbox for w in here.words]
    assert image_layout.text == ocr_image_frame(png, 1, settings)[0].text
    assert "Alameda" in image_layout.text and image_conf > 0.8


def test_worker_failure_comes_back_as_the_pages_ocr_error():
    executor = LocalExecutor(2)
    with WorkPool(executor) as pool:
        pool.add_pdf_page(str(SAMPLE_DUMP / "corrupt.pdf"), 1, OcrSettings())
        with pytest.raises(OcrError) as err:
            pool.result(("pdf", str(SAMPLE_DUMP / "corrupt.pdf"), 1))
    executor.close()
    assert err.value.page == 1 and "cannot render page" in err.value.message


def test_one_worker_runs_jobs_only_when_asked_and_unknown_jobs_are_errors():
    calls = []
    assert make_executor(1) is None  # one worker: jobs run inline
    with WorkPool(None) as pool:
        pool.add("a", calls.append, "a")
        assert calls == [] and pool.has("a")
        pool.result("a")
        assert calls == ["a"] and not pool.has("a")
        with pytest.raises(KeyError):
            pool.result("a")
    assert default_workers() >= 1
    with pytest.raises(ValueError):
        LocalExecutor(1)
