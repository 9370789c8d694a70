"""Real-browser test harness: JupyterLab 4 on 127.0.0.1 driven by Debian's Chromium.

Fixtures
- ``lab``: a session-scoped JupyterLab server with a fresh temporary root dir.
- ``browser``: a session-scoped headless Chromium (``/usr/bin/chromium``; never downloaded).
- ``notebook``: a factory ``notebook(cells, name=None, path=None) -> Notebook`` that writes a
  notebook (or copies ``path``), opens it in JupyterLab in a new page, and offers ``run_all()``,
  ``start_all()``, ``wait_idle()``, ``kernel(code)`` and ``screenshot(name)``.
- ``notebook7``: the same factory, opening the notebook in Jupyter Notebook 7.
- ``notebook_dark``: the same factory, in JupyterLab with the "JupyterLab Dark" theme.
- ``notebook7_dark``: the same factory, in Notebook 7 with the "JupyterLab Dark" theme.
- ``voila``: ``voila(cells) -> page`` renders a notebook in Voila (progressive rendering).
- ``marimo_app``: ``marimo_app(source) -> page`` runs a marimo app (``marimo run``).

Every server starts lazily (only when a test asks for it) and once per session.

Screenshots go to ``artifacts/screenshots`` (or ``$KW_SCREENSHOTS``).
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import nbformat
import pytest

CHROMIUM = os.environ.get("KW_CHROMIUM", "/usr/bin/chromium")
ROOT = pathlib.Path(__file__).resolve().parents[2]
SCREENSHOTS = pathlib.Path(os.environ.get("KW_SCREENSHOTS", ROOT / "artifacts" / "screenshots"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited early with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"Jupyter did not listen on port {port} within {timeout}s")


@contextlib.contextmanager
def _serve(app: str, theme: str | None = None):
    """Run ``jupyter <app>`` (lab or notebook) on 127.0.0.1 with a throw-away root dir."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    root = pathlib.Path(tempfile.mkdtemp(prefix=f"kw-{app}-"))
    (root / "notebooks").mkdir()
    port = _free_port()
    log = open(root / "server.log", "w")  # noqa: SIM115 - closed at teardown
    env = dict(os.environ)
    env.setdefault("KERAS_BACKEND", "tensorflow")
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    # No "news" and update toasts: they cover widgets in screenshots and try to reach the network.
    notification = root / "settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    if theme:
        (notification / "themes.jupyterlab-settings").write_text(json.dumps({"theme": theme}))
    cls = "LabApp" if app == "lab" else "JupyterNotebookApp"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            app,
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            "--allow-root",
            f"--ServerApp.root_dir={root / 'notebooks'}",
            f"--{cls}.workspaces_dir={root / 'workspaces'}",
            f"--{cls}.user_settings_dir={root / 'settings'}",
            # Notebook 7 reads settings through JupyterLab's server extension (/lab/api/settings):
            # without these its theme and notification settings would be the machine's.
            *(
                [
                    f"--LabApp.workspaces_dir={root / 'workspaces'}",
                    f"--LabApp.user_settings_dir={root / 'settings'}",
                ]
                if app != "lab"
                else []
            ),
            # Expose window.jupyterapp so tests can run commands instead of pressing keys.
            f"--{cls}.expose_app_in_browser=True",
            *(
                [
                    "--LabApp.news_url=",
                    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                ]
                if app == "lab"
                else []
            ),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=root,
    )
    try:
        _wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}", root / "notebooks"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def lab():
    """JupyterLab 4 on 127.0.0.1 with a throw-away root dir; yields (url, root)."""
    with _serve("lab") as server:
        yield server


@pytest.fixture(scope="session")
def lab_dark():
    """JupyterLab 4 with the "JupyterLab Dark" theme (a user setting in a throw-away dir)."""
    with _serve("lab", theme="JupyterLab Dark") as server:
        yield server


