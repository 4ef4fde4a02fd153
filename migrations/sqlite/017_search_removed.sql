-- 017: the documents that left the search index, in order. Searches keep
-- bitmaps of the documents holding each frequent term (src/search/
-- fast_terms.h), built now and then; a document withdrawn since must not
-- be found through them. Every removal from the index is logged here in
-- the removing transaction, by this process or another (kejiyun reindex),
-- and searches read the entries past the last one they saw. Entries older
-- than the bitmaps in use are deleted by the server.
CREATE TABLE search_removed (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_rowid  INTEGER NOT NULL
);
