/*
 * tmpl.c — the template engine behind tmpl.h: loading a directory,
 * compiling each file to an op list while an HTML lexer fixes every tag's
 * escaping context, and rendering op lists against jansson data.
 *
 * Sections of this file, in order: limits and types · arena (all memory of
 * a set) · HTML lexer · tag compiler · loader and linker · renderer
 * (output buffer, lookups, escapers, ops) · public entry points.
 *
 * Threading: a set is written only inside kj_tmpl_load_dir and read-only
 * afterwards; all render state lives on the rendering thread's stack.
 */
#include "web/tmpl.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------------ */
/* Limits and types                                                    */

enum {
    MAX_PARTIAL_DEPTH = 16,  /* partials nested at render time */
    MAX_FRAMES = 256,        /* context stack entries at render time */
    MAX_NEST = 64,           /* sections nested in one file */
    MAX_SEGS = 32,           /* segments in one dotted path */
    MAX_DIR_DEPTH = 16,      /* directory levels below the template root */
    OUTBUF = 4096,           /* render-side buffer in front of the sink */
};

enum pkind { P_NONE, P_DOT, P_NAMES, P_INDEX, P_FIRST, P_LAST };

typedef struct {
    const char *key;   /* NUL-terminated */
    size_t len;
    long index;        /* the segment as an array index, or -1 */
} pseg;

typedef struct {
    const pseg *seg;
    uint16_t nseg;
    uint8_t kind;      /* enum pkind */
} kpath;

enum opcode { OP_LIT, OP_VAR, OP_SECTION, OP_INVERTED, OP_PARTIAL, OP_TRANS };
enum esc { ESC_HTML, ESC_URL_START, ESC_URL_PART, ESC_RAW };

typedef struct {
    uint8_t code;      /* enum opcode */
    uint8_t esc;       /* enum esc, for OP_VAR and OP_TRANS */
    uint32_t jump;     /* OP_SECTION/OP_INVERTED: first op after the body */
    uint32_t target;   /* OP_PARTIAL: template index, set by the linker */
    int line;          /* OP_PARTIAL: for link errors */
    const char *text;  /* OP_LIT: literal; OP_TRANS: key; OP_PARTIAL: name */
    size_t len;
    kpath path;        /* OP_VAR/sections: value; OP_TRANS: argument */
} op;

typedef struct {
    const char *name;  /* "a/b" for a/b.html */
    const char *path;  /* as opened, for error messages */
    const char *src;
    size_t srclen;
    op *ops;
    uint32_t nops;
} tmpl;

typedef struct ablock {
    struct ablock *next;
    size_t used, cap;
    max_align_t data[];
} ablock;

struct kj_tmpl_set {
    ablock *mem;       /* owns every byte below */
    tmpl *tmpls;       /* sorted by name */
    size_t n;
};

/* ------------------------------------------------------------------ */
/* Arena: a set's memory is freed all at once, so nothing in it needs an
 * owner of its own. */

static void *arena_alloc(ablock **a, size_t n)
{
    const size_t al = _Alignof(max_align_t);
    n = (n + al - 1) / al * al;
    if (!*a || (*a)->cap - (*a)->used < n) {
        size_t cap = n > 16384 ? n : 16384;
        ablock *b = malloc(sizeof *b + cap);
        if (!b) return NULL;
        b->next = *a;
        b->used = 0;
        b->cap = cap;
        *a = b;
    }
    void *p = (char *)(*a)->data + (*a)->used;
    (*a)->used += n;
    return p;
}