@contextlib.contextmanager
def _process(args: list[str], port: int, cwd: pathlib.Path, timeout: float = 90):
    """Run a server process until the block ends; its output goes to ``cwd/server.log``."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.setdefault("KERAS_BACKEND", "tensorflow")
    with open(cwd / "server.log", "w") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        try:
            _wait_for_port(port, proc, timeout)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def voila_server():
    """Voila on 127.0.0.1 serving a throw-away folder, progressive rendering on."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="kw-voila-"))
    port = _free_port()
    args = [sys.executable, "-m", "voila", str(root), "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", "--progressive_rendering=True", "--show_tracebacks=True"]  # fmt: skip
    with _process(args, port, root) as url:
        yield url, root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def voila(voila_server, browser):
    """Factory: ``voila(cells, name=None) -> page`` renders a notebook of ``cells`` in Voila.

    Returns as soon as the page starts loading (cells run and show one after another)."""
    url, root = voila_server
    pages = []

    def render(cells: list[str], name: str | None = None, width=1200, height=900):
        name = name or f"voila_{uuid.uuid4().hex[:8]}"
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        (root / f"{name}.ipynb").write_text(json.dumps(nb))
        page = browser.new_page(viewport={"width": width, "height": height})
        pages.append(page)
        page.goto(f"{url}/voila/render/{name}.ipynb", wait_until="commit")
        return page

    yield render
    for p in pages:
        p.close()


@pytest.fixture(scope="session")
def _marimo_apps():
    """Started marimo servers (one per app source), stopped at the end of the session."""
    stack = contextlib.ExitStack()
    servers: dict[str, str] = {}
    yield stack, servers
    stack.close()


@pytest.fixture
def marimo_app(_marimo_apps, browser):
    """Factory: ``marimo_app(source) -> page`` runs the app ``source`` with ``marimo run``."""
    stack, servers = _marimo_apps
    pages = []

    def run(source: str, width=1200, height=900):
        if source not in servers:
            root = pathlib.Path(tempfile.mkdtemp(prefix="kw-marimo-"))
            stack.callback(shutil.rmtree, root, ignore_errors=True)
            (root / "app.py").write_text(source)
            port = _free_port()
            args = [sys.executable, "-m", "marimo", "run", str(root / "app.py"), "--headless",
                    f"--port={port}", "--host=127.0.0.1", "--no-token"]  # fmt: skip
            servers[source] = stack.enter_context(_process(args, port, root))
        page = browser.new_page(viewport={"width": width, "height": height})
        pages.append(page)
        page.goto(servers[source], wait_until="domcontentloaded")
        return page

    yield run
    for p in pages:
        p.close()


@pytest.fixture(scope="session")
def notebook7_server():
    """Jupyter Notebook 7 on 127.0.0.1 with a throw-away root dir; yields (url, root)."""
    with _serve("notebook") as server:
        yield server


@pytest.fixture(scope="session")
def notebook7_dark_server():
    """Jupyter Notebook 7 with the "JupyterLab Dark" theme (a user setting)."""
    with _serve("notebook", theme="JupyterLab Dark") as server:
        yield server


