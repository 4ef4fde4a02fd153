#!/usr/bin/env python3
"""regions_gen.py — writes data/regions.tsv and data/townships.tsv from the
public division data in npm's `china-division` package.

Usage (run by a developer when the official divisions change, never at build
or run time; the generated files are committed):

    cd /tmp && npm pack china-division && tar xzf china-division-*.tgz
    apt-get install unicode-data          # Unihan readings, for name_en
    python3 scripts/regions_gen.py /tmp/package/dist

Source: china-division 2.7.0 (github modood/Administrative-divisions-of-China,
data under the WTFPL), which transcribes the National Bureau of Statistics'
统计用区划代码 as of 2023-06-30 (published 2023-09-11). Only the package's JSON
data files are read (provinces.json, cities.json, areas.json, streets.json);
none of its code is used.

Corrections applied, so that the tree holds administrative divisions (GB/T 2260
codes for province, prefecture and county level; the statistical 9-digit codes
for townships and streets, each the child of its county's 6-digit code):
  * codes widened to 6 digits (51 -> 510000, 5101 -> 510100);
  * prefecture placeholders dropped — 市辖区 and 县 under 北京, 天津, 上海, 重庆,
    and 省/自治区直辖县级行政区划 (4190, 4290, 4690, 6590): their counties hang
    directly under the province, as in GB/T 2260;
  * statistical-only units dropped with their streets: every county-level code
    whose fifth digit is 7 (经济技术开发区, 高新区, 管理区 …, 124 units, 434
    streets), 大柴旦行政委员会 (632857, an administrative committee) and the
    four 大兴安岭 districts 加格达奇区, 松岭区, 新林区, 呼中区 (23276x) — none is
    a GB/T 2260 county-level division;
  * prefecture-level cities without counties (东莞 441900, 中山 442000, 儋州
    460400) appear once; their towns and streets are the city's children;
  * 台湾省, 香港特别行政区, 澳门特别行政区 are kept from the previous file as
    province rows without children (the source has no codes below them).
The 2015–2021 changes the previous file listed (简阳市 in 成都 510185, 新津区
510118, 会理市 513402, 射洪市 510981, 隆昌市 511083, 湟中区 630106, 同仁市 632301,
茫崖市 632803 …) hold in this vintage: the script asserts them.

name_en: rows already present in the previous output keep their English name
(the provinces and all of 四川 and 青海 were written by hand); new rows get
machine pinyin from Unihan's kMandarin reading (first reading, tones dropped,
a few place-name readings overridden below) and an English type word (District,
County, Town, Subdistrict …). Good enough to tell places apart; an instance may
correct any name through <datadir>/regions.d/ (README).
"""
import bz2
import json
import os
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_REGIONS = os.path.join(ROOT, "data", "regions.tsv")
OUT_TOWNS = os.path.join(ROOT, "data", "townships.tsv")
UNIHAN = "/usr/share/unicode/Unihan_Readings.txt.bz2"

PLACEHOLDER_CITIES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
DROPPED_COUNTIES = {"632857", "232761", "232762", "232763", "232764"}
KEPT_PROVINCES = {"710000", "810000", "820000"}
MUST_HOLD = {"510185": ("简阳市", "510100"), "510118": ("新津区", "510100"), "513402": ("会理市", "513400"),
             "510981": ("射洪市", "510900"), "511083": ("隆昌市", "511000"), "630106": ("湟中区", "630100"),
             "632301": ("同仁市", "632300"), "632803": ("茫崖市", "632800"), "510117": ("郫都区", "510100"),
             "510604": ("罗江区", "510600"), "510705": ("安州区", "510700"), "511504": ("叙州区", "511500")}

# Readings that differ in place names from Unihan's first reading.
READING = {"长": "chang", "重": "chong", "都": "du", "厦": "xia", "藏": "zang", "蚌": "beng", "六": "lu",
           "莘": "shen", "乐": "le", "行": "xing", "会": "hui", "解": "xie", "蔚": "yu", "铅": "yan",
           "盖": "gai", "尉": "yu", "单": "shan", "曲": "qu", "济": "ji", "阿": "a", "番": "pan", "堡": "bu",
           "省": "sheng", "家": "jia", "场": "chang", "和": "he", "沙": "sha", "朝": "chao", "大": "da",
           "给": "ji", "石": "shi", "吐": "tu", "尾": "wei", "涌": "yong", "洞": "dong", "圩": "xu", "佛": "fo"}

