"""organisation: roles as data, units with their 137 categories, dated memberships, substitutes

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 11:00:00

roles: the roles lanes and grants name, seeded with the built-in ones of people/roles.py
(administrators add more). units: a tree per district and for the city (district_id NULL),
with a head; unit_categories: the 137 categories each unit answers, indexed by category.
role_grants gains unit_id (a membership of a unit; NULL = the whole district, as before) and
valid_from / valid_until (NULL = open), so its unique key now includes the unit.
substitutions: a user's substitute for a period. Existing grants are kept unchanged.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# A copy of people/roles.py's built-in ROLES at this revision: migrations do not import the
# application. (code, title_fa, title_en, city_wide)
BUILT_IN_ROLES = (
    ("process_owner", "مالک فرآیند", "Process owner", True),
    ("pr_expert", "کارشناس روابط عمومی", "PR unit expert", False),
    ("pr_head", "مسئول روابط عمومی", "PR head", False),
    ("complaints_expert", "کارشناس پاسخگویی به شکایات", "Complaints expert", False),
    ("district_mayor", "شهردار منطقه", "District mayor", False),
    ("mayor_office_head", "مسئول دفتر شهردار", "Mayor's office head", False),
    ("department_head", "رئیس اداره", "Department head", False),
    ("deputy", "معاون", "Deputy", False),
    ("manager", "مدیر", "Manager", False),
    ("intake_operator", "اپراتور پذیرش ۱۳۷", "137 intake operator", False),
    ("feedback_unit", "واحد بازخورد ۱۳۷", "137 feedback unit", False),
    ("followup_unit", "واحد پیگیری ویژه", "Special follow-up unit", False),
    ("central_pr", "مدیریت روابط عمومی", "Central PR management", True),
    ("central_inspection", "مدیریت بازرسی و پاسخگویی به شکایات", "Central inspection", True),
    ("auditor", "حسابرس", "Auditor", True),
    ("admin", "مدیر سامانه", "System administrator", True),
    ("communications_office", "اداره کل ارتباطات و امور بین‌الملل",
     "Communications and international affairs office", True),
    ("followup_working_group", "کارگروه پیگیری و پاسخگویی", "Follow-up and response working group", False),
    ("special_followup_officer", "مسئول پیگیری‌های ویژه دفتر شهردار",
     "Mayor's office special follow-up officer", True),
    ("mayor_bureau_head", "مدیرکل حوزه شهردار", "Director general of the mayor's bureau", True),
)


def upgrade() -> None:
    roles = op.create_table(
        'roles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('title_fa', sa.String(length=200), nullable=False),
        sa.Column('title_en', sa.String(length=200), nullable=False),
        sa.Column('city_wide', sa.Boolean(), nullable=False),
        sa.Column('built_in', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_roles')),
        sa.UniqueConstraint('code', name=op.f('uq_roles_code')),
    )
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.bulk_insert(roles, [{"code": code, "title_fa": fa, "title_en": en, "city_wide": city,
                            "built_in": True, "created_at": now}
                           for code, fa, en, city in BUILT_IN_ROLES])
    op.create_table(
        'units',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('title_fa', sa.String(length=200), nullable=False),
        sa.Column('title_en', sa.String(length=200), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('district_id', sa.Integer(), nullable=True),
        sa.Column('head_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['parent_id'], ['units.id'], name=op.f('fk_units_parent_id_units')),
        sa.ForeignKeyConstraint(['district_id'], ['districts.id'],
                                name=op.f('fk_units_district_id_districts')),
        sa.ForeignKeyConstraint(['head_id'], ['users.id'], name=op.f('fk_units_head_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
        sa.UniqueConstraint('code', name=op.f('uq_units_code')),
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_units_district_id'), ['district_id'], unique=False)
    op.create_table(
        'unit_categories',
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_categories_unit_id_units'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('unit_id', 'category', name=op.f('pk_unit_categories')),
    )
    op.create_index('ix_unit_categories_category_unit', 'unit_categories', ['category', 'unit_id'])
    # The unique key changes, so SQLite copies the table (batch mode); the rows are kept.
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('valid_from', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('valid_until', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_role_grants_unit_id_units'), 'units',
                                    ['unit_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_role_grants_unit_id'), ['unit_id'], unique=False)
        batch_op.drop_constraint('uq_role_grants_user_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_role_grants_user_id'),
                                          ['user_id', 'role', 'district_id', 'unit_id'])
    op.create_table(
        'substitutions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('substitute_id', sa.Integer(), nullable=False),
        sa.Column('valid_from', sa.DateTime(), nullable=False),
        sa.Column('valid_until', sa.DateTime(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_substitutions_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['substitute_id'], ['users.id'],
                                name=op.f('fk_substitutions_substitute_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_substitutions_created_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_substitutions')),
    )
    with op.batch_alter_table('substitutions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_substitutions_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_substitutions_substitute_id'), ['substitute_id'], unique=False)


def downgrade() -> None:
    op.drop_table('substitutions')
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.drop_constraint('uq_role_grants_user_id', type_='unique')
        batch_op.create_unique_constraint('uq_role_grants_user_id', ['user_id', 'role', 'district_id'])
        batch_op.drop_index(batch_op.f('ix_role_grants_unit_id'))
        batch_op.drop_constraint(batch_op.f('fk_role_grants_unit_id_units'), type_='foreignkey')
        batch_op.drop_column('valid_until')
        batch_op.drop_column('valid_from')
        batch_op.drop_column('unit_id')
    op.drop_index('ix_unit_categories_category_unit', table_name='unit_categories')
    op.drop_table('unit_categories')
    op.drop_table('units')
    op.drop_table('roles')
