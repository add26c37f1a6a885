-- Signature drives: counters kept exact by triggers, a per-drive cap on offline logs, the
-- scheduled jobs (start, 24 hours left, end) and the reward roles of issue 5.
--
-- The counters are maintained by triggers so that every way a signature comes or goes — a member
-- signing, a withdrawal, an import, a merge, a forgotten signer — keeps them right without the
-- code path knowing about drives. (PostgreSQL has the same triggers, as functions.)

ALTER TABLE drives ADD COLUMN signature_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE drives ADD COLUMN logged_count    INTEGER NOT NULL DEFAULT 0;
ALTER TABLE drives ADD COLUMN log_cap         INTEGER NOT NULL DEFAULT 500 CHECK (log_cap > 0);
ALTER TABLE drive_participants ADD COLUMN recruits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE drive_participants ADD COLUMN logged   INTEGER NOT NULL DEFAULT 0;

CREATE INDEX drives_by_petition ON drives (petition_id, status);
CREATE INDEX drive_participants_by_user ON drive_participants (user_id);
CREATE INDEX drive_participants_by_team ON drive_participants (team_id) WHERE team_id IS NOT NULL;
CREATE INDEX offline_logs_by_drive ON offline_logs (drive_id, status, id);
CREATE INDEX signatures_by_drive ON signatures (drive_id) WHERE drive_id IS NOT NULL;

-- What happens at a drive's due times; each row fires once ('fired') or is 'skipped'.
CREATE TABLE drive_jobs (
    id       INTEGER PRIMARY KEY,
    drive_id INTEGER NOT NULL REFERENCES drives (id) ON DELETE CASCADE,
    kind     TEXT    NOT NULL CHECK (kind IN ('start', 'last_day', 'end')),
    due_at   TEXT    NOT NULL,
    status   TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'fired', 'skipped')),
    fired_at TEXT,
    late     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (drive_id, kind)
);
CREATE INDEX drive_jobs_due ON drive_jobs (due_at) WHERE status = 'pending';

-- Reward roles: a role for members whose recruits reach a count; the roles Rally granted; and
-- the members whose recruit count changed since their roles were last reconciled.
CREATE TABLE reward_roles (
    guild_id   INTEGER NOT NULL,
    recruits   INTEGER NOT NULL CHECK (recruits > 0),
    role_id    INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (guild_id, recruits),
    UNIQUE (guild_id, role_id)
);

CREATE TABLE reward_grants (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    role_id    INTEGER NOT NULL,
    granted_at TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id, role_id)
);

CREATE TABLE reward_checks (
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;

-- A signature counted for a drive and, through a referral code, for a recruiter.
CREATE TRIGGER signatures_drive_insert AFTER INSERT ON signatures
WHEN NEW.status = 'counted' AND (NEW.drive_id IS NOT NULL OR NEW.referral_code_id IS NOT NULL)
BEGIN
    UPDATE drives SET signature_count = signature_count + 1 WHERE id = NEW.drive_id;
    UPDATE drive_participants SET recruits = recruits + 1
     WHERE id = (SELECT participant_id FROM referral_codes WHERE id = NEW.referral_code_id);
    INSERT OR IGNORE INTO reward_checks (guild_id, user_id)
    SELECT d.guild_id, p.user_id FROM referral_codes rc
      JOIN drive_participants p ON p.id = rc.participant_id
      JOIN drives d ON d.id = rc.drive_id
     WHERE rc.id = NEW.referral_code_id
       AND EXISTS (SELECT 1 FROM reward_roles r WHERE r.guild_id = d.guild_id);
END;

CREATE TRIGGER signatures_drive_delete AFTER DELETE ON signatures
WHEN OLD.status = 'counted' AND (OLD.drive_id IS NOT NULL OR OLD.referral_code_id IS NOT NULL)
BEGIN
    UPDATE drives SET signature_count = signature_count - 1 WHERE id = OLD.drive_id;
    UPDATE drive_participants SET recruits = recruits - 1
     WHERE id = (SELECT participant_id FROM referral_codes WHERE id = OLD.referral_code_id);
    INSERT OR IGNORE INTO reward_checks (guild_id, user_id)
    SELECT d.guild_id, p.user_id FROM referral_codes rc
      JOIN drive_participants p ON p.id = rc.participant_id
      JOIN drives d ON d.id = rc.drive_id
     WHERE rc.id = OLD.referral_code_id
       AND EXISTS (SELECT 1 FROM reward_roles r WHERE r.guild_id = d.guild_id);
END;

CREATE TRIGGER signatures_drive_update AFTER UPDATE OF status, drive_id, referral_code_id
ON signatures
WHEN OLD.status IS NOT NEW.status OR OLD.drive_id IS NOT NEW.drive_id
  OR OLD.referral_code_id IS NOT NEW.referral_code_id
BEGIN
    UPDATE drives SET signature_count = signature_count - 1
     WHERE OLD.status = 'counted' AND id = OLD.drive_id;
    UPDATE drives SET signature_count = signature_count + 1
     WHERE NEW.status = 'counted' AND id = NEW.drive_id;
    UPDATE drive_participants SET recruits = recruits - 1
     WHERE OLD.status = 'counted'
       AND id = (SELECT participant_id FROM referral_codes WHERE id = OLD.referral_code_id);
    UPDATE drive_participants SET recruits = recruits + 1
     WHERE NEW.status = 'counted'
       AND id = (SELECT participant_id FROM referral_codes WHERE id = NEW.referral_code_id);
    INSERT OR IGNORE INTO reward_checks (guild_id, user_id)
    SELECT d.guild_id, p.user_id FROM referral_codes rc
      JOIN drive_participants p ON p.id = rc.participant_id
      JOIN drives d ON d.id = rc.drive_id
     WHERE rc.id IN (OLD.referral_code_id, NEW.referral_code_id)
       AND EXISTS (SELECT 1 FROM reward_roles r WHERE r.guild_id = d.guild_id);
END;

-- Offline logs count for their drive and volunteer once approved.
CREATE TRIGGER offline_logs_insert AFTER INSERT ON offline_logs
WHEN NEW.status = 'approved'
BEGIN
    UPDATE drives SET logged_count = logged_count + NEW.count WHERE id = NEW.drive_id;
    UPDATE drive_participants SET logged = logged + NEW.count WHERE id = NEW.participant_id;
END;

CREATE TRIGGER offline_logs_update AFTER UPDATE OF status ON offline_logs
WHEN OLD.status IS NOT NEW.status AND 'approved' IN (OLD.status, NEW.status)
BEGIN
    UPDATE drives
       SET logged_count = logged_count
           + CASE WHEN NEW.status = 'approved' THEN NEW.count ELSE -OLD.count END
     WHERE id = NEW.drive_id;
    UPDATE drive_participants
       SET logged = logged + CASE WHEN NEW.status = 'approved' THEN NEW.count ELSE -OLD.count END
     WHERE id = NEW.participant_id;
END;