# (suffix, English type word), longest first, per level.
SUFFIX = {
    "city": [("自治州", "Autonomous Prefecture"), ("地区", "Prefecture"), ("盟", "League"), ("市", "")],
    "district": [("自治县", "Autonomous County"), ("自治旗", "Autonomous Banner"), ("林区", "Forestry District"),
                 ("特区", "Special District"), ("区", "District"), ("县", "County"), ("旗", "Banner"), ("市", "")],
    "township": [("民族乡", "Ethnic Township"), ("民族苏木", "Ethnic Sumu"), ("街道办事处", "Subdistrict"),
                 ("街道", "Subdistrict"), ("苏木", "Sumu"), ("镇", "Town"), ("乡", "Township"),
                 ("办事处", "Office"), ("地区", "Area")],
}


def load_readings():
    out = {}
    with bz2.open(UNIHAN, "rt", encoding="utf-8") as f:
        for line in f:
            if "\tkMandarin\t" not in line:
                continue
            cp, _, value = line.rstrip("\n").split("\t")
            first = value.split()[0]
            plain = "".join(c for c in unicodedata.normalize("NFD", first) if not unicodedata.combining(c))
            out[chr(int(cp[2:], 16))] = plain.replace("ü", "v").lower()
    return out


def pinyin(text, readings):
    syl = []
    for ch in text:
        r = READING.get(ch) or readings.get(ch)
        if r:
            syl.append(r)
    word = ""
    for i, s in enumerate(syl):
        # An apostrophe where a vowel-initial syllable follows another (Xi'an).
        word += ("'" if i and s[0] in "aoe" else "") + s
    return word[:1].upper() + word[1:]


def english(name, level, readings):
    for suffix, word in SUFFIX.get(level, []):
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = pinyin(name[: -len(suffix)], readings)
            return stem + (" " + word if word else "")
    return pinyin(name, readings)


def read_previous(path):
    """code -> (name_zh, name_en) of the file written last time."""
    prev = {}
    if not os.path.exists(path):
        return prev
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or line.startswith("code\t") or not line.strip():
                continue
            c = line.rstrip("\n").split("\t")
            prev[c[0]] = (c[3], c[4], c)
    return prev