static char *arena_strndup(ablock **a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void arena_free(ablock *a)
{
    while (a) {
        ablock *next = a->next;
        free(a);
        a = next;
    }
}

/* ------------------------------------------------------------------ */
/* HTML lexer. It sees only the literal template text, one byte at a time,
 * and knows just enough of the HTML tokenizer to tell where a template tag
 * lands. Where browsers would be lenient and our reading could differ from
 * theirs, it reports an error instead. */

enum hstate {
    H_TEXT, H_RCDATA, H_RAWTEXT,
    H_TAG_OPEN, H_END_TAG_OPEN, H_TAG_NAME,
    H_BEFORE_ATTR, H_ATTR_NAME, H_AFTER_ATTR_NAME,
    H_BEFORE_VALUE, H_VALUE_DQ, H_VALUE_SQ, H_VALUE_UNQ,
    H_MARKUP, H_COMMENT, H_BOGUS,
    H_NSTATES
};

enum akind { A_PLAIN, A_URL, A_EVENT, A_STYLE, A_SRCSET, A_SRCDOC };

typedef struct {
    enum hstate st;
    enum akind ak;     /* kind of the attribute whose value we are in */
    int url_start;     /* URL value holds only blanks so far */
    int is_end;        /* the tag being read is an end tag */
    char tag[16];      /* tag name being read; in RCDATA/RAWTEXT the element */
    size_t taglen;
    int tag_long;
    char attr[32];
    size_t attrlen;
    int attr_long;
    size_t endmatch;   /* RCDATA/RAWTEXT: 1 = "<", 2 = "</", 2+k = k name bytes */
    unsigned dashes;   /* markup: '-' seen after "<!"; comment: trailing '-' */
    int line;          /* current line (the compiler counts inside tags) */
    int start_line;    /* where the current tag, comment or element began */
} hlex;

/* Elements whose content the browser does not parse as markup. */
static const struct { const char *name; enum hstate st; } special_elems[] = {
    {"script", H_RAWTEXT}, {"style", H_RAWTEXT}, {"xmp", H_RAWTEXT},
    {"iframe", H_RAWTEXT}, {"noembed", H_RAWTEXT}, {"noframes", H_RAWTEXT},
    {"plaintext", H_RAWTEXT}, {"textarea", H_RCDATA}, {"title", H_RCDATA},
};

/* Attributes whose value is a URL, or that may hold no template tag. */
static const struct { const char *name; enum akind kind; } attr_kinds[] = {
    {"href", A_URL}, {"src", A_URL}, {"action", A_URL}, {"formaction", A_URL},
    {"poster", A_URL}, {"cite", A_URL}, {"background", A_URL},
    {"data", A_URL}, {"codebase", A_URL}, {"classid", A_URL},
    {"archive", A_URL}, {"longdesc", A_URL}, {"lowsrc", A_URL},
    {"dynsrc", A_URL}, {"manifest", A_URL}, {"icon", A_URL},
    {"ping", A_URL}, {"profile", A_URL}, {"usemap", A_URL},
    {"xlink:href", A_URL}, {"xml:base", A_URL},
    {"style", A_STYLE}, {"srcset", A_SRCSET}, {"imagesrcset", A_SRCSET},
    {"srcdoc", A_SRCDOC},
};

static const char *const akind_forbidden[] = {
    [A_EVENT] = "an event-handler attribute",
    [A_STYLE] = "a style attribute",
    [A_SRCSET] = "a srcset attribute (not supported)",
    [A_SRCDOC] = "a srcdoc attribute",
};

/* Why a value-producing template tag cannot stand in a state. */
static const char *const state_forbidden[H_NSTATES] = {
    [H_TAG_OPEN] = "template tag inside a tag name",
    [H_END_TAG_OPEN] = "template tag inside a tag name",
    [H_TAG_NAME] = "template tag inside a tag name",
    [H_BEFORE_ATTR] = "template tag in attribute-name position",
    [H_ATTR_NAME] = "template tag inside an attribute name",
    [H_AFTER_ATTR_NAME] = "template tag in attribute-name position",
    [H_BEFORE_VALUE] = "template tag in an unquoted attribute value (quote the value)",
    [H_VALUE_UNQ] = "template tag in an unquoted attribute value (quote the value)",
    [H_MARKUP] = "template tag inside an HTML comment or declaration",
    [H_COMMENT] = "template tag inside an HTML comment",
    [H_BOGUS] = "template tag inside an HTML declaration",
};

static const char *const eof_reason[H_NSTATES] = {
    [H_TAG_OPEN] = "template ends inside a tag begun here",
    [H_END_TAG_OPEN] = "template ends inside a tag begun here",
    [H_TAG_NAME] = "template ends inside a tag begun here",
    [H_BEFORE_ATTR] = "template ends inside a tag begun here",
    [H_ATTR_NAME] = "template ends inside a tag begun here",
    [H_AFTER_ATTR_NAME] = "template ends inside a tag begun here",
    [H_BEFORE_VALUE] = "template ends inside a tag begun here",
    [H_VALUE_DQ] = "template ends inside an attribute value of a tag begun here",
    [H_VALUE_SQ] = "template ends inside an attribute value of a tag begun here",
    [H_VALUE_UNQ] = "template ends inside a tag begun here",
    [H_RCDATA] = "element begun here is never closed",
    [H_RAWTEXT] = "element begun here is never closed",
    [H_MARKUP] = "HTML comment or declaration begun here is never closed",
    [H_COMMENT] = "HTML comment begun here is never closed",
    [H_BOGUS] = "HTML declaration begun here is never closed",
};

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int is_alpha(unsigned char c)
{
    return (c | 32) >= 'a' && (c | 32) <= 'z';
}

static char to_lower(unsigned char c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

static void name_add(char *buf, size_t cap, size_t *len, int *too_long,
                     unsigned char c)
{
    if (*len + 1 < cap) {
        buf[(*len)++] = to_lower(c);
        buf[*len] = '\0';
    } else {
        *too_long = 1;
    }
}

static void start_tag_name(hlex *h, unsigned char c, int is_end)
{
    h->st = H_TAG_NAME;
    h->is_end = is_end;
    h->taglen = 0;
    h->tag_long = 0;
    name_add(h->tag, sizeof h->tag, &h->taglen, &h->tag_long, c);
}

static void start_attr_name(hlex *h, unsigned char c)
{
    h->st = H_ATTR_NAME;
    h->attrlen = 0;
    h->attr_long = 0;
    h->attr[0] = '\0';
    name_add(h->attr, sizeof h->attr, &h->attrlen, &h->attr_long, c);
}

static enum akind classify_attr(const hlex *h)
{
    if (h->attr[0] == 'o' && h->attr[1] == 'n') return A_EVENT;
    if (h->attr_long) return A_PLAIN;
    for (size_t i = 0; i < sizeof attr_kinds / sizeof attr_kinds[0]; i++)
        if (strcmp(h->attr, attr_kinds[i].name) == 0) return attr_kinds[i].kind;
    return A_PLAIN;
}

static void start_value(hlex *h)
{
    h->st = H_BEFORE_VALUE;
    h->ak = classify_attr(h);
}

static void finish_tag(hlex *h)
{
    h->st = H_TEXT;
    if (h->is_end || h->tag_long) return;
    for (size_t i = 0; i < sizeof special_elems / sizeof special_elems[0]; i++)
        if (strcmp(h->tag, special_elems[i].name) == 0) {
            h->st = special_elems[i].st;
            h->endmatch = 0;
        }
}

/* Inside RCDATA/RAWTEXT only "</name" followed by a delimiter ends the
 * element. In RCDATA any other markup is refused: in foreign content
 * (<svg><title>) the browser would parse it as tags, so our reading and
 * the browser's could differ. */
static const char *lex_rawish(hlex *h, unsigned char c)
{
    size_t m = h->endmatch;
    if (m == 0) {
        if (c == '<') h->endmatch = 1;
        return NULL;
    }
    if (m == 1 && c == '/') {
        h->endmatch = 2;
        return NULL;
    }
    if (m >= 2 && m - 2 < h->taglen) {
        if (to_lower(c) == h->tag[m - 2]) {
            h->endmatch++;
            return NULL;
        }
    } else if (m >= 2 && (is_blank(c) || c == '/' || c == '>')) {
        h->endmatch = 0;
        h->is_end = 1;
        h->st = H_BEFORE_ATTR;
        if (c == '>') finish_tag(h);
        return NULL;
    }
    h->endmatch = 0;
    if (h->st == H_RCDATA &&
        (m >= 2 || is_alpha(c) || c == '!' || c == '?'))
        return "markup inside <title> or <textarea> (write &lt; for a literal '<')";
    if (c == '<') h->endmatch = 1;
    return NULL;
}

static const char *lex_char(hlex *h, unsigned char c);

static const char *lex_tag_open(hlex *h, unsigned char c)
{
    if (is_alpha(c)) start_tag_name(h, c, 0);
    else if (c == '/') h->st = H_END_TAG_OPEN;
    else if (c == '!') { h->st = H_MARKUP; h->dashes = 0; }
    else if (c == '?') h->st = H_BOGUS;
    else { h->st = H_TEXT; return lex_char(h, c); }  /* a lone '<' is text */
    return NULL;
}

static const char *lex_attr_name(hlex *h, unsigned char c)
{
    if (is_blank(c)) h->st = H_AFTER_ATTR_NAME;
    else if (c == '/') h->st = H_BEFORE_ATTR;
    else if (c == '=') start_value(h);
    else if (c == '>') finish_tag(h);
    else if (c == '"' || c == '\'' || c == '<')
        return "quote or '<' in an attribute name";
    else if (h->st == H_AFTER_ATTR_NAME) start_attr_name(h, c);
    else name_add(h->attr, sizeof h->attr, &h->attrlen, &h->attr_long, c);
    return NULL;
}

static const char *lex_markup(hlex *h, unsigned char c)
{
    if (h->dashes == 0 && c == '-') {
        h->dashes = 1;
        return NULL;
    }
    if (h->dashes == 1 && c == '-') {
        h->st = H_COMMENT;
        h->dashes = 0;
        return NULL;
    }
    if (h->dashes == 0 && c == '[') return "CDATA sections are not supported";
    h->st = H_BOGUS;
    return lex_char(h, c);
}

static const char *lex_char(hlex *h, unsigned char c)
{
    switch (h->st) {
    case H_TEXT:
        if (c == '<') {
            h->st = H_TAG_OPEN;
            h->start_line = h->line;
        }
        return NULL;
    case H_RCDATA:
    case H_RAWTEXT:
        return lex_rawish(h, c);
    case H_TAG_OPEN:
        return lex_tag_open(h, c);
    case H_END_TAG_OPEN:
        if (is_alpha(c)) start_tag_name(h, c, 1);
        else h->st = c == '>' ? H_TEXT : H_BOGUS;
        return NULL;
    case H_TAG_NAME:
        if (is_blank(c) || c == '/') h->st = H_BEFORE_ATTR;
        else if (c == '>') finish_tag(h);
        else name_add(h->tag, sizeof h->tag, &h->taglen, &h->tag_long, c);
        return NULL;
    case H_BEFORE_ATTR:
        if (is_blank(c) || c == '/') return NULL;
        if (c == '>') { finish_tag(h); return NULL; }
        if (c == '=') return "'=' without an attribute name";
        if (c == '"' || c == '\'' || c == '<') return "quote or '<' in an attribute name";
        start_attr_name(h, c);
        return NULL;
    case H_ATTR_NAME:
    case H_AFTER_ATTR_NAME:
        if (h->st == H_AFTER_ATTR_NAME && is_blank(c)) return NULL;
        return lex_attr_name(h, c);
    case H_BEFORE_VALUE:
        if (is_blank(c)) return NULL;
        if (c == '"') { h->st = H_VALUE_DQ; h->url_start = 1; return NULL; }
        if (c == '\'') { h->st = H_VALUE_SQ; h->url_start = 1; return NULL; }
        if (c == '>') { finish_tag(h); return NULL; }
        h->st = H_VALUE_UNQ;
        return lex_char(h, c);
    case H_VALUE_DQ:
    case H_VALUE_SQ:
        if (c == (h->st == H_VALUE_DQ ? '"' : '\'')) h->st = H_BEFORE_ATTR;
        else if (!is_blank(c)) h->url_start = 0;
        return NULL;
    case H_VALUE_UNQ:
        if (is_blank(c)) h->st = H_BEFORE_ATTR;
        else if (c == '>') finish_tag(h);
        else if (c == '"' || c == '\'' || c == '<' || c == '=' || c == '`')
            return "quote, '<', '=' or '`' in an unquoted attribute value";
        return NULL;
    case H_MARKUP:
        return lex_markup(h, c);
    case H_COMMENT:
        if (c == '-') h->dashes++;
        else if (c == '>' && h->dashes >= 2) h->st = H_TEXT;
        else h->dashes = 0;
        return NULL;
    case H_BOGUS:
        if (c == '>') h->st = H_TEXT;
        return NULL;
    case H_NSTATES:
        break;
    }
    return NULL;
}

static int same_tag(const hlex *a, const hlex *b)
{
    return a->is_end == b->is_end && a->tag_long == b->tag_long &&
           strcmp(a->tag, b->tag) == 0;
}

/* Whether the text after a section tag is read the same way whether or not
 * the section's body was rendered (or was rendered many times). */
static int same_context(const hlex *a, const hlex *b)
{
    if (a->st != b->st) return 0;
    switch (a->st) {
    case H_TEXT:
        return 1;
    case H_RCDATA:
    case H_RAWTEXT:
    case H_BEFORE_ATTR:
        return same_tag(a, b);
    case H_VALUE_DQ:
    case H_VALUE_SQ:
        return same_tag(a, b) && a->ak == b->ak;
    default:
        return 0;
    }
}

/* ------------------------------------------------------------------ */
/* Tag compiler */

enum tagkind { T_VAR, T_RAW, T_SECTION, T_CLOSE, T_PARTIAL, T_TRANS };

typedef struct {
    const char *name;      /* as written, for matching the close tag */
    size_t namelen;
    uint32_t opi;
    int line;
    hlex at;               /* lexer context where the section began */
} open_section;

typedef struct {
    ablock **mem;
    tmpl *t;
    hlex h;
    op *ops;               /* malloc'd while compiling, moved to the arena */
    size_t nops, cap;
    open_section open[MAX_NEST];
    size_t nopen;
    char *err;
    size_t errlen;
} compiler;

__attribute__((format(printf, 4, 5)))
static void set_err(char *err, size_t errlen, const char *where, const char *fmt, ...)
{
    if (!err || !errlen) return;
    int n = snprintf(err, errlen, "%s", where);
    if (n < 0 || (size_t)n >= errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 3, 4)))
static int fail(compiler *c, int line, const char *fmt, ...)
{
    if (!c->err || !c->errlen) return -1;
    int n = snprintf(c->err, c->errlen, "%s:%d: ", c->t->path, line);
    if (n < 0 || (size_t)n >= c->errlen) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static op *emit(compiler *c, enum opcode code)
{
    if (c->nops == UINT32_MAX - 1) return NULL;
    if (c->nops == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        op *ops = realloc(c->ops, cap * sizeof *ops);
        if (!ops) return NULL;
        c->ops = ops;
        c->cap = cap;
    }
    op *o = &c->ops[c->nops++];
    memset(o, 0, sizeof *o);
    o->code = (uint8_t)code;
    return o;
}

static int is_name_char(unsigned char c)
{
    return is_alpha(c) || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static long as_index(const char *s, size_t n)
{
    if (n == 0 || n > 9) return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static const struct { const char *name; enum pkind kind; } special_paths[] = {
    {".", P_DOT}, {"@index", P_INDEX}, {"@first", P_FIRST}, {"@last", P_LAST},
};

/* Parses "a.b.c", ".", "@index", "@first" or "@last"; 0 or -1 if malformed. */
static int parse_path(compiler *c, const char *s, size_t n, kpath *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof special_paths / sizeof special_paths[0]; i++)
        if (strlen(special_paths[i].name) == n && memcmp(s, special_paths[i].name, n) == 0) {
            out->kind = (uint8_t)special_paths[i].kind;
            return 0;
        }
    size_t nseg = 1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (i == 0 || i + 1 == n || s[i + 1] == '.') return -1;
            nseg++;
        } else if (!is_name_char((unsigned char)s[i])) {
            return -1;
        }
    }
    if (n == 0 || nseg > MAX_SEGS) return -1;
    pseg *seg = arena_alloc(c->mem, nseg * sizeof *seg);
    if (!seg) return -1;
    const char *p = s, *end = s + n;
    for (size_t k = 0; k < nseg; k++) {
        const char *dot = memchr(p, '.', (size_t)(end - p));
        size_t len = (size_t)((dot ? dot : end) - p);
        seg[k].key = arena_strndup(c->mem, p, len);
        if (!seg[k].key) return -1;
        seg[k].len = len;
        seg[k].index = as_index(p, len);
        p += len + 1;
    }
    out->seg = seg;
    out->nseg = (uint16_t)nseg;
    out->kind = P_NAMES;
    return 0;
}

static int valid_key(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_name_char((unsigned char)s[i]) && s[i] != '.') return 0;
    return n > 0;
}

