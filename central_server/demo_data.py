"""Realistic, deterministic demo data for a 12345-style hotline centre.

:func:`build_demo` returns the reference data (category tree, departments,
routing rules, knowledge base), the demo staff, and a few thousand historic
cases as ordered event lists that pass the real state machine
(:func:`operator_tui.domain.apply_event`). The same *seed* and *now* give the
same output, byte for byte.

The static tables live beside this module: :mod:`.demo_catalog` (categories),
:mod:`.demo_orgs` (departments, routing, staff, places), :mod:`.demo_kb`
(articles) and :mod:`.demo_texts` (work-order wording).
"""

from __future__ import annotations

import random
from bisect import bisect
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from itertools import accumulate
from typing import Any, Callable

from operator_tui.case_numbers import make_case_no
from operator_tui.domain import DISTRICTS, Actor, Role

from . import data as shipped
from . import demo_texts as T
from .demo_catalog import DEADLINE_PROFILES, CatNode, parse_catalog
from .demo_kb import build_kb
from .demo_orgs import (
    COMPOUND_HEADS, COMPOUND_TAILS, DISTRICT_WEIGHTS, GIVEN_NAMES, ROADS, STREETS, SURNAMES,
    Router, department_phones, departments, district_department, operators, route, routing_rules,
)

__all__ = ["DEMO_PASSWORD", "DemoData", "DemoEvent", "build_demo", "route"]

DEMO_PASSWORD = "demo1234"
HISTORY_DAYS = 90
SEATS = 60
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

# Share of calls per local hour (Beijing): quiet nights, peaks 9-11 and 14-16.
HOUR_WEIGHTS = [0.6, 0.4, 0.3, 0.25, 0.25, 0.35, 0.8, 1.8, 3.6, 5.6, 6.0, 5.0, 3.4, 3.3,
                5.0, 5.5, 4.8, 3.9, 3.0, 2.6, 2.3, 1.9, 1.4, 0.9]
WEEKDAY_WEIGHTS = [1.1, 1.05, 1.0, 1.0, 1.0, 0.8, 0.75]
AREA_WEIGHTS = {
    "01": 10, "02": 8, "03": 12, "04": 9, "05": 5, "06": 4, "07": 2, "08": 6, "09": 7, "10": 10,
    "11": 5, "12": 9, "13": 5, "14": 4, "15": 5, "16": 3, "17": 2, "18": 3, "19": 1, "20": 1.5,
    "21": 1.5, "22": 2,
}
HEATING_MONTHS = {11, 12, 1, 2, 3}
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                   "153", "155", "156", "157", "158", "159", "176", "177", "178", "180", "181", "182",
                   "183", "185", "186", "187", "188", "189", "198", "199"]
CHANNELS = (["phone", "app", "web", "wechat", "weibo", "email"], [72, 8, 7, 8, 2, 3])
FOREIGN = (["en", "ja", "ko", "ru", "fr", "de", "es", "ar"], [55, 10, 10, 9, 4, 4, 4, 4])


@dataclass
class DemoEvent:
    actor: Actor  # who did it (operator id, role, department)
    server_time: datetime  # timezone-aware UTC, increasing within a case
    event: dict  # validates as protocol.EventIn


@dataclass
class DemoData:
    categories: list[dict]
    departments: list[dict]
    routing: list[dict]
    kb: list[dict]
    operators: list[dict]
    cases: list[list[DemoEvent]]
    holidays: list[dict] = field(default_factory=list)  # the official calendars shipped


def build_demo(seed: int = 12345, now: datetime | None = None, n_cases: int = 3000) -> DemoData:
    """Build the whole demo data set; deterministic in (*seed*, *now*, *n_cases*)."""
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    now = now.astimezone(UTC)
    nodes = parse_catalog()
    leaves = [n for n in nodes if n.is_leaf]
    areas = {n.code: n for n in nodes if n.level == 1}
    depts = departments()
    rules = routing_rules(nodes)
    names = {d["code"]: (d["name_zh"], d["name_en"]) for d in depts}
    phones = department_phones()
    router = Router(rules)
    local_for = {}
    for leaf in leaves:
        dept = router(leaf.code, "", leaf.department)
        local = router(leaf.code, "chaoyang", leaf.department) == "CHAOYANG"
        local_for[leaf.code] = (dept, local)
    kb = build_kb(random.Random(f"{seed}/kb"), now, leaves, areas, local_for, names, phones)
    staff = operators([d["code"] for d in depts], DEMO_PASSWORD)
    factory = _CaseFactory(seed, now, leaves, rules, names, kb)
    return DemoData(
        categories=[n.to_category() for n in nodes],
        departments=depts,
        routing=rules,
        kb=kb,
        operators=staff,
        cases=factory.build(n_cases),
        holidays=[day for year in shipped.builtin_years() for day in shipped.holidays(year)],
    )


