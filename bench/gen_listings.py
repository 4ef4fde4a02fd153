#!/usr/bin/env python3
"""gen_listings.py — writes a CSV of N believable listings for import tests
and the import benchmark.

Usage: bench/gen_listings.py N [--out FILE] [--seed S] [--encoding utf-8-sig|utf-8|gbk]

The columns are kejiyun's exchange format (src/market/transfer.h). Codes come
from the reference data in data/ (domains, regions, cooperation modes, IP
types), patent application numbers carry valid check digits, and every row
passes the market domain's checks, so an import of the file by an
administrator succeeds completely. The output is deterministic for a seed.
Kinds are mixed: about half achievements, a quarter services, a quarter
demands. No owner_email: the importing administrator owns the listings.
"""
import argparse
import csv
import datetime
import io
import os
import random
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

COLUMNS = ["kind", "subtype", "title", "summary", "description", "domain", "keywords", "region",
           "valid_until", "trl", "trl_min", "ip_type", "ip_numbers", "coop_modes", "price_kind",
           "price_min", "price_max", "delivery_mode", "duration", "indicators", "deadline", "anonymous",
           "contact_name", "contact_phone", "contact_email"]

SUBJECTS = ["高导热氮化铝陶瓷基板", "锂电池极片缺陷视觉检测", "低温等离子体废气处理", "秸秆生物炭基肥",
            "高原牦牛乳清蛋白提取", "农田土壤墒情物联网监测", "光伏组件热斑巡检无人机", "青稞β-葡聚糖纯化",
            "工业机器人焊缝跟踪", "盐湖提锂吸附材料", "中藏药材指纹图谱质控", "燃料电池膜电极",
            "钢结构健康监测光纤传感", "城市污水厂智慧曝气", "碳纤维复合材料回收", "高寒草地生态修复",
            "数控机床热误差补偿", "冷链物流温湿度追溯", "新能源汽车电机控制器", "面向中小企业的数据中台"]
OFFER_FORMS = ["{0}技术", "{0}工艺及装备", "一种{0}方法", "{0}关键技术与示范"]
DEMAND_FORMS = ["寻求{0}解决方案", "征集{0}技术", "{0}技术需求", "需要{0}合作伙伴"]
SERVICE_FORMS = ["{0}检测服务", "{0}技术咨询", "{0}中试服务", "{0}方案设计"]
KEYWORDS = ["新材料", "节能", "智能制造", "检测", "物联网", "低碳", "生物医药", "高原特色",
            "数字化", "环保", "储能", "农业", "传感器", "机器视觉", "中试", "工艺优化"]
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周婷", "吴刚"]
INDICATORS = [("导热系数", "≥170", "W/(m·K)"), ("检测精度", "0.05", "mm"), ("去除率", "≥95", "%"),
              ("处理能力", "500", "t/d"), ("响应时间", "≤50", "ms"), ("纯度", "≥98", "%"),
              ("使用寿命", "10", "年"), ("能耗降低", "20", "%")]
DURATIONS = ["2周", "1个月", "3个月", "半年"]


