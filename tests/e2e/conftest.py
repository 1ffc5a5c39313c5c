"""A live portal with the demo street, and a real Chromium driven by Playwright.

The session builds its own database (``<name>_e2e`` on PostgreSQL, a file in
``var/`` on SQLite), loads ``seed_demo`` into it and serves the portal with
gunicorn on a free port of 127.0.0.1. Each page fails the test on a JavaScript
console error or a failed request, and saves screenshots under
``var/screenshots/``.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests import clock

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "screenshots"
PASSWORD = "e2e-Demo-pass-2026"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1366, "height": 768}
#: What seed_demo printed (the demo admin's TOTP secret is in it).
SEED = {}
PHONE = {"width": 390, "height": 844}
#: The TOTP time steps already typed in this session (each works once).
_TOTP_STEPS = []


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="package", autouse=True)
def _real_clock():
    """The live portal runs on the real clock: so do the journeys (TOTP codes)."""
    clock.pause()
    yield
    clock.resume()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _e2e_env():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "e2e-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "MEDIA_ROOT": str(ROOT / "var" / "e2e-media"),
    }
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        env["DATABASE_URL"] = re.sub(r"/([^/?]+)(\?|$)", r"/\1_e2e\2", url, count=1)
    else:
        env["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'e2e.sqlite3'}"
    # Tasks run in-process unless a broker is given (then a worker is started),
    # on a Redis database of its own: the real-worker tests run beside the
    # journeys (another xdist group) with workers on the default queue, which
    # must not take the live portal's tasks, nor its worker theirs.
    broker = env.get("CELERY_BROKER_URL", "")
    match = re.fullmatch(r"(redis://[^/]+)/(\d+)", broker)
    if match:
        env["CELERY_BROKER_URL"] = f"{match[1]}/{(int(match[2]) + 1) % 16}"
    elif broker.startswith("redis://"):
        env["CELERY_BROKER_URL"] = broker.rstrip("/") + "/15"
    return env


def _create_database(env):
    url = env["DATABASE_URL"]
    if not url.startswith("postgres"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    import psycopg2

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


#: ``E2E_KEEP_SEED=1`` (PostgreSQL only, for working on browser tests): keep a
#: copy of the freshly seeded database as ``<db>_e2e_seed`` and start later
#: sessions from it (a file copy) instead of seeding again. Delete the copy
#: (``DROP DATABASE``) when the seed or the migrations change.
KEPT_SEED_OUTPUT = ROOT / "var" / "e2e-seed-output.txt"


def _kept_names(env):
    url = env["DATABASE_URL"]
    if not (os.environ.get("E2E_KEEP_SEED") and url.startswith("postgres")):
        return None
    name = url.rsplit("/", 1)[1].split("?")[0]
    return url.rsplit("/", 1)[0] + "/postgres", name, f"{name}_seed"


def _keep_seed(env):
    names = _kept_names(env)
    if names is None:
        return
    import psycopg2

    admin_url, name, kept = names
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{kept}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{kept}" TEMPLATE "{name}"')
    conn.close()
    KEPT_SEED_OUTPUT.write_text(SEED["output"])


def _copy_kept_seed(env):
    """Start from the kept seeded copy when there is one; return whether."""
    names = _kept_names(env)
    if names is None or not KEPT_SEED_OUTPUT.exists():
        return False
    import psycopg2

    admin_url, name, kept = names
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [kept])
        if cur.fetchone() is None:
            conn.close()
            return False
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}" TEMPLATE "{kept}"')
    conn.close()
    _run(["migrate", "--noinput"], env)
    SEED["output"] = KEPT_SEED_OUTPUT.read_text()
    return True


def _run(args, env, timeout=900):
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        raise RuntimeError(
            f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


@pytest.fixture(scope="session")
def live_portal():
    """Serve the portal with the demo street; yield its base URL."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: make test installs Debian's chromium")
    env = _e2e_env()
    if not _copy_kept_seed(env):
        _create_database(env)
        _run(["migrate", "--noinput"], env)
        SEED["output"] = _run(["seed_demo", "--password", PASSWORD], env)
        _keep_seed(env)
    port = _free_port()
    processes = [
        subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "3",
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=env,
        )
    ]
    if env.get("CELERY_BROKER_URL"):
        processes.append(
            subprocess.Popen(  # noqa: S603
                [
                    str(Path(sys.executable).parent / "celery"),
                    "-A",
                    "config",
                    "worker",
                    "--pool",
                    "solo",
                    "--loglevel",
                    "WARNING",
                    "-Q",
                    "celery",
                ],
                cwd=ROOT,
                env=env,
            )
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/healthz/", timeout=2)  # noqa: S310
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    yield base
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=20)