class _Stop(Exception):
    """The case's story reaches past *now* (or was planned to stop here)."""


@dataclass
class _Caller:
    phone: str
    name: str
    district: str
    home: str
    favourite: CatNode | None = None
    cases: list[tuple[str, str, datetime]] = field(default_factory=list)  # (case_no, leaf, created)


@dataclass
class _Case:
    case_no: str
    leaf: CatNode
    district: str
    urgency: str
    language: str
    operator: Actor
    t: datetime
    payload: dict = field(default_factory=dict)  # of the `created` event
    plan: str = ""  # where the story is planned to stop: open/dispatched/signed/resolved
    merge_into: str = ""
    direct: bool = False
    version: int = 0
    lead: str = ""
    dispatched_at: datetime | None = None
    deadline: datetime | None = None
    returned: bool = False
    reopen_cycles: int = 0
    events: list[DemoEvent] = field(default_factory=list)


def _by_prefix(table: dict[str, Any], code: str) -> Any:
    """The entry for the longest prefix of the category *code* in *table*."""
    while code not in table:
        code = code.rpartition(".")[0]
    return table[code]


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


class _CaseFactory:
    def __init__(self, seed: int, now: datetime, leaves: list[CatNode], rules: list[dict],
                 dept_names: dict[str, tuple[str, str]], kb: list[dict]):
        self.seed, self.now = seed, now
        self.rng = random.Random(f"{seed}/cases")
        self.leaves, self.rules, self.dept_names = leaves, rules, dept_names
        self.n_events = 0
        self.routes: dict[tuple[str, str], str] = {}
        self.router = Router(rules)
        self.used_phones: set[str] = set()
        self.kb_for: dict[tuple[str, str], str] = {}
        for art in kb:
            for code in art["category_codes"]:
                self.kb_for.setdefault((code, art["language"]), art["id"])
        self.kb_title = {a["id"]: a["title"] for a in kb}
        sizes = Counter(leaf.code[:2] for leaf in leaves)
        factors = [self.rng.lognormvariate(0, 0.7) for _ in leaves]
        base = [AREA_WEIGHTS[leaf.code[:2]] * f / sizes[leaf.code[:2]] for leaf, f in zip(leaves, factors)]
        winter = [w * (2.5 if leaf.code.startswith("08") else 1.0) for leaf, w in zip(leaves, base)]
        summer = [w * (0.15 if leaf.code.startswith("08") else 1.0) for leaf, w in zip(leaves, base)]
        self.leaf_cum = {True: list(accumulate(winter)), False: list(accumulate(summer))}
        self.dist_keys = list(DISTRICT_WEIGHTS)
        self.dist_cum = list(accumulate(DISTRICT_WEIGHTS.values()))
        self.ops = [Actor(f"op{i}", Role.OPERATOR) for i in range(1, 21)]
        self.sups = [Actor(f"sup{i}", Role.SUPERVISOR) for i in (1, 2)]

    # --- building blocks ---------------------------------------------------

    def route(self, leaf: CatNode, district: str) -> str:
        key = (leaf.code, district)
        if key not in self.routes:
            self.routes[key] = self.router(leaf.code, district, leaf.department)
        return self.routes[key]

    def next_id(self) -> str:
        self.n_events += 1
        return f"demo-{self.seed}-{self.n_events:08d}"

    def pick_leaf(self, t: datetime) -> CatNode:
        cum = self.leaf_cum[t.astimezone(BEIJING).month in HEATING_MONTHS]
        return self.leaves[bisect(cum, self.rng.random() * cum[-1])]

    def pick_district(self) -> str:
        return self.dist_keys[bisect(self.dist_cum, self.rng.random() * self.dist_cum[-1])]

    def phone(self) -> str:
        r = self.rng
        while True:
            if r.random() < 0.12:
                lead = r.choice(["5", "6", "6", f"8{r.randint(1, 9)}"])  # 800x is not a Beijing line
                number = f"+8610{lead}{r.randrange(10 ** (8 - len(lead))):0{8 - len(lead)}d}"
            else:
                number = f"+86{r.choice(MOBILE_PREFIXES)}{r.randrange(10**8):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def person(self, language: str = "zh") -> str:
        r = self.rng
        if language != "zh":
            return r.choice(T.FOREIGN_NAMES[language])
        surname = r.choice(SURNAMES[:60])
        x = r.random()
        if x < 0.15:
            return ""
        if x < 0.65:
            return surname + r.choice(["先生", "女士"])
        return surname + r.choice(GIVEN_NAMES)

    def address(self, district: str, kind: str) -> str:
        r = self.rng
        dzh = DISTRICTS[district][0]
        street = r.choice(STREETS[district])
        road = r.choice(ROADS[district])
        compound = r.choice(COMPOUND_HEADS) + r.choice(COMPOUND_TAILS)
        if kind == "home":
            floor = r.randint(1, r.choice([6, 6, 18, 24]))
            return f"{dzh}{street}{compound}{r.randint(1, 30)}号楼{r.randint(1, 6)}单元{floor}{r.randint(1, 4):02d}室"
        if kind == "compound":
            if r.random() < 0.5:
                return f"{dzh}{street}{compound}{r.randint(1, 30)}号楼"
            return f"{dzh}{street}{compound}"
        if kind == "street":
            other = r.choice(ROADS[district])
            if other != road and r.random() < 0.4:
                return f"{dzh}{road}与{other}交叉口"
            return f"{dzh}{street}{road}{r.randint(1, 200)}号附近"
        if kind == "business":
            return f"{dzh}{street}{road}{r.randint(1, 200)}号{r.choice(T.SHOPS)}"
        if kind == "station":
            return f"{dzh}{road}地铁站{r.choice('ABCD')}口"
        if kind == "village":
            return f"{dzh}{street}{r.choice(COMPOUND_HEADS)}村{r.randint(1, 300)}号"
        return ""

    def address_kind(self, leaf: CatNode) -> str:
        return _by_prefix(T.ADDRESS_KIND, leaf.code)

    def dept_actor(self, code: str) -> Actor:
        return Actor(f"dept-{code.lower()}", Role.DEPARTMENT, code)

    # --- the timeline --------------------------------------------------------

    def creation_times(self, n: int) -> list[datetime]:
        r = self.rng
        start = self.now - timedelta(days=HISTORY_DAYS)
        slot = (start + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        slots, weights, day_noise = [], [], {}
        while slot < self.now - timedelta(seconds=60):
            local = slot.astimezone(BEIJING)
            noise = day_noise.setdefault(local.date(), r.uniform(0.85, 1.15))
            trend = 0.9 + 0.2 * (slot - start) / (self.now - start)
            length = min(3600.0, (self.now - slot).total_seconds() - 30)
            slots.append((slot, length))
            weights.append(HOUR_WEIGHTS[local.hour] * WEEKDAY_WEIGHTS[local.weekday()] * noise * trend
                           * length / 3600)
            slot += timedelta(hours=1)
        cum = list(accumulate(weights))
        times = []
        for _ in range(n):
            s, length = slots[bisect(cum, r.random() * cum[-1])]
            times.append(s + timedelta(milliseconds=r.randrange(int(length * 1000))))
        return sorted(times)

    def emit(self, c: _Case, etype: str, actor: Actor, payload: dict | Callable[[datetime], dict],
             after: float) -> datetime:
        t = c.t + timedelta(seconds=max(1.0, after))
        t = t.replace(microsecond=t.microsecond // 1000 * 1000)
        if t >= self.now:
            raise _Stop
        if callable(payload):
            payload = payload(t)
        c.t = t
        skew = timedelta(seconds=self.rng.uniform(-3.0, 1.5))
        c.events.append(DemoEvent(actor=actor, server_time=t, event={
            "event_id": self.next_id(),
            "case_no": c.case_no,
            "type": etype,
            "base_version": c.version,
            "client_time": (t + skew).astimezone(BEIJING).isoformat(timespec="milliseconds"),
            "payload": payload,
        }))
        c.version += 1
        return t

    # --- cases ---------------------------------------------------------------

    def build(self, n: int) -> list[list[DemoEvent]]:
        r = self.rng
        repeat = []
        for i in range(max(10, n // 10)):
            district = self.pick_district()
            caller = _Caller(self.phone(), self.person(), district, self.address(district, "home"))
            repeat.append(caller)
        repeat_cum = list(accumulate(1 / (i + 1) ** 0.4 for i in range(len(repeat))))
        seqs: dict[tuple, int] = {}
        out = []
        for created in self.creation_times(n):
            caller = None
            if r.random() < 0.2:
                caller = repeat[bisect(repeat_cum, r.random() * repeat_cum[-1])]
            c = self.new_case(created, caller, seqs)
            try:
                self.story(c)
            except _Stop:
                pass
            out.append(c.events)
        return out

    def new_case(self, created: datetime, caller: _Caller | None, seqs: dict) -> _Case:
        r = self.rng
        leaf = self.pick_leaf(created)
        merge_into, linked_to = "", ""
        if caller is not None:
            if caller.favourite is None:
                caller.favourite = leaf
            elif r.random() < 0.6:
                leaf = caller.favourite
            recent = [x for x in caller.cases if x[1] == leaf.code]
            if recent:
                linked_to = recent[-1][0]
                if created - recent[-1][2] < timedelta(days=7) and r.random() < 0.6:
                    merge_into = recent[-1][0]
        language = "zh"
        if caller is None and r.random() < 0.035:
            language = r.choices(*FOREIGN)[0]
        phone = caller.phone if caller else self.phone()
        name = caller.name if caller else self.person(language)
        kind = self.address_kind(leaf)
        if caller:
            district = caller.district
            address = caller.home if kind == "home" else self.address(district, kind)
        else:
            district = self.pick_district()
            address = self.address(district, kind)
        if kind == "none" and r.random() < 0.25:
            district = ""
        urgency = self.urgency(leaf)
        appeal = self.appeal_type(leaf)
        channel = r.choices(*CHANNELS)[0]
        if channel in ("email", "web") and caller is None and r.random() < 0.3:
            phone = ""
        seat = r.randint(1, SEATS)
        day = created.astimezone(BEIJING).date()
        seqs[(day, seat)] = seq = seqs.get((day, seat), 0) + 1
        case_no = make_case_no(day, seat, seq)
        op = self.ops[(seat - 1) % len(self.ops)]
        c = _Case(case_no, leaf, district, urgency, language, op, created - timedelta(seconds=1))
        c.merge_into = merge_into
        c.plan = r.choices(["", "open", "dispatched", "signed", "resolved"], [90.5, 1.5, 2, 3, 3])[0]
        direct_p = {"enquiry": 0.7, "praise": 1.0, "suggestion": 0.3}.get(appeal, 0.03)
        c.direct = r.random() < direct_p
        handle = r.randint(90, 540)
        payload = {
            "phone": phone, "name": name, "channel": channel, "language": language,
            "interpreter": language not in ("zh", "en") or (language == "en" and r.random() < 0.1),
            "appeal_type": appeal, "district": district, "address": address,
            "description": self.description(leaf, appeal, address, language),
            "urgency": urgency,
            "category_code": "" if r.random() < 0.15 else leaf.code,
            "handle_seconds": handle, "linked_to": linked_to,
            "client_created_at": (created - timedelta(seconds=handle)).astimezone(BEIJING)
            .isoformat(timespec="seconds"),
        }
        c.payload = payload
        if caller and not merge_into:
            caller.cases.append((case_no, leaf.code, created))
        return c

    def urgency(self, leaf: CatNode) -> str:
        weights = {"!": [55, 35, 10], "+": [5, 60, 35]}.get(leaf.urgency_hint, [1, 9, 90])
        return self.rng.choices(["critical", "urgent", "normal"], weights)[0]

    def appeal_type(self, leaf: CatNode) -> str:
        r = self.rng
        if leaf.code == "22.04.02":
            return "praise"
        if leaf.code in ("22.04.01", "22.04.03"):
            return "suggestion"
        if leaf.is_enquiry:
            return r.choices(["enquiry", "suggestion", "complaint", "praise"], [86, 7, 6, 1])[0]
        return r.choices(["complaint", "report", "help", "suggestion", "enquiry", "praise"],
                         [50, 20, 17, 6, 6, 1])[0]

    def description(self, leaf: CatNode, appeal: str, address: str, language: str) -> str:
        r = self.rng
        area = leaf.code[:2]
        if language == "en":
            parts = [f"Caller (foreign resident, English) reports: {leaf.name_en.lower()}."]
            if address:
                parts.append(f"Location: {address}.")
            if r.random() < 0.5:
                parts.append(r.choice(T.DETAILS_EN).format(n=r.randint(2, 20)))
            parts.append(r.choice(T.DEMANDS_EN))
            return " ".join(parts)
        if appeal == "praise":
            dept = self.dept_names[self.route(leaf, "")][0]
            text = f"市民来电表扬{dept}工作人员，{r.choice(T.PRAISE_REASONS)}，特此致谢。"
        elif leaf.is_enquiry and appeal == "suggestion":
            text = f"市民建议：进一步简化{leaf.name_zh}的办理流程，加强政策宣传，方便群众办事。"
        elif leaf.is_enquiry:
            text = f"市民来电{leaf.issue}。{r.choice(T.DEMANDS['enquiry'])}"
        elif appeal == "enquiry":
            text = f"市民来电咨询：{leaf.name_zh}问题应由哪个部门负责、如何处理。{r.choice(T.DEMANDS['enquiry'])}"
        else:
            where = f"{address}，" if address and r.random() < 0.6 else ""
            prefix = "市民建议：针对" if appeal == "suggestion" else r.choice(["市民来电反映：", "来电人反映：", "市民反映："])
            text = prefix + where + leaf.issue + ("的情况，" if appeal == "suggestion" else "。")
            for detail in r.sample(T.DETAILS, r.choice([0, 1, 1, 2])):
                text += detail.format(n=r.randint(2, 30), party=T.PARTY[area])
            text += r.choice(T.DEMANDS[appeal])
        if language != "zh":
            text = f"外籍来电人（{T.LANGUAGE_ZH[language]}），经三方通话翻译：" + text
        return text

    # --- the story of one case -----------------------------------------------

    def story(self, c: _Case) -> None:
        r = self.rng
        op = c.operator
        payload = c.payload
        self.emit(c, "created", op, payload, 0)
        if not payload["category_code"]:
            self.emit(c, "categorized", op, {"category_code": c.leaf.code}, r.uniform(20, 150))
        if r.random() < 0.06:
            if r.random() < 0.5 and payload["address"] and c.district:
                fields = {"address": self.address(c.district, self.address_kind(c.leaf))}
            else:
                c.urgency = "urgent" if c.urgency == "normal" else c.urgency
                fields = {"urgency": c.urgency}
            self.emit(c, "edited", op, {"fields": fields}, r.uniform(15, 300))
        if c.merge_into:
            if r.random() < 0.3:
                self.emit(c, "note", op, {"text": f"与工单{c.merge_into}反映同一问题。"}, r.uniform(10, 120))
            self.emit(c, "merged", op, {"into": c.merge_into}, r.uniform(60, 2400))
            return
        if c.plan == "open":
            if r.random() < 0.5:
                self.emit(c, "note", op, {"text": r.choice(T.OPERATOR_NOTES)}, r.uniform(30, 3600))
            raise _Stop
        if c.direct:
            kb_id = self.kb_for.get((c.leaf.code, c.language)) or self.kb_for.get((c.leaf.code, "zh"), "")
            result = (f"已根据知识库《{self.kb_title[kb_id]}》向来电人解答，来电人表示清楚。" if kb_id
                      else "已向来电人解释相关政策，来电人表示理解。")
            if payload["appeal_type"] == "praise":
                result, kb_id = "已记录来电人的表扬，将转达相关单位。", ""
            self.emit(c, "resolved", op, {"mode": "direct", "result": result, "kb_article_id": kb_id},
                      r.uniform(5, 90))
            if r.random() < 0.8:
                self.callback(c)
            return
        self.dispatch(c, op, self.dispatch_delay(c))
        self.department(c)
        self.callback(c)

    def dispatch_delay(self, c: _Case) -> float:
        hours = {"critical": 0.5, "urgent": 1.5, "normal": 8}[c.urgency]
        late = 1.8 if self.rng.random() < 0.05 else 0.9
        return self.rng.uniform(30, hours * 3600 * late)

    def dispatch(self, c: _Case, actor: Actor, after: float, department: str = "",
                 co: list[str] | None = None, note: str | None = None) -> None:
        r = self.rng
        dept = department or self.route(c.leaf, c.district)
        if co is None:
            co = []
            if r.random() < 0.1:
                candidates = [x for x in (district_department(c.district) if c.district else "",
                                          c.leaf.department) if x and x != dept]
                co = candidates[:1]
        hours = DEADLINE_PROFILES[c.leaf.profile][c.urgency]

        def payload(t: datetime) -> dict:
            c.dispatched_at, c.deadline = t, t + timedelta(hours=hours)
            return {"department": dept, "co_departments": co, "deadline": _iso(c.deadline),
                    "note": r.choice(T.DISPATCH_NOTES) if note is None else note}

        self.emit(c, "dispatched", actor, payload, after)
        c.lead = dept

    def department(self, c: _Case) -> None:
        r = self.rng
        da = self.dept_actor(c.lead)
        if c.plan == "dispatched":
            raise _Stop
        if c.dispatched_at is None or c.t > c.dispatched_at + timedelta(minutes=5):
            # reworked after a callback: the department gets a fresh time budget
            hours = DEADLINE_PROFILES[c.leaf.profile][c.urgency]
            c.dispatched_at, c.deadline = c.t, c.t + timedelta(hours=hours)
        scale = {"critical": 0.3, "urgent": 1.0, "normal": 4.0}[c.urgency]
        if not c.returned and r.random() < 0.03:
            return self.give_back(c, da)
        self.emit(c, "signed", da, {"note": r.choice(T.SIGN_NOTES)}, r.uniform(300, 3600 * scale * 2))
        if not c.returned and r.random() < 0.04:
            return self.give_back(c, da)
        assert c.deadline and c.dispatched_at
        span = (c.deadline - c.dispatched_at).total_seconds()
        if r.random() < 0.3:
            self.emit(c, "note", da, {"text": r.choice(T.DEPT_NOTES)}, r.uniform(600, max(900, span * 0.2)))
        if r.random() < 0.1:
            hours = r.choice([24, 72, 168, 240]) if span > 86400 else r.choice([12, 24])
            target = c.dispatched_at + timedelta(seconds=span * r.uniform(0.4, 0.8))
            self.emit(c, "extended", da, {"action": "request", "hours": hours,
                                         "reason": r.choice(T.EXTENSION_REASONS)},
                      (target - c.t).total_seconds())
            sup = r.choice(self.sups)
            if r.random() < 0.8:
                new_deadline = c.deadline + timedelta(hours=hours)
                self.emit(c, "extended", sup, {"action": "approve", "hours": hours,
                                              "new_deadline": _iso(new_deadline)}, r.uniform(1800, 8 * 3600))
                c.deadline = new_deadline
                span += hours * 3600
            else:
                self.emit(c, "extended", sup, {"action": "refuse", "hours": hours,
                                              "reason": r.choice(T.REFUSE_NOTES)}, r.uniform(1800, 8 * 3600))
        if c.plan == "signed":
            raise _Stop
        share = r.uniform(1.0, 1.4) if r.random() < 0.08 else r.uniform(0.1, 0.95)
        target = c.dispatched_at + timedelta(seconds=span * share)
        if c.leaf.is_enquiry or c.payload["appeal_type"] == "enquiry":
            action = r.choice(T.ENQUIRY_ACTIONS)
            finding = r.choice(["已电话联系来电人", "经与来电人电话沟通"])
        else:
            action = r.choice(_by_prefix(T.ACTIONS, c.leaf.code))
            finding = r.choice(["经现场核实，反映情况属实", "经核实，反映问题部分属实", "经与来电人沟通并现场查看"])
        result = f"{finding}。{action}。已电话告知来电人处理结果。"
        self.emit(c, "resolved", da, {"mode": "department", "result": result},
                  max(600.0, (target - c.t).total_seconds()))

    def give_back(self, c: _Case, da: Actor) -> None:
        r = self.rng
        c.returned = True
        local = c.lead == district_department(c.district) if c.district else False
        reasons = ["wrong_locality"] if local and r.random() < 0.6 else []
        reason = reasons[0] if reasons else r.choice(["unclear_ownership", "overlapping_duties", "other"])
        self.emit(c, "returned", da, {"reason": reason, "text": r.choice(T.RETURN_TEXTS[reason])},
                  r.uniform(1800, 24 * 3600))
        if r.random() < 0.35:
            raise _Stop  # waiting for re-dispatch
        op = r.choice(self.ops)
        old = c.lead
        department, co = "", None
        if reason == "wrong_locality":
            new_district = r.choice([d for d in DISTRICTS if d != c.district])
            c.district = new_district
            fields = {"district": new_district, "address": self.address(new_district, self.address_kind(c.leaf))}
            self.emit(c, "edited", op, {"fields": fields}, r.uniform(600, 4 * 3600))
        elif reason == "unclear_ownership":
            siblings = [x for x in self.leaves if x.parent_code == c.leaf.parent_code and x.code != c.leaf.code]
            if siblings and r.random() < 0.5:
                c.leaf = r.choice(siblings)
                self.emit(c, "categorized", op, {"category_code": c.leaf.code}, r.uniform(600, 4 * 3600))
            if self.route(c.leaf, c.district) == old:
                alternatives = [x for x in (c.leaf.department, district_department(c.district) if c.district else "")
                                if x and x != old]
                department = alternatives[0] if alternatives else old
        elif reason == "overlapping_duties":
            # the district government leads, the bureau that sent it back co-handles
            department = district_department(c.district) if c.district else old
            others = [x for x in (old, c.leaf.department) if x != department]
            co = others[:1]
        self.dispatch(c, op, r.uniform(900, 6 * 3600), department=department, co=co)
        self.department(c)

    def reveal_phone(self, c: _Case, actor: Actor, after: float) -> float:
        """Before dialling, the callback operator shows the caller's full number
        (an audited event 90 s before the call); the seconds left until the call.
        Draws nothing from the generator, so the rest of the data stays as it was."""
        t = c.t + timedelta(seconds=after - 90)
        t = t.replace(microsecond=t.microsecond // 1000 * 1000)
        if not c.payload.get("phone") or t >= self.now:
            return after
        c.events.append(DemoEvent(actor=actor, server_time=t, event={
            "event_id": self.next_id(), "case_no": c.case_no, "type": "phone_revealed",
            "base_version": c.version, "client_time": t.astimezone(BEIJING).isoformat(timespec="milliseconds"),
            "payload": {},
        }))
        c.version += 1
        c.t = t
        return 90.0

    def callback(self, c: _Case) -> None:
        r = self.rng
        if c.plan == "resolved":
            raise _Stop
        op = r.choice(self.ops)
        after = self.reveal_phone(c, op, r.uniform(2 * 3600, 30 * 3600))
        for _ in range(2):
            if r.random() >= 0.15:
                break
            self.emit(c, "callback", op, {"satisfaction": "no_answer", "resolved": False,
                                          "note": r.choice(T.CALLBACK_NOTES["no_answer"])}, after)
            after = r.uniform(3 * 3600, 20 * 3600)
        bad = 0.06 if c.direct else (0.12 if c.reopen_cycles == 0 else 0.05)
        outcome = r.choices(["satisfied", "basic", "unsatisfied"], [0.78 - bad, 0.22, bad])[0]
        self.emit(c, "callback", op, {"satisfaction": outcome, "resolved": outcome != "unsatisfied",
                                      "note": r.choice(T.CALLBACK_NOTES[outcome])}, after)
        if outcome != "unsatisfied":
            if c.lead and c.reopen_cycles == 0 and r.random() < 0.015:
                c.reopen_cycles += 1
                self.emit(c, "reopened", op, {"mode": "rework", "reason": T.REOPEN_REASONS["rework"][1]},
                          r.uniform(2 * 86400, 10 * 86400))
                self.department(c)
                self.callback(c)
            return
        c.reopen_cycles += 1
        if c.reopen_cycles > 2:
            return
        if c.lead and r.random() < 0.55:
            self.emit(c, "reopened", op, {"mode": "rework", "reason": r.choice(T.REOPEN_REASONS["rework"])},
                      r.uniform(600, 4 * 3600))
        else:
            sup = r.choice(self.sups)
            self.emit(c, "reopened", sup, {"mode": "escalate", "reason": r.choice(T.REOPEN_REASONS["escalate"])},
                      r.uniform(1800, 24 * 3600))
            if r.random() < 0.4:
                raise _Stop  # waiting in supervision
            lead = c.lead or self.route(c.leaf, c.district)
            co = [district_department(c.district)] if c.district and district_department(c.district) != lead else []
            self.dispatch(c, sup, r.uniform(1800, 24 * 3600), department=lead, co=co,
                          note=r.choice(T.SUPERVISION_NOTES))
        self.department(c)
        self.callback(c)
