"""Demo organisations: departments, routing rules, staff and places.

Static tables for :mod:`central_server.demo_data`. Department names follow the
real Beijing bodies; office phone numbers other than the well-known public
service lines (12315, 96116, 95598 …) are invented.
"""

from __future__ import annotations

from operator_tui.domain import DISTRICTS

from .demo_catalog import CatNode

# code, name_zh, name_en, kind, service phone
CITY_DEPARTMENTS: list[tuple[str, str, str, str, str]] = [
    ("MARKET", "市市场监管局", "Beijing Municipal Administration for Market Regulation", "bureau", "12315"),
    ("HOUSING", "市住房城乡建设委", "Beijing Municipal Commission of Housing and Urban-Rural Development", "bureau", "010-55597000"),
    ("PLANNING", "市规划自然资源委", "Beijing Municipal Commission of Planning and Natural Resources", "bureau", "010-55595000"),
    ("TRANSPORT", "市交通委", "Beijing Municipal Commission of Transport", "bureau", "010-57079800"),
    ("TRAFFIC", "市公安局公安交通管理局", "Beijing Traffic Management Bureau", "bureau", "010-68398110"),
    ("POLICE", "市公安局", "Beijing Municipal Public Security Bureau", "bureau", "010-85225050"),
    ("IMMIGRATION", "市公安局出入境管理总队", "Beijing Exit and Entry Administration", "bureau", "010-84020101"),
    ("FIRE", "市消防救援总队", "Beijing Fire and Rescue Corps", "bureau", "010-82265119"),
    ("EMERGENCY", "市应急管理局", "Beijing Municipal Emergency Management Bureau", "bureau", "010-55572000"),
    ("WATER", "市水务局", "Beijing Water Authority", "bureau", "010-68556000"),
    ("WATERCO", "北京市自来水集团", "Beijing Waterworks Group", "utility", "96116"),
    ("DRAINAGE", "北京城市排水集团", "Beijing Drainage Group", "utility", "96116"),
    ("POWER", "国网北京市电力公司", "State Grid Beijing Electric Power Company", "utility", "95598"),
    ("GAS", "北京燃气集团", "Beijing Gas Group", "utility", "96777"),
    ("HEAT", "北京热力集团", "Beijing District Heating Group", "utility", "96069"),
    ("CITYMGMT", "市城市管理委", "Beijing Municipal Commission of City Management", "bureau", "010-66083311"),
    ("URBANLAW", "市城管执法局", "Beijing Urban Management Law Enforcement Bureau", "bureau", "010-84041818"),
    ("ECO", "市生态环境局", "Beijing Municipal Ecology and Environment Bureau", "bureau", "010-68413817"),
    ("GARDEN", "市园林绿化局", "Beijing Municipal Forestry and Parks Bureau", "bureau", "010-84239000"),
    ("EDU", "市教委", "Beijing Municipal Education Commission", "bureau", "010-51991000"),
    ("HRSS", "市人力资源社会保障局", "Beijing Municipal Human Resources and Social Security Bureau", "bureau", "12333"),
    ("MEDSEC", "市医疗保障局", "Beijing Municipal Healthcare Security Administration", "bureau", "010-89153600"),
    ("HOUSINGFUND", "北京住房公积金管理中心", "Beijing Housing Provident Fund Management Centre", "other", "12329"),
    ("HEALTH", "市卫生健康委", "Beijing Municipal Health Commission", "bureau", "12320"),
    ("DRUG", "市药品监管局", "Beijing Medical Products Administration", "bureau", "010-83979700"),
    ("CIVIL", "市民政局", "Beijing Municipal Civil Affairs Bureau", "bureau", "010-58122000"),
    ("DISABLED", "市残联", "Beijing Disabled Persons' Federation", "other", "010-67535500"),
    ("CULTOUR", "市文化和旅游局", "Beijing Municipal Bureau of Culture and Tourism", "bureau", "010-85157000"),
    ("SPORT", "市体育局", "Beijing Municipal Sports Bureau", "bureau", "010-87182000"),
    ("COMMS", "北京市通信管理局", "Beijing Communications Administration", "bureau", "12300"),
    ("POST", "北京市邮政管理局", "Beijing Postal Administration", "bureau", "12305"),
    ("TAX", "国家税务总局北京市税务局", "Beijing Municipal Tax Service", "bureau", "12366"),
    ("GOVSERV", "市政务服务和数据管理局", "Beijing Municipal Government Services and Data Administration", "bureau", "010-89150000"),
    ("COMMERCE", "市商务局", "Beijing Municipal Bureau of Commerce", "bureau", "010-55579100"),
    ("ECONINFO", "市经济和信息化局", "Beijing Municipal Bureau of Economy and Information Technology", "bureau", "010-55578000"),
    ("DEVREF", "市发展改革委", "Beijing Municipal Commission of Development and Reform", "bureau", "010-55590000"),
    ("FINANCE", "市委金融办（市地方金融管理局）", "Beijing Local Financial Supervision and Administration", "bureau", "010-89151200"),
    ("AGRI", "市农业农村局", "Beijing Municipal Bureau of Agriculture and Rural Affairs", "bureau", "010-55529000"),
    ("VETERANS", "市退役军人事务局", "Beijing Municipal Veterans Affairs Bureau", "bureau", "010-55526600"),
    ("JUSTICE", "市司法局", "Beijing Municipal Bureau of Justice", "bureau", "12348"),
    ("FOREIGN", "市政府外办", "Foreign Affairs Office of the Beijing Municipal Government", "bureau", "010-55573000"),
    ("SUBWAY", "北京市地铁运营有限公司", "Beijing Subway Operation Company", "utility", "96165"),
    ("BUS", "北京公交集团", "Beijing Public Transport Group", "utility", "96166"),
]

