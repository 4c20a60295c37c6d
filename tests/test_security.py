"""Sign-in and transport: login throttling, security headers, CSRF, cookies, deploy checks,
and the health endpoint."""

import datetime as dt
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import OperationalError, connections
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from consultations.models import Meeting, MeetingFormat
from wuhgong.security import client_ip_address

pytestmark = pytest.mark.django_db

PROJECT_DIR = Path(__file__).resolve().parents[1]
PASSWORD = "wuhgong-test"  # tests/factories.py


@pytest.fixture(autouse=True)
def _english(settings):
    # Assertions read the English source text; one test checks the Chinese page itself.
    settings.LANGUAGE_CODE = "en"


def sign_in(client, username, password, url=None, **extra):
    return client.post(
        url or reverse("login"), {"username": username, "password": password}, **extra
    )


def is_signed_in(client):
    return "_auth_user_id" in client.session


def fail_until_locked(client, username, url=None, **extra):
    """Wrong passwords until the lockout page answers; returns how many it took."""
    for attempt in range(1, 21):
        response = sign_in(client, username, "wrong-password", url, **extra)
        if response.status_code == 429:
            return attempt, response
        assert response.status_code == 200
    raise AssertionError("never locked out")


def run_in_production(code, **env):
    """Run Python with the project's settings as production sets them: DEBUG off, a real key."""
    production_env = {
        name: value
        for name, value in os.environ.items()
        # Whatever the developer's shell says about these, production defaults are tested.
        if not name.startswith(("SECURE_", "SESSION_", "CSRF_", "AXES_", "DJANGO_"))
        and name
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "TRUST_X_FORWARDED_PROTO",
            "CACHE_URL",
            # The tests run with the developer tools (make test); production does not.
            "DEVTOOLS",
        }
    }
    production_env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "wuhgong.example",
            "DJANGO_SETTINGS_MODULE": "wuhgong.settings",
            **env,
        }
    )
    return subprocess.run(  # noqa: S603 - our own interpreter on our own code
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env=production_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION_SETTING_NAMES = (
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_AGE",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "AXES_FAILURE_LIMIT",
)


@pytest.fixture(scope="module")
def production_settings():
    names = json.dumps(PRODUCTION_SETTING_NAMES)
    result = run_in_production(
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names}}}))"
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- Login throttling ----------------------------------------------------------------------


def test_sign_in_is_paused_after_five_wrong_passwords_and_refuses_the_right_one(
    client, village_committee
):
    attempts, response = fail_until_locked(client, "village")
    assert attempts == 5
    assert response.status_code == 429
    assert "registration/lockout.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert "The password was wrong 5 times in a row" in body
    assert "Try again in 15 minutes" in body

    response = sign_in(client, "village", PASSWORD)
    assert response.status_code == 429
    assert not is_signed_in(client)


def test_four_wrong_passwords_then_the_right_one_signs_in_and_clears_the_count(
    client, village_committee
):
    for _ in range(4):
        assert sign_in(client, "village", "wrong-password").status_code == 200
    response = sign_in(client, "village", PASSWORD)
    assert response.status_code == 302
    assert is_signed_in(client)
    client.logout()
    # The success reset the count: four more failures do not lock the account.
    for _ in range(4):
        assert sign_in(client, "village", "wrong-password").status_code == 200
    assert sign_in(client, "village", PASSWORD).status_code == 302


def test_lockout_page_is_in_chinese_by_default(client, settings, village_committee):
    settings.LANGUAGE_CODE = "zh-hans"
    _, response = fail_until_locked(client, "village")
    body = response.content.decode()
    assert "登录已暂停" in body
    assert "The password was wrong" not in body


def test_lockout_is_per_username_and_address_so_a_shared_office_address_still_works(
    client, village_committee, town_staff
):
    fail_until_locked(client, "village")
    # A colleague behind the same office address signs in as usual...
    assert sign_in(Client(), "town", PASSWORD).status_code == 302
    # ...and so does the same user from another computer.
    other_computer = Client(REMOTE_ADDR="10.20.30.40")
    assert sign_in(other_computer, "village", PASSWORD).status_code == 302


