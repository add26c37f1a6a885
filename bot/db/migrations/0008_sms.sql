-- "Text sign PMFZYI to 50409": a server's SMS number and keyword for share cards and flyers.
ALTER TABLE guild_settings ADD COLUMN sms_number TEXT;
ALTER TABLE guild_settings ADD COLUMN sms_keyword TEXT;
