-- A petition's public web page (/p/{code}): organizers can make a petition unlisted (no public page).
ALTER TABLE petitions ADD COLUMN unlisted INTEGER NOT NULL DEFAULT 0;
