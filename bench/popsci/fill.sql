-- fill.sql — bench data for the popular-science feed (bench/popsci/run).
-- Parameters arrive as a temp table p(items, events, users, now) created
-- by the caller. Adds p.users synthetic readers, p.items published content
-- items (12 topics, 30 % for everywhere, the rest for one region each —
-- province, city or district —, published over the last two years, 20
-- urgent notices live now) and p.events reading events, of which 400
-- belong to the measured reader (zhang.wei) and the rest to the synthetic
-- readers. Deterministic: the same parameters give the same data.
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
CREATE TEMP TABLE t(i INTEGER PRIMARY KEY, code TEXT);
INSERT INTO t(code) VALUES ('rice'),('agri'),('seeds'),('livestock'),('plantprot'),('health'),('disaster'),
                           ('safety'),('ai'),('energy'),('youth'),('antipseudo');
CREATE TEMP TABLE r(i INTEGER PRIMARY KEY, code TEXT);
INSERT INTO r(code) SELECT code FROM regions ORDER BY code;
CREATE TEMP TABLE n(k INTEGER PRIMARY KEY);
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s
                        WHERE i + 1 < max((SELECT items FROM p), (SELECT users FROM p), 50000))
INSERT INTO n(k) SELECT i FROM s;

INSERT INTO users(id, origin, email, name, password_hash, role, region, created_at, updated_at)
SELECT printf('BU%024d', k), 'bench', printf('reader%d@bench.invalid', k), printf('读者%d', k), 'x', 'scientist',
       (SELECT code FROM r WHERE r.i = 1 + (k * 7) % (SELECT count(*) FROM r)), (SELECT now FROM p), (SELECT now FROM p)
FROM n WHERE k < (SELECT users FROM p);

INSERT INTO popsci_content(id, origin, kind, title, summary, body, topic, audience, regions, author_id, status,
                           reviewer_id, urgent_until, created_at, published_at)
SELECT printf('BC%024d', k), 'bench', CASE WHEN k < 20 THEN 'notice' WHEN k % 10 = 0 THEN 'video' ELSE 'article' END,
       printf('科普条目 %d：%s', k, CASE k % 5 WHEN 0 THEN '水稻病虫害防治' WHEN 1 THEN '生猪养殖要点' WHEN 2 THEN '植保无人机作业'
                                          WHEN 3 THEN '夏季防暑' ELSE '识别伪科学' END),
       '摘要：适合手机阅读的简短说明。', '正文', (SELECT code FROM t WHERE t.i = 1 + k % 12),
       CASE k % 5 WHEN 0 THEN 'rural' WHEN 1 THEN 'urban' WHEN 2 THEN 'youth' WHEN 3 THEN 'elderly' ELSE 'everyone' END,
       CASE WHEN k % 10 < 3 THEN '' ELSE ' ' || (SELECT code FROM r WHERE r.i = 1 + (k * 31) % (SELECT count(*) FROM r)) || ' ' END,
       (SELECT id FROM users WHERE email = 'zhang.wei@demo.kejiyun.cn'), 'published',
       (SELECT id FROM users WHERE email = 'admin@demo.kejiyun.cn'),
       CASE WHEN k < 20 THEN (SELECT now FROM p) + 86400000 ELSE 0 END,
       (SELECT now FROM p) - (k * 631) % (730 * 86400000 / 1000) * 1000,
       (SELECT now FROM p) - (k * 631) % (730 * 86400000 / 1000) * 1000
FROM n WHERE k < (SELECT items FROM p);

-- Events: reader u opens/finishes/likes/marks useful content k; (u, k)
-- pairs are distinct, so the primary key never collides.
INSERT OR IGNORE INTO popsci_events(user_id, content_id, kind, topic, region, at)
SELECT printf('BU%024d', e % (SELECT users FROM p)),
       printf('BC%024d', ((e / (SELECT users FROM p)) * 2003 + (e % (SELECT users FROM p)) * 31) % (SELECT items FROM p)),
       CASE (e / (SELECT users FROM p)) % 4 WHEN 0 THEN 'open' WHEN 1 THEN 'finish' WHEN 2 THEN 'like' ELSE 'useful' END,
       (SELECT code FROM t WHERE t.i = 1 + ((((e / (SELECT users FROM p)) * 2003 + (e % (SELECT users FROM p)) * 31)
                                            % (SELECT items FROM p)) % 12)),
       '510100', (SELECT now FROM p) - e
FROM (SELECT a.k * 50000 + b.k AS e FROM n a, n b
      WHERE a.k < ((SELECT events FROM p) + 49999) / 50000 AND b.k < 50000)
WHERE e < (SELECT events FROM p) - 400;

INSERT OR IGNORE INTO popsci_events(user_id, content_id, kind, topic, region, at)
SELECT (SELECT id FROM users WHERE email = 'zhang.wei@demo.kejiyun.cn'), printf('BC%024d', (k * 97) % (SELECT items FROM p)),
       CASE k % 2 WHEN 0 THEN 'open' ELSE 'finish' END, (SELECT code FROM t WHERE t.i = 1 + ((k * 97) % (SELECT items FROM p)) % 12),
       '511100', (SELECT now FROM p) - k * 1000
FROM n WHERE k < 400;

INSERT INTO popsci_profiles(user_id, topics, region, crops, audience, updated_at)
SELECT id, ' rice plantprot ', '511102', '水稻', 'rural', (SELECT now FROM p) FROM users
WHERE email = 'zhang.wei@demo.kejiyun.cn'
ON CONFLICT(user_id) DO UPDATE SET topics = excluded.topics, region = excluded.region, crops = excluded.crops,
                                   audience = excluded.audience;
COMMIT;
ANALYZE;
