-- 032: the public expert directory (issue 15 item 7). An expert appears
-- in it only by their own choice (a row here); what it shows is their
-- name, title, organization and the topics and regions they answer for.
CREATE TABLE popsci_expert_public (
    user_id  TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    shown_at BIGINT NOT NULL
);
