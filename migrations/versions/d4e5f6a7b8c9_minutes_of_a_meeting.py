"""Minutes of a meeting: an article of kind "minutes" tied to an event of a working group (#14)

Revision ID: d4e5f6a7b8c9
Revises: b3c4d5e6f7a8
Create Date: 2026-12-03 21:11:23.015830

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e5f6a7b8c9'
down_revision = 'b3c4d5e6f7a8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_article_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_article_meeting_id_event'), 'event', ['meeting_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_article_meeting_id_event'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_article_meeting_id'))
        batch_op.drop_column('meeting_id')