def read_codes(name, keep=lambda row: True):
    """First-column codes of a data/*.tsv file (header and # comments skipped)."""
    codes = []
    with open(os.path.join(ROOT, "data", name), encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i == 0 or line.startswith("#") or not line.strip():
                continue
            row = line.rstrip("\n").split("\t")
            if keep(row):
                codes.append(row[0])
    return codes


def patent_number(rng, type_digit):
    """A 12-digit CNIPA application number with its mod-11 check character."""
    digits = "%04d%d%07d" % (rng.randint(2015, 2024), type_digit, rng.randint(0, 9999999))
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    check = sum(int(d) * w for d, w in zip(digits, weights)) % 11
    return "%s.%s" % (digits, "X" if check == 10 else check)


def money(rng, lo, hi):
    """An amount in 万元 with at most two decimals, as a string."""
    return ("%.2f" % rng.uniform(lo, hi)).rstrip("0").rstrip(".")


def listing(rng, refs, today, i):
    kind = rng.choices(["achievement", "service", "demand"], [2, 1, 1])[0]
    subject = rng.choice(SUBJECTS)
    forms = {"achievement": OFFER_FORMS, "service": SERVICE_FORMS, "demand": DEMAND_FORMS}[kind]
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        kind=kind,
        title="%s（%d）" % (rng.choice(forms).format(subject), i + 1),
        summary="围绕%s，%s。" % (subject, rng.choice(["已完成中试验证", "可提供样品测试", "希望与企业联合攻关",
                                                     "适合中小企业快速落地"])),
        description="## 概述\n\n%s相关成果与需求说明。\n\n- 应用领域：%s\n- 合作方式可协商\n" % (subject, rng.choice(KEYWORDS)),
        domain=rng.choice(refs["domains"]),
        keywords="|".join(rng.sample(KEYWORDS, rng.randint(1, 4))),
        region=rng.choice(refs["regions"]),
        valid_until=(today + datetime.timedelta(days=rng.randint(60, 700))).isoformat(),
        anonymous="1" if rng.random() < 0.1 else "0",
        contact_name=rng.choice(NAMES),
        contact_phone="1%d%08d" % (rng.choice([35, 38, 39, 58, 86]), rng.randint(0, 99999999)),
        contact_email="contact%d@example.cn" % (i + 1),
    )
    price_kind = rng.choice(["fixed", "range", "negotiable"])
    row["price_kind"] = price_kind
    if price_kind == "fixed":
        row["price_min"] = money(rng, 5, 500)
    elif price_kind == "range":
        lo = rng.uniform(5, 300)
        row["price_min"], row["price_max"] = money(rng, lo, lo), money(rng, lo + 10, lo + 500)
    if kind == "demand":
        if rng.random() < 0.2:
            row["subtype"] = "problem"
        row["indicators"] = "|".join("%s:%s:%s" % ind for ind in rng.sample(INDICATORS, rng.randint(1, 3)))
        row["trl_min"] = str(rng.randint(3, 7))
        row["deadline"] = (today + datetime.timedelta(days=rng.randint(30, 365))).isoformat()
        row["coop_modes"] = "|".join(rng.sample(refs["modes"], rng.randint(1, 3)))
    else:
        row["trl"] = str(rng.randint(1 if kind == "service" else 3, 9))
        ip = rng.choice(refs["ip_types"])
        row["ip_type"] = ip
        type_digit = {"invention_patent": 1, "utility_model": 2, "design": 3}.get(ip)
        if type_digit:
            row["ip_numbers"] = "|".join(patent_number(rng, type_digit) for _ in range(rng.randint(1, 3)))
        row["coop_modes"] = "|".join(rng.sample(refs["modes"], rng.randint(1, 3)))
        if kind == "service":
            row["delivery_mode"] = rng.choice(["onsite", "remote", "hybrid"])
            row["duration"] = rng.choice(DURATIONS)
    return row


def generate(n, seed=1, out=None, encoding="utf-8-sig"):
    """Writes n listings as CSV to the binary stream out (or returns bytes)."""
    rng = random.Random(seed)
    refs = {
        "domains": read_codes("domains.tsv", lambda r: len(r) > 1 and r[1] != ""),
        "regions": read_codes("regions.tsv", lambda r: len(r) > 2 and r[2] in ("city", "district")),
        "modes": read_codes("coop_modes.tsv"),
        "ip_types": read_codes("ip_types.tsv"),
    }
    today = datetime.date.today()
    text = io.StringIO(newline="")
    w = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\r\n")
    w.writeheader()
    for i in range(n):
        w.writerow(listing(rng, refs, today, i))
    data = text.getvalue().encode(encoding)
    if out is None:
        return data
    out.write(data)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int)
    ap.add_argument("--out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--encoding", default="utf-8-sig", choices=["utf-8-sig", "utf-8", "gbk", "gb18030"])
    a = ap.parse_args()
    if a.out:
        with open(a.out, "wb") as f:
            generate(a.n, a.seed, f, a.encoding)
    else:
        generate(a.n, a.seed, sys.stdout.buffer, a.encoding)


if __name__ == "__main__":
    main()
