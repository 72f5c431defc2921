"""deploy/nginx: TLS in front of the bot, its public routes proxied, /metrics kept inside.

The locations are held against the routes the bot's code serves (tests/code_scan.py); where
an nginx binary is at hand (on PATH, or unpacked by .ci/fetch-tools), `nginx -t` checks the
configuration with the single-host upstream and a throwaway certificate.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.code_scan import http_routes, serves
from tests.conftest import REPO, require_or_skip
from tests.deploy.recipes import DEPLOY, nginx_locations

CONF = DEPLOY / "nginx" / "gdpr-bot.conf"
PLATFORM_ROUTES = ("/slack/events", "/api/messages")
INTERNAL_ROUTES = ("/metrics", "/healthz", "/readyz")


@pytest.fixture(scope="module")
def conf() -> str:
    return CONF.read_text("utf-8")


@pytest.fixture(scope="module")
def tls_server(conf: str) -> str:
    """The `server { listen 443 ssl; ... }` block."""
    blocks = conf.split("\nserver {")
    (block,) = (b for b in blocks if re.search(r"listen 443 ssl;", b))
    return block


def test_platform_endpoints_are_proxied_to_the_bot(tls_server: str) -> None:
    locations = nginx_locations(tls_server)
    routes = http_routes()
    for path in PLATFORM_ROUTES:
        assert path in routes, f"the bot no longer serves {path}"
        assert "proxy_pass http://gdpr_bot;" in locations[path], path


def test_everything_else_reaches_the_bots_web_pages(tls_server: str) -> None:
    locations = nginx_locations(tls_server)
    assert "proxy_pass http://gdpr_bot;" in locations["/"]
    assert serves("/reports/abc123", http_routes())  # download links go through "/"


def test_metrics_and_probes_are_not_public(tls_server: str) -> None:
    locations = nginx_locations(tls_server)
    routes = http_routes()
    for path in INTERNAL_ROUTES:
        assert path in routes
        assert path in locations, f"{path} would fall through to `location /`"
        assert "proxy_pass" not in locations[path] and "return 404" in locations[path]


def test_tls_only_with_a_redirect_from_plain_http(conf: str, tls_server: str) -> None:
    assert "ssl_certificate " in tls_server and "ssl_certificate_key " in tls_server
    assert re.search(r"ssl_protocols TLSv1\.2 TLSv1\.3;", tls_server)
    plain = next(b for b in conf.split("\nserver {") if "listen 80;" in b)
    assert "return 301 https://$host$request_uri;" in plain


def test_request_body_limit_matches_the_bot(tls_server: str) -> None:
    # The bot refuses bodies over 1 MiB; the proxy should not accept more than it passes.
    assert "client_max_body_size 1m;" in tls_server


def nginx_binary() -> str:
    for candidate in (shutil.which("nginx"), REPO / ".ci-tools/nginx/usr/sbin/nginx"):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    require_or_skip("no nginx binary here (bash .ci/fetch-tools unpacks Debian's)")
    raise AssertionError("unreachable")


def self_signed(certs: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bot.example.com")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    certs.mkdir()
    (certs / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (certs / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def test_nginx_accepts_the_configuration(tmp_path: Path, conf: str) -> None:
    nginx = nginx_binary()
    self_signed(tmp_path / "certs")
    (tmp_path / "gdpr-bot").mkdir()
    shutil.copy(DEPLOY / "nginx" / "upstream.conf", tmp_path / "gdpr-bot" / "upstream.conf")
    (tmp_path / "server.conf").write_text(conf.replace("/etc/nginx/", f"{tmp_path}/"))
    temp = " ".join(
        f"{kind}_temp_path {tmp_path}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n{temp}\naccess_log off;\ninclude {tmp_path}/server.conf;\n}}\n"
    )
    main = tmp_path / "nginx.conf"
    done = subprocess.run(
        [nginx, "-t", "-q", "-p", str(tmp_path), "-c", str(main), "-e", "stderr"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