static int valid_partial_name(const char *s, size_t n)
{
    if (n == 0 || s[0] == '/' || s[n - 1] == '/') return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!is_name_char(ch) && ch != '.' && ch != '/') return 0;
        if (ch == '.' && i + 1 < n && s[i + 1] == '.') return 0;
    }
    return 1;
}

/* Decides whether a tag of kind k may stand where the lexer is, and how
 * its output is escaped. Returns the escaping mode or -1. */
static int tag_context(compiler *c, enum tagkind k, int line)
{
    hlex *h = &c->h;
    int is_section = k == T_SECTION || k == T_CLOSE;
    /* A section between attributes ends the attribute name before it. */
    if (is_section && (h->st == H_ATTR_NAME || h->st == H_AFTER_ATTR_NAME))
        h->st = H_BEFORE_ATTR;
    if ((h->st == H_RCDATA || h->st == H_RAWTEXT) && h->endmatch)
        return fail(c, line, "template tag inside an end tag");
    switch (h->st) {
    case H_TEXT:
        return k == T_RAW ? ESC_RAW : ESC_HTML;
    case H_RCDATA:
        if (k == T_RAW || k == T_PARTIAL)
            return fail(c, line, "raw output and partials are allowed only in text, not inside <%s>", h->tag);
        return ESC_HTML;
    case H_RAWTEXT:
        return fail(c, line, "template tag inside <%s> element", h->tag);
    case H_BEFORE_ATTR:
        if (is_section) return ESC_HTML;
        return fail(c, line, "%s", state_forbidden[h->st]);
    case H_VALUE_DQ:
    case H_VALUE_SQ:
        break;
    default:
        return fail(c, line, "%s", state_forbidden[h->st]);
    }
    if (h->ak != A_PLAIN && h->ak != A_URL)
        return fail(c, line, "template tag in %s '%s'", akind_forbidden[h->ak], h->attr);
    if (k == T_RAW || k == T_PARTIAL)
        return fail(c, line, "raw output and partials are allowed only in text, not in attribute '%s'", h->attr);
    if (h->ak == A_PLAIN) return ESC_HTML;
    if (k == T_TRANS)
        return fail(c, line, "{{t}} is not allowed in URL attribute '%s'", h->attr);
    int esc = h->url_start ? ESC_URL_START : ESC_URL_PART;
    if (k != T_SECTION) h->url_start = 0;  /* the body starts where the section does */
    return esc;
}

