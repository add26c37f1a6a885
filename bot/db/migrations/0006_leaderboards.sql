-- Leaderboards (issue 8): counters per recruiter, team and petition, kept on write by triggers in
-- the transaction of the change — a signature, a withdrawal, an import, a merge, a forgotten
-- member, an offline log reviewed — so that reading a board never scans the signatures.
--
-- Recruiters: `recruiter_counts` holds one row per (scope, period bucket, recruiter), where the
-- scope is the server ('g'), a petition ('p') or a drive ('d') and the bucket is all time (''),
-- a day ('D2026-11-24'), a week ('W2026-11-23', its Monday) or a month ('M2026-11') — days, weeks
-- and months in the server's time zone. `leaderboard_zones` holds each server's UTC offsets with
-- the instant each starts (written by Rally from the IANA zone, DST included), so a trigger can
-- tell the local day of a UTC timestamp. Every change becomes a row of `recruit_events`; one
-- trigger fans it out to the twelve counters it touches and deletes it.
--
-- Teams keep their totals on the `teams` row; petitions keep their signatures per UTC hour for
-- the "last 24 hours" board (their total is already `petitions.signature_count`).

CREATE TABLE leaderboard_guilds (
    guild_id     INTEGER PRIMARY KEY,
    zone         TEXT,                                  -- the zone `leaderboard_zones` was built for
    count_logged INTEGER NOT NULL DEFAULT 1,            -- approved offline logs count for recruiters
                                                        -- (when it changes, Rally recounts)
    min_group    INTEGER NOT NULL DEFAULT 3 CHECK (min_group >= 1)
);

CREATE TABLE leaderboard_zones (
    guild_id       INTEGER NOT NULL,
    since          TEXT    NOT NULL,                    -- ISO-8601 UTC, like signed_at
    offset_minutes INTEGER NOT NULL,
    PRIMARY KEY (guild_id, since)
) WITHOUT ROWID;

CREATE TABLE recruiter_counts (
    scope    TEXT    NOT NULL CHECK (scope IN ('g', 'p', 'd')),
    scope_id INTEGER NOT NULL,
    period   TEXT    NOT NULL,
    user_id  INTEGER NOT NULL,
    recruits INTEGER NOT NULL DEFAULT 0,
    logged   INTEGER NOT NULL DEFAULT 0,
    guild_id INTEGER NOT NULL,                          -- so that a server's purge finds them
    PRIMARY KEY (scope, scope_id, period, user_id)
) WITHOUT ROWID;
CREATE INDEX recruiter_counts_by_total
    ON recruiter_counts (scope, scope_id, period, recruits + logged DESC);

-- How many recruiters of a board have each value: a member's rank is 1 + the recruiters above
-- them, a sum over a few hundred distinct values rather than a count over thousands of rows.
CREATE TABLE recruiter_values (
    scope    TEXT    NOT NULL,
    scope_id INTEGER NOT NULL,
    period   TEXT    NOT NULL,
    value    INTEGER NOT NULL,
    n        INTEGER NOT NULL,
    guild_id INTEGER NOT NULL,
    PRIMARY KEY (scope, scope_id, period, value)
) WITHOUT ROWID;

CREATE TRIGGER recruiter_counts_value_insert AFTER INSERT ON recruiter_counts
WHEN NEW.recruits + NEW.logged > 0
BEGIN
    INSERT INTO recruiter_values (scope, scope_id, period, value, n, guild_id)
    VALUES (NEW.scope, NEW.scope_id, NEW.period, NEW.recruits + NEW.logged, 1, NEW.guild_id)
    ON CONFLICT (scope, scope_id, period, value) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER recruiter_counts_value_update AFTER UPDATE OF recruits, logged ON recruiter_counts
WHEN OLD.recruits + OLD.logged != NEW.recruits + NEW.logged
BEGIN
    UPDATE recruiter_values SET n = n - 1
     WHERE OLD.recruits + OLD.logged > 0 AND scope = OLD.scope AND scope_id = OLD.scope_id
       AND period = OLD.period AND value = OLD.recruits + OLD.logged;
    INSERT INTO recruiter_values (scope, scope_id, period, value, n, guild_id)
    SELECT NEW.scope, NEW.scope_id, NEW.period, NEW.recruits + NEW.logged, 1, NEW.guild_id
     WHERE NEW.recruits + NEW.logged > 0
    ON CONFLICT (scope, scope_id, period, value) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER recruiter_counts_value_delete AFTER DELETE ON recruiter_counts
WHEN OLD.recruits + OLD.logged > 0
BEGIN
    UPDATE recruiter_values SET n = n - 1
     WHERE scope = OLD.scope AND scope_id = OLD.scope_id AND period = OLD.period
       AND value = OLD.recruits + OLD.logged;
