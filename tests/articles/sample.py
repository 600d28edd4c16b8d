"""The articles' sample for the shared tests (tests/samples.py): a format sheet (odd ``n``) or
a news article (even ``n``), published for the site's structure."""
from csti.models import Article

from ..images import stored_cover
from ..samples import publish


def make(site, n):
    article = Article(title=f"Fiche format : débat mouvant en astronomie ({n})", territory=site.territory,
                      author=site.author, summary="Faire débattre en se déplaçant.", body="Un **format** simple.")
    if n % 2:
        article.article_kind, article.format_name = "format", "Débat mouvant"
        article.steps, article.what_worked = "1. Lire une affirmation\n2. Se placer", "Tout le monde parle."
    else:
        article.article_kind = "news"
    article.owners = [site.owner]
    article.cover_image, article.cover_alt = stored_cover(), "Un ciel étoilé au-dessus d’une foule"
    return publish(site, article)
