"""Sign-in without passwords: a one-time link from chat (`webb` / `web`) or the CLI
(`gdpr-bot web link PERSON`), which becomes an 8-hour session cookie.

The flow, and what each step guards against:

1. `SignInLinks.issue` checks the person may open the pages (access.web_access), makes a
   random 256-bit link id, keeps only its SHA-256 for 10 minutes, and hands out
   `/signin/<id>.<HMAC(link key, id)>`: a link forged or copied from the database without
   the web secret is refused before any lookup.
2. `GET /signin/<token>` spends nothing: it shows who the link is for and a "Sign in"
   button. Chat clients, mail scanners and link previews fetch links by themselves; only
   the person's own click (a POST with the page's CSRF token) signs in.
3. `POST /signin` spends the link in one conditional UPDATE (a reused or expired link
   fails: 410), checks the role again, appends `web.signed_in` to the ledger, then starts
   the session: a random id whose SHA-256 is stored for 8 hours, sent as an HttpOnly,
   SameSite=Lax cookie (`Secure` and `__Host-` on an https public URL) signed with the
   session key. No entry, no session.
4. `POST /signout` ends the session in the database (the cookie is worthless after it)
   and clears the cookie. Erasing the person (gdpr-bot privacy erase) ends them all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from bot.records.web_access import WebAccessStore
from bot.web.access import Access, Identity, WebPolicy
from bot.web.http import (
    Page,
    clear_cookie,
    finish,
    message,
    open_page,
    render,
    set_cookie,
)
from bot.web.keys import LazyKeys, new_id
from bot.web.room import WebConfig, WebRoom

log = logging.getLogger(__name__)

SIGNIN_PATH = "/signin"


@dataclass(frozen=True)
class IssuedLink:
    url: str
    expires_at: datetime
    identity: Identity
    access: Access


class SignInLinks:
    """Issues sign-in links (the chat feature's and the CLI's `SignInIssuer`)."""

    def __init__(
        self,
        policy: WebPolicy,
        keys: LazyKeys,
        store: WebAccessStore,
        config: Callable[[], WebConfig],
    ) -> None:
        self._policy = policy
        self._keys = keys
        self._store = store
        self._config = config  # read at each link: where the pages are may be set late

    @classmethod
    def of(cls, room: WebRoom) -> SignInLinks:
        return cls(room.policy, room.keys, room.store, lambda: room.config)

    def allows(self, identity: Identity) -> bool:
        return self._policy.decide(identity) is not None

    def issue(self, identity: Identity, *, via: str, now: datetime) -> IssuedLink | None:
        """A link for someone who may open the pages; None for anyone else."""
        access = self._policy.decide(identity)
        if access is None:
            return None
        link_id = new_id()
        token = self._keys.get().link_token(link_id)
        expires = self._store.issue_link(
            identity.person_key, link_id, via=via, now=now, lifetime=self._config().link_lifetime
        )
        log.info(
            "web sign-in link issued",
            extra={"person_key": identity.person_key, "via": via, "role": access.role},
        )
        url = self._config().url(f"{SIGNIN_PATH}/{token}")
        return IssuedLink(url, expires, identity, access)

    async def for_chat(
        self,
        platform: str,
        user_id: str,
        now: datetime,
        *,
        display_name: str | None,
        email: str | None,
    ) -> IssuedLink | None:
        def issue() -> IssuedLink | None:
            identity = self._store.identify(
                platform, user_id, now, display_name=display_name, email=email
            )
            return self.issue(identity, via="chat", now=now) if identity else None

        return await asyncio.to_thread(issue)


# --- the pages ---------------------------------------------------------------------------


def _link_id(page: Page, token: str) -> str | None:
    return page.room.keys.get().link_id(token)


def _spent(page: Page, status: str) -> web.Response:
    if status == "used":
        return message(page, 410, "web.link_used_title", "web.link_used")
    if status == "expired":
        return message(page, 410, "web.link_expired_title", "web.link_expired")
    return message(page, 404, "web.link_unknown_title", "web.link_unknown")


async def signin_page(request: web.Request) -> web.StreamResponse:
    page = await open_page(request)
    token = request.match_info["token"]
    link_id = _link_id(page, token)
    if link_id is None:
        return _spent(page, "unknown")
    room = page.room
    check = await asyncio.to_thread(room.store.check_link, link_id, page.now)
    if check.status != "valid" or check.person_key is None:
        return _spent(page, check.status)
    identity = await asyncio.to_thread(room.store.identity, check.person_key)
    if identity is None:
        return _spent(page, "unknown")
    return render(
        page, "signin.html.j2", title=page.t("web.signin_title"), who=identity, token=token
    )


async def signin(request: web.Request) -> web.StreamResponse:
    page = await open_page(request)
    form = await request.post()
    if not await page.csrf_ok(form):
        return message(page, 403, "web.refused_title", "web.csrf_failed")
    link_id = _link_id(page, str(form.get("token", "")))
    if link_id is None:
        return _spent(page, "unknown")
    room = page.room
    spent = await asyncio.to_thread(room.store.consume_link, link_id, page.now)
    if spent.status != "valid" or spent.person_key is None:
        log.info("web sign-in refused", extra={"status": spent.status})
        return _spent(page, spent.status)
    identity = await asyncio.to_thread(room.store.identity, spent.person_key)
    access = room.policy.decide(identity) if identity is not None else None
    if identity is None or access is None:
        return message(page, 403, "web.refused_title", "web.no_role")
    return await _start_session(page, room, identity, access, spent.via)


async def _start_session(
    page: Page, room: WebRoom, identity: Identity, access: Access, via: str
) -> web.StreamResponse:
    seq = await asyncio.to_thread(
        room.views.record_sign_in, identity.person_key, via=via, role=access.role, now=page.now
    )
    session_id = new_id()
    await asyncio.to_thread(
        room.store.start_session, identity.person_key, session_id, now=page.now,
        lifetime=room.config.session_lifetime,
    )  # fmt: skip
    if page.viewer is not None:  # signing in as someone else ends the old session
        await asyncio.to_thread(room.store.end_session, page.viewer.session_id)
    log.info(
        "web signed in",
        extra={"person_key": identity.person_key, "role": access.role, "ledger_seq": seq},
    )
    response = see_other(f"{page.base}/")
    set_cookie(
        room, response, "session", room.keys.get().session_cookie(session_id),
        max_age=int(room.config.session_lifetime.total_seconds()),
    )  # fmt: skip
    finish(page, response)
    return response


async def signout(request: web.Request) -> web.StreamResponse:
    page = await open_page(request)
    form = await request.post()
    if not await page.csrf_ok(form):
        return message(page, 403, "web.refused_title", "web.csrf_failed")
    if page.viewer is not None:
        await asyncio.to_thread(page.room.store.end_session, page.viewer.session_id)
        log.info("web signed out", extra={"person_key": page.viewer.identity.person_key})
    response = see_other(f"{page.base}/?signed_out=1")
    clear_cookie(page.room, response, "session")
    finish(page, response)
    return response


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/signin/{token}", signin_page)
    app.router.add_post(SIGNIN_PATH, signin)
    app.router.add_post("/signout", signout)