END;

-- A change to a recruiter's numbers, fanned out and deleted at once (always empty at rest).
CREATE TABLE recruit_events (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    guild_id    INTEGER NOT NULL,
    petition_id INTEGER NOT NULL,
    drive_id    INTEGER NOT NULL,
    at          TEXT    NOT NULL,
    recruits    INTEGER NOT NULL,
    logged      INTEGER NOT NULL
);

CREATE TRIGGER recruit_events_fan_out AFTER INSERT ON recruit_events
BEGIN
    INSERT INTO recruiter_counts (scope, scope_id, period, user_id, recruits, logged, guild_id)
    SELECT s.scope,
           CASE s.scope WHEN 'g' THEN NEW.guild_id WHEN 'p' THEN NEW.petition_id
                        ELSE NEW.drive_id END,
           CASE k.kind WHEN 'a' THEN '' WHEN 'd' THEN 'D' || z.day
                       WHEN 'w' THEN 'W' || date(z.day, '-6 days', 'weekday 1')
                       ELSE 'M' || substr(z.day, 1, 7) END,
           NEW.user_id, NEW.recruits, NEW.logged, NEW.guild_id
      FROM (SELECT date(NEW.at, printf('%+d minutes', COALESCE(
                (SELECT offset_minutes FROM leaderboard_zones
                  WHERE guild_id = NEW.guild_id AND since <= NEW.at
                  ORDER BY since DESC LIMIT 1), 0))) AS day) AS z,
           (SELECT 'g' AS scope UNION ALL SELECT 'p' UNION ALL SELECT 'd') AS s,
           (SELECT 'a' AS kind UNION ALL SELECT 'd' UNION ALL SELECT 'w' UNION ALL SELECT 'm') AS k
     WHERE true
    ON CONFLICT (scope, scope_id, period, user_id) DO UPDATE
       SET recruits = recruits + excluded.recruits, logged = logged + excluded.logged;
    DELETE FROM recruit_events WHERE id = NEW.id;
END;

-- A counted signature with a referral code counts for the code's recruiter.
CREATE TRIGGER signatures_recruit_insert AFTER INSERT ON signatures
WHEN NEW.status = 'counted' AND NEW.referral_code_id IS NOT NULL
BEGIN
    INSERT INTO recruit_events (user_id, guild_id, petition_id, drive_id, at, recruits, logged)
    SELECT p.user_id, d.guild_id, d.petition_id, d.id, NEW.signed_at, 1, 0
      FROM referral_codes rc
      JOIN drive_participants p ON p.id = rc.participant_id
      JOIN drives d ON d.id = rc.drive_id
     WHERE rc.id = NEW.referral_code_id;
END;

CREATE TRIGGER signatures_recruit_delete AFTER DELETE ON signatures
WHEN OLD.status = 'counted' AND OLD.referral_code_id IS NOT NULL
BEGIN
    INSERT INTO recruit_events (user_id, guild_id, petition_id, drive_id, at, recruits, logged)
    SELECT p.user_id, d.guild_id, d.petition_id, d.id, OLD.signed_at, -1, 0
      FROM referral_codes rc
      JOIN drive_participants p ON p.id = rc.participant_id
      JOIN drives d ON d.id = rc.drive_id
     WHERE rc.id = OLD.referral_code_id;
END;

CREATE TRIGGER signatures_recruit_update
AFTER UPDATE OF status, referral_code_id, signed_at ON signatures
WHEN (OLD.status = 'counted' AND OLD.referral_code_id IS NOT NULL
      OR NEW.status = 'counted' AND NEW.referral_code_id IS NOT NULL)
 AND (OLD.status IS NOT NEW.status OR OLD.referral_code_id IS NOT NEW.referral_code_id
      OR OLD.signed_at IS NOT NEW.signed_at)
BEGIN
    INSERT INTO recruit_events (user_id, guild_id, petition_id, drive_id, at, recruits, logged)
    SELECT p.user_id, d.guild_id, d.petition_id, d.id, OLD.signed_at, -1, 0
      FROM referral_codes rc
      JOIN drive_participants p ON p.id = rc.participant_id
      JOIN drives d ON d.id = rc.drive_id
     WHERE rc.id = OLD.referral_code_id AND OLD.status = 'counted';
    INSERT INTO recruit_events (user_id, guild_id, petition_id, drive_id, at, recruits, logged)
    SELECT p.user_id, d.guild_id, d.petition_id, d.id, NEW.signed_at, 1, 0
      FROM referral_codes rc
      JOIN drive_participants p ON p.id = rc.participant_id
      JOIN drives d ON d.id = rc.drive_id
     WHERE rc.id = NEW.referral_code_id AND NEW.status = 'counted';