static int compile_var(compiler *c, const char *s, size_t n, int raw, int line)
{
    kpath path;
    if (parse_path(c, s, n, &path) < 0)
        return fail(c, line, "malformed tag '{{%.*s}}'", (int)(n > 60 ? 60 : n), s);
    if (raw) {
        const pseg *last = path.kind == P_NAMES ? &path.seg[path.nseg - 1] : NULL;
        if (!last || last->len < 5 || memcmp(last->key + last->len - 5, "_html", 5) != 0)
            return fail(c, line, "raw output {{{%.*s}}} is allowed only for names ending in _html", (int)n, s);
    }
    int esc = tag_context(c, raw ? T_RAW : T_VAR, line);
    if (esc < 0) return -1;
    op *o = emit(c, OP_VAR);
    if (!o) return fail(c, line, "out of memory");
    o->esc = (uint8_t)esc;
    o->path = path;
    return 0;
}

static int compile_open(compiler *c, const char *s, size_t n, int inverted, int line)
{
    kpath path;
    if (parse_path(c, s, n, &path) < 0)
        return fail(c, line, "malformed section name '%.*s'", (int)(n > 60 ? 60 : n), s);
    if (c->nopen == MAX_NEST) return fail(c, line, "sections nested too deeply");
    if (tag_context(c, T_SECTION, line) < 0) return -1;
    op *o = emit(c, inverted ? OP_INVERTED : OP_SECTION);
    if (!o) return fail(c, line, "out of memory");
    o->path = path;
    open_section *os = &c->open[c->nopen++];
    os->name = s;
    os->namelen = n;
    os->opi = (uint32_t)(c->nops - 1);
    os->line = line;
    os->at = c->h;
    return 0;
}

static int compile_close(compiler *c, const char *s, size_t n, int line)
{
    if (c->nopen == 0)
        return fail(c, line, "'{{/%.*s}}' closes no open section", (int)(n > 60 ? 60 : n), s);
    open_section *os = &c->open[c->nopen - 1];
    if (os->namelen != n || memcmp(os->name, s, n) != 0)
        return fail(c, line, "'{{/%.*s}}' does not match section '%.*s' opened at line %d",
                    (int)(n > 60 ? 60 : n), s, (int)os->namelen, os->name, os->line);
    if (tag_context(c, T_CLOSE, line) < 0) return -1;
    if (!same_context(&os->at, &c->h))
        return fail(c, line, "section '%.*s' (line %d) ends in a different HTML context than it began",
                    (int)n, s, os->line);
    c->h.url_start = 0;
    c->ops[os->opi].jump = (uint32_t)c->nops;
    c->nopen--;
    return 0;
}

static int compile_partial(compiler *c, const char *s, size_t n, int line)
{
    if (!valid_partial_name(s, n))
        return fail(c, line, "malformed partial name '%.*s'", (int)(n > 60 ? 60 : n), s);
    if (tag_context(c, T_PARTIAL, line) < 0) return -1;
    op *o = emit(c, OP_PARTIAL);
    if (!o || !(o->text = arena_strndup(c->mem, s, n))) return fail(c, line, "out of memory");
    o->len = n;
    o->line = line;
    return 0;
}

