"""The course as a learner meets it: JupyterLab in a real browser.

A real ``jupyter lab`` server (as ``make lab`` starts it) serves a temporary copy of the chapters;
Debian's Chromium, driven by Playwright, opens chapter 00 and every chapter with widgets, runs all
cells from the Run menu, waits for the kernel to be idle, and checks that no cell shows an error,
that figures render, and that the widgets render and redraw their figure when a control changes.
Screenshots land in ``artifacts/``.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.browser_helpers import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    browser_chapters,
    error_outputs,
    not_run,
    start_lab,
    uses_widgets,
)

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 120_000  # fast mode allows 30 s per chapter; generous for a loaded machine
CHAPTERS = browser_chapters()

# A short hash of every figure in the outputs, computed in the page, so that a redraw is visible
# without shipping megabytes of base64 back to Python.
IMAGES_JS = """() => Array.from(document.querySelectorAll('.jp-OutputArea-output img')).map(img => {
    let h = 5381; const s = img.src;
    for (let i = 0; i < s.length; i++) { h = ((h * 33) ^ s.charCodeAt(i)) >>> 0; }
    return s.length + ':' + h;
}).join('|')"""

# True once Run All has finished: some prompt shows a number and none shows the busy star (Run All
# marks every queued cell with a star at once; after an error the rest are unmarked, not run).
# Collapsed solution cells and empty cells show no number: the saved file is checked for every cell.
RUN_FINISHED_JS = """() => {
    const prompts = Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')).map(p => p.textContent);
    return prompts.some(p => /\\[\\d+\\]/.test(p)) && !prompts.some(p => p.includes('*'));
}"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    server = start_lab(tmp_path_factory.mktemp("lab"))
    yield server
    server.stop()
    assert server.process.poll() is not None, "the JupyterLab server is still running"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser` (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Tabs:
    """One browser tab per chapter, each in its own JupyterLab workspace. A tab is opened ahead of
    its test, so that its kernel starts while the previous chapter is still running."""

    def __init__(self, browser, lab):
        self.browser, self.lab, self.open_tabs = browser, lab, {}

    def open(self, chapter: Path):
        if chapter.name not in self.open_tabs:
            page = self.browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
            page.set_default_timeout(30_000)
            errors: list[str] = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            # ?reset: a fresh workspace with only this notebook open
            page.goto(self.lab.url(f"/lab/workspaces/{chapter.stem}/tree/{chapter.name}?reset"))
            self.open_tabs[chapter.name] = (page, errors)
        return self.open_tabs[chapter.name]

    def close(self, chapter: Path) -> None:
        page, _ = self.open_tabs.pop(chapter.name)
        page.context.close()
        self.lab.shutdown_kernel_of(chapter.name)


@pytest.fixture(scope="module")
def tabs(browser, lab):
    tabs = Tabs(browser, lab)
    yield tabs
    for name in list(tabs.open_tabs):
        tabs.close(Path(name))


def test_lab_opens_on_chapter_00(lab):
    """Like ``make lab``: the server's front page leads to chapter 00."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", lab.port, timeout=10)
    conn.request("GET", "/", headers={"Authorization": f"token {lab.token}"})
    response = conn.getresponse()
    assert response.status in (301, 302, 303, 307), response.status
    assert response.getheader("Location", "").rstrip("?").endswith("/lab/tree/00_welcome.ipynb")
    assert (lab.root / "00_welcome.ipynb").exists(), "chapter 00 is missing from the chapters folder"


def selected_chapters(request) -> list[Path]:
    """The chapters this pytest run will open, in order (all of them unless ``-k`` chose some)."""
    return [
        item.callspec.params["chapter"]
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_chapter_in_jupyterlab" and hasattr(item, "callspec")
    ]


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"browser_{name}.png"
    page.screenshot(path=str(path))
    return path


def bring_to_top(locator) -> None:
    """Scroll the output that holds ``locator`` to the top of the notebook view."""
    locator.evaluate("el => (el.closest('.jp-OutputArea-output') || el).scrollIntoView({block: 'start'})")


def wait_kernel_idle(lab, name: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kernel = lab.kernel_of(name)
        if kernel and kernel["execution_state"] == "idle":
            return
        time.sleep(0.3)
    raise AssertionError(f"the kernel of {name} is not idle after {timeout} s: {lab.kernel_of(name)}\n{lab.log_tail()}")


def wait_notebook_ready(page, lab, name: str) -> None:
    page.locator(".jp-NotebookPanel .jp-Notebook").first.wait_for(state="visible", timeout=60_000)
    # A notebook without kernel metadata asks which kernel to start: take the default.
    dialog = page.locator(".jp-Dialog")
    if dialog.count() and dialog.first.is_visible():
        dialog.locator("button.jp-mod-accept").click()
    wait_kernel_idle(lab, name)
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=60_000)


def clear_all_outputs(page) -> None:
    """Edit > Clear Outputs of All Cells, so that what is checked afterwards comes from this run."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Edit$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Clear Outputs of All Cells$")).click()
    page.wait_for_function("() => document.querySelectorAll('.jp-OutputArea-output').length === 0")


def run_all_cells(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


def save_notebook(page, lab, name: str) -> Path:
    path = lab.root / name
    before = path.stat().st_mtime_ns
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^File$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Save Notebook$")).click()
    deadline = time.monotonic() + 20
    while path.stat().st_mtime_ns == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert path.stat().st_mtime_ns != before, "the notebook was not saved"
    return path


def images_hash(page) -> str:
    return page.evaluate(IMAGES_JS)


def wait_redraw(page, before: str, what: str, timeout_ms: int = 30_000) -> str:
    """Wait until the figures in the outputs differ from ``before`` (and have settled)."""
    try:
        page.wait_for_function(
            f"(before) => ({IMAGES_JS})() !== before && document.querySelectorAll('.jp-OutputArea-output img').length > 0",
            arg=before,
            timeout=timeout_ms,
        )
    except Exception as err:  # Playwright's TimeoutError: say which control did nothing
        raise AssertionError(f"changing the {what} did not redraw any figure") from err
    page.wait_for_timeout(300)
    return images_hash(page)


def change_dropdown(page, before: str) -> str | None:
    select = page.locator(".jupyter-widgets.widget-dropdown select").first
    if not select.count():
        return None
    bring_to_top(select)
    options = select.locator("option").all_text_contents()
    current = select.evaluate("s => s.selectedIndex")
    assert len(options) > 1, f"the dropdown offers only {options}"
    target = (current + 1) % len(options)
    select.select_option(index=target)
    assert select.evaluate("s => s.selectedIndex") == target
    return wait_redraw(page, before, f"dropdown to {options[target]!r}")


def change_slider(page, before: str) -> str | None:
    slider = page.locator(".jupyter-widgets.widget-slider").first
    if not slider.count():
        return None
    bring_to_top(slider)
    readout = slider.locator(".widget-readout")
    value = readout.inner_text().strip()
    handle = slider.locator(".noUi-handle").first
    handle.click()
    handle.press("ArrowRight")
    if readout.inner_text().strip() == value:  # at the maximum already: step back instead
        handle.press("ArrowLeft")
    assert readout.inner_text().strip() != value, "the slider did not move"
    return wait_redraw(page, before, f"slider from {value} to {readout.inner_text().strip()}")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_in_jupyterlab(lab, tabs, chapter, request):
    name, stem = chapter.name, chapter.stem
    page, console_errors = tabs.open(chapter)
    wait_notebook_ready(page, lab, name)
    upcoming = selected_chapters(request)
    if chapter in upcoming and upcoming.index(chapter) + 1 < len(upcoming):
        tabs.open(upcoming[upcoming.index(chapter) + 1])

    clear_all_outputs(page)
    started = time.perf_counter()
    run_all_cells(page)
    try:
        page.wait_for_function(RUN_FINISHED_JS, timeout=RUN_TIMEOUT_MS)
    except Exception as err:  # Playwright's TimeoutError: show where it stopped
        prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
        busy = [i for i, p in enumerate(prompts) if "*" in p]
        if busy:
            bring_to_top(page.locator(".jp-CodeCell").nth(busy[0]))
        shot(page, f"{stem}_timeout")
        raise AssertionError(
            f"Run All did not finish within {RUN_TIMEOUT_MS / 1000:.0f} s; prompts: {prompts}\n{lab.log_tail()}"
        ) from err
    wait_kernel_idle(lab, name)
    seconds = time.perf_counter() - started
    print(f"{stem}: all cells ran in {seconds:.1f} s in the browser")

    saved = save_notebook(page, lab, name)
    assert error_outputs(saved) == [], f"cells raised errors: {error_outputs(saved)}"
    assert not_run(saved) == [], f"cells that did not run: {not_run(saved)}"
    outputs = page.locator(".jp-OutputArea-output")
    texts = "\n".join(outputs.all_inner_texts())
    assert "Traceback" not in texts, "an output shows a traceback"
    assert page.locator(".jp-OutputArea-output img").count() > 0, "no figure rendered"
    broken = page.evaluate(
        "() => Array.from(document.querySelectorAll('.jp-OutputArea-output img')).filter(i => !i.naturalWidth).length"
    )
    assert broken == 0, f"{broken} figures did not load"

    widgets = page.locator(".jp-OutputArea-output .jupyter-widgets")
    if uses_widgets(chapter):
        assert "Error displaying widget" not in texts, "a widget failed to render"
        assert widgets.count() > 0, "no widget rendered"
        controls = page.locator(".jupyter-widgets.widget-dropdown select, .jupyter-widgets.widget-slider")
        assert controls.count() > 0, "no dropdown or slider to play with"
        bring_to_top(controls.first)
        page.wait_for_timeout(300)
        shot(page, f"{stem}_ran")
        before = images_hash(page)
        changed = [h for h in (change_dropdown(page, before),) if h]
        shot_name = f"{stem}_dropdown" if changed else None
        if shot_name:
            shot(page, shot_name)
        after_slider = change_slider(page, changed[-1] if changed else before)
        if after_slider:
            changed.append(after_slider)
            shot(page, f"{stem}_slider")
        assert changed, "no control changed a figure"
        wait_kernel_idle(lab, name)
        assert "Traceback" not in "\n".join(outputs.all_inner_texts()), "a widget callback raised"
    else:
        bring_to_top(page.locator(".jp-OutputArea-output img").first)
        shot(page, f"{stem}_ran")
    assert not console_errors, f"the page raised JavaScript errors: {console_errors}"
    tabs.close(chapter)
