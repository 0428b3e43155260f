"""Keep only what the sender wrote in this message (SPEC §4, "Extraction").

Plain text in, lines out. Dropped: text quoted with `>`; everything below an attribution line
("On … wrote:", in a dozen languages, even wrapped over three lines) unless quoted text
follows and the sender answers inline between quotes; Outlook header blocks ("From: … Sent: …"
in many languages), "Original Message" and forward separators, underscore rules; signatures
after "-- "; "Sent from my …" lines; confidentiality disclaimers; mailing-list footers; and a
sign-off block at the end ("Regards,\\nAna"). Quoted lines that are check-in headings are kept
as markers (`QuotedHeading`), so answers written inline under the quoted prompt still land in
the right section. Pure and linear in the size of the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_INVISIBLE = dict.fromkeys(
    map(
        ord, "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\ufeff\u1427\u00ad"
    ),
    None,
)

# "On <date>, <name> wrote:" and its translations; the lines may be wrapped (joined before matching)
_ATTRIBUTION = [
    r"^(on|am|le|el|em|il|op|på|den|dne|w dniu|в|el día)\b.{3,300}\b(wrote|schrieb|a écrit|escribió|"
    r"escreveu|ha scritto|schreef|skrev|napisał|написал[а]?|написав|kirjoitti|írta|napsal|yazdı)\s*:?$",
    r"^.{3,300}\b(wrote|schrieb|a écrit|escribió|escreveu|ha scritto|schreef|skrev|napisał|"
    r"написал[а]?|написав|kirjoitti|írta|yazdı)\s*:$",
    r"^.{0,200}(写道|寫道|のメッセージ:|さんは書きました|님이 작성)\s*[：:]?$",
    r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}.{0,100}<?\S+@\S+>?\s*:$",  # "2016-10-24 15:36 GMT+02:00 Foo <a@b>:"
    r"^\d{4}年\d{1,2}月\d{1,2}日.{0,100}<?\S+@\S+>?\s*[:：]$",  # Gmail in Japanese
    # Gmail in Russian, Ukrainian and others: "пт, 6 мар. 2026 г. в 15:00, Name <a@b>:"
    r"^.{0,80}(\d{4}|\d{1,2}:\d{2}).{0,100}<[^<>\s]+@[^<>\s]+>\s*:$",
    # a date, an address, then a verb in any language: "pt., 20 mar 2026 o 15:00 Ana <a@b>
    # napisał(a):", "2026. 3. 20. 오후 3:00, Ana <a@b>님이 작성:"
    r"^.{0,80}(\d{4}|\d{1,2}:\d{2}).{0,100}<[^<>\s]+@[^<>\s]+>[^<>:：\d]{1,30}[:：]$",
    r"^-+\s*(on|am|le)\b.{3,200}\b(wrote|schrieb|a écrit)\s*-+$",  # Zoho: "---- On … wrote ----"
    r"^-\s*(le|on|am)\b.{3,200}(a écrit|wrote|schrieb)\s*:$",  # Zimbra/Free: "- Le … a écrit :"
    # the verb before the sender: "tir. 18. apr. 2017 kl. 13:09 skrev Test <t@example.com>:"
    r"^.{3,200}\b(skrev|schrieb|wrote|a écrit|escribió|escreveu|ha scritto|schreef|napisał|написал[а]?)"
    r"\s.{0,120}<?[^\s<>]+@[^\s<>]+>?\s*:$",
]
_ATTRIBUTION_RE = [re.compile(p, re.IGNORECASE) for p in _ATTRIBUTION]

_SEPARATORS = re.compile(
    r"^\s*[-=_*]{2,}\s*("
    r"original message|original|ursprüngliche nachricht|oprindelig besked|message d'origine|"
    r"mensaje original|messaggio originale|oorspronkelijk bericht|mensagem original|исходное сообщение|"
    r"opprinnelig melding|ursprungligt meddelande|alkuperäinen viesti|původní zpráva|oryginalna wiadomość|"
    r"forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|"
    r"messaggio inoltrato|doorgestuurd bericht|mensagem encaminhada|пересылаемое сообщение|原始邮件|原始郵件"
    r")\s*[-=_*]{0,}\s*$|^\s*(begin forwarded message|début du message réexpédié)\s*:\s*$",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{10,}\s*$")
_HEADER_FROM = re.compile(
    r"^\s*[*>]*\s*(from|de|von|van|da|fra|från|od|от|发件人|寄件者|差出人|보낸 사람|mittente|remetente|absender)"
    r"\s*[*]*\s*[:：]",
    re.IGNORECASE,
)
_HEADER_OTHER = re.compile(
    r"^\s*[*>]*\s*(sent|date|to|subject|cc|reply-to|envoyé(?: le)?|date d'envoi|à|objet|gesendet|datum|an|"
    r"betreff|verzonden|aan|onderwerp|inviato|data|a|oggetto|enviado|fecha|para|asunto|assunto|dato|til|"
    r"emne|skickat|ämne|отправлено|дата|кому|тема|发送时间|收件人|主题|日期|件名|送信日時|宛先)\s*[*]*\s*[:：]",
    re.IGNORECASE,
)
_SIG_DELIMITER = re.compile(r"^(--|-- )$")
_SENT_FROM = re.compile(
    r"^\s*[(<]*\s*("
    r"sent (from|with|via|using|on)\b|get outlook for|get \[outlook|sent from \[|"
    r"envoyé (depuis|de|avec)\b|von meinem\b.*gesendet|gesendet (von|mit)\b|"
    r"enviado (desde|do|de|con|com)\b|inviato da\b|verzonden (met|vanaf|van)\b|"
    r"отправлено (с|из)\b|skickat från\b|sendt fra\b|lähetetty\b|wysłane z\b|"
    r"diese nachricht wurde von meinem\b|from my (iphone|ipad|android|mobile|phone|blackberry)|"
    r"sent by \w+|yahoo mail: search, organi[sz]e, conquer|sent from a (phone|mobile)|从我的|從我的|发自我的|iphoneから送信|"
    r"(sent )?via (mobile|phone|iphone|android|blackberry)\b|"
    r".{0,40}\bfrom (my )?(mobile|phone|iphone|android)\b[^.!?]*$"
    r")",
    re.IGNORECASE,
)
_SENT_FROM_SHORT_WORDS = (
    9  # longer "Sent from my desk, is much easier…" is a sentence, not a signature
)
_DISCLAIMER = re.compile(
    r"^\s*(confidentiality notice|disclaimer|this (e-?mail|message|communication)(,? (and|including) any "
    r"(attachments?|files))? (is|are|may be|contains?) (confidential|intended|privileged)|"
    r"the information (contained )?in this (e-?mail|message)|ce message (et ses pièces jointes )?est confidentiel|"
    r"diese e-?mail (enthält|ist) vertraulich|este (correo|mensaje) (es|contiene) (confidencial|información))",
    re.IGNORECASE,
)
_FOOTER = re.compile(
    r"^\s*(you are receiving this because|reply to this email directly|to unsubscribe from|"
    r"you received this message because you are subscribed|this email was sent to)",
    re.IGNORECASE,
)
_VALEDICTION = re.compile(
    r"^\s*(thanks|thank you|many thanks|thanks again|thx|cheers|best|best wishes|best regards|kind regards|"
    r"warm regards|warmly|regards|all the best|sincerely|yours|br|kr|greetings|"
    r"mit freundlichen grüßen|mit lieben grüßen|viele grüße|liebe grüße|lg|vg|gruß|grüße|"
    r"cordialement|bien à vous|bien cordialement|merci|amitiés|salutations|"
    r"saludos|un saludo|atentamente|gracias|abraços|abraço|obrigad[oa]|atenciosamente|cumprimentos|"
    r"saluti|cordiali saluti|grazie|groeten|met vriendelijke groet|hartelijke groet|bedankt|"
    r"с уважением|спасибо|всего доброго|よろしくお願いします|ありがとうございます|谢谢|此致|敬礼)[\s,.!]*$",
    re.IGNORECASE,
)
_DASH_NAME = re.compile(r"^-[^\W\d_][\w.'’ ]{0,40}$", re.UNICODE)


@dataclass(frozen=True, slots=True)
class QuotedHeading:
    """A `>`-quoted line that looked like a check-in heading: the start of an inline answer."""

    text: str


Line = str | QuotedHeading


def normalize(text: str) -> list[str]:
    """Unicode NFC, LF line endings, no invisible characters, no trailing spaces, nbsp as space."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_INVISIBLE).replace("\u00a0", " ").replace("\u202f", " ")
    return [line.rstrip() for line in text.split("\n")]