END;

-- Approved offline logs count for their volunteer on the day they were logged (unless the server
-- chose not to count them).
CREATE TRIGGER offline_logs_recruit_insert AFTER INSERT ON offline_logs
WHEN NEW.status = 'approved'
BEGIN
    INSERT INTO recruit_events (user_id, guild_id, petition_id, drive_id, at, recruits, logged)
    SELECT p.user_id, d.guild_id, d.petition_id, d.id, NEW.created_at, 0, NEW.count
      FROM drive_participants p JOIN drives d ON d.id = p.drive_id
     WHERE p.id = NEW.participant_id
       AND COALESCE((SELECT count_logged FROM leaderboard_guilds g WHERE g.guild_id = d.guild_id), 1);
END;

CREATE TRIGGER offline_logs_recruit_update AFTER UPDATE OF status, count ON offline_logs
WHEN 'approved' IN (OLD.status, NEW.status)
 AND (OLD.status IS NOT NEW.status OR OLD.count IS NOT NEW.count)
BEGIN
    INSERT INTO recruit_events (user_id, guild_id, petition_id, drive_id, at, recruits, logged)
    SELECT p.user_id, d.guild_id, d.petition_id, d.id, OLD.created_at, 0, -OLD.count
      FROM drive_participants p JOIN drives d ON d.id = p.drive_id
     WHERE p.id = OLD.participant_id AND OLD.status = 'approved'
       AND COALESCE((SELECT count_logged FROM leaderboard_guilds g WHERE g.guild_id = d.guild_id), 1);
    INSERT INTO recruit_events (user_id, guild_id, petition_id, drive_id, at, recruits, logged)
    SELECT p.user_id, d.guild_id, d.petition_id, d.id, NEW.created_at, 0, NEW.count
      FROM drive_participants p JOIN drives d ON d.id = p.drive_id
     WHERE p.id = NEW.participant_id AND NEW.status = 'approved'
       AND COALESCE((SELECT count_logged FROM leaderboard_guilds g WHERE g.guild_id = d.guild_id), 1);
END;

CREATE TRIGGER offline_logs_recruit_delete AFTER DELETE ON offline_logs
WHEN OLD.status = 'approved'
BEGIN
    INSERT INTO recruit_events (user_id, guild_id, petition_id, drive_id, at, recruits, logged)
    SELECT p.user_id, d.guild_id, d.petition_id, d.id, OLD.created_at, 0, -OLD.count
      FROM drive_participants p JOIN drives d ON d.id = p.drive_id
     WHERE p.id = OLD.participant_id
       AND COALESCE((SELECT count_logged FROM leaderboard_guilds g WHERE g.guild_id = d.guild_id), 1);
END;

-- A participant's numbers follow their user id (a forgotten member's becomes anonymous).
CREATE TRIGGER drive_participants_recruit_rekey AFTER UPDATE OF user_id ON drive_participants
WHEN OLD.user_id IS NOT NEW.user_id
BEGIN
    INSERT INTO recruit_events (user_id, guild_id, petition_id, drive_id, at, recruits, logged)
    SELECT u.user_id, d.guild_id, d.petition_id, d.id, s.signed_at, u.sign, 0
      FROM referral_codes rc
      JOIN signatures s ON s.referral_code_id = rc.id AND s.status = 'counted'
      JOIN drives d ON d.id = rc.drive_id
      JOIN (SELECT OLD.user_id AS user_id, -1 AS sign
            UNION ALL SELECT NEW.user_id, 1) AS u
     WHERE rc.participant_id = NEW.id;
    INSERT INTO recruit_events (user_id, guild_id, petition_id, drive_id, at, recruits, logged)
    SELECT u.user_id, d.guild_id, d.petition_id, d.id, l.created_at, 0, u.sign * l.count
      FROM offline_logs l
      JOIN drives d ON d.id = l.drive_id
      JOIN (SELECT OLD.user_id AS user_id, -1 AS sign
            UNION ALL SELECT NEW.user_id, 1) AS u
     WHERE l.participant_id = NEW.id AND l.status = 'approved'
       AND COALESCE((SELECT count_logged FROM leaderboard_guilds g WHERE g.guild_id = d.guild_id), 1);
    -- nothing keeps the old id once its numbers are gone (a forgotten member leaves no trace)
    DELETE FROM recruiter_counts
     WHERE user_id = OLD.user_id AND recruits = 0 AND logged = 0;
END;

-- Teams: members and the recruits and approved logs of their members, on the team's row.
ALTER TABLE teams ADD COLUMN members  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE teams ADD COLUMN recruits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE teams ADD COLUMN logged   INTEGER NOT NULL DEFAULT 0;