/* "{{t key}}" or "{{t key arg.path}}"; s is what follows "t". */
static int compile_trans(compiler *c, const char *s, size_t n, int line)
{
    const char *end = s + n;
    while (s < end && is_blank((unsigned char)*s)) s++;
    const char *k = s;
    while (s < end && !is_blank((unsigned char)*s)) s++;
    size_t klen = (size_t)(s - k);
    while (s < end && is_blank((unsigned char)*s)) s++;
    kpath arg = {0};
    if (!valid_key(k, klen))
        return fail(c, line, "malformed message key '%.*s'", (int)(klen > 60 ? 60 : klen), k);
    if (s < end && parse_path(c, s, (size_t)(end - s), &arg) < 0)
        return fail(c, line, "malformed message argument '%.*s'", (int)(end - s > 60 ? 60 : end - s), s);
    int esc = tag_context(c, T_TRANS, line);
    if (esc < 0) return -1;
    op *o = emit(c, OP_TRANS);
    if (!o || !(o->text = arena_strndup(c->mem, k, klen))) return fail(c, line, "out of memory");
    o->len = klen;
    o->esc = (uint8_t)esc;
    o->path = arg;
    return 0;
}

static void trim(const char **s, const char **e)
{
    while (*s < *e && is_blank((unsigned char)**s)) (*s)++;
    while (*e > *s && is_blank((unsigned char)(*e)[-1])) (*e)--;
}

static int count_lines(const char *s, const char *e)
{
    int n = 0;
    for (; s < e; s++) n += *s == '\n';
    return n;
}

/* Compiles the tag starting at "{{"; returns where the text goes on, or
 * NULL after an error. */
static const char *compile_tag(compiler *c, const char *open, const char *end)
{
    int raw = end - open > 2 && open[2] == '{';
    const char *body = open + (raw ? 3 : 2);
    const char *close = memmem(body, (size_t)(end - body), raw ? "}}}" : "}}", raw ? 3 : 2);
    int line = c->h.line;
    if (!close) {
        fail(c, line, "unterminated template tag");
        return NULL;
    }
    const char *after = close + (raw ? 3 : 2);
    const char *s = body, *e = close;
    trim(&s, &e);
    size_t n = (size_t)(e - s);
    int rc;
    if (raw) rc = compile_var(c, s, n, 1, line);
    else if (n > 0 && *s == '!') rc = 0;  /* a comment: invisible to the lexer too */
    else if (n > 0 && (*s == '#' || *s == '^' || *s == '/' || *s == '>')) {
        const char *ns = s + 1;
        trim(&ns, &e);
        size_t nn = (size_t)(e - ns);
        if (*s == '#') rc = compile_open(c, ns, nn, 0, line);
        else if (*s == '^') rc = compile_open(c, ns, nn, 1, line);
        else if (*s == '/') rc = compile_close(c, ns, nn, line);
        else rc = compile_partial(c, ns, nn, line);
    } else if (n > 1 && s[0] == 't' && is_blank((unsigned char)s[1])) {
        rc = compile_trans(c, s + 1, n - 1, line);
    } else {
        rc = compile_var(c, s, n, 0, line);
    }
    c->h.line += count_lines(open, after);
    return rc < 0 ? NULL : after;
}

static int compile_literal(compiler *c, const char *s, const char *e)
{
    if (s == e) return 0;
    op *o = emit(c, OP_LIT);
    if (!o) return fail(c, c->h.line, "out of memory");
    o->text = s;
    o->len = (size_t)(e - s);
    for (; s < e; s++) {
        const char *why = lex_char(&c->h, (unsigned char)*s);
        if (why) return fail(c, c->h.line, "%s", why);
        c->h.line += *s == '\n';
    }
    return 0;
}