# Sub-districts (街道/乡镇) and a few real roads per district.
STREETS: dict[str, list[str]] = {
    "dongcheng": ["东华门街道", "景山街道", "交道口街道", "安定门街道", "北新桥街道", "东直门街道", "和平里街道", "天坛街道"],
    "xicheng": ["西长安街街道", "新街口街道", "月坛街道", "展览路街道", "德胜街道", "金融街街道", "广安门内街道", "白纸坊街道"],
    "chaoyang": ["望京街道", "三里屯街道", "酒仙桥街道", "双井街道", "劲松街道", "亚运村街道", "大屯街道", "奥运村街道", "潘家园街道", "十八里店地区"],
    "haidian": ["中关村街道", "学院路街道", "清河街道", "上地街道", "海淀街道", "万寿路街道", "紫竹院街道", "西三旗街道", "四季青镇"],
    "fengtai": ["丰台街道", "方庄街道", "右安门街道", "卢沟桥街道", "新村街道", "宛平街道", "花乡地区", "马家堡街道"],
    "shijingshan": ["八宝山街道", "古城街道", "鲁谷街道", "苹果园街道", "金顶街街道", "八角街道"],
    "mentougou": ["大峪街道", "城子街道", "永定镇", "龙泉镇", "潭柘寺镇", "斋堂镇"],
    "fangshan": ["拱辰街道", "西潞街道", "长阳镇", "良乡镇", "城关街道", "窦店镇"],
    "tongzhou": ["北苑街道", "玉桥街道", "新华街道", "梨园镇", "宋庄镇", "永顺镇", "潞城镇"],
    "shunyi": ["胜利街道", "光明街道", "石园街道", "后沙峪镇", "仁和镇", "马坡镇"],
    "changping": ["回龙观街道", "天通苑北街道", "城北街道", "沙河镇", "霍营街道", "北七家镇", "东小口镇"],
    "daxing": ["亦庄镇", "黄村镇", "兴丰街道", "清源街道", "旧宫镇", "西红门镇", "瀛海镇"],
    "huairou": ["龙山街道", "泉河街道", "怀柔镇", "雁栖镇", "杨宋镇"],
    "pinggu": ["滨河街道", "兴谷街道", "平谷镇", "马坊镇", "金海湖镇"],
    "miyun": ["鼓楼街道", "果园街道", "檀营地区", "溪翁庄镇", "十里堡镇"],
    "yanqing": ["儒林街道", "百泉街道", "香水园街道", "延庆镇", "康庄镇"],
}