@pytest.fixture(scope="session")
def screenshots() -> pathlib.Path:
    """The folder CI keeps screenshots in."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Notebook:
    """One notebook open in its own Chromium page."""

    def __init__(self, page, name: str):
        self.page = page
        self.name = name
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def run_all(self, timeout: float = 120) -> None:
        """Run every cell and wait until the kernel is idle again."""
        self.page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        self.wait_idle(timeout)

    def start_all(self) -> None:
        """Start running every cell and return at once (to click while a cell is busy).

        ``run_all`` cannot be used for that: ``commands.execute`` resolves only when every
        cell has finished, and Playwright's ``evaluate`` waits for that promise.
        """
        self.page.evaluate(
            "() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
        )

    def wait_idle(self, timeout: float = 120) -> None:
        # Give the run a moment to start, then wait until no cell shows [*] any more.
        self.page.wait_for_timeout(300)
        self.page.wait_for_function(
            """() => {
                const w = window.jupyterapp.shell.currentWidget;
                const k = w && w.sessionContext && w.sessionContext.session
                    && w.sessionContext.session.kernel;
                const busy = [...document.querySelectorAll('.jp-InputPrompt')]
                    .some(e => e.textContent.includes('*'));
                return k && k.status === 'idle' && !busy;
            }""",
            timeout=timeout * 1000,
        )

    def kernel(self, code: str, timeout: float = 60) -> str:
        """Run ``code`` in this notebook's kernel (not as a cell) and return its stdout."""
        return self.page.evaluate(
            """async ([code, timeout]) => {
                const w = window.jupyterapp.shell.currentWidget;
                const kernel = w.sessionContext.session.kernel;
                let out = '';
                const future = kernel.requestExecute({ code, store_history: false });
                future.onIOPub = (msg) => {
                    const t = msg.header.msg_type;
                    if (t === 'stream') out += msg.content.text;
                    if (t === 'error') out += 'ERROR ' + msg.content.ename + ': ' + msg.content.evalue;
                };
                await Promise.race([
                    future.done,
                    new Promise((_, rej) => setTimeout(() => rej(new Error('kernel timeout')), timeout * 1000)),
                ]);
                return out;
            }""",
            [code, timeout],
        )

    def screenshot(self, name: str, locator=None) -> pathlib.Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        (locator or self.page).screenshot(path=str(path))
        return path


def _opener(server, browser, tree: str):
    url, root = server
    pages = []

    def open_notebook(
        cells: list[str] | None = None,
        name: str | None = None,
        width=1400,
        height=1000,
        path: pathlib.Path | None = None,
    ):
        """Open a notebook made of ``cells``, or a copy of the notebook file ``path``."""
        name = name or (path.stem if path else f"test_{uuid.uuid4().hex[:8]}")
        if path is not None:
            shutil.copy(path, root / f"{name}.ipynb")
        else:
            nb = nbformat.v4.new_notebook()
            nb.cells = [nbformat.v4.new_code_cell(src) for src in cells or []]
            nb.metadata["kernelspec"] = {
                "name": "python3",
                "display_name": "Python 3",
                "language": "python",
            }
            (root / f"{name}.ipynb").write_text(json.dumps(nb))
        page = browser.new_page(viewport={"width": width, "height": height})
        pages.append(page)
        page.goto(f"{url}/{tree}/{name}.ipynb?reset", wait_until="domcontentloaded")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        page.wait_for_function(
            """() => {
                const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                const k = w && w.sessionContext && w.sessionContext.session
                    && w.sessionContext.session.kernel;
                return k && k.status === 'idle';
            }""",
            timeout=60_000,
        )
        return Notebook(page, name)

    return open_notebook, pages


@pytest.fixture
def notebook(lab, browser):
    """Factory: ``notebook([cell sources], name=None) -> Notebook`` opened in JupyterLab."""
    open_notebook, pages = _opener(lab, browser, "lab/tree")
    yield open_notebook
    for p in pages:
        p.close()


@pytest.fixture
def notebook_dark(lab_dark, browser):
    """Like ``notebook``, in JupyterLab with the "JupyterLab Dark" theme."""
    open_notebook, pages = _opener(lab_dark, browser, "lab/tree")
    yield open_notebook
    for p in pages:
        p.close()


@pytest.fixture
def notebook7(notebook7_server, browser):
    """Like ``notebook``, but opened in Jupyter Notebook 7."""
    open_notebook, pages = _opener(notebook7_server, browser, "notebooks")
    yield open_notebook
    for p in pages:
        p.close()


@pytest.fixture
def notebook7_dark(notebook7_dark_server, browser):
    """Like ``notebook7``, with the "JupyterLab Dark" theme."""
    open_notebook, pages = _opener(notebook7_dark_server, browser, "notebooks")
    yield open_notebook
    for p in pages:
        p.close()