def _quote_depth(line: str) -> tuple[int, str]:
    m = re.match(r"^((?:\s?>)+)\s?(.*)$", line)
    if not m:
        return 0, line
    return m.group(1).count(">"), m.group(2)


_ATTRIBUTION_START = re.compile(
    r"^(on|am|le|el|em|il|op|på|den|dne|w dniu|в|el día)\b|\d|@|<\s*$", re.IGNORECASE
)


def _attribution_span(lines: Sequence[str], i: int) -> int:
    """If an attribution ("On … wrote:") starts at line i (maybe wrapped over up to 3 lines),
    how many lines it spans; else 0. A wrapped one must begin like one (a date, "On", an
    address), so "Hi," above "On … wrote:" stays the sender's."""
    joined = ""
    for n in range(3):
        if i + n >= len(lines) or (n and not lines[i + n].strip()):
            break
        part = lines[i + n].strip()
        if n == 1 and not _ATTRIBUTION_START.search(joined):
            break
        if n and re.fullmatch(r">+\s*:", part) and "<" in joined:
            joined += ">:"  # Gmail wrapped "<address" + ">:" onto two lines
            if any(p.match(joined) for p in _ATTRIBUTION_RE):
                return n + 1
            break
        elif _quote_depth(part)[0]:
            break
        joined = f"{joined} {part}".strip() if joined else part
        if len(joined) > 400:
            break
        if any(p.match(joined) for p in _ATTRIBUTION_RE):
            return n + 1
    return 0


