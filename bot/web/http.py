"""What every page shares: security headers, language, who is signed in, CSRF, rendering.

- **Headers** (`security_headers`, on every response of the server): a CSP without inline
  scripts or styles (`default-src 'none'`, own scripts, styles and images only,
  `frame-ancestors 'none'`, `form-action 'self'`), `X-Frame-Options: DENY`,
  `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` (a sign-in link never
  leaks through a Referer), `Cache-Control: no-store` on pages, and `Server-Timing` with
  the time the server spent (bench/web.py reads it).
- **The database away** (`unavailable`): a 503 page saying to try again, with
  `Retry-After` and the same headers, and one log line; not a bare 500 and a traceback.
- **Language**: `?lang=sv|en` (remembered in a cookie), else the cookie, else the
  browser's Accept-Language, else `GDPRBOT_DEFAULT_LANGUAGE`. Strings come from the one
  translation function (`t`, bot/chat/i18n.py), keys `web.*` (bot/web/strings.py).
- **Who**: the session cookie is checked against the web secret, then looked up (an
  ended or expired session, or an erased person, is nobody); `access.web_access` decides
  what they may see, at every request.
- **CSRF**: every form carries a token: HMAC(csrf key, the browser's random CSRF cookie +
  the session id). A POST without the matching token, or from another origin, is refused.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from bot.chat.i18n import t
from bot.web import strings  # noqa: F401  (registers the web.* strings)
from bot.web.access import Access, Identity
from bot.web.keys import new_id
from bot.web.room import WebRoom
from routines.service import DATABASE_UNAVAILABLE

if TYPE_CHECKING:
    from jinja2 import Environment

log = logging.getLogger(__name__)

ROOM: Final = web.AppKey("web_room", WebRoom)
TEMPLATES: Final = Path(__file__).with_name("templates")
STATIC: Final = Path(__file__).with_name("static")
LANGS: Final = ("sv", "en")
LANG_COOKIE: Final = "gdprbot_lang"
CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
RETRY_AFTER_SECONDS: Final = 30  # a database that is away: a replica reconnects by itself


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        _harden(response, started)
        raise
    except DATABASE_UNAVAILABLE as exc:  # expected while it is away: no traceback, no 500
        log.warning("database unavailable; answered 503", extra={"error": type(exc).__name__})
        response = unavailable(request)
    _harden(response, started)
    return response


def unavailable(request: web.Request) -> web.Response:
    """503 and when to try again; a page in the reader's language where the pages are on.
    Built without the database (no session lookup: nobody is shown as signed in)."""
    room = request.app.get(ROOM)
    if room is None:
        response = web.Response(status=503, text="database unavailable; try again in a moment")
    else:
        lang, _ = choose_lang(request, room.config.default_lang)
        page = Page(request, room, lang, False, None, "", False, room.clock())
        response = message(page, 503, "web.unavailable_title", "web.unavailable")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _harden(response: web.StreamResponse, started: float) -> None:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if (response.content_type or "").startswith("text/html"):
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("Cache-Control", "no-store")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1000:.1f}")


def attachment(content: bytes, filename: str, mime_type: str) -> web.Response:
    """A file to save, not to show: never cached, never sniffed."""
    mime, _, params = mime_type.partition(";")
    return web.Response(
        body=content,
        content_type=mime.strip(),
        charset="utf-8" if "charset" in params else None,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


# --- cookies --------------------------------------------------------------------------


def cookie_name(room: WebRoom, name: str) -> str:
    """`__Host-` names (no other host or path can set them) where the browser allows it."""
    secure_root = room.config.secure and not room.config.base_path
    return f"__Host-gdprbot_{name}" if secure_root else f"gdprbot_{name}"


def set_cookie(
    room: WebRoom,
    response: web.StreamResponse,
    name: str,
    value: str,
    *,
    max_age: int | None = None,
    samesite: str = "Lax",
    httponly: bool = True,
) -> None:
    response.set_cookie(
        cookie_name(room, name) if name != "lang" else LANG_COOKIE,
        value,
        max_age=max_age,
        path=room.config.base_path or "/",
        secure=room.config.secure,
        httponly=httponly,
        samesite=samesite,
    )


def clear_cookie(room: WebRoom, response: web.StreamResponse, name: str) -> None:
    response.del_cookie(
        cookie_name(room, name),
        path=room.config.base_path or "/",
        secure=room.config.secure,
        httponly=True,
        samesite="Lax",
    )


# --- language -------------------------------------------------------------------------


def accept_language(header: str) -> str | None:
    """The first of sv/en the browser prefers most (by q, then by order), if any."""
    best: tuple[float, int, str] | None = None
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGS:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and (best is None or (-quality, index) < (-best[0], best[1])):
            best = (quality, index, primary)
    return best[2] if best else None


def choose_lang(request: web.Request, default: str) -> tuple[str, bool]:
    """(language, whether to remember it in the cookie)."""
    asked = request.query.get("lang", "")
    if asked in LANGS:
        return asked, True
    remembered = request.cookies.get(LANG_COOKIE, "")
    if remembered in LANGS:
        return remembered, False
    return accept_language(request.headers.get("Accept-Language", "")) or default, False


# --- the page context -------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    identity: Identity
    access: Access
    session_id: str

    @property
    def name(self) -> str:
        return self.identity.name


@dataclass
class Page:
    """One request to a page: the room, the language, who is asking, their CSRF token."""

    request: web.Request
    room: WebRoom
    lang: str
    remember_lang: bool
    viewer: Viewer | None
    csrf_seed: str
    new_csrf_seed: bool
    now: datetime

    def t(self, key: str, **values: Any) -> str:
        try:
            return t(key, self.lang, **values)
        except KeyError:  # e.g. a ledger event kind newer than these strings: its own name
            return key.split(".", 2)[-1]

    @property
    def base(self) -> str:
        return self.room.config.base_path

    @property
    def access(self) -> Access:
        assert self.viewer is not None
        return self.viewer.access

    def csrf(self) -> str:
        session_id = self.viewer.session_id if self.viewer else ""
        return self.room.keys.get().csrf_token(self.csrf_seed, session_id)

    def url(self, path: str, **query: Any) -> str:
        params = {k: v for k, v in query.items() if v not in (None, "")}
        return f"{self.base}{path}" + (f"?{urlencode(params)}" if params else "")

    def lang_url(self, lang: str) -> str:
        query = dict(self.request.query)
        query["lang"] = lang
        return f"{self.base}{self.request.path}?{urlencode(query)}"

    async def csrf_ok(self, form: Any) -> bool:
        """The form's token matches this browser and session, and it came from here."""
        origin = self.request.headers.get("Origin")
        if origin and origin != "null" and urlsplit(origin).netloc != self.request.host:
            return False
        session_id = self.viewer.session_id if self.viewer else ""
        token = str(form.get("csrf", ""))
        return self.room.keys.get().csrf_ok(token, self.csrf_seed, session_id)