static int compile_tmpl(ablock **mem, tmpl *t, char *err, size_t errlen)
{
    compiler *c = calloc(1, sizeof *c);
    if (!c) {
        set_err(err, errlen, t->path, ": out of memory");
        return -1;
    }
    c->mem = mem;
    c->t = t;
    c->h.line = 1;
    c->err = err;
    c->errlen = errlen;
    const char *p = t->src, *end = t->src + t->srclen;
    int rc = 0;
    while (rc == 0 && p < end) {
        const char *open = memmem(p, (size_t)(end - p), "{{", 2);
        rc = compile_literal(c, p, open ? open : end);
        if (rc == 0 && open) {
            p = compile_tag(c, open, end);
            if (!p) rc = -1;
        } else {
            p = end;
        }
    }
    if (rc == 0 && c->nopen)
        rc = fail(c, c->open[c->nopen - 1].line, "section '%.*s' is never closed",
                  (int)c->open[c->nopen - 1].namelen, c->open[c->nopen - 1].name);
    if (rc == 0 && c->h.st != H_TEXT)
        rc = fail(c, c->h.start_line, "%s", eof_reason[c->h.st]);
    if (rc == 0) {
        t->ops = arena_alloc(mem, c->nops * sizeof *t->ops + 1);
        if (t->ops) {
            if (c->nops) memcpy(t->ops, c->ops, c->nops * sizeof *t->ops);
            t->nops = (uint32_t)c->nops;
        } else {
            rc = fail(c, 0, "out of memory");
        }
    }
    free(c->ops);
    free(c);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Loader and linker */

typedef struct {
    char *name;   /* "a/b" */
    char *path;   /* dir + "/a/b.html" */
} found_file;

typedef struct {
    found_file *v;
    size_t n, cap;
} file_list;

static void file_list_free(file_list *fl)
{
    for (size_t i = 0; i < fl->n; i++) {
        free(fl->v[i].name);
        free(fl->v[i].path);
    }
    free(fl->v);
}

static int file_list_add(file_list *fl, char *name, char *path)
{
    if (fl->n == fl->cap) {
        size_t cap = fl->cap ? fl->cap * 2 : 32;
        found_file *v = realloc(fl->v, cap * sizeof *v);
        if (!v) return -1;
        fl->v = v;
        fl->cap = cap;
    }
    fl->v[fl->n].name = name;
    fl->v[fl->n].path = path;
    fl->n++;
    return 0;
}

static int ends_with_html(const char *s, size_t n)
{
    return n > 5 && memcmp(s + n - 5, ".html", 5) == 0;
}

static int walk(const char *dir, const char *prefix, int depth, file_list *fl,
                char *err, size_t errlen)
{
    if (depth > MAX_DIR_DEPTH) {
        set_err(err, errlen, dir, ": directories nested too deeply");
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        set_err(err, errlen, dir, ": cannot open directory: %s", strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char *path = NULL, *name = NULL;
        struct stat st;
        if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) { path = NULL; rc = -1; break; }
        if (asprintf(&name, "%s%s", prefix, de->d_name) < 0) { free(path); rc = -1; break; }
        size_t nlen = strlen(name);
        int is_dir = 0, is_file = 0;
        if (stat(path, &st) == 0) {
            is_dir = S_ISDIR(st.st_mode);
            is_file = S_ISREG(st.st_mode);
        }
        if (is_dir) {
            char *sub = NULL;
            if (asprintf(&sub, "%s/", name) < 0) rc = -1;
            else rc = walk(path, sub, depth + 1, fl, err, errlen);
            free(sub);
            free(path);
            free(name);
        } else if (is_file && ends_with_html(name, nlen)) {
            name[nlen - 5] = '\0';
            if (file_list_add(fl, name, path) < 0) { free(name); free(path); rc = -1; }
        } else {
            free(path);
            free(name);
        }
    }
    closedir(d);
    if (rc < 0 && err && errlen && !err[0]) set_err(err, errlen, dir, ": out of memory");
    return rc;
}

static int read_whole(ablock **mem, const char *path, const char **out, size_t *len,
                      char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    long size = -1;
    if (f && fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    if (!f || size < 0 || fseek(f, 0, SEEK_SET) != 0) {
        set_err(err, errlen, path, ":0: cannot read: %s", strerror(errno));
        if (f) fclose(f);
        return -1;
    }
    char *buf = arena_alloc(mem, (size_t)size + 1);
    size_t got = buf ? fread(buf, 1, (size_t)size, f) : 0;
    fclose(f);
    if (!buf || got != (size_t)size) {
        set_err(err, errlen, path, ":0: cannot read the whole file");
        return -1;
    }
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return 0;
}

static int cmp_found(const void *a, const void *b)
{
    return strcmp(((const found_file *)a)->name, ((const found_file *)b)->name);
}

static const tmpl *find_tmpl(const kj_tmpl_set *set, const char *name)
{
    size_t lo = 0, hi = set->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, set->tmpls[mid].name);
        if (c == 0) return &set->tmpls[mid];
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return NULL;
}

/* Points every partial op at its template: a missing partial is a load
 * error rather than a surprise at render time. */
static int link_partials(kj_tmpl_set *set, char *err, size_t errlen)
{
    for (size_t i = 0; i < set->n; i++) {
        tmpl *t = &set->tmpls[i];
        for (uint32_t k = 0; k < t->nops; k++) {
            op *o = &t->ops[k];
            if (o->code != OP_PARTIAL) continue;
            const tmpl *target = find_tmpl(set, o->text);
            if (!target) {
                char where[64];
                snprintf(where, sizeof where, ":%d: ", o->line);
                set_err(err, errlen, t->path, "%sunknown partial '%s'", where, o->text);
                return -1;
            }
            o->target = (uint32_t)(target - set->tmpls);
        }
    }
    return 0;
}

static int load_files(kj_tmpl_set *set, const file_list *fl, char *err, size_t errlen)
{
    set->tmpls = arena_alloc(&set->mem, (fl->n + 1) * sizeof *set->tmpls);
    if (!set->tmpls) {
        set_err(err, errlen, "templates", ": out of memory");
        return -1;
    }
    for (size_t i = 0; i < fl->n; i++) {
        tmpl *t = &set->tmpls[i];
        memset(t, 0, sizeof *t);
        t->name = arena_strndup(&set->mem, fl->v[i].name, strlen(fl->v[i].name));
        t->path = arena_strndup(&set->mem, fl->v[i].path, strlen(fl->v[i].path));
        if (!t->name || !t->path) {
            set_err(err, errlen, fl->v[i].path, ": out of memory");
            return -1;
        }
        if (read_whole(&set->mem, t->path, &t->src, &t->srclen, err, errlen) < 0) return -1;
        if (compile_tmpl(&set->mem, t, err, errlen) < 0) return -1;
        set->n = i + 1;
    }
    return link_partials(set, err, errlen);
}

/* ------------------------------------------------------------------ */
/* Renderer */

typedef struct {
    json_t *v;
    size_t index, count;
    int iter;          /* pushed by iterating an array: @index etc. apply */
} frame;

typedef struct {
    const kj_tmpl_set *set;
    kj_translate_fn tr;
    void *tr_ctx;
    kj_sink_fn sink;
    void *sink_ctx;
    int failed;
    unsigned depth;
    size_t nframes;
    size_t outn;
    frame frames[MAX_FRAMES];
    char out[OUTBUF];
} render;

enum vkind { V_MISSING, V_JSON, V_INT, V_BOOL };

typedef struct {
    enum vkind kind;
    json_t *j;
    long long n;
} val;

static void flush(render *r)
{
    if (r->outn && !r->failed && r->sink(r->sink_ctx, r->out, r->outn)) r->failed = 1;
    r->outn = 0;
}

static void put(render *r, const char *p, size_t n)
{
    if (n > OUTBUF - r->outn) {
        flush(r);
        if (n >= OUTBUF) {
            if (!r->failed && r->sink(r->sink_ctx, p, n)) r->failed = 1;
            return;
        }
    }
    memcpy(r->out + r->outn, p, n);
    r->outn += n;
}

static void put_byte(render *r, char c)
{
    if (r->outn == OUTBUF) flush(r);
    r->out[r->outn++] = c;
}

static void put_pct(render *r, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    char b[3] = {'%', hex[c >> 4], hex[c & 15]};
    put(r, b, 3);
}

/* --- escapers --- */

static const struct { const char *s; uint8_t n; } html_entity[256] = {
    ['\0'] = {"", 0},  /* NUL would only end someone's C string early */
    ['&'] = {"&amp;", 5}, ['<'] = {"&lt;", 4}, ['>'] = {"&gt;", 4},
    ['"'] = {"&#34;", 5}, ['\''] = {"&#39;", 5},
};

static void emit_html(render *r, const char *p, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!html_entity[c].s) continue;
        put(r, p + start, i - start);
        put(r, html_entity[c].s, html_entity[c].n);
        start = i + 1;
    }
    put(r, p + start, n - start);
}

enum uclass { U_ENCODE, U_UNRESERVED, U_RESERVED };

static enum uclass url_class(unsigned char c)
{
    static const char unreserved[] = "-._~";
    static const char reserved[] = ":/?#[]@!$&'()*+,;=%";
    if (is_alpha(c) || (c >= '0' && c <= '9') || (c && memchr(unreserved, c, 4)))
        return U_UNRESERVED;
    if (c && memchr(reserved, c, sizeof reserved - 1)) return U_RESERVED;
    return U_ENCODE;
}