def _header_block(lines: Sequence[str], i: int) -> bool:
    """An Outlook-style header block ("From: …" then "Sent:/To:/Subject:" within a few lines),
    or one that starts with its date, as GMX and web.de write it ("Gesendet: …" then "Von:
    Name <address>"): that kind needs a From line with an address below it."""
    window = lines[i + 1 : i + 7]
    if _HEADER_FROM.match(lines[i]):
        return any(_HEADER_OTHER.match(line) for line in window)
    if not _HEADER_OTHER.match(lines[i]):
        return False
    return any(_HEADER_FROM.match(line) and "@" in line for line in window) and any(
        _HEADER_OTHER.match(line) for line in window
    )


def _continues_quote(line: str, quoted: str, is_heading: Callable[[str], bool] | None) -> bool:
    """A lowercase line right under a long quoted line is that line's wrapped tail."""
    s = line.strip()
    if not s or _quote_depth(line)[0] or not s[0].islower() or len(quoted.strip()) < 50:
        return False
    return not (is_heading and is_heading(quoted.strip()))


_CONTACT = re.compile(
    r"(https?://|www\.|@|\+?\d[\d ().-]{6,}\d|skype|tel\b|phone|mobil)", re.IGNORECASE
)


def _signature_card(rest: Sequence[str], sender_names: Sequence[str]) -> bool:
    """Below a rule: a short block of short lines with contact details or the sender's name."""
    filled = [x.strip() for x in rest if x.strip()]
    if not filled or len(filled) > 20 or any(len(x) > 70 for x in filled):
        return False
    names = [n.lower() for n in sender_names if n.strip()]
    contacts = sum(bool(_CONTACT.search(x)) for x in filled)
    return contacts >= 2 or any(n in x.lower() for n in names for x in filled)


def _is_sent_from(line: str) -> bool:
    s = line.strip()
    if not s or not _SENT_FROM.match(s):
        return False
    words = len(re.findall(r"\w+", s.split("<")[0].split("(http")[0]))
    return words <= _SENT_FROM_SHORT_WORDS or bool(
        re.search(r"excuse|typo|brevity|tippfehler", s, re.I)
    )