async def open_page(request: web.Request) -> Page:
    room = request.app[ROOM]
    lang, remember = choose_lang(request, room.config.default_lang)
    seed = request.cookies.get(cookie_name(room, "csrf"), "")
    new_seed = len(seed) < 40
    if new_seed:
        seed = new_id()
    now = room.clock()
    viewer = await _viewer(request, room, now)
    return Page(request, room, lang, remember, viewer, seed, new_seed, now)


async def _viewer(request: web.Request, room: WebRoom, now: datetime) -> Viewer | None:
    cookie = request.cookies.get(cookie_name(room, "session"), "")
    if not cookie:
        return None
    session_id = room.keys.get().session_id(cookie)
    if session_id is None:
        return None
    identity = await asyncio.to_thread(room.store.signed_in, session_id, now)
    if identity is None:
        return None
    access = room.policy.decide(identity)
    return Viewer(identity, access, session_id) if access is not None else None


# --- rendering ----------------------------------------------------------------------------


@cache
def _environment() -> Environment:
    """Built at the first page (jinja2's import is ~0.05 s of every start otherwise, and
    the pages are off unless GDPRBOT_WEB is set)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: "–" if v is None else f"{v:.0%}".replace("%", " %")
    env.filters["short"] = lambda h: f"{h[:12]}…" if h and len(h) > 12 else h
    return env


def render(page: Page, template: str, *, status: int = 200, **values: Any) -> web.Response:
    html = (
        _environment()
        .get_template(template)
        .render(page=page, _=page.t, lang=page.lang, base=page.base, viewer=page.viewer, **values)
    )
    response = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
    finish(page, response)
    return response


def finish(page: Page, response: web.StreamResponse) -> None:
    """The cookies a page response carries: the CSRF seed, the chosen language."""
    if page.new_csrf_seed:
        set_cookie(page.room, response, "csrf", page.csrf_seed, samesite="Strict")
    if page.remember_lang:
        set_cookie(page.room, response, "lang", page.lang, max_age=365 * 86400, httponly=False)


def message(page: Page, status: int, title_key: str, body_key: str, **values: Any) -> web.Response:
    """A plain page that says what happened and what to do (sign in, refused, not found)."""
    return render(
        page, "message.html.j2", status=status, title=page.t(title_key),
        body=page.t(body_key, **values),
    )  # fmt: skip


PageHandler = Callable[[Page], Awaitable[web.StreamResponse]]


def signed_in(page_name: str) -> Callable[[PageHandler], Handler]:
    """A page for signed-in officers and leads; `page_name` is what access.may_open checks."""

    def wrap(handler: PageHandler) -> Handler:
        async def serve(request: web.Request) -> web.StreamResponse:
            page = await open_page(request)
            if page.viewer is None:
                return message(page, 401, "web.signin_title", "web.signin_needed")
            if not page.access.may_open(page_name):
                log.info(
                    "web page refused",
                    extra={"page": page_name, "person_key": page.viewer.identity.person_key},
                )
                return refused(page)
            return await handler(page)

        return serve

    return wrap


def refused(page: Page) -> web.Response:
    return message(page, 403, "web.refused_title", "web.refused")


def not_found(page: Page) -> web.Response:
    return message(page, 404, "web.not_found_title", "web.not_found")