def test_sign_in_works_again_after_the_cool_off(client, village_committee):
    from axes.models import AccessAttempt

    fail_until_locked(client, "village")
    assert sign_in(client, "village", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert sign_in(client, "village", PASSWORD).status_code == 302


def test_admin_sign_in_is_throttled_too(client, admin_user):
    url = reverse("admin:login")
    attempts, _ = fail_until_locked(client, "admin", url)
    assert attempts == 5
    assert sign_in(client, "admin", PASSWORD, url).status_code == 429
    assert not is_signed_in(client)


def test_behind_a_proxy_the_configured_header_names_the_client(settings, village_committee):
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    nginx = {"REMOTE_ADDR": "127.0.0.1"}
    fail_until_locked(Client(), "village", HTTP_X_REAL_IP="203.0.113.7", **nginx)
    assert sign_in(Client(), "village", PASSWORD, HTTP_X_REAL_IP="203.0.113.7").status_code == 429
    # Every client comes through nginx's address; another client is not locked out.
    assert sign_in(Client(), "village", PASSWORD, HTTP_X_REAL_IP="198.51.100.2").status_code == 302


def test_client_address_ignores_proxy_headers_unless_configured(rf, settings):
    request = rf.get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_REAL_IP="203.0.113.7")
    settings.CLIENT_IP_HEADER = ""
    assert client_ip_address(request) == "192.0.2.1"
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    assert client_ip_address(request) == "203.0.113.7"
    assert client_ip_address(rf.get("/", REMOTE_ADDR="192.0.2.1")) == "192.0.2.1"


@pytest.mark.parametrize("password", ["12345678", "password", "village", "a1b2c3"])
def test_weak_passwords_are_refused(password, village_committee):
    with pytest.raises(ValidationError):
        validate_password(password, user=village_committee)


# --- Headers, CSRF, cookies ----------------------------------------------------------------


def test_staff_pages_send_a_strict_content_security_policy_and_frame_protection(
    client, village_committee
):
    client.force_login(village_committee)
    response = client.get(reverse("meeting_list"))
    assert response.status_code == 200
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
    )
    assert policy == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
        "base-uri": "'self'",
        "object-src": "'none'",
    }
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_lockout_page_carries_the_same_headers(client, village_committee):
    _, response = fail_until_locked(client, "village")
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_templates_have_no_inline_script_or_style():
    offenders = []
    pattern = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=", re.I)
    for template in (PROJECT_DIR / "templates").rglob("*.html"):
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{template.relative_to(PROJECT_DIR)}:{number}: {line.strip()}")
    assert offenders == []


def meeting_post(village):
    return {
        "format": MeetingFormat.COURTYARD,
        "title": "孙家湾屋场会",
        "area": village.pk,
        "place": "孙家湾文化广场",
        "starts_at": "2024-10-31 19:30",
        "attendance_total": "0",
        **{
            f"attendance_{category}": "0"
            for category in (
                "party_member",
                "non_party_intellectual",
                "new_social_class",
                "democratic_party",
                "non_partisan",
                "village_worthy",
                "villager",
            )
        },
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "20",
    }


def test_staff_form_post_without_csrf_token_is_refused_and_saves_nothing(county_staff, village):
    client = Client(enforce_csrf_checks=True)
    client.force_login(county_staff)
    response = client.post(reverse("meeting_create"), meeting_post(village))
    assert response.status_code == 403
    assert not Meeting.objects.exists()

    # The same post with the form's token goes through: the refusal was the missing token.
    form_page = client.get(reverse("meeting_create"))
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.content.decode()
    ).group(1)
    data = {**meeting_post(village), "csrfmiddlewaretoken": token}
    response = client.post(reverse("meeting_create"), data)
    assert response.status_code == 302
    assert Meeting.objects.count() == 1


def test_production_settings_are_the_hardened_ones(production_settings):
    assert production_settings == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_AGE": 8 * 60 * 60,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 365 * 24 * 60 * 60,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "AXES_FAILURE_LIMIT": 5,
    }


def test_session_cookie_under_production_settings_is_secure_httponly_and_ends_with_browser(
    production_settings, village_committee
):
    with override_settings(**production_settings):
        client = Client()
        response = sign_in(client, "village", PASSWORD, secure=True)
        assert response.status_code == 302
        cookie = response.cookies["sessionid"]
        assert cookie["secure"] is True
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
        # No expiry on the cookie: it goes when the browser closes...
        assert not cookie["max-age"] and not cookie["expires"]
        # ...and the server forgets the session after a working day regardless.
        assert client.session.get_expiry_age() == 8 * 60 * 60
        csrf_cookie = client.get(reverse("login"), secure=True).cookies["csrftoken"]
        assert csrf_cookie["secure"] is True and csrf_cookie["httponly"] is True