ROADS: dict[str, list[str]] = {
    "dongcheng": ["东四北大街", "朝阳门内大街", "安定门外大街", "雍和宫大街"],
    "xicheng": ["西直门内大街", "广安门内大街", "阜成门外大街", "德胜门外大街"],
    "chaoyang": ["望京街", "广顺北大街", "东三环中路", "朝阳北路", "北苑路", "酒仙桥路"],
    "haidian": ["中关村大街", "学院路", "上地信息路", "西三环北路", "成府路"],
    "fengtai": ["丰台北路", "方庄路", "南三环西路", "马家堡西路"],
    "shijingshan": ["鲁谷路", "石景山路", "阜石路", "苹果园路"],
    "mentougou": ["新桥大街", "滨河路", "石龙路"],
    "fangshan": ["良乡西路", "长阳路", "京周路"],
    "tongzhou": ["新华大街", "通朝大街", "九棵树东路", "运河东大街"],
    "shunyi": ["府前街", "仁和路", "顺平路"],
    "changping": ["回龙观西大街", "立汤路", "昌平路", "府学路"],
    "daxing": ["兴华大街", "荣华中路", "京开路", "黄村西大街"],
    "huairou": ["青春路", "府前街", "开放路"],
    "pinggu": ["府前街", "平谷大街", "新平北路"],
    "miyun": ["鼓楼大街", "宾阳路", "新中街"],
    "yanqing": ["妫水北街", "高塔街", "东外大街"],
}

# Rough share of the city's calls (population-weighted).
DISTRICT_WEIGHTS: dict[str, float] = {
    "dongcheng": 4, "xicheng": 5, "chaoyang": 16, "haidian": 14, "fengtai": 9,
    "shijingshan": 3, "mentougou": 1.5, "fangshan": 5, "tongzhou": 8, "shunyi": 6,
    "changping": 10, "daxing": 9, "huairou": 1.5, "pinggu": 1.5, "miyun": 2, "yanqing": 1.5,
}

# Districts with village water works run by the district (not the city utility).
RURAL_WATER_DISTRICTS = ("mentougou", "fangshan", "huairou", "pinggu", "miyun", "yanqing")

COMPOUND_HEADS = [
    "望京", "阳光", "金隅", "华润", "远洋", "万科", "首开", "和平", "幸福", "安华", "惠新", "建国",
    "富力", "龙湖", "天恒", "保利", "西山", "东湖", "北辰", "南湖", "新华", "康乐", "怡景", "翠微",
    "紫金", "清枫", "丽都", "融泽", "锦绣", "青年", "学府", "石油", "铁道", "电力", "文化", "光华",
]
COMPOUND_TAILS = ["小区", "家园", "花园", "嘉园", "里", "苑", "东里", "西里", "北里", "公寓", "新城", "社区"]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN_NAMES = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀英", "霞", "平", "刚", "桂英", "建华", "志强", "海燕", "晓东", "雪梅", "春梅", "文博", "子涵",
    "思远", "浩然", "雨桐", "欣怡", "佳琪", "梓萱", "俊杰", "建国", "淑珍", "玉兰", "国强", "红梅",
    "晓燕", "丽华", "立新", "振华", "婷婷", "晨曦", "宇航", "一鸣", "嘉怡", "若曦", "明轩", "志刚",
]

HOTLINE_NAMES = [
    "张晓燕", "李娜", "王静", "刘洋", "陈思远", "杨雪梅", "赵婷婷", "黄丽华", "周敏", "吴佳琪",
    "徐磊", "孙艳", "胡晨曦", "朱海燕", "高欣怡", "林子涵", "何志强", "郭春梅", "马超", "罗雨桐",
]
SUPERVISOR_NAMES = ["宋建华", "郑红梅"]
ADMIN_NAME = "韩立新"


