"""The statements the dispatcher claims, renews and releases reminder rows with."""

from __future__ import annotations

from sqlalchemy import text

# Each branch of the claim is its own index range (state, due_at): one OR walks the due_at index
# past every later row (272 vs 3 ms at 390k rows). Each branch skips rows another replica's claim
# holds at that moment and reads on past them, so a claim never comes back short (which ends a
# tick) only because they met. The outer condition is re-checked on a row another replica
# claimed meanwhile, so it is not claimed twice. SQLite plans the OR itself.
CLAIM_POSTGRES = text("""
    WITH expired AS (
        SELECT id, due_at FROM reminders WHERE state = 'claimed' AND lease_until < :now
        ORDER BY due_at, id LIMIT :batch FOR UPDATE SKIP LOCKED),
    due AS (
        SELECT id, due_at FROM reminders WHERE state = 'pending' AND due_at <= :now
        ORDER BY due_at, id LIMIT :batch FOR UPDATE SKIP LOCKED)
    UPDATE reminders SET state = 'claimed', lease_until = :lease, claimed_by = :me,
           updated_at = :now
    WHERE id IN (
        SELECT id FROM (SELECT id, due_at FROM expired UNION ALL SELECT id, due_at FROM due) c
        ORDER BY due_at, id LIMIT :batch)
    AND ((state = 'pending' AND due_at <= :now) OR (state = 'claimed' AND lease_until < :now))
    RETURNING id""")
CLAIM_SQLITE = text("""
    UPDATE reminders SET state = 'claimed', lease_until = :lease, claimed_by = :me,
           updated_at = :now
    WHERE id IN (
        SELECT id FROM reminders
        WHERE (state = 'pending' AND due_at <= :now) OR (state = 'claimed' AND lease_until < :now)
        ORDER BY due_at, id LIMIT :batch)
    RETURNING id""")


RENEW = text("""
    UPDATE reminders SET lease_until = :until, attempts = attempts + 1
    WHERE id = :id AND claimed_by = :me AND state = 'claimed' AND lease_until >= :now""")

RELEASE = text("""
    UPDATE reminders SET state = 'pending', lease_until = NULL, claimed_by = NULL,
           updated_at = :now
    WHERE claimed_by = :me AND state = 'claimed'""")