def test_production_redirects_plain_http_and_sends_hsts_over_https(
    production_settings, village_committee
):
    with override_settings(**production_settings):
        client = Client()
        response = client.get(reverse("login"))
        assert response.status_code == 301
        assert response["Location"] == "https://testserver/accounts/login/"
        response = client.get(reverse("login"), secure=True)
        assert response.status_code == 200
        assert response["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )


def test_behind_tls_proxy_forwarded_https_is_not_redirected(production_settings, db):
    with override_settings(
        **production_settings, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
    ):
        response = Client().get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
        assert response.status_code == 200


def test_forwarded_proto_header_is_trusted_only_when_configured():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(getattr(settings, 'SECURE_PROXY_SSL_HEADER', None))"
    )
    assert run_in_production(code).stdout.strip() == "None"
    trusted = run_in_production(code, TRUST_X_FORWARDED_PROTO="1").stdout.strip()
    assert trusted == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_check_deploy_is_clean_with_production_settings():
    result = run_in_production(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        CACHE_URL="redis://127.0.0.1:6379/1",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output


def test_check_deploy_warns_about_a_cache_local_to_each_process():
    result = run_in_production(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SESSION_ENGINE); "
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy'])",
        CACHE_URL="locmemcache://",
    )
    output = result.stdout + result.stderr
    assert "wuhgong.W001" in output
    # Sessions stay in the database alone: signing out must reach every process.
    assert "django.contrib.sessions.backends.db\n" in result.stdout


def test_sessions_are_read_from_a_shared_cache():
    result = run_in_production(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SESSION_ENGINE)",
        CACHE_URL="redis://127.0.0.1:6379/1",
    )
    assert result.stdout.strip() == "django.contrib.sessions.backends.cached_db"


def test_check_deploy_warns_about_a_weak_secret_key():
    # The clean result above is not for want of checking: a short key is reported.
    result = run_in_production(
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy'])",
        SECRET_KEY="short",
    )
    assert "security.W009" in result.stdout + result.stderr


# --- Developer tools -----------------------------------------------------------------------


def test_production_carries_none_of_the_developer_tools():
    # Without DEVTOOLS=1 no demo or bench command is there, and no bench route even with
    # BENCH=1; loading the settings, the apps and every URLconf imports nothing of devtools.
    code = "\n".join(
        [
            "import json, sys, django",
            "django.setup()",
            "from django.conf import settings",
            "from django.core.management import get_commands",
            "from django.urls import NoReverseMatch, reverse",
            "reverse('dashboard')",
            "try:",
            "    reverse('bench_bare')",
            "    routed = True",
            "except NoReverseMatch:",
            "    routed = False",
            "print(json.dumps({",
            "    'installed': 'devtools' in settings.INSTALLED_APPS,",
            "    'commands': sorted({'seed_demo', 'seed_scale', 'bench'} & set(get_commands())),",
            "    'routed': routed,",
            "    'imported': sorted(m for m in sys.modules if m.split('.')[0] == 'devtools'),",
            "}))",
        ]
    )
    result = run_in_production(code, BENCH="1")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "installed": False,
        "commands": [],
        "routed": False,
        "imported": [],
    }


# --- Health endpoint -----------------------------------------------------------------------


def test_healthz_answers_ok_without_sign_in_and_is_never_cached(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_healthz_is_not_redirected_to_https_for_load_balancers(production_settings, db):
    with override_settings(**production_settings):
        assert Client().get("/healthz").status_code == 200
        assert Client().head("/healthz").status_code == 200


def test_healthz_answers_503_when_the_database_is_unreachable(client):
    refused = OperationalError("connection to server at 10.0.0.5 failed: Connection refused")
    with mock.patch.object(connections["default"], "cursor", side_effect=refused):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
    # The driver's message, which names the server, stays in the log.
    assert "10.0.0.5" not in response.content.decode()


def test_healthz_accepts_only_reads(client):
    assert client.post("/healthz").status_code == 405


def test_postgresql_connections_run_without_jit_or_parallel_workers_unless_asked():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default'].get('OPTIONS', {}).get('options', ''))"
    )
    url = "postgres://postgres@127.0.0.1:5432/wuhgong"
    plain = "-c jit=off -c max_parallel_workers_per_gather=0"
    assert run_in_production(code, DATABASE_URL=url).stdout.strip() == plain
    asked = run_in_production(code, DATABASE_URL=url, PG_JIT="1", PG_PARALLEL="1")
    assert asked.stdout.strip() == ""
