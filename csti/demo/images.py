"""Demo images, drawn here with Pillow (nothing downloaded, no licence to worry about): a simple
illustration per theme (planets, gears, molecules, leaves, waves, mountains, circuits…) for a
good share of the events, articles, projects and dossiers, a logo for structures and
territories, a picture for a few members. Each is stored by the uploads' own path
(``csti.uploads.store_image``: WebP and its narrower copies), one file per item."""
from __future__ import annotations

import colorsys
import math
import random
import re

from PIL import Image, ImageDraw, ImageFilter, ImageFont
from sqlalchemy import select

from ..extensions import db
from ..models import PUBLISHED, Territory, User
from ..uploads import store_image

SIZE = (960, 540)  # drawn at this size: the 480 px copy is written too, quickly
COVER_WIDTHS = (480,)

# Words of a title or a tag → the motif drawn and a sentence describing it (the cover's alt).
MOTIFS = [
    (("astronom", "étoile", "ciel", "planète", "espace", "nuit"), "planets",
     "Illustration : une planète à anneaux et des étoiles sur un ciel de nuit"),
    (("robot", "fabrication", "fablab", "industri", "mécani", "énergie", "capteur"), "gears",
     "Illustration : des engrenages imbriqués"),
    (("chimie", "santé", "molécule", "médecine", "laboratoire"), "molecules",
     "Illustration : des atomes reliés en molécule"),
    (("biodiversité", "insecte", "pollinisateur", "climat", "nature", "jardin", "forêt"), "leaves",
     "Illustration : des feuilles sur un fond vert"),
    (("océan", "mer", "eau", "littoral", "marin"), "waves",
     "Illustration : des vagues sous un soleil couchant"),
    (("géologie", "montagne", "alpes", "glacier", "patrimoine"), "mountains",
     "Illustration : des montagnes enneigées"),
    (("numérique", "intelligence", "informatique", "code", "données", "mathématiques"), "circuit",
     "Illustration : un circuit électronique stylisé"),
]
DEFAULT_MOTIF = ("shapes", "Illustration : des formes géométriques colorées")

PALETTES = {
    "planets": [((12, 20, 60), (60, 30, 110)), ((5, 15, 40), (20, 70, 120))],
    "gears": [((240, 160, 60), (180, 70, 40)), ((70, 90, 110), (30, 40, 55))],
    "molecules": [((220, 240, 250), (120, 180, 220)), ((240, 225, 250), (150, 110, 200))],
    "leaves": [((200, 235, 190), (60, 140, 80)), ((235, 240, 200), (110, 160, 60))],
    "waves": [((250, 190, 120), (230, 110, 90)), ((170, 220, 240), (40, 110, 170))],
    "mountains": [((180, 215, 245), (250, 240, 230)), ((250, 200, 170), (140, 120, 190))],
    "circuit": [((15, 50, 45), (10, 30, 40)), ((25, 25, 60), (40, 20, 70))],
    "shapes": [((250, 235, 210), (240, 200, 160)), ((225, 235, 250), (190, 205, 240))],
}


def motif_for(*texts: str) -> tuple[str, str]:
    """The motif of the first text (a title, then tags) one of whose words starts like a
    motif's word ("astronomie" → planets, "artificielle" is not "ciel")."""
    for text in texts:
        words = re.findall(r"\w+", (text or "").lower())
        for keys, motif, alt in MOTIFS:
            if any(word.startswith(key) for word in words for key in keys):
                return motif, alt
    return DEFAULT_MOTIF


def _gradient(size, top, bottom) -> Image.Image:
    mask = Image.linear_gradient("L").resize(size)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def _shade(rgb, factor):
    return tuple(max(0, min(255, int(c * factor))) for c in rgb)


def _hue(rng, s=0.55, v=0.85):
    r, g, b = colorsys.hsv_to_rgb(rng.random(), s, v)
    return int(r * 255), int(g * 255), int(b * 255)