def person_name(index: int) -> str:
    """A deterministic, realistic Chinese full name for staff number *index*."""
    surname = SURNAMES[(index * 7 + 3) % len(SURNAMES)]
    given = GIVEN_NAMES[(index * 11 + 5) % len(GIVEN_NAMES)]
    return surname + given


def departments() -> list[dict]:
    rows = [
        {"code": c, "name_zh": zh, "name_en": en, "kind": kind, "district": "", "active": True}
        for c, zh, en, kind, _ in CITY_DEPARTMENTS
    ]
    for key, (zh, en) in DISTRICTS.items():
        rows.append({
            "code": key.upper(),
            "name_zh": f"{zh}人民政府",
            "name_en": f"{en} District Government",
            "kind": "district",
            "district": key,
            "active": True,
        })
    return rows


def department_phones() -> dict[str, str]:
    phones = {c: phone for c, _, _, _, phone in CITY_DEPARTMENTS}
    for i, key in enumerate(DISTRICTS):
        phones[key.upper()] = f"010-6{(1234567 + i * 104729) % 10000000:07d}"
    return phones


def district_department(district: str) -> str:
    return district.upper()


def routing_rules(nodes: list[CatNode]) -> list[dict]:
    """Rules from the catalog: a category's own department city-wide
    (priority 10 × level), district government where the subtree is handled
    locally (+5), plus a few district-specific exceptions (priority 25)."""
    rules: list[dict] = []
    for node in nodes:
        if node.own_department:
            rules.append({
                "id": f"r-{node.code}",
                "category_prefix": node.code,
                "district": "",
                "department": node.own_department,
                "priority": node.level * 10,
            })
        if node.district_routing:
            for key in DISTRICTS:
                rules.append({
                    "id": f"r-{node.code}-{key}",
                    "category_prefix": node.code,
                    "district": key,
                    "department": district_department(key),
                    "priority": node.level * 10 + 5,
                })
    for key in RURAL_WATER_DISTRICTS:
        rules.append({
            "id": f"r-05.01-{key}",
            "category_prefix": "05.01",
            "district": key,
            "department": district_department(key),
            "priority": 25,
        })
    return rules


class Router:
    """Resolves (category, district) to a department with the routing rules:
    the matching rule with the highest priority wins (a longer prefix, then a
    district-specific rule, breaks ties); without a match, the default."""

    def __init__(self, rules: list[dict]):
        self.by_prefix: dict[str, list[dict]] = {}
        for rule in rules:
            self.by_prefix.setdefault(rule["category_prefix"], []).append(rule)

    def __call__(self, category_code: str, district: str, default: str = "") -> str:
        parts = category_code.split(".")
        best: tuple | None = None
        department = default
        for i in range(len(parts) + 1):
            prefix = ".".join(parts[:i])
            for rule in self.by_prefix.get(prefix, ()):
                if rule["district"] and rule["district"] != district:
                    continue
                key = (rule["priority"], len(prefix), bool(rule["district"]))
                if best is None or key > best:
                    best, department = key, rule["department"]
        return department


def route(category_code: str, district: str, rules: list[dict], default: str = "") -> str:
    """The department for a case in *district* with category *category_code*."""
    return Router(rules)(category_code, district, default)


def operators(department_codes: list[str], password: str) -> list[dict]:
    rows = [
        {"operator_id": f"op{i + 1}", "name": HOTLINE_NAMES[i], "role": "operator",
         "department": None, "password": password}
        for i in range(20)
    ]
    rows += [
        {"operator_id": f"sup{i + 1}", "name": n, "role": "supervisor",
         "department": None, "password": password}
        for i, n in enumerate(SUPERVISOR_NAMES)
    ]
    rows.append({"operator_id": "admin", "name": ADMIN_NAME, "role": "admin",
                 "department": None, "password": password})
    for i, code in enumerate(department_codes):
        rows.append({"operator_id": f"dept-{code.lower()}", "name": person_name(i),
                     "role": "department", "department": code, "password": password})
    return rows
