"""Build Rota's own reply corpus: real-world shapes of replies to a check-in prompt.

    .venv/bin/python tests/corpus/build_replies.py [NAME ...]  # rewrites tests/corpus/replies/

Each case is written the way a client writes it (Gmail in ten languages, Outlook in ten,
Apple Mail, iPhone, Thunderbird, K-9, Fastmail, Proton Mail; HTML-only; quoted-printable and
base64), and its expected `rota parse` JSON is written from what the mentee *meant*, never by
running the parser. The files are committed; this script documents how they were made.
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.policy import SMTP
from html import escape
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent / "replies"
TOKEN_ADDR = "checkins+c3.qtabbgw3.xeqehz7iztbpx3fw@example.org"
PROMPT_ID = "<rota.c6b9f25ea318e67cf40eed1bcb5b594b@example.org>"
PROMPT_SUBJECT = "Open Source Mentorship 2026: your week 3 check-in"
PROMPT = """Hi Ana,

Time for this week's check-in (Mon 23 Mar to Sun 29 Mar 2026).
Just reply to this email and write under each heading. A line or two
is plenty, and it is fine to leave a heading empty.
Ben reads every check-in and answers within 24 hours.

## What I Accomplished


## What I Struggled With


## Questions I Have


## Next Week's Goals
(Last time you planned these. Tick what you finished with [x] and add
what comes next.)
- [ ] Open the PR for the docs

## Feedback for Mentor


