-- 004: studios — indexes for the public list (newest first, by region),
-- for a user's invitations (by e-mail) and for a studio's attachments.
CREATE INDEX studios_created ON studios(created_at DESC, id DESC);
CREATE INDEX studios_region ON studios(region);
CREATE INDEX studio_members_email ON studio_members(email, status);
CREATE INDEX attachments_studio ON attachments(studio_id);