def _planets(draw, size, rng):
    w, h = size
    for _ in range(140):
        x, y, r = rng.randrange(w), rng.randrange(h), rng.choice((1, 1, 1, 2))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 240))
    cx, cy, r = rng.randint(w // 3, 2 * w // 3), rng.randint(h // 3, 2 * h // 3), rng.randint(90, 150)
    color = _hue(rng, 0.5, 0.9)
    draw.ellipse((cx - r * 2.1, cy - r * 0.45, cx + r * 2.1, cy + r * 0.45), outline=(230, 220, 200), width=6)
    for i in range(8):  # shaded disc: lighter towards the top left
        k = r - i * r // 9
        off = i * r // 18
        draw.ellipse((cx - k - off, cy - k - off, cx + k - off, cy + k - off), fill=_shade(color, 0.6 + i * 0.07))
    draw.arc((cx - r * 2.1, cy - r * 0.45, cx + r * 2.1, cy + r * 0.45), 0, 180, fill=(230, 220, 200), width=6)
    mx, my, mr = rng.randint(60, w - 60), rng.randint(40, h // 3), rng.randint(18, 34)
    draw.ellipse((mx - mr, my - mr, mx + mr, my + mr), fill=(200, 200, 210))


def _gear(draw, cx, cy, r, teeth, color, angle):
    points = []
    for i in range(teeth * 2):
        for j in (0, 1):
            a = angle + (i + j * 0.9) * math.pi / teeth
            radius = r if i % 2 == 0 else r * 0.8
            points.append((cx + radius * math.cos(a), cy + radius * math.sin(a)))
    draw.polygon(points, fill=color)
    draw.ellipse((cx - r * 0.28, cy - r * 0.28, cx + r * 0.28, cy + r * 0.28), fill=_shade(color, 0.45))


def _gears(draw, size, rng):
    w, h = size
    base = _hue(rng, 0.25, 0.95)
    for cx, cy, r, t in ((w * 0.35, h * 0.5, 170, 14), (w * 0.62, h * 0.33, 110, 10), (w * 0.7, h * 0.72, 80, 8)):
        _gear(draw, cx + rng.randint(-20, 20), cy + rng.randint(-20, 20), r, t, _shade(base, rng.uniform(0.7, 1.1)),
              rng.random())


def _molecules(draw, size, rng):
    w, h = size
    atoms = [(rng.randint(120, w - 120), rng.randint(90, h - 90)) for _ in range(7)]
    for (x1, y1), (x2, y2) in zip(atoms, atoms[1:] + atoms[:2], strict=False):
        draw.line((x1, y1, x2, y2), fill=(70, 80, 100), width=10)
    for x, y in atoms:
        r = rng.randint(32, 60)
        color = rng.choice(((220, 60, 60), (60, 110, 210), (240, 240, 245), (60, 60, 70), (240, 180, 40)))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=color, outline=_shade(color, 0.6), width=4)
        draw.ellipse((x - r * 0.5, y - r * 0.6, x - r * 0.1, y - r * 0.2), fill=_shade(color, 1.25))


def _leaf(draw, cx, cy, length, angle, color):
    points = []
    for i in range(21):
        t = i / 20
        width = math.sin(math.pi * t) * length * 0.32
        points.append((t * length, width))
    points += [(x, -y) for x, y in reversed(points)]
    ca, sa = math.cos(angle), math.sin(angle)
    draw.polygon([(cx + x * ca - y * sa, cy + x * sa + y * ca) for x, y in points], fill=color)
    draw.line((cx, cy, cx + length * ca, cy + length * sa), fill=_shade(color, 0.6), width=4)


def _leaves(draw, size, rng):
    w, h = size
    for _ in range(11):
        green = (rng.randint(30, 90), rng.randint(110, 170), rng.randint(40, 80))
        _leaf(draw, rng.randint(0, w), rng.randint(0, h), rng.randint(140, 260), rng.uniform(0, 2 * math.pi), green)
    if rng.random() < 0.6:  # a ladybird
        x, y = rng.randint(200, w - 200), rng.randint(150, h - 150)
        draw.ellipse((x - 34, y - 28, x + 34, y + 28), fill=(200, 30, 30))
        draw.ellipse((x + 22, y - 14, x + 46, y + 14), fill=(20, 20, 20))
        for dx, dy in ((-14, -10), (-4, 12), (10, -8)):
            draw.ellipse((x + dx - 6, y + dy - 6, x + dx + 6, y + dy + 6), fill=(20, 20, 20))


def _waves(draw, size, rng):
    w, h = size
    sx, sy = rng.randint(w // 4, 3 * w // 4), h // 2 - 20
    draw.ellipse((sx - 80, sy - 80, sx + 80, sy + 80), fill=(255, 230, 150))
    for i, y0 in enumerate(range(h // 2, h + 40, 38)):
        color = (20 + i * 6, 80 + i * 10, 150 + i * 7)
        points = [(x, y0 + 14 * math.sin(x / 55 + i * 1.3)) for x in range(0, w + 20, 20)]
        draw.polygon(points + [(w, h), (0, h)], fill=color)


def _mountains(draw, size, rng):
    w, h = size
    for layer, (tone, base) in enumerate((((120, 130, 170), h * 0.75), ((80, 95, 130), h * 0.85),
                                          ((50, 65, 90), h))):
        x, points = 0, [(0, h)]
        while x < w + 100:
            peak = base - rng.randint(140, 300) + layer * 40
            points += [(x, base - 60), (x + 110, peak), (x + 220, base - 60)]
            if layer == 0:
                draw.polygon([(x + 80, peak + 40), (x + 110, peak), (x + 140, peak + 40)], fill=(250, 250, 255))
            x += 220
        draw.polygon(points + [(w, h)], fill=tone)


def _circuit(draw, size, rng):
    w, h = size
    glow = _hue(rng, 0.6, 0.95)
    for _ in range(26):
        x, y = rng.randrange(0, w, 30), rng.randrange(0, h, 30)
        points = [(x, y)]
        for _step in range(rng.randint(2, 5)):
            if rng.random() < 0.5:
                x += rng.choice((-1, 1)) * rng.randint(2, 8) * 30
            else:
                y += rng.choice((-1, 1)) * rng.randint(2, 6) * 30
            points.append((x, y))
        draw.line(points, fill=_shade(glow, 0.8), width=4, joint="curve")
        ex, ey = points[-1]
        draw.ellipse((ex - 9, ey - 9, ex + 9, ey + 9), outline=glow, width=4)
    cx, cy = w // 2, h // 2
    draw.rounded_rectangle((cx - 90, cy - 90, cx + 90, cy + 90), 14, fill=(30, 30, 35), outline=glow, width=5)
    for i in range(-60, 61, 30):
        for dx, dy in ((i, -110), (i, 110), (-110, i), (110, i)):
            draw.line((cx + dx * 0.82, cy + dy * 0.82, cx + dx, cy + dy), fill=glow, width=6)


def _shapes(draw, size, rng):
    w, h = size
    for _ in range(9):
        color = _hue(rng, 0.45, 0.9)
        x, y, r = rng.randint(0, w), rng.randint(0, h), rng.randint(40, 160)
        kind = rng.random()
        if kind < 0.4:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=color)
        elif kind < 0.7:
            draw.rounded_rectangle((x - r, y - r * 0.6, x + r, y + r * 0.6), 18, fill=color)
        else:
            draw.polygon([(x, y - r), (x + r, y + r * 0.7), (x - r, y + r * 0.7)], fill=color)


DRAW = {"planets": _planets, "gears": _gears, "molecules": _molecules, "leaves": _leaves, "waves": _waves,
        "mountains": _mountains, "circuit": _circuit, "shapes": _shapes}


def illustration(motif: str, rng: random.Random, size=SIZE) -> Image.Image:
    top, bottom = rng.choice(PALETTES[motif])
    image = _gradient(size, top, bottom)
    DRAW[motif](ImageDraw.Draw(image), size, rng)
    if motif in ("leaves", "shapes"):
        image = image.filter(ImageFilter.SMOOTH)
    return image


def _font(size):
    return ImageFont.load_default(size=size)


def initials(name: str) -> str:
    words = [w for w in name.replace("-", " ").replace("'", " ").split() if w[:1].isalpha()]
    skip = {"de", "du", "des", "la", "le", "les", "et", "d", "l", "en", "à", "au", "aux"}
    main = [w for w in words if w.lower() not in skip] or words
    return "".join(w[0] for w in main[:2]).upper() or "?"


def badge(text: str, color, size=320, round_=True) -> Image.Image:
    """A logo or an avatar: initials on a coloured disc (or rounded square)."""
    scale = 2  # drawn larger, then reduced: smooth edges
    big = size * scale
    image = Image.new("RGB", (big, big), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    light = _shade(color, 1.35)
    box = (big * 0.04, big * 0.04, big * 0.96, big * 0.96)
    if round_:
        draw.ellipse(box, fill=color)
        draw.pieslice(box, 200, 340, fill=_shade(light, 1.0))
        draw.ellipse((big * 0.16, big * 0.16, big * 0.84, big * 0.84), fill=color)
    else:
        draw.rounded_rectangle(box, big // 8, fill=color)
        draw.polygon([(box[0] + big // 8, box[3]), (box[2], box[1] + big // 8), (box[2], box[3] - big // 8),
                      (box[2] - big // 8, box[3])], fill=light)
    font = _font(int(big * (0.36 if len(text) > 1 else 0.46)))
    draw.text((big / 2, big / 2), text, fill=(255, 255, 255), font=font, anchor="mm")
    return image.resize((size, size), Image.LANCZOS)


def seed(territories, users, lines):
    """Images for the demo's content, structures, territories and a few members."""
    from ..models.actors import Actor
    from ..models.announcements import Announcement
    from ..models.articles import Article
    from ..models.dossiers import Dossier
    from ..models.events import Event
    from ..models.projects import Project
    from ..theming import accessible, parse

    rng = random.Random(2026)
    covers = 0
    for model, share in ((Event, 0.5), (Article, 0.75), (Announcement, 0.7), (Project, 0.8), (Dossier, 0.8),
                         (Actor, 0.3)):  # a structure's cover: its page (its card shows its logo)
        items = db.session.scalars(select(model).where(model.status == PUBLISHED, model.cover_image.is_(None))
                                   .order_by(model.id)).all()
        for item in items:
            # What the homes show first (featured items) always has one.
            if rng.random() > share and item.featured_rank is None:
                continue
            motif, alt = motif_for(item.title, " ".join(t.name for t in item.tags))
            item.cover_image = store_image(illustration(motif, rng), "covers", widths=COVER_WIDTHS)
            item.cover_alt = alt
            covers += 1
    logos = 0
    for actor in db.session.scalars(select(Actor).where(Actor.logo.is_(None)).order_by(Actor.id)).all():
        if rng.random() < 0.7:
            color = _hue(rng, 0.65, 0.6)
            actor.logo = store_image(badge(initials(actor.title), color, round_=rng.random() < 0.5), "logos",
                                     max_size=(480, 480), widths=(160,))
            logos += 1
    for territory in db.session.scalars(select(Territory).where(Territory.logo.is_(None))).all():
        color = parse(accessible(territory.color_primary))
        territory.logo = store_image(badge(initials(territory.name), color, round_=False), "territories",
                                     max_size=(400, 400), widths=(160,))
    avatars = 0
    for user in db.session.scalars(select(User).where(User.avatar.is_(None)).order_by(User.id)).all():
        if rng.random() < 0.5:
            user.avatar = store_image(badge(initials(user.name), _hue(rng, 0.5, 0.55)), "avatars", square=256,
                                      widths=())
            avatars += 1
    lines.append(f"images: {covers} covers, {logos} structure logos, territory logos, {avatars} member pictures")