--
Open Source Mentorship 2026
Replies to this address are read by Rota and by Ben."""

EN = {
    "accomplished": ["Fixed the flaky test in the parser", "Reviewed Tom's PR on caching"],
    "struggled": ["Understanding the release process"],
    "questions": ["Who reviews changes to the docs?"],
    "goals": [("Open the PR for the docs", True), ("Write the release notes", False)],
    "mentor_feedback": ["The pairing session was really useful."],
}
LOCAL = {
    "de": {
        "accomplished": ["Den wackeligen Test im Parser repariert"],
        "struggled": ["Der Release-Prozess"],
        "questions": ["Wer prüft Änderungen an der Doku?"],
        "goals": [("PR für die Doku öffnen", False)],
        "mentor_feedback": ["Die Pairing-Session war sehr hilfreich."],
    },
    "fr": {
        "accomplished": ["Corrigé le test instable du parseur"],
        "struggled": ["Comprendre la procédure de release"],
        "questions": ["Qui relit la documentation ?"],
        "goals": [("Ouvrir la PR pour la doc", False)],
        "mentor_feedback": ["La séance en binôme était très utile."],
    },
    "es": {
        "accomplished": ["Arreglé la prueba inestable del analizador"],
        "struggled": ["Entender el proceso de publicación"],
        "questions": ["¿Quién revisa los cambios de la documentación?"],
        "goals": [("Abrir el PR de la documentación", False)],
        "mentor_feedback": ["La sesión en pareja fue muy útil."],
    },
    "pt": {
        "accomplished": ["Corrigi o teste instável do parser"],
        "struggled": ["Entender o processo de release"],
        "questions": ["Quem revisa as mudanças na documentação?"],
        "goals": [("Abrir o PR da documentação", True)],
        "mentor_feedback": ["A sessão em par foi muito útil."],
    },
    "it": {
        "accomplished": ["Sistemato il test instabile del parser"],
        "struggled": ["Capire il processo di rilascio"],
        "questions": ["Chi rivede le modifiche alla documentazione?"],
        "goals": [("Aprire la PR per la documentazione", False)],
        "mentor_feedback": ["La sessione in coppia è stata utilissima."],
    },
    "nl": {
        "accomplished": ["De wankele test in de parser gerepareerd"],
        "struggled": ["Het releaseproces begrijpen"],
        "questions": ["Wie beoordeelt wijzigingen in de documentatie?"],
        "goals": [("De PR voor de docs openen", False)],
        "mentor_feedback": ["De pairing-sessie was erg nuttig."],
    },
    "ja": {
        "accomplished": ["パーサーの不安定なテストを修正しました"],
        "struggled": ["リリース手順の理解"],
        "questions": ["ドキュメントの変更は誰がレビューしますか？"],
        "goals": [("ドキュメントのPRを作る", False)],
        "mentor_feedback": ["ペアリングのセッションはとても役に立ちました。"],
    },
    "zh": {
        "accomplished": ["修复了解析器中不稳定的测试"],
        "struggled": ["理解发布流程"],
        "questions": ["谁来审阅文档的修改？"],
        "goals": [("为文档提交 PR", False)],
        "mentor_feedback": ["结对编程的那次会议非常有帮助。"],
    },
    "ru": {
        "accomplished": ["Починил нестабильный тест парсера"],
        "struggled": ["Разобраться в процессе релиза"],
        "questions": ["Кто проверяет изменения в документации?"],
        "goals": [("Открыть PR для документации", False)],
        "mentor_feedback": ["Парная сессия была очень полезной."],
    },
}

ATTRIBUTION = {
    "en": "On Fri, Mar 27, 2026 at 3:00\u202fPM Mentorship Team <\n{addr}> wrote:",
    "de": "Am Fr., 27. März 2026 um 15:00 Uhr schrieb Mentorship Team <\n{addr}>:",
    "fr": "Le ven. 27 mars 2026 à 15:00, Mentorship Team <{addr}> a\nécrit :",
    "es": "El vie, 27 mar 2026 a las 15:00, Mentorship Team (<\n{addr}>) escribió:",
    "pt": "Em sex., 27 de mar. de 2026 às 15:00, Mentorship Team <\n{addr}> escreveu:",
    "it": "Il giorno ven 27 mar 2026 alle ore 15:00 Mentorship Team <\n{addr}> ha scritto:",
    "nl": "Op vr 27 mrt 2026 om 15:00 schreef Mentorship Team <\n{addr}>:",
    "ja": "2026年3月27日(金) 15:00 Mentorship Team <{addr}>:",
    "zh": "Mentorship Team <{addr}> 于2026年3月27日周五 15:00写道：",
    "ru": "пт, 27 мар. 2026 г. в 15:00, Mentorship Team <{addr}>:",
}
OUTLOOK = {
    "en": ("From", "Sent", "To", "Subject", "Friday, March 27, 2026 3:00 PM"),
    "de": ("Von", "Gesendet", "An", "Betreff", "Freitag, 27. März 2026 15:00"),
    "fr": ("De\u00a0", "Envoyé\u00a0", "À\u00a0", "Objet\u00a0", "vendredi 27 mars 2026 15:00"),
    "es": ("De", "Enviado", "Para", "Asunto", "viernes, 27 de marzo de 2026 15:00"),
    "pt": ("De", "Enviado", "Para", "Assunto", "sexta-feira, 27 de março de 2026 15:00"),
    "it": ("Da", "Inviato", "A", "Oggetto", "venerdì 27 marzo 2026 15:00"),
    "nl": ("Van", "Verzonden", "Aan", "Onderwerp", "vrijdag 27 maart 2026 15:00"),
    "ru": ("От", "Отправлено", "Кому", "Тема", "пятница, 27 марта 2026 г. 15:00"),
    "zh": ("发件人", "发送时间", "收件人", "主题", "2026年3月27日 15:00"),
    "ja": ("差出人", "送信日時", "宛先", "件名", "2026年3月27日 15:00"),
}


def answer_text(a: dict[str, Any], style: str = "markdown") -> str:
    """The mentee's own writing, with the prompt's headings."""
    heads = [
        "What I Accomplished",
        "What I Struggled With",
        "Questions I Have",
        "Next Week's Goals",
        "Feedback for Mentor",
    ]
    keys = ["accomplished", "struggled", "questions", "goals", "mentor_feedback"]
    out = []
    for head, key in zip(heads, keys, strict=True):
        out.append(f"## {head}" if style == "markdown" else f"{head}:")
        if key == "goals":
            out += [f"- [{'x' if done else ' '}] {text}" for text, done in a["goals"]]
        else:
            out += [f"- {x}" for x in a[key]]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def expected_checkin(a: dict[str, Any], free: str = "") -> dict[str, Any]:
    return {
        "accomplished": list(a["accomplished"]),
        "struggled": list(a["struggled"]),
        "questions": list(a["questions"]),
        "next_goals": [t for t, _ in a["goals"]],
        "mentor_feedback": list(a["mentor_feedback"]),
        "goals": [{"text": t, "done": d} for t, d in a["goals"]],
        "free_text": free,
    }


def quoted(text: str, prefix: str = "> ") -> str:
    return "\n".join(prefix + line if line else prefix.rstrip() for line in text.split("\n"))


def text_to_html(text: str) -> str:
    return (
        '<div dir="ltr">'
        + "".join(f"<div>{escape(line) or '<br>'}</div>" for line in text.split("\n"))
        + "</div>"
    )


def message(
    name: str,
    body: str | None,
    html: str | None = None,
    *,
    cte: str | None = None,
    sender: tuple[str, str] = ("Ana Sousa", "ana@example.org"),
    to: str = TOKEN_ADDR,
    subject: str = f"Re: {PROMPT_SUBJECT}",
    headers: dict[str, str] | None = None,
    html_cte: str | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"{sender[0]} <{sender[1]}>"
    msg["To"] = f"Open Source Mentorship 2026 <{to}>"
    msg["Subject"] = subject
    msg["Date"] = "Sat, 28 Mar 2026 10:12:00 +0000"
    msg["Message-ID"] = f"<{name}@mail.example.net>"
    msg["In-Reply-To"] = PROMPT_ID
    msg["References"] = PROMPT_ID
    for k, v in (headers or {}).items():
        msg[k] = v
    if body is not None:
        msg.set_content(body, cte=cte) if cte else msg.set_content(body)
        if html is not None:
            msg.add_alternative(
                html, subtype="html", cte=html_cte
            ) if html_cte else msg.add_alternative(html, subtype="html")
    else:
        assert html is not None
        msg.set_content(html, subtype="html", cte=html_cte) if html_cte else msg.set_content(
            html, subtype="html"
        )
    return msg


def checkin_json(name: str, checkin: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "checkin",
        "message_id": f"<{name}@mail.example.net>",
        "from": "ana@example.org",
        "in_reply_to": PROMPT_ID,
        "checkin": checkin,
        "rsvp": None,
    }


def build() -> dict[str, tuple[EmailMessage, dict[str, Any]]]:
    cases: dict[str, tuple[EmailMessage, dict[str, Any]]] = {}
    addr = TOKEN_ADDR
    for lang, attribution in ATTRIBUTION.items():  # Gmail, top-posted, quoted prompt below
        a = EN if lang == "en" else LOCAL[lang]
        attr = attribution.format(addr=addr)
        text = f"{answer_text(a)}\n{attr}\n\n{quoted(PROMPT)}\n"
        html = (
            text_to_html(answer_text(a))
            + '<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
            + escape(attr.replace(chr(10), " "))
            + '<br></div><blockquote class="gmail_quote" style="margin:0px 0px '
            '0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">'
            + text_to_html(PROMPT)
            + "</blockquote></div>"
        )
        name = f"gmail_{lang}"
        cases[name] = (
            message(name, text, html, cte="quoted-printable" if lang in ("de", "fr") else None),
            checkin_json(name, expected_checkin(a)),
        )
    for lang, (f, s, t, subj, when) in OUTLOOK.items():  # Outlook: header block, unquoted original
        a = EN if lang == "en" else LOCAL[lang]
        sep = "" if lang in ("zh", "ja") else " "
        block = (
            f"________________________________\n{f}:{sep}Mentorship Team <{addr}>\n{s}:{sep}{when}\n"
            f"{t}:{sep}Ana Sousa <ana@example.org>\n{subj}:{sep}{PROMPT_SUBJECT}\n\n{PROMPT}\n"
        )
        text = f"{answer_text(a)}\n{block}"
        html = (
            text_to_html(answer_text(a))
            + '<hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr">'
            f"<b>{escape(f)}:</b> Mentorship Team &lt;{addr}&gt;<br><b>{escape(s)}:</b> {escape(when)}<br>"
            f"<b>{escape(t)}:</b> Ana Sousa<br><b>{escape(subj)}:</b> {escape(PROMPT_SUBJECT)}</div>"
            + text_to_html(PROMPT)
        )
        name = f"outlook_{lang}"
        cases[name] = (
            message(name, text, html, cte="base64" if lang in ("ru", "zh", "ja") else None),
            checkin_json(name, expected_checkin(a)),
        )
    # Apple Mail: attribution unquoted, prompt quoted; HTML blockquote type=cite
    text = f"{answer_text(EN)}\n> On 27 Mar 2026, at 15:00, Mentorship Team <{addr}> wrote:\n>\n{quoted(PROMPT)}\n"
    html = (
        text_to_html(answer_text(EN))
        + f'<div><br><blockquote type="cite"><div>On 27 Mar 2026, at 15:00, Mentorship Team '
        f"&lt;{addr}&gt; wrote:</div><br>" + text_to_html(PROMPT) + "</blockquote></div>"
    )
    cases["apple_mail"] = (
        message("apple_mail", text, html),
        checkin_json("apple_mail", expected_checkin(EN)),
    )
    # iPhone: signature, then the quoted attribution
    text = f"{answer_text(EN)}\nSent from my iPhone\n\n> On 27 Mar 2026, at 15:00, Mentorship Team <{addr}> wrote:\n>\n> \ufeff{quoted(PROMPT)[2:]}\n"
    cases["iphone"] = (message("iphone", text), checkin_json("iphone", expected_checkin(EN)))
    # Thunderbird: "On <date>, <name> wrote:"; HTML moz-cite-prefix + blockquote
    text = f"{answer_text(EN)}\nOn 27/03/2026 15:00, Mentorship Team wrote:\n{quoted(PROMPT)}\n"
    html = (
        text_to_html(answer_text(EN))
        + '<div class="moz-cite-prefix">On 27/03/2026 15:00, Mentorship Team wrote:<br></div>'
        '<blockquote type="cite" cite="mid:x@example.org">' + text_to_html(PROMPT) + "</blockquote>"
    )
    cases["thunderbird"] = (
        message("thunderbird", text, html),
        checkin_json("thunderbird", expected_checkin(EN)),
    )
    # K-9 Mail: signature with "--", brevity note, then attribution + quote
    text = (
        f"{answer_text(EN)}--\nSent from my Android device with K-9 Mail. Please excuse my brevity.\n\n"
        f"On March 27, 2026 3:00:00 PM UTC, Mentorship Team <{addr}> wrote:\n{quoted(PROMPT)}\n"
    )
    cases["k9"] = (message("k9", text), checkin_json("k9", expected_checkin(EN)))
    # Fastmail: HTML-only reply, base64
    html = (
        "<!DOCTYPE html><html><head><title></title><style>p{margin:0}</style></head><body>"
        + text_to_html(answer_text(EN))
        + "<div>On Fri, Mar 27, 2026, at 15:00, Mentorship Team wrote:<br></div>"
        '<blockquote type="cite" id="qt">' + text_to_html(PROMPT) + "</blockquote></body></html>"
    )
    cases["fastmail_html_only"] = (
        message("fastmail_html_only", None, html, html_cte="base64"),
        checkin_json("fastmail_html_only", expected_checkin(EN)),
    )
    # Proton Mail: "Sent with Proton Mail", original-message rule, attribution, quote
    text = (
        f"{answer_text(EN)}\nSent with Proton Mail secure email.\n\n------- Original Message -------\n"
        f"On Friday, March 27th, 2026 at 15:00, Mentorship Team <{addr}> wrote:\n\n{quoted(PROMPT)}\n"
    )
    cases["protonmail"] = (
        message("protonmail", text),
        checkin_json("protonmail", expected_checkin(EN)),
    )
    # Yahoo Mail: the app's footer, then an indented attribution and the unquoted original
    text = (
        f"{answer_text(EN)}\nYahoo Mail: Search, Organize, Conquer\n\n"
        f"    On Friday, March 27, 2026, 03:00:00 PM GMT, Mentorship Team <{addr}> wrote:\n\n"
        f"{quoted(PROMPT)}\n"
    )
    cases["yahoo"] = (message("yahoo", text), checkin_json("yahoo", expected_checkin(EN)))
    # GMX / web.de: a header block that starts with its date, the original unquoted below
    text = (
        f"{answer_text(EN)}\n \n \n\nGesendet: Freitag, 27. März 2026 um 15:00 Uhr\n"
        f'Von: "Mentorship Team" <{addr}>\nAn: ana@example.org\nBetreff: {PROMPT_SUBJECT}\n'
        f"{PROMPT}\n"
    )
    cases["gmx_de"] = (message("gmx_de", text), checkin_json("gmx_de", expected_checkin(EN)))
    # Gmail in Polish and Korean: date, address, then the verb
    for name, attr in (
        ("gmail_pl", f"pt., 27 mar 2026 o 15:00 Mentorship Team <{addr}> napisał(a):"),
        ("gmail_ko", f"2026년 3월 27일 (금) 오후 3:00, Mentorship Team <{addr}>님이 작성:"),
    ):
        text = f"{answer_text(EN)}\n{attr}\n\n{quoted(PROMPT)}\n"
        cases[name] = (message(name, text), checkin_json(name, expected_checkin(EN)))
    # Inline answers under the quoted headings (Gmail, lowercase answers included)
    prompt_lines = PROMPT.split("\n")
    inline = []
    for line in prompt_lines:
        inline.append(quoted(line))
        if line == "## What I Accomplished":
            inline += ["Merged the docs PR.", "", "Started the CLI rewrite."]
        elif line == "## What I Struggled With":
            inline += ["the release process, again"]
        elif line == "- [ ] Open the PR for the docs":
            inline += ["- [x] Open the PR for the docs", "- [ ] Ship the CLI"]
    text = (
        f"Answers inline below, thanks!\n\n{ATTRIBUTION['en'].format(addr=addr)}\n\n"
        + "\n".join(inline)
        + "\n"
    )
    inline_expected = {
        "accomplished": ["Merged the docs PR.", "Started the CLI rewrite."],
        "struggled": ["the release process, again"],
        "questions": [],
        "next_goals": ["Open the PR for the docs", "Ship the CLI"],
        "mentor_feedback": [],
        "goals": [
            {"text": "Open the PR for the docs", "done": True},
            {"text": "Ship the CLI", "done": False},
        ],
        "free_text": "Answers inline below, thanks!",
    }
    cases["gmail_inline"] = (
        message("gmail_inline", text),
        checkin_json("gmail_inline", inline_expected),
    )
    # Loose headings, numbered lists, wrapped lines, a code block, a sign-off, a disclaimer
    text = (
        "**Accomplished:**\n1. Finished the parser refactor, which took most of\n   the week\n2) Wrote docs\n\n"
        "Struggles: time management\n\nQuestions\n• How do releases get tagged?\n\n"
        "Goals for next week:\n- Benchmark the new parser:\n  ```\n  python bench.py --n 1000\n  ```\n\n"
        "Feedback for my mentor:\nnothing this week\n\nBest regards,\nAna Sousa\nPhD student, Lisbon\n\n"
        "CONFIDENTIALITY NOTICE: This message is intended only for the named recipient.\n"
    )
    loose = {
        "accomplished": ["Finished the parser refactor, which took most of the week", "Wrote docs"],
        "struggled": ["time management"],
        "questions": ["How do releases get tagged?"],
        "next_goals": ["Benchmark the new parser:\n```\npython bench.py --n 1000\n```"],
        "mentor_feedback": ["nothing this week"],
        "goals": [],
        "free_text": "",
    }
    cases["loose_headings"] = (
        message("loose_headings", text),
        checkin_json("loose_headings", loose),
    )
    # Free text only
    text = f"Sorry, it was a busy week at work and I did not get to the project.\nBack on track next week!\n\n{ATTRIBUTION['en'].format(addr=addr)}\n{quoted(PROMPT)}\n"
    free = {
        "accomplished": [],
        "struggled": [],
        "questions": [],
        "next_goals": [],
        "mentor_feedback": [],
        "goals": [],
        "free_text": "Sorry, it was a busy week at work and I did not get to the project. Back on track next week!",
    }
    cases["free_text_only"] = (
        message("free_text_only", text),
        checkin_json("free_text_only", free),
    )
    # Paragraph answers (no lists) and a usenet signature
    text = (
        "## What I Accomplished\nI finally understood how the scheduler\nworks.\n\nThen I wrote a test for it.\n\n"
        "## Questions I Have\nNone right now.\n\n-- \nAna Sousa | https://ana.example.net | +351 912 345 678\n"
    )
    para = {
        "accomplished": [
            "I finally understood how the scheduler works.",
            "Then I wrote a test for it.",
        ],
        "struggled": [],
        "questions": ["None right now."],
        "next_goals": [],
        "mentor_feedback": [],
        "goals": [],
        "free_text": "",
    }
    cases["paragraphs_signature"] = (
        message("paragraphs_signature", text),
        checkin_json("paragraphs_signature", para),
    )
    return cases


RSVP_TEMPLATE = """BEGIN:VCALENDAR
PRODID:{prodid}
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:REPLY
{tz}BEGIN:VEVENT
DTSTART{dtstart}
DTEND{dtend}
DTSTAMP:20260301T120000Z
ORGANIZER;CN=Mentorship Team:mailto:mentorship@example.org
UID:{uid}
{recurrence}ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN={cn}:mailto:{attendee}
{comment}SEQUENCE:{sequence}
STATUS:CONFIRMED
SUMMARY:{summary}
END:VEVENT
END:VCALENDAR
"""
NY_TZ = """BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:DAYLIGHT
DTSTART:20070311T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20071104T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
END:STANDARD
END:VTIMEZONE
"""
UID = "rota-call-5f1d2c3b4a5e6f708192@example.org"


def rsvp_case(
    name: str,
    *,
    prodid: str,
    subject: str,
    partstat: str,
    sender: tuple[str, str],
    recurrence: str = "",
    tz: str = "",
    comment: str = "",
    sequence: int = 0,
    attach: bool = False,
    windows_tz: bool = False,
) -> tuple[EmailMessage, dict[str, Any]]:
    cal = RSVP_TEMPLATE.format(
        prodid=prodid,
        tz=tz,
        uid=UID,
        partstat=partstat,
        cn=f'"{sender[0]}"',
        attendee=sender[1],
        dtstart=";TZID=America/New_York:20260408T083000" if tz else ":20260408T123000Z",
        dtend=";TZID=America/New_York:20260408T090000" if tz else ":20260408T130000Z",
        recurrence=recurrence,
        comment=f"COMMENT:{comment}\n" if comment else "",
        sequence=sequence,
        summary="Mentorship call: Ben & Ana",
    ).replace("\n", "\r\n")
    msg = EmailMessage()
    msg["From"] = f"{sender[0]} <{sender[1]}>"
    msg["To"] = "Mentorship Team <mentorship@example.org>"
    msg["Subject"] = subject
    msg["Date"] = "Sat, 28 Mar 2026 10:12:00 +0000"
    msg["Message-ID"] = f"<{name}@mail.example.net>"
    msg.set_content(f"{sender[0]} has replied to your invitation.\n")
    msg.add_alternative(cal, subtype="calendar", params={"method": "REPLY"})
    if attach:
        msg.add_attachment(
            cal.encode(), maintype="application", subtype="ics", filename="invite.ics"
        )
    rid = None
    if recurrence:
        rid = "20260408T123000Z"
    expected = {
        "kind": "rsvp",
        "message_id": f"<{name}@mail.example.net>",
        "from": sender[1],
        "in_reply_to": None,
        "checkin": None,
        "rsvp": {
            "uid": UID,
            "attendee": sender[1],
            "partstat": partstat,
            "recurrence_id": rid,
            "sequence": sequence,
            "comment": comment or None,
        },
    }
    return msg, expected


def build_others() -> dict[str, tuple[EmailMessage, dict[str, Any]]]:
    cases: dict[str, tuple[EmailMessage, dict[str, Any]]] = {}
    ben = ("Ben Ortiz", "ben@example.org")
    cases["rsvp_google_accepted"] = rsvp_case(
        "rsvp_google_accepted",
        prodid="-//Google Inc//Google Calendar 70.9054//EN",
        partstat="ACCEPTED",
        sender=ben,
        subject="Accepted: Mentorship call: Ben & Ana @ Wed 8 Apr 2026 8:30am - 9am (EDT) (Ben Ortiz)",
        attach=True,
    )
    cases["rsvp_outlook_declined_occurrence"] = rsvp_case(
        "rsvp_outlook_declined_occurrence",
        prodid="Microsoft Exchange Server 2010",
        partstat="DECLINED",
        sender=ben,
        subject="Declined: Mentorship call: Ben & Ana",
        tz=NY_TZ,
        recurrence="RECURRENCE-ID;TZID=America/New_York:20260408T083000\n",
        comment="I am travelling that week.",
        sequence=2,
    )
    cases["rsvp_apple_tentative"] = rsvp_case(
        "rsvp_apple_tentative",
        prodid="-//Apple Inc.//macOS 14.4//EN",
        partstat="TENTATIVE",
        sender=("Ana Sousa", "ana@example.org"),
        subject="Invitation: Mentorship call: Ben & Ana (Tentative)",
    )
    cases["rsvp_thunderbird_accepted"] = rsvp_case(
        "rsvp_thunderbird_accepted",
        prodid="-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN",
        partstat="ACCEPTED",
        sender=("Ana Sousa", "ana@example.org"),
        subject="Accepted: Mentorship call: Ben & Ana",
        sequence=1,
    )

    def auto(name: str, subject: str, headers: dict[str, str], body: str) -> None:
        msg = message(name, body, subject=subject, headers=headers, to="mentorship@example.org")
        cases[name] = (
            msg,
            {
                "kind": "auto-reply",
                "message_id": f"<{name}@mail.example.net>",
                "from": "ana@example.org",
                "in_reply_to": PROMPT_ID,
                "checkin": None,
                "rsvp": None,
            },
        )

    auto(
        "auto_outlook_oof",
        f"Automatic reply: {PROMPT_SUBJECT}",
        {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
        "I am out of the office until 6 April with limited access to email.\n",
    )
    auto(
        "auto_gmail_vacation",
        f"Re: {PROMPT_SUBJECT}",
        {"Auto-Submitted": "auto-replied", "Precedence": "bulk"},
        "Thanks for your email! I am on holiday and will reply when I am back.\n",
    )
    auto(
        "auto_german_subject_only",
        f"Abwesenheitsnotiz: {PROMPT_SUBJECT}",
        {},
        "Ich bin bis zum 6. April nicht im Büro.\n",
    )
    auto(
        "auto_spanish_subject_only",
        f"Respuesta automática: {PROMPT_SUBJECT}",
        {},
        "Estoy fuera de la oficina hasta el 6 de abril.\n",
    )

    # Bounces: a Postfix DSN (multipart/report) and a plain-text failure notice
    dsn = EmailMessage()
    dsn["From"] = "MAILER-DAEMON@mx.example.net (Mail Delivery System)"
    dsn["To"] = "mentorship@example.org"
    dsn["Subject"] = "Undelivered Mail Returned to Sender"
    dsn["Date"] = "Sat, 28 Mar 2026 10:12:00 +0000"
    dsn["Message-ID"] = "<bounce_postfix@mx.example.net>"
    dsn["Auto-Submitted"] = "auto-replied"
    dsn.set_content(
        "This is the mail system at host mx.example.net.\n\nI'm sorry to have to inform you that your "
        "message could not be delivered.\n\n<gone@example.org>: host mx.example.org said: 550 5.1.1 "
        "<gone@example.org>: Recipient address rejected: User unknown\n"
    )
    dsn.make_mixed()
    dsn.set_type("multipart/report")
    dsn.set_param("report-type", "delivery-status")
    status = EmailMessage()
    status.set_content(
        "Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; gone@example.org\n"
        "Original-Recipient: rfc822;gone@example.org\nAction: failed\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown\n"
    )
    raw_status = status.get_content()
    from email import message_from_string
    from email.mime.message import MIMEMessage  # noqa: F401 - documents the part type built below

    ds = EmailMessage()
    ds.set_type("message/delivery-status")
    blocks = [message_from_string(b) for b in raw_status.strip().split("\n\n")]
    ds.set_payload(blocks)  # type: ignore[arg-type]
    dsn.attach(ds)
    original = EmailMessage()
    original["Message-ID"] = "<rota.0123456789abcdef0123456789abcdef@example.org>"
    original["Subject"] = PROMPT_SUBJECT
    orig_part = EmailMessage()
    orig_part.set_type("text/rfc822-headers")
    orig_part.set_payload(
        f"Message-ID: <rota.0123456789abcdef0123456789abcdef@example.org>\nSubject: {PROMPT_SUBJECT}\n"
    )
    dsn.attach(orig_part)
    cases["bounce_postfix_dsn"] = (
        dsn,
        {
            "kind": "bounce",
            "message_id": "<bounce_postfix@mx.example.net>",
            "from": "mailer-daemon@mx.example.net",
            "in_reply_to": None,
            "checkin": None,
            "rsvp": None,
        },
    )
    qmail = EmailMessage()
    qmail["From"] = "MAILER-DAEMON@mail.example.com"
    qmail["To"] = "mentorship@example.org"
    qmail["Subject"] = "failure notice"
    qmail["Date"] = "Sat, 28 Mar 2026 10:12:00 +0000"
    qmail["Message-ID"] = "<bounce_qmail@mail.example.com>"
    qmail.set_content(
        "Hi. This is the qmail-send program at mail.example.com.\nI'm afraid I wasn't able to deliver "
        "your message to the following addresses.\n\n<old@example.org>:\nRemote host said: 550 5.1.1 "
        "mailbox unavailable\n"
    )
    cases["bounce_qmail_text"] = (
        qmail,
        {
            "kind": "bounce",
            "message_id": "<bounce_qmail@mail.example.com>",
            "from": "mailer-daemon@mail.example.com",
            "in_reply_to": None,
            "checkin": None,
            "rsvp": None,
        },
    )
    return cases


def main() -> None:
    """Rewrite every case, or only the ones named on the command line (MIME boundaries are
    random, so rewriting all of them changes every file)."""
    import sys

    only = set(sys.argv[1:])
    OUT.mkdir(parents=True, exist_ok=True)
    if not only:
        for old in OUT.iterdir():
            old.unlink()
    for name, (msg, expected) in {**build(), **build_others()}.items():
        if only and name not in only:
            continue
        (OUT / f"{name}.eml").write_bytes(msg.as_bytes(policy=SMTP))
        (OUT / f"{name}.json").write_text(
            json.dumps(expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    print(f"{len(list(OUT.glob('*.eml')))} messages in {OUT}")


if __name__ == "__main__":
    main()
