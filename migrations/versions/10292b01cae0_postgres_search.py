"""PostgreSQL full-text search: the search_document and search_word tables, the csti_french
text search configuration (unaccent + French Snowball stemmer without stop list) and
csti_simple (unaccent, no stemming: the beginnings of words typed in the search box).

PostgreSQL only: on SQLite this migration does nothing (the Whoosh backend needs no table).
After switching CSTI_SEARCH_BACKEND to postgres, fill the tables with `flask csti reindex`.

Revision ID: 10292b01cae0
Revises: ef423106c029
Create Date: 2026-11-25 07:10:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '10292b01cae0'
down_revision = 'ef423106c029'
branch_labels = None
depends_on = None

SETUP_SQL = """
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_dict WHERE dictname = 'csti_french_stem') THEN
    CREATE TEXT SEARCH DICTIONARY csti_french_stem (TEMPLATE = snowball, LANGUAGE = french);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'csti_french') THEN
    CREATE TEXT SEARCH CONFIGURATION csti_french (COPY = pg_catalog.french);
    ALTER TEXT SEARCH CONFIGURATION csti_french
      ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
      WITH unaccent, csti_french_stem;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'csti_simple') THEN
    CREATE TEXT SEARCH CONFIGURATION csti_simple (COPY = pg_catalog.simple);
    ALTER TEXT SEARCH CONFIGURATION csti_simple
      ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
      WITH unaccent, simple;
  END IF;
END
$$;
"""


def _postgresql():
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if not _postgresql():
        return
    op.execute(SETUP_SQL)
    op.create_table('search_document',
    sa.Column('content_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('territory', sa.String(length=60), nullable=False),
    sa.Column('subkind', sa.String(length=20), nullable=False),
    sa.Column('tags', postgresql.ARRAY(sa.String(length=60)), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('excerpt', sa.Text(), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('published', sa.DateTime(), nullable=True),
    sa.Column('starts', sa.DateTime(), nullable=True),
    sa.Column('ends', sa.DateTime(), nullable=True),
    sa.Column('fingerprint', sa.String(length=40), nullable=False),
    sa.Column('document', postgresql.TSVECTOR(), nullable=False),
    sa.Column('words', postgresql.TSVECTOR(), nullable=False),
    sa.PrimaryKeyConstraint('content_id', name=op.f('pk_search_document'))
    )
    op.create_index('ix_search_document_document', 'search_document', ['document'], unique=False,
                    postgresql_using='gin')
    op.create_index('ix_search_document_words', 'search_document', ['words'], unique=False,
                    postgresql_using='gin')
    op.create_index('ix_search_document_tags', 'search_document', ['tags'], unique=False, postgresql_using='gin')
    op.create_index('ix_search_document_kind', 'search_document', ['kind'], unique=False)
    op.create_index('ix_search_document_territory', 'search_document', ['territory'], unique=False)
    op.create_index('ix_search_document_ends', 'search_document', ['ends'], unique=False)
    op.create_table('search_word',
    sa.Column('word', sa.String(length=60), nullable=False),
    sa.PrimaryKeyConstraint('word', name=op.f('pk_search_word'))
    )


def downgrade():
    if not _postgresql():
        return
    op.drop_table('search_word')
    op.drop_table('search_document')
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS csti_french")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS csti_simple")
    op.execute("DROP TEXT SEARCH DICTIONARY IF EXISTS csti_french_stem")