def main():
    args = sys.argv[1:]
    all_towns = None
    if len(args) == 3 and args[1] == "--all-townships":
        all_towns = args[2]
        args = args[:1]
    if len(args) != 1:
        sys.exit("usage: regions_gen.py PATH/TO/china-division/dist [--all-townships OUT.tsv]")
    src = args[0]
    load = lambda n: json.load(open(os.path.join(src, n), encoding="utf-8"))
    provinces, cities, areas, streets = (load(n) for n in ("provinces.json", "cities.json", "areas.json", "streets.json"))
    readings = load_readings()
    prev = read_previous(OUT_REGIONS)
    prev.update(read_previous(OUT_TOWNS))

    rows = []          # (code, parent, level, name_zh)
    city_parent = {}   # 4-digit city code -> 6-digit parent code in the tree
    for p in provinces:
        rows.append((p["code"] + "0000", "", "province", p["name"]))
    for c in cities:
        prov = c["provinceCode"] + "0000"
        if c["name"] in PLACEHOLDER_CITIES:
            city_parent[c["code"]] = prov
        else:
            rows.append((c["code"] + "00", prov, "city", c["name"]))
            city_parent[c["code"]] = c["code"] + "00"
    area_parent = {}   # 6-digit area code -> its parent in the tree for streets (None: dropped)
    dropped = 0
    for a in areas:
        code, parent = a["code"], city_parent[a["cityCode"]]
        if code[4] == "7" or code in DROPPED_COUNTIES:
            area_parent[code] = None
            dropped += 1
        elif code == parent:                 # 东莞市 as its own county: the city holds the towns
            area_parent[code] = parent
        else:
            rows.append((code, parent, "district", a["name"]))
            area_parent[code] = code
    towns, dropped_streets = [], 0
    for s in streets:
        parent = area_parent[s["areaCode"]]
        if parent is None:
            dropped_streets += 1
            continue
        assert len(s["code"]) == 9 and s["code"].startswith(s["areaCode"]), s
        towns.append((s["code"], parent, "township", s["name"]))

    by_code = {r[0]: r for r in rows}
    for code, (name, parent) in MUST_HOLD.items():
        assert by_code[code][3] == name and by_code[code][1] == parent, (code, by_code.get(code))
    for code in sorted(KEPT_PROVINCES):
        rows.append(tuple(prev[code][2][:4]))
    rows.sort(key=lambda r: r[0])
    towns.sort(key=lambda r: r[0])

    def en(r):
        old = prev.get(r[0])
        hand = r[2] == "province" or (r[2] in ("city", "district") and r[0][:2] in ("51", "63"))
        if hand and old and old[0] == r[3] and old[1]:
            return old[1]
        return english(r[3], r[2], readings)

    nprov = sum(1 for r in rows if r[2] == "province")
    ncity = sum(1 for r in rows if r[2] == "city")
    ncounty = sum(1 for r in rows if r[2] == "district")
    header = f"""code\tparent\tlevel\tname_zh\tname_en
# regions.tsv — administrative divisions used for addresses in kejiyun,
# generated by scripts/regions_gen.py (do not edit by hand: fix the script, or
# add or correct rows for one instance in <datadir>/regions.d/*.tsv).
# Codes: GB/T 2260 six-digit administrative division codes (民政部 县级以上行政
# 区划代码); townships and streets (乡镇/街道, data/townships.tsv) carry the
# statistics bureau's nine-digit codes, each the child of its county.
# Source: the statistics bureau's 统计用区划代码 as of 2023-06-30, as transcribed
#   by npm's china-division 2.7.0 (data only); corrections in the script.
# Coverage: {nprov} provincial-level units (parent empty), {ncity} prefecture-level
#   units (level "city", including 地区, 自治州, 盟) and {ncounty} county-level units
#   (level "district": 市辖区, 县, 自治县, 县级市, 旗 …) — all of China; 台湾,
#   香港 and 澳门 as province rows without children. Municipalities (北京, 天津,
#   上海, 重庆) and the counties a province governs directly (济源, 仙桃, 五指山,
#   石河子 …) hang under the province, as in GB/T 2260.
# Changes already applied (and asserted by the script): 简阳市 moved to 成都
#   (2016, 510185), 郫都区 (2016), 新津区 (2020, 510118), 罗江区 (2017), 安州区
#   (2016), 叙州区 (2018), 隆昌市 (2017, 511083), 射洪市 (2019, 510981), 马尔康市
#   (2015), 康定市 (2015), 会理市 (2021, 513402); 湟中区 (2019, 630106), 同仁市
#   (2020, 632301), 茫崖市 (2018, 632803), 海东市 (2013, 630200).
# Not listed: statistical-only units (开发区, 高新区, 管理区: codes xxxx7x),
#   大柴旦行政委员会 (632857) and the 大兴安岭 districts 23276x, which are not
#   county-level divisions; 市辖区/县 placeholder codes are not divisions either.
# Names are not unique (市中区 is in 内江 511002 and in 乐山 511102): codes are.
# name_en: hand-written for provinces and all of 四川 and 青海 (pinyin without
#   tones, apostrophe where syllables would be ambiguous: Ya'an; "District" /
#   "County" / "Autonomous County" for county-level units, none for cities);
#   machine pinyin with the same conventions elsewhere.
# Columns: code, parent (empty for provinces), level (province/city/district/
#   township), name_zh, name_en. UTF-8, tab-separated, '#' starts a comment line.
"""
    with open(OUT_REGIONS, "w", encoding="utf-8") as f:
        f.write(header)
        for r in rows:
            f.write("\t".join((r[0], r[1], r[2], r[3], en(r))) + "\n")
    # The repository keeps the townships of 四川 and 青海 (the provinces the
    # demo and the first deployments use, ~3,500 rows); the whole country's
    # (~41,000, 2 MB) goes to an instance's regions.d on request.
    def write_towns(path, subset, what):
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"""code\tparent\tlevel\tname_zh\tname_en
# townships.tsv — townships and streets (乡/镇/街道/苏木, level "township") of {what},
# {len(subset)} rows, generated by scripts/regions_gen.py with data/regions.tsv (same
# source, vintage and columns; read its header). The rest of China is not kept in the
# repository: `scripts/regions_gen.py DIST --all-townships DATA/regions.d/townships-cn.tsv`
# writes it as an instance extension file.
# Codes: the statistics bureau's nine-digit codes; the first six digits are the
# county (the parent column says it: the tree follows parents, never prefixes).
""")
            for r in subset:
                f.write("\t".join((r[0], r[1], r[2], r[3], en(r))) + "\n")
    write_towns(OUT_TOWNS, [r for r in towns if r[0][:2] in ("51", "63")], "四川 and 青海")
    if all_towns:
        write_towns(all_towns, towns, "all of China")
    print(f"{len(rows)} regions, {len(towns)} townships; dropped {dropped} statistical units and {dropped_streets} of their streets",
          file=sys.stderr)


if __name__ == "__main__":
    main()