static void emit_url_part(render *r, const char *p, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (url_class(c) == U_UNRESERVED) continue;
        put(r, p + start, i - start);
        put_pct(r, c);
        start = i + 1;
    }
    put(r, p + start, n - start);
}

static const char *const safe_schemes[] = {"http", "https", "mailto"};

static int scheme_allowed(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof safe_schemes / sizeof safe_schemes[0]; i++) {
        const char *want = safe_schemes[i];
        if (strlen(want) != n) continue;
        size_t k = 0;
        while (k < n && to_lower((unsigned char)s[k]) == want[k]) k++;
        if (k == n) return 1;
    }
    return 0;
}

/* Control characters are refused outright: browsers drop tabs and
 * newlines inside URLs, so "java\tscript:" would still be a scheme. */
static int url_is_safe(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) return 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '/' || p[i] == '?' || p[i] == '#') return 1;
        if (p[i] == ':') return scheme_allowed(p, i);
    }
    return 1;
}

/* A whole URL: scheme checked, then bytes a URL may not hold (blanks,
 * quotes, non-ASCII) percent-encoded and the rest entity-escaped. */
static void emit_url_start(render *r, const char *p, size_t n)
{
    while (n && (unsigned char)*p <= 0x20) p++, n--;
    while (n && (unsigned char)p[n - 1] <= 0x20) n--;
    if (!url_is_safe(p, n)) {
        put(r, "#unsafe", 7);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (url_class(c) == U_ENCODE) put_pct(r, c);
        else if (html_entity[c].s) put(r, html_entity[c].s, html_entity[c].n);
        else put_byte(r, (char)c);
    }
}

/* --- values --- */

static const frame *nearest_iteration(const render *r)
{
    for (size_t i = r->nframes; i-- > 0;)
        if (r->frames[i].iter) return &r->frames[i];
    return NULL;
}

static json_t *child(json_t *j, const pseg *s)
{
    if (json_is_object(j)) return json_object_getn(j, s->key, s->len);
    if (json_is_array(j) && s->index >= 0) return json_array_get(j, (size_t)s->index);
    return NULL;
}

static val lookup(const render *r, const kpath *p)
{
    val v = {V_MISSING, NULL, 0};
    const frame *it;
    json_t *j = NULL;
    switch (p->kind) {
    case P_DOT:
        j = r->frames[r->nframes - 1].v;
        break;
    case P_INDEX:
    case P_FIRST:
    case P_LAST:
        if (!(it = nearest_iteration(r))) return v;
        v.kind = p->kind == P_INDEX ? V_INT : V_BOOL;
        v.n = p->kind == P_INDEX ? (long long)it->index
            : p->kind == P_FIRST ? it->index == 0 : it->index + 1 == it->count;
        return v;
    case P_NAMES:
        for (size_t i = r->nframes; i-- > 0 && !j;)
            if (json_is_object(r->frames[i].v))
                j = json_object_getn(r->frames[i].v, p->seg[0].key, p->seg[0].len);
        for (size_t k = 1; j && k < p->nseg; k++) j = child(j, &p->seg[k]);
        break;
    default:
        return v;
    }
    if (j) {
        v.kind = V_JSON;
        v.j = j;
    }
    return v;
}

static int truthy(const val *v)
{
    if (v->kind == V_INT || v->kind == V_BOOL) return v->n != 0;
    if (v->kind != V_JSON) return 0;
    switch (json_typeof(v->j)) {
    case JSON_OBJECT: return 1;
    case JSON_ARRAY: return json_array_size(v->j) > 0;
    case JSON_STRING: return json_string_length(v->j) > 0;
    case JSON_INTEGER: return json_integer_value(v->j) != 0;
    case JSON_REAL: return json_real_value(v->j) != 0.0;
    case JSON_TRUE: return 1;
    default: return 0;
    }
}

/* The text of a value; buf (at least 40 bytes) holds formatted numbers. */
static const char *val_text(const val *v, char *buf, size_t buflen, size_t *len)
{
    *len = 0;
    if (v->kind == V_INT) {
        *len = (size_t)snprintf(buf, buflen, "%lld", v->n);
        return buf;
    }
    if (v->kind == V_BOOL) {
        *len = v->n ? 4 : 5;
        return v->n ? "true" : "false";
    }
    if (v->kind != V_JSON) return "";
    switch (json_typeof(v->j)) {
    case JSON_STRING:
        *len = json_string_length(v->j);
        return json_string_value(v->j);
    case JSON_INTEGER:
        *len = (size_t)snprintf(buf, buflen, "%" JSON_INTEGER_FORMAT, json_integer_value(v->j));
        return buf;
    case JSON_REAL:
        *len = (size_t)snprintf(buf, buflen, "%g", json_real_value(v->j));
        return buf;
    case JSON_TRUE:
        *len = 4;
        return "true";
    case JSON_FALSE:
        *len = 5;
        return "false";
    default:
        return "";
    }
}

static void emit_text(render *r, const char *p, size_t n, enum esc esc)
{
    switch (esc) {
    case ESC_HTML: emit_html(r, p, n); break;
    case ESC_URL_START: emit_url_start(r, p, n); break;
    case ESC_URL_PART: emit_url_part(r, p, n); break;
    case ESC_RAW: put(r, p, n); break;
    }
}

static void emit_val(render *r, const val *v, enum esc esc)
{
    char buf[48];
    size_t n;
    const char *p = val_text(v, buf, sizeof buf, &n);
    emit_text(r, p, n, esc);
}

/* --- ops --- */

static void run(render *r, const tmpl *t, uint32_t i, uint32_t end);

static int push(render *r, json_t *v, size_t index, size_t count, int iter)
{
    if (r->nframes == MAX_FRAMES) {
        r->failed = 1;
        return 0;
    }
    r->frames[r->nframes++] = (frame){v, index, count, iter};
    return 1;
}

static void run_section(render *r, const tmpl *t, const op *o, uint32_t body)
{
    val v = lookup(r, &o->path);
    int yes = truthy(&v);
    if (o->code == OP_INVERTED || !yes) {
        if (o->code == OP_INVERTED && !yes) run(r, t, body, o->jump);
        return;
    }
    if (v.kind == V_JSON && json_is_array(v.j)) {
        size_t n = json_array_size(v.j);
        for (size_t i = 0; i < n && !r->failed; i++) {
            if (!push(r, json_array_get(v.j, i), i, n, 1)) return;
            run(r, t, body, o->jump);
            r->nframes--;
        }
    } else if (v.kind == V_JSON && json_is_object(v.j)) {
        if (!push(r, v.j, 0, 0, 0)) return;
        run(r, t, body, o->jump);
        r->nframes--;
    } else {
        run(r, t, body, o->jump);
    }
}

