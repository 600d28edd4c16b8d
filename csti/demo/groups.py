"""Demo working groups: two groups of the first territory with coordinators and members, their
meetings (past and upcoming, some for members only), the minutes of the past ones (the first
public, so that it can go in a newsletter; the others for the members) and documents (PDFs drawn
with Pillow: an agenda and a charter)."""
import io
from datetime import datetime, time, timedelta

from sqlalchemy import select

from ..blueprints.events.schedule import schedule
from ..dates import local_zone
from ..extensions import db
from ..models.articles import Article
from ..models.base import utcnow
from ..models.events import Event
from ..models.groups import GroupMember, WorkingGroup

GROUPS = [
    ("Groupe de travail Médiation numérique", "open",
     "Outils, ateliers et pratiques du numérique dans la médiation scientifique.",
     "Nous partageons nos **retours d'ateliers** (fablabs, robotique, programmation) et préparons ensemble "
     "des ressources pour le réseau.\n\nUne réunion par mois, en ligne ou dans un lieu du réseau.",
     "claire.martin@csti.example", ["mehdi.benali@csti.example"],
     ["sophie.nguyen@csti.example", "ines.fabre@csti.example"]),
    ("Plénière du réseau", "request",
     "Les rencontres de toutes les structures du réseau : bilan, programme commun, projets.",
     "La plénière réunit deux fois par an les structures du réseau. Les membres y préparent le "
     "programme commun et la Fête de la science.",
     "claire.martin@csti.example", [], ["mehdi.benali@csti.example", "anne.rouxel@csti.example",
                                        "sophie.nguyen@csti.example"]),
]


def seed(territories, users, lines):
    if db.session.scalar(select(WorkingGroup.id).limit(1)) is not None:
        lines.append("working groups already present: none added")
        return
    territory = next(iter(territories.values()))
    today = utcnow().astimezone(local_zone()).date()
    meetings = documents = 0
    for n, (title, access, summary, body, coordinator, others, members) in enumerate(GROUPS):
        author = users.get(coordinator)
        group = WorkingGroup(title=title, access=access, summary=summary, body=body, territory=territory,
                             author=author)
        group.memberships = ([GroupMember(user=author, role="coordinator")]
                             + [GroupMember(user=users[e], role="coordinator") for e in others if e in users]
                             + [GroupMember(user=users[e]) for e in members if e in users])
        group.add_tag("réseau CSTI")
        group.publish()
        db.session.add(group)
        db.session.flush()
        for days, members_only, label in ((-30 - 10 * n, False, "Réunion de lancement"),
                                          (-7, True, "Réunion de travail"),
                                          (14 + 7 * n, n == 0, "Prochaine réunion")):
            start = datetime.combine(today + timedelta(days=days), time(14, 0))
            event = Event(title=f"{title} — {label}", event_kind="meeting", territory=territory, author=author,
                          group_id=group.id, members_only=members_only,
                          summary="Réservée aux membres du groupe." if members_only else "Ouverte à tous les membres du réseau.",
                          body="Ordre du jour :\n\n- Tour de table\n- Points d'avancement\n- Prochaines étapes",
                          attendance_mode="online", online_url="https://visio.example.org/csti")
            schedule(event, start, start + timedelta(hours=2))
            event.publish()
            db.session.add(event)
            meetings += 1
            if days < 0:
                db.session.flush()
                minutes = Article(title=f"Compte rendu — {title} — {label}", territory=territory, author=author,
                                  article_kind="minutes", meeting_id=event.id, group_id=group.id,
                                  members_only=members_only or n > 0,
                                  summary=f"Le compte rendu de la réunion du {start:%d/%m/%Y}.",
                                  body="**Présents** : les membres du groupe.\n\n**Décisions** : à compléter.")
                minutes.publish()
                db.session.add(minutes)
        db.session.flush()
        documents += _documents(group, author)
    db.session.flush()
    lines.append(f"{len(GROUPS)} working groups, {meetings} meetings, {documents} documents")


def _ascii(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF (A4 at 72 dpi) with a title and a few lines, drawn with Pillow."""
    from PIL import Image, ImageDraw, ImageFont

    def font(size):
        try:  # Debian's DejaVu has the accents; Pillow's own font does not
            return ImageFont.truetype("DejaVuSans.ttf", size), str
        except OSError:
            return ImageFont.load_default(size=size), _ascii

    page = Image.new("RGB", (595, 842), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, 595, 90), fill=(22, 82, 140))
    heading, text = font(24)
    draw.text((40, 32), text(title), fill="white", font=heading)
    body, text = font(15)
    for i, line in enumerate(lines):
        draw.text((40, 130 + 28 * i), text(line), fill=(30, 30, 30), font=body)
    out = io.BytesIO()
    page.save(out, "PDF", resolution=72)
    return out.getvalue()


def _documents(group, author) -> int:
    from ..blueprints.documents.operations import DocumentError, attach_document

    made = 0
    for title, filename, lines in (
            ("Ordre du jour de la prochaine réunion", "ordre-du-jour.pdf",
             ["1. Tour de table", "2. Retours des ateliers", "3. Ressources communes", "4. Calendrier"]),
            ("Charte du groupe", "charte.pdf",
             ["Nous partageons nos pratiques.", "Les comptes rendus sont publics sauf mention contraire.",
              "Chaque structure du réseau peut demander à rejoindre le groupe."])):
        try:
            attach_document(group, _pdf(title, lines), title, filename, author)
            made += 1
        except DocumentError:  # PDFium refused it: the demo goes on without it
            continue
    return made
