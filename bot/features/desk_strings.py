"""The rights-request desk's words and texts, in Swedish and English (keys `desk.*`)."""

from __future__ import annotations

from typing import Final

from bot.chat.i18n import add_strings

# What an agent may type for each request type (lower case, diacritics as typed).
KIND_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "access": ("registerutdrag", "utdrag", "tillgång", "access", "insyn"),
    "erasure": ("radering", "radera", "raderas", "erasure", "delete", "deletion", "erase"),
    "rectification": ("rättelse", "rätta", "rattelse", "rectification", "correct", "rectify"),
    "restriction": ("begränsning", "begränsa", "begransning", "restriction", "restrict"),
    "objection": ("invändning", "invända", "invandning", "objection", "object"),
    "portability": ("dataportabilitet", "portabilitet", "portability", "dataportability"),
    "consent-withdrawal": (
        "samtycke", "återkallelse", "återkalla", "consent", "withdrawal", "consent-withdrawal",
    ),
    "other": ("annat", "övrigt", "other"),
}  # fmt: skip
# The types offered as buttons when none was typed (a choice holds at most five).
COMMON_KINDS: Final = ("access", "erasure", "rectification", "objection", "other")

add_strings(
    {
        "sv": {
            "desk.kind.access": "registerutdrag (art. 15)",
            "desk.kind.erasure": "radering (art. 17)",
            "desk.kind.rectification": "rättelse (art. 16)",
            "desk.kind.restriction": "begränsning (art. 18)",
            "desk.kind.objection": "invändning (art. 21)",
            "desk.kind.portability": "dataportabilitet (art. 20)",
            "desk.kind.consent-withdrawal": "återkallat samtycke (art. 7.3)",
            "desk.kind.other": "annan begäran",
            "desk.via.email": "e-post",
            "desk.via.portal": "webbformulär",
            "desk.via.phone": "telefon",
            "desk.via.other": "annat sätt",
            "desk.no_clients": "Det finns ingen kundkatalog i den här installationen "
            "(GDPRBOT_CLIENTS), så jag vet inte vart begäran ska. Be administratören.",
            "desk.which_client": "Vilken kund gäller begäran?",
            "desk.which_kind": "Vad begär den som ringer? Välj nedan, eller skriv "
            "`begäran <kund> <typ>` med någon av: {kinds}.",
            "desk.registered": "✅ Begäran *{code}* är registrerad: {kind} för {client}, "
            "mottagen {received}.",
            "desk.already": "Begäran *{code}* var redan registrerad (samma klick två gånger).",
            "desk.say": "*Säg till den som ringer:* {script}",
            "desk.forward_to": "*Skicka vidare* till {controller} ({contacts}) senast "
            "*{forward_by}*, och tryck sedan på knappen. {controller} ska svara den som "
            "ringer senast {respond_by} (art. 12.3).",
            "desk.no_personal_data": "_Skriv inga namn, kontaktuppgifter eller "
            "personnummer här: registret sparar bara kund, typ, datum och kundens "
            "ärendenummer._",
            "desk.forward_button": "Vidarebefordrad ({via})",
            "desk.forwarded": "📨 Begäran *{code}* ({client}, {kind}) är vidarebefordrad "
            "{via_text}– i tid (senast {forward_by}).",
            "desk.forwarded_late": "📨 Begäran *{code}* ({client}, {kind}) är "
            "vidarebefordrad {via_text}– *försenad*: den skulle ha skickats senast "
            "{forward_by}.",
            "desk.via_text": "via {via} ",
            "desk.forwarded_already": "Begäran *{code}* var redan vidarebefordrad ({at}).",
            "desk.unknown_code": "Jag hittar ingen begäran {code}.",
            "desk.forward_usage": "Skriv `vidarebefordrad <kod> [e-post|webbformulär|telefon]`.",
            "desk.refused": "Du kan inte registrera eller vidarebefordra begäranden för "
            "{client}: det gör de som arbetar i kundens kanal, teamledaren eller compliance.",
            "desk.refused.outside_channel": "Här kan jag inte se att du arbetar med {client}: "
            "i Teams syns det bara i kundens kanal. Gör det där (det stannar i kanalens tråd), "
            "eller be kundens teamledare eller compliance.",
            "desk.bad_input": "Det gick inte: {problem}.",
            "desk.open.title": "*Öppna begäranden ({count})*, vidarebefordras senast:",
            "desk.open.late": " – *försenad*",
            "desk.open.none": "Inga öppna begäranden.",
            "desk.open.refused": "Öppna begäranden visas för kundens teamledare och compliance.",
            "desk.client.now": "Frågor och begäranden här gäller nu {client}. "
            "(`klient av` slutar.)",
            "desk.client.off": "Ingen kund vald längre: kunden tas från frågan eller kanalen.",
            "desk.client.none": "Ingen kund vald. Välj med `klient <id>`: {known}.",
            "desk.client.unknown": "Jag känner ingen kund {given!r}. Kända: {known}.",
            "desk.form.title": "*Registrera en begäran från den som ringer*",
            "desk.form.client": "Kund",
            "desk.form.kind": "Vad begär den som ringer?",
            "desk.form.received": "Mottagen (den dag den som ringer bad om det)",
            "desk.form.ref": "Kundens ärendenummer (valfritt)",
            "desk.form.submit": "Registrera",
            "desk.form.notice": "Boten sparar inget namn, inga kontaktuppgifter och inga "
            "andra personuppgifter om den som ringer: bara kund, typ, datum och kundens "
            "ärendenummer. Skriv därför inget sådant i ärendenumret.",
            "desk.form.no_client": "välj en kund i listan",
            "desk.form.no_kind": "välj vad den som ringer begär",
            "desk.form.bad_date": "mottagningsdagen ska vara ett datum (ÅÅÅÅ-MM-DD)",
            "desk.form.future": "mottagningsdagen kan inte vara senare än i dag ({today})",
            "desk.form.long_ref": "ärendenumret får vara högst {limit} tecken",
            "desk.form.via": "Hur den skickades (valfritt)",
            "desk.form.forwarded": "Vidarebefordrad",
        },
        "en": {
            "desk.kind.access": "access (Art. 15)",
            "desk.kind.erasure": "erasure (Art. 17)",
            "desk.kind.rectification": "rectification (Art. 16)",
            "desk.kind.restriction": "restriction (Art. 18)",
            "desk.kind.objection": "objection (Art. 21)",
            "desk.kind.portability": "data portability (Art. 20)",
            "desk.kind.consent-withdrawal": "consent withdrawn (Art. 7(3))",
            "desk.kind.other": "other request",
            "desk.via.email": "e-mail",
            "desk.via.portal": "web form",
            "desk.via.phone": "phone",
            "desk.via.other": "another way",
            "desk.no_clients": "This installation has no client directory (GDPRBOT_CLIENTS), "
            "so I do not know where the request goes. Ask your administrator.",
            "desk.which_client": "Which client is the request for?",
            "desk.which_kind": "What is the caller asking for? Pick below, or type "
            "`request <client> <type>` with one of: {kinds}.",
            "desk.registered": "✅ Request *{code}* is registered: {kind} for {client}, "
            "received {received}.",
            "desk.already": "Request *{code}* was already registered (the same click twice).",
            "desk.say": "*Tell the caller:* {script}",
            "desk.forward_to": "*Forward it* to {controller} ({contacts}) by *{forward_by}*, "
            "then press the button. {controller} must answer the caller by {respond_by} "
            "(Art. 12(3)).",
            "desk.no_personal_data": "_Do not type names, contact details or personal "
            "identity numbers here: the register keeps only the client, type, dates and the "
            "client's ticket number._",
            "desk.forward_button": "Forwarded ({via})",
            "desk.forwarded": "📨 Request *{code}* ({client}, {kind}) is forwarded "
            "{via_text}– on time (by {forward_by}).",
            "desk.forwarded_late": "📨 Request *{code}* ({client}, {kind}) is forwarded "
            "{via_text}– *late*: it was due by {forward_by}.",
            "desk.via_text": "by {via} ",
            "desk.forwarded_already": "Request *{code}* was already forwarded ({at}).",
            "desk.unknown_code": "I cannot find a request {code}.",
            "desk.forward_usage": "Type `forwarded <code> [email|portal|phone]`.",
            "desk.refused": "You cannot register or forward requests for {client}: the "
            "people working in the client's channel, its team lead or compliance can.",
            "desk.refused.outside_channel": "I cannot see here that you work for {client}: on "
            "Teams that shows only in the client's channel. Do it there (it stays in the "
            "channel's thread), or ask the client's team lead or compliance.",
            "desk.bad_input": "That did not work: {problem}.",
            "desk.open.title": "*Open requests ({count})*, to be forwarded by:",
            "desk.open.late": " – *late*",
            "desk.open.none": "No open requests.",
            "desk.open.refused": "Open requests are shown to the client's team lead and "
            "compliance.",
            "desk.client.now": "Questions and requests here are now about {client}. "
            "(`client off` stops.)",
            "desk.client.off": "No client chosen any more: it comes from the question or "
            "the channel.",
            "desk.client.none": "No client chosen. Choose with `client <id>`: {known}.",
            "desk.client.unknown": "I know no client {given!r}. Known: {known}.",
            "desk.form.title": "*Register a request from the caller*",
            "desk.form.client": "Client",
            "desk.form.kind": "What is the caller asking for?",
            "desk.form.received": "Received (the day the caller asked)",
            "desk.form.ref": "The client's ticket number (optional)",
            "desk.form.submit": "Register",
            "desk.form.notice": "The bot stores no name, no contact details and no other "
            "personal data of the caller: only the client, type, dates and the client's "
            "ticket number. So type nothing of the kind into the ticket number.",
            "desk.form.no_client": "choose a client from the list",
            "desk.form.no_kind": "choose what the caller asks for",
            "desk.form.bad_date": "the day received must be a date (YYYY-MM-DD)",
            "desk.form.future": "the day received cannot be later than today ({today})",
            "desk.form.long_ref": "the ticket number may be at most {limit} characters",
            "desk.form.via": "How it was sent (optional)",
            "desk.form.forwarded": "Forwarded",
        },
    }
)
