"""page: its language ("" for every language) and the page it translates.

Revision ID: d5e3f9a2b8c4
Revises: c4d2e8f1a7b3
Create Date: 2026-12-03 17:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5e3f9a2b8c4'
down_revision = 'c4d2e8f1a7b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('translation_of_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_page_translation_of_id'), ['translation_of_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_page_translation_of_id_page'), 'page', ['translation_of_id'],
                                    ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_page_translation_of_id_page'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_page_translation_of_id'))
        batch_op.drop_column('translation_of_id')
        batch_op.drop_column('language')