@pytest.fixture(scope="package")
def browser():
    # Package scope, not session: Playwright's sync API keeps an event loop
    # running in this thread while the browser is open, and Django refuses
    # database work (the test database set-up of a later test on the same
    # xdist worker) under a running loop.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Journey:
    """One user's path: a page that fails on console errors, and screenshots."""

    def __init__(self, browser, base, name, viewport, language):
        self.base = base
        self.name = f"{name}-{language}"
        self.language = language
        # Reduced motion: bars and charts are drawn at once, so a screenshot
        # shows the state the test has just checked.
        self.context = browser.new_context(
            viewport=viewport, locale="zh-CN", reduced_motion="reduce"
        )
        if language == "en":
            self.context.add_cookies(
                [{"name": "django_language", "value": "en", "url": base}]
            )
        self.page = self.context.new_page()
        self.errors = []
        self.page.on(
            "console",
            lambda msg: (
                msg.type == "error" and self.errors.append(f"console: {msg.text}")
            ),
        )
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        self.page.on("requestfailed", self._request_failed)
        self.page.on(
            "response",
            lambda resp: (
                resp.status >= 400
                and self.errors.append(f"HTTP {resp.status}: {resp.url}")
            ),
        )
        self.step = 0
        SHOTS.mkdir(parents=True, exist_ok=True)

    def t(self, zh, en):
        """Return the text to expect in the journey's language."""
        return en if self.language == "en" else zh

    def goto(self, path):
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")

    def shot(self, label):
        self.step += 1
        self.page.screenshot(
            path=str(SHOTS / f"{self.name}-{self.step:02d}-{label}.png"), full_page=True
        )

    def login(self, username):
        self.goto("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def totp(self):
        """The demo admin's TOTP code, from the secret the seed printed.

        A code works once (django-otp keeps the last time step used), so a
        second sign-in within the same 30 seconds types the next step's code,
        which the device accepts within its tolerance of one step.
        """
        import base64

        from django_otp.oath import totp

        secret = re.search(r"添加密钥 ([A-Z2-7]+)", SEED["output"]).group(1)
        key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        now = int(time.time()) // 30
        step = max(now, _TOTP_STEPS[-1] + 1 if _TOTP_STEPS else now)
        _TOTP_STEPS.append(step)
        return f"{totp(key, drift=step - now):06d}"

    def pass_two_factor(self):
        """On the TOTP page (street admins), type the authenticator's code."""
        if "/accounts/otp/" in self.page.url:
            self.page.fill("#id_token", self.totp())
            self.page.click("main button[type=submit]")
            self.page.wait_for_load_state("networkidle")

    def logout(self):
        self.page.click("[data-testid=logout]")
        self.page.wait_for_load_state("networkidle")

    def check_accessibility(self):
        """Check labels, alt texts and visible focus with axe-core (vendored)."""
        axe = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
        self.page.evaluate(axe)
        result = self.page.evaluate(
            """async () => {
              const r = await axe.run(document, {runOnly: {type: 'rule', values: [
                'label', 'image-alt', 'button-name', 'link-name', 'select-name',
                'input-button-name', 'html-has-lang', 'document-title']}});
              return r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
            }"""
        )
        assert result == [], f"accessibility problems on {self.page.url}: {result}"
        self.page.keyboard.press("Tab")
        self.page.keyboard.press("Tab")
        outline = self.page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return s.outlineStyle + ' ' + s.outlineWidth; }"
        )
        assert not outline.startswith("none"), f"no visible focus on {self.page.url}"

    def _request_failed(self, request):
        # An image still loading when the page moves on is cancelled by the
        # browser (ERR_ABORTED): nothing a user sees. A broken image is an
        # HTTP error, recorded below.
        if request.resource_type == "image" and "ERR_ABORTED" in (
            request.failure or ""
        ):
            return
        self.errors.append(f"request failed: {request.url} {request.failure}")

    def close(self):
        self.context.close()
        assert self.errors == [], f"{self.name}: {self.errors}"


@pytest.fixture
def journey(browser, live_portal):
    journeys = []

    def start(name, viewport=DESKTOP, language="zh"):
        j = Journey(browser, live_portal, name, viewport, language)
        journeys.append(j)
        return j

    yield start
    for j in journeys:
        j.close()