def visible(
    text: str, *, is_heading: Callable[[str], bool] | None = None, sender_names: Sequence[str] = ()
) -> list[Line]:
    """The sender's own lines of a plain-text body, quoted headings kept as markers."""
    lines = normalize(text)
    out: list[Line] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        stripped = line.strip()
        depth, inner = _quote_depth(line)
        if depth:
            if is_heading and depth == 1 and inner.strip() and is_heading(inner.strip()):
                out.append(QuotedHeading(inner.strip()))
            i += 1
            while i < n and _continues_quote(lines[i], inner, is_heading):
                i += 1  # a quoted line wrapped by a client that lost the ">" on its tail
            continue
        span = _attribution_span(lines, i)
        if span:
            j = i + span
            while j < n and not lines[j].strip():
                j += 1
            if j < n and _quote_depth(lines[j])[0]:
                i = j  # a quote follows: drop the attribution, keep reading (inline answers)
                continue
            break  # an unquoted original follows (Gmail text, Zoho): the rest is not the sender's
        if (
            _SEPARATORS.match(line)
            or _RULE.match(line)
            or _header_block(lines, i)
            or _SIG_DELIMITER.match(line)
            or _DISCLAIMER.match(line)
            or _FOOTER.match(line)
            or _is_sent_from(line)
        ):
            break
        if (
            re.match(r"^\s*(?:[-_=~]{4,}|(?:\*\s*){3,})\s*$", line) and i + 1 < n
        ):  # a rule above a header block or a card
            k = i + 1
            while k < n and not lines[k].strip():
                k += 1
            if k < n and (_header_block(lines, k) or _signature_card(lines[k:], sender_names)):
                break
        out.append(line if stripped or out else "")
        i += 1
    return _drop_signoff(_trim(out), sender_names, is_heading)


def _trim(lines: list[Line]) -> list[Line]:
    while lines and isinstance(lines[-1], str) and not lines[-1].strip():
        lines.pop()
    while lines and isinstance(lines[0], str) and not lines[0].strip():
        lines.pop(0)
    return lines


def _drop_signoff(
    lines: list[Line], sender_names: Sequence[str], is_heading: Callable[[str], bool] | None
) -> list[Line]:
    """Remove a sign-off at the very end: a valediction ("Regards,") followed by at most a few
    short name/title lines, or a last line that is "-Name" or the sender's own name. A
    valediction right under a heading is an answer ("Feedback for Mentor: Thanks!"), kept."""
    markers: list[Line] = []
    while lines and (isinstance(lines[-1], QuotedHeading) or not str(lines[-1]).strip()):
        markers.insert(0, lines.pop())  # quoted prompt headings with nothing under them
    filled = [k for k, x in enumerate(lines) if isinstance(x, QuotedHeading) or x.strip()]
    if not filled:
        return lines + [m for m in markers if isinstance(m, QuotedHeading)]

    def heading_at(k: int) -> bool:
        """A bare heading: what follows it is that section's whole answer."""
        x = lines[k]
        if isinstance(x, QuotedHeading):
            return True
        return bool(is_heading and is_heading(x.strip()) and not re.search(r"[:：]\s*\S", x))

    for pos in range(max(0, len(filled) - 5), len(filled)):
        k = filled[pos]
        rest = filled[pos + 1 :]
        if isinstance(lines[k], QuotedHeading) or not _VALEDICTION.match(str(lines[k])):
            continue
        if any(
            isinstance(lines[r], QuotedHeading) or len(str(lines[r]).strip()) > 48 for r in rest
        ):
            continue
        if pos > 0 and heading_at(filled[pos - 1]):
            continue
        return _trim(lines[:k])
    last = filled[-1]
    s = str(lines[last]).strip() if not isinstance(lines[last], QuotedHeading) else ""
    names = {x.strip().lower() for x in sender_names if x.strip()}
    if (
        s
        and (_DASH_NAME.match(s) or s.lower().lstrip("-–—~/ ").strip() in names)
        and not (len(filled) > 1 and heading_at(filled[-2]))
    ):
        return _drop_signoff(_trim(lines[:last]), (), is_heading)  # "Thanks,\nAna": both go
    return lines


def visible_text(text: str, sender_names: Sequence[str] = ()) -> str:
    """The sender's own text as one string (quoted headings omitted)."""
    return "\n".join(
        x for x in visible(text, sender_names=sender_names) if isinstance(x, str)
    ).strip()
