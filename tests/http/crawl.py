"""crawl.py — follows every link a user can see, page by page, and reports
what an outsider would trip over: a link or a page resource answering
400 or more, and a message key shown instead of its text (a key of the
catalogs in the page's visible text or in an attribute people read:
placeholder, title, aria-label, alt, a button's value).

Used by test_crawl.py (each user kind, each language) and runnable by
hand against a server one already has:
    python3 tests/http/crawl.py http://127.0.0.1:8080 [EMAIL PASSWORD] [--lang en]

Pages are visited breadth first from the seeds. Links whose path differs
only in its ids (ULIDs, numbers, region codes) are one *shape*; at most
PER_SHAPE of a shape are fetched, so a list of 250 listings costs two
fetches, not 250, and every kind of page is still reached. Links that
would change something or end the session are never followed (GET only,
and not /logout, /lang/..., nor downloads of the user's own data).
"""
import html.parser
import os
import re
import sys
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PER_SHAPE = 2
ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")
NUMBER = re.compile(r"(?<=/)\d+(?=/|$)")
# Never followed: these change state or session, or are the same page in
# another language (the crawl runs once per language).
SKIP = re.compile(r"^/(logout|lang/|account/export|__test/)")


def catalog_keys(lang=None):
    """Every key of every catalog (i18n/*.tsv), or of lang's catalog
    (i18n/LANG.tsv and i18n/LANG.*.tsv), for spotting a key shown raw."""
    keys = set()
    d = os.path.join(ROOT, "i18n")
    for name in os.listdir(d):
        if not name.endswith(".tsv") or (lang and name != lang + ".tsv" and not name.startswith(lang + ".")):
            continue
        with open(os.path.join(d, name), encoding="utf-8") as f:
            for line in f:
                if line and not line.startswith("#") and "\t" in line:
                    keys.add(line.split("\t", 1)[0])
    # Keys that are also ordinary words or file names a page may show.
    return {k for k in keys if "." in k}


class _Page(html.parser.HTMLParser):
    """Links, page resources and the text a reader sees (not scripts,
    styles or templates), with the attributes people read."""
    READ_ATTRS = ("placeholder", "title", "aria-label", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.resources, self.texts = [], [], []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style", "template"):
            if tag == "script" and a.get("src"):
                self.resources.append(a["src"])
            self.hidden += 1
            return
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "link" and a.get("href") and (a.get("rel") or "") in ("stylesheet", "icon", "manifest"):
            self.resources.append(a["href"])
        if tag in ("img", "video", "source", "audio") and a.get("src"):
            self.resources.append(a["src"])
        if tag == "video" and a.get("poster"):
            self.resources.append(a["poster"])
        for attr in self.READ_ATTRS:
            if a.get(attr):
                self.texts.append(a[attr])
        if tag == "input" and (a.get("type") or "") in ("submit", "button") and a.get("value"):
            self.texts.append(a["value"])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style", "template"):
            self.hidden -= 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.texts.append(data)


def shape(path_query):
    """The link's shape: ids replaced, query values dropped (keys kept)."""
    u = urllib.parse.urlsplit(path_query)
    p = NUMBER.sub("N", ULID.sub("ID", u.path))
    keys = sorted({k for k, _ in urllib.parse.parse_qsl(u.query, keep_blank_values=True)})
    return p + ("?" + "&".join(keys) if keys else "")


KEY_TOKEN = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+")


def shown_keys(texts, keys):
    """Catalog keys appearing as whole tokens in the texts."""
    found = set()
    for t in texts:
        for m in KEY_TOKEN.finditer(t):
            if m.group(0) in keys:
                found.add(m.group(0))
    return found


def crawl(client, seeds, lang, limit=400, keys=None):
    """Visits pages breadth first from seeds as client (cookies kept) in
    lang. Returns (visited paths, problems): each problem a line naming the
    page, what it links to and what answered."""
    keys = keys if keys is not None else catalog_keys()
    headers = {"Accept-Language": lang}
    queue, seen, shapes, problems, visited = [], set(), {}, [], []
    checked = {}   # resource -> status

    def push(href, origin):
        u = urllib.parse.urlsplit(urllib.parse.urljoin("http://x" + origin, href))
        if u.scheme not in ("http", "") or (u.netloc and u.netloc != "x"):
            return
        path = u.path + ("?" + u.query if u.query else "")
        if SKIP.match(u.path) or path in seen:
            return
        s = shape(path)
        if shapes.get(s, 0) >= PER_SHAPE:
            return
        shapes[s] = shapes.get(s, 0) + 1
        seen.add(path)
        queue.append((path, origin))

    for s in seeds:
        push(s, "/")
    while queue and len(visited) < limit:
        path, origin = queue.pop(0)
        r = client.get(path, headers=headers)
        visited.append(path)
        if r.status >= 400:
            problems.append("%s links to %s, which answers %d" % (origin, path, r.status))
            continue
        ctype = r.header("Content-Type") or ""
        if r.status in (301, 302, 303, 307, 308):
            loc = r.header("Location") or ""
            if loc:
                push(loc, path)
            continue
        if "text/html" not in ctype:
            continue
        page = _Page()
        page.feed(r.text)
        for k in sorted(shown_keys(page.texts, keys)):
            problems.append("%s shows the message key %s instead of its text" % (path, k))
        for res in page.resources:
            u = urllib.parse.urljoin("http://x" + path, res)
            sp = urllib.parse.urlsplit(u)
            if sp.netloc != "x":
                continue
            rp = sp.path + ("?" + sp.query if sp.query else "")
            if rp not in checked:
                checked[rp] = client.get(rp, headers=headers).status
            if checked[rp] >= 400:
                problems.append("%s loads %s, which answers %d" % (path, rp, checked[rp]))
        for href in page.links:
            if href.startswith(("mailto:", "tel:", "#", "javascript:")):
                continue
            push(href.split("#")[0], path)
    return visited, problems


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from harness import Client

    class _S:
        def __init__(self, base):
            self.base = base.replace("http://", "")

    args = [a for a in sys.argv[1:]]
    lang = "zh-CN"
    if "--lang" in args:
        i = args.index("--lang")
        lang = args[i + 1]
        del args[i:i + 2]
    c = Client(_S(args[0]))
    seeds = ["/"]
    if len(args) >= 3:
        c.login(args[1], args[2])
        seeds += ["/dashboard"]
    seeds += args[3:]
    visited, problems = crawl(c, seeds, lang, limit=int(os.environ.get("CRAWL_LIMIT", "400")))
    print("%d pages visited" % len(visited))
    for p in problems:
        print(p)
