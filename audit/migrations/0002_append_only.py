"""The audit trail is append-only in the database too (PostgreSQL; SQLite has only the model's
refusal).

A trigger refuses every UPDATE, except the one ON DELETE SET NULL makes when a person or a
contract an entry names is deleted (only actor_id or contract_id turned NULL, nothing else
changed), and every DELETE unless the transaction set `opsdesk.audit_purge = 'on'`, which
only the retention purge does (audit.services.purge_expired, with SET LOCAL).
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION audit_auditentry_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF current_setting('opsdesk.audit_purge', true) = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit entries are append-only: DELETE refused (id %)', OLD.id
            USING HINT = 'Only the retention purge (audit.purge_expired) deletes entries.';
    END IF;
    -- ON DELETE SET NULL of a deleted person or contract: only those ids may become NULL.
    IF (NEW.actor_id IS NULL OR NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id)
       AND (NEW.contract_id IS NULL OR NEW.contract_id IS NOT DISTINCT FROM OLD.contract_id)
       AND (to_jsonb(NEW) - 'actor_id' - 'contract_id')
           = (to_jsonb(OLD) - 'actor_id' - 'contract_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only: UPDATE refused (id %)', OLD.id;
END;
$$;

DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry;
CREATE TRIGGER audit_auditentry_append_only
    BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_auditentry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_auditentry_append_only();
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            # Without parameters: the % of RAISE's format must reach PostgreSQL as it is.
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False),
    ]
