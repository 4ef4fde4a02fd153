-- 051: the language a listing's title and summary are written in (issue 17
-- §1), a BCP-47 tag of the instance's offered languages. Translations
-- (listing_translations, 035) are in the others; pages mark the original
-- text with it; the federation feed carries it.
--
-- Rows written before this column existed were in the instance's default
-- language, which lives in the settings file as well as the database: the
-- server stamps them with it at start (kj_listing_lang_stamp) while the
-- column is empty. The partial index keeps that a look-up once none is left.
ALTER TABLE listings ADD COLUMN lang TEXT NOT NULL DEFAULT '';
CREATE INDEX listings_lang_unset ON listings(origin) WHERE lang = '';