static void run_partial(render *r, const op *o)
{
    if (r->depth >= MAX_PARTIAL_DEPTH) {
        r->failed = 1;
        return;
    }
    const tmpl *t = &r->set->tmpls[o->target];
    r->depth++;
    run(r, t, 0, t->nops);
    r->depth--;
}

static void run_trans(render *r, const op *o)
{
    const char *msg = r->tr ? r->tr(r->tr_ctx, o->text) : o->text;
    if (!msg) msg = o->text;
    if (o->path.kind == P_NONE) {
        emit_text(r, msg, strlen(msg), (enum esc)o->esc);
        return;
    }
    val arg = lookup(r, &o->path);
    const char *hole;
    while ((hole = strstr(msg, "{0}"))) {
        emit_text(r, msg, (size_t)(hole - msg), (enum esc)o->esc);
        emit_val(r, &arg, (enum esc)o->esc);
        msg = hole + 3;
    }
    emit_text(r, msg, strlen(msg), (enum esc)o->esc);
}

static void run(render *r, const tmpl *t, uint32_t i, uint32_t end)
{
    while (i < end && !r->failed) {
        const op *o = &t->ops[i];
        switch ((enum opcode)o->code) {
        case OP_LIT:
            put(r, o->text, o->len);
            break;
        case OP_VAR: {
            val v = lookup(r, &o->path);
            emit_val(r, &v, (enum esc)o->esc);
            break;
        }
        case OP_SECTION:
        case OP_INVERTED:
            run_section(r, t, o, i + 1);
            i = o->jump;
            continue;
        case OP_PARTIAL:
            run_partial(r, o);
            break;
        case OP_TRANS:
            run_trans(r, o);
            break;
        }
        i++;
    }
}

/* ------------------------------------------------------------------ */
/* Public entry points */

kj_tmpl_set *kj_tmpl_load_dir(const char *dir, char *err, size_t errlen)
{
    return kj_tmpl_load_dirs(dir, NULL, err, errlen);
}

/* Replaces, in fl (sorted), the path of each template that over (another
 * walk's list) names; a name fl lacks is an error (a typo would otherwise
 * override nothing, silently). Takes over's strings. */
static int apply_overrides(file_list *fl, file_list *over, const char *odir, char *err, size_t errlen)
{
    for (size_t i = 0; i < over->n; i++) {
        found_file key = { over->v[i].name, NULL };
        found_file *hit = bsearch(&key, fl->v, fl->n, sizeof *fl->v, cmp_found);
        if (!hit) {
            set_err(err, errlen, over->v[i].path, ":0: overrides no template of the install (%s/%s.html)", odir,
                    over->v[i].name);
            return -1;
        }
        free(hit->path);
        hit->path = over->v[i].path;
        over->v[i].path = NULL;
    }
    return 0;
}

kj_tmpl_set *kj_tmpl_load_dirs(const char *dir, const char *override_dir, char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    if (!dir) {
        set_err(err, errlen, "(null)", ": no template directory");
        return NULL;
    }
    file_list fl = {0}, over = {0};
    kj_tmpl_set *set = calloc(1, sizeof *set);
    if (!set) {
        set_err(err, errlen, dir, ": out of memory");
        return NULL;
    }
    int rc = walk(dir, "", 0, &fl, err, errlen);
    if (rc == 0) qsort(fl.v, fl.n, sizeof *fl.v, cmp_found);
    struct stat st;
    if (rc == 0 && override_dir && stat(override_dir, &st) == 0 && S_ISDIR(st.st_mode)) {
        rc = walk(override_dir, "", 0, &over, err, errlen);
        if (rc == 0) rc = apply_overrides(&fl, &over, override_dir, err, errlen);
    }
    if (rc == 0) rc = load_files(set, &fl, err, errlen);
    file_list_free(&fl);
    file_list_free(&over);
    if (rc < 0) {
        kj_tmpl_free(set);
        return NULL;
    }
    return set;
}

void kj_tmpl_free(kj_tmpl_set *set)
{
    if (!set) return;
    arena_free(set->mem);
    free(set);
}

int kj_tmpl_has(const kj_tmpl_set *set, const char *name)
{
    return set && name && find_tmpl(set, name) != NULL;
}

int kj_tmpl_render(const kj_tmpl_set *set, const char *name, json_t *data,
                   kj_translate_fn tr, void *tr_ctx,
                   kj_sink_fn sink, void *sink_ctx)
{
    const tmpl *t = set && name && sink ? find_tmpl(set, name) : NULL;
    if (!t) return -1;
    render r;  /* not zeroed: out and frames are written before read */
    r.set = set;
    r.tr = tr;
    r.tr_ctx = tr_ctx;
    r.sink = sink;
    r.sink_ctx = sink_ctx;
    r.failed = 0;
    r.depth = 0;
    r.outn = 0;
    r.nframes = 1;
    r.frames[0] = (frame){data, 0, 0, 0};
    run(&r, t, 0, t->nops);
    flush(&r);
    return r.failed ? -1 : 0;
}

typedef struct {
    char *p;
    size_t n, cap;
} strbuf;

static int strbuf_sink(void *ctx, const char *p, size_t n)
{
    strbuf *b = ctx;
    if (n + 1 > b->cap - b->n) {
        size_t cap = b->cap ? b->cap : 1024;
        while (n + 1 > cap - b->n) cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) return -1;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    return 0;
}

char *kj_tmpl_render_str(const kj_tmpl_set *set, const char *name,
                         json_t *data, kj_translate_fn tr, void *tr_ctx,
                         size_t *len)
{
    strbuf b = {0};
    if (kj_tmpl_render(set, name, data, tr, tr_ctx, strbuf_sink, &b) < 0 ||
        strbuf_sink(&b, "", 0) < 0) {
        free(b.p);
        return NULL;
    }
    b.p[b.n] = '\0';
    if (len) *len = b.n;
    return b.p;
}

int kj_tmpl_each_message_key(const kj_tmpl_set *set,
                             void (*cb)(void *ctx, const char *key,
                                        const char *tmpl_name),
                             void *ctx)
{
    int calls = 0;
    if (!set || !cb) return 0;
    for (size_t i = 0; i < set->n; i++)
        for (uint32_t k = 0; k < set->tmpls[i].nops; k++)
            if (set->tmpls[i].ops[k].code == OP_TRANS) {
                cb(ctx, set->tmpls[i].ops[k].text, set->tmpls[i].name);
                calls++;
            }
    return calls;
}