UPDATE teams
   SET members  = (SELECT COUNT(*) FROM drive_participants p WHERE p.team_id = teams.id),
       recruits = (SELECT COALESCE(SUM(p.recruits), 0) FROM drive_participants p
                    WHERE p.team_id = teams.id),
       logged   = (SELECT COALESCE(SUM(p.logged), 0) FROM drive_participants p
                    WHERE p.team_id = teams.id);

CREATE TRIGGER drive_participants_team_insert AFTER INSERT ON drive_participants
WHEN NEW.team_id IS NOT NULL
BEGIN
    UPDATE teams SET members = members + 1, recruits = recruits + NEW.recruits,
                     logged = logged + NEW.logged
     WHERE id = NEW.team_id;
END;

CREATE TRIGGER drive_participants_team_delete AFTER DELETE ON drive_participants
WHEN OLD.team_id IS NOT NULL
BEGIN
    UPDATE teams SET members = members - 1, recruits = recruits - OLD.recruits,
                     logged = logged - OLD.logged
     WHERE id = OLD.team_id;
END;

CREATE TRIGGER drive_participants_team_update
AFTER UPDATE OF team_id, recruits, logged ON drive_participants
WHEN (OLD.team_id IS NOT NULL OR NEW.team_id IS NOT NULL)
 AND (OLD.team_id IS NOT NEW.team_id OR OLD.recruits != NEW.recruits OR OLD.logged != NEW.logged)
BEGIN
    UPDATE teams SET members = members - 1, recruits = recruits - OLD.recruits,
                     logged = logged - OLD.logged
     WHERE id = OLD.team_id;
    UPDATE teams SET members = members + 1, recruits = recruits + NEW.recruits,
                     logged = logged + NEW.logged
     WHERE id = NEW.team_id;
END;

-- Petitions: counted signatures per UTC hour (unix time / 3600), for the last-24-hours board.
CREATE TABLE petition_hours (
    petition_id INTEGER NOT NULL,
    hour        INTEGER NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (petition_id, hour)
) WITHOUT ROWID;

INSERT INTO petition_hours (petition_id, hour, count)
SELECT petition_id, CAST(strftime('%s', signed_at) AS INTEGER) / 3600, COUNT(*)
  FROM signatures WHERE status = 'counted' GROUP BY 1, 2;

CREATE TRIGGER signatures_hour_insert AFTER INSERT ON signatures
WHEN NEW.status = 'counted'
BEGIN
    INSERT INTO petition_hours (petition_id, hour, count)
    VALUES (NEW.petition_id, CAST(strftime('%s', NEW.signed_at) AS INTEGER) / 3600, 1)
    ON CONFLICT (petition_id, hour) DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER signatures_hour_delete AFTER DELETE ON signatures
WHEN OLD.status = 'counted'
BEGIN
    UPDATE petition_hours SET count = count - 1
     WHERE petition_id = OLD.petition_id
       AND hour = CAST(strftime('%s', OLD.signed_at) AS INTEGER) / 3600;
END;

CREATE TRIGGER signatures_hour_update AFTER UPDATE OF status, petition_id, signed_at ON signatures
WHEN (OLD.status = 'counted' OR NEW.status = 'counted')
 AND (OLD.status IS NOT NEW.status OR OLD.petition_id IS NOT NEW.petition_id
      OR OLD.signed_at IS NOT NEW.signed_at)
BEGIN
    UPDATE petition_hours SET count = count - 1
     WHERE OLD.status = 'counted' AND petition_id = OLD.petition_id
       AND hour = CAST(strftime('%s', OLD.signed_at) AS INTEGER) / 3600;
    INSERT INTO petition_hours (petition_id, hour, count)
    SELECT NEW.petition_id, CAST(strftime('%s', NEW.signed_at) AS INTEGER) / 3600, 1
     WHERE NEW.status = 'counted'
    ON CONFLICT (petition_id, hour) DO UPDATE SET count = count + 1;
END;

-- Leaderboards posted in a channel and edited in place every `every_minutes`.
CREATE TABLE leaderboard_posts (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    channel_id    INTEGER NOT NULL,
    message_id    INTEGER,
    board         TEXT    NOT NULL CHECK (board IN ('recruiters', 'teams', 'petitions')),
    scope         TEXT    NOT NULL DEFAULT 'g' CHECK (scope IN ('g', 'p', 'd')),
    scope_id      INTEGER,
    period        TEXT    NOT NULL DEFAULT 'all',
    every_minutes INTEGER NOT NULL CHECK (every_minutes > 0),
    next_at       TEXT    NOT NULL,
    created_by    INTEGER,
    created_at    TEXT    NOT NULL
);
CREATE INDEX leaderboard_posts_due ON leaderboard_posts (next_at);
