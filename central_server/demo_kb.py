"""Demo knowledge-base articles, generated from the category tree.

Every leaf gets an answer script (a how-to guide for enquiry topics, handling
guidance for complaint topics); many get a FAQ too. The text is put together
from per-area facts (laws, documents, where to go, what to tell the caller) so
that articles read plausibly and differ from each other. Most articles also
exist in English (same ``group_id``); a handful of flagship topics are written
out by hand. All of it is invented demo content, not official policy.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from .demo_catalog import DEADLINE_PROFILES, CatNode

# code prefix: (law_zh, law_en, docs_zh, docs_en, where_zh, where_en, tip_zh, tip_en)
AREA_FACTS: dict[str, tuple[str, str, str, str, str, str, str, str]] = {
    "01": ("《中华人民共和国消费者权益保护法》《北京市单用途预付卡管理条例》",
           "the Consumer Rights Protection Law and the Beijing Regulations on Single-Purpose Prepaid Cards",
           "购物凭证（发票、小票、转账记录）、合同或办卡协议、商品照片或聊天记录",
           "proof of purchase (invoice, receipt or transfer record), the contract or card agreement, photos or chat records",
           "经营者所在地的市场监管所，或通过全国12315平台在线投诉",
           "the market regulation office where the business is located, or online via the national 12315 platform",
           "建议先与经营者协商，协商不成再投诉；投诉时请写明经营者全称和地址",
           "try to settle with the business first; when you complain, give the business's full name and address"),
    "02": ("《北京市住房租赁条例》《城市房地产管理法》", "the Beijing Housing Rental Regulations and the Urban Real Estate Administration Law",
           "身份证、房屋租赁合同或购房合同、付款凭证、与对方沟通的记录",
           "ID card, the lease or purchase contract, payment records, records of communication with the other party",
           "区住房城乡建设委（房管局）窗口或“北京住建委”网站", "the district housing commission counter or the Beijing housing commission website",
           "签约前可在住建委网站核验房源和中介机构备案信息", "before signing, check the listing and the agent's registration on the housing commission website"),
    "03": ("《北京市物业管理条例》", "the Beijing Property Management Regulations",
           "房屋产权证明或租赁合同、物业服务合同、缴费凭证、现场照片",
           "proof of ownership or lease, the property service contract, payment receipts, photos of the problem",
           "所在街道（乡镇）物业管理部门或社区居委会", "the property management office of the sub-district (township) or the residents' committee",
           "物业服务问题可先向物业公司书面提出，保留回执", "raise service problems with the property company in writing first and keep the receipt"),
    "04": ("《北京市道路运输条例》《北京市出租汽车管理条例》", "the Beijing Road Transport Regulations and the Beijing Taxi Regulations",
           "乘车发票或行程单、车牌号、乘车时间及上下车地点", "the receipt or trip record, the plate number, time and pick-up and drop-off points",
           "市交通委执法总队或各运营企业服务热线", "the transport law enforcement corps or the operator's service line",
           "反映出租车问题请提供车牌号和乘车时间，便于核查", "give the plate number and the time of the ride so that it can be checked"),
    "05": ("《北京市城市供水条例》《北京市排水和再生水管理办法》", "the Beijing Urban Water Supply Regulations and the Beijing Drainage and Reclaimed Water Measures",
           "用户编号或水费账单、详细地址、问题发生时间", "the customer number or a water bill, the exact address, when the problem started",
           "自来水集团96116服务热线或各营业厅", "the Waterworks 96116 service line or its customer service halls",
           "计划停水会提前24小时在小区公告；突发停水可先拨打96116查询抢修进度",
           "planned outages are announced in the compound 24 hours ahead; for sudden outages call 96116 for repair progress"),
    "06": ("《电力供应与使用条例》", "the Regulations on Electricity Supply and Use",
           "户号或电费账单、用电地址、产权人身份证明", "the account number or a bill, the supply address, the owner's ID",
           "国网北京电力95598服务热线、“网上国网”App或供电营业厅", "the State Grid 95598 line, the \"State Grid Online\" app or a service hall",
           "家中停电请先检查户内空气开关；整栋楼停电可直接报修", "check your own circuit breaker first; if the whole building is out, report it straight away"),
    "07": ("《北京市燃气管理条例》", "the Beijing Gas Management Regulations",
           "燃气用户编号、身份证、房屋产权证明", "the gas customer number, ID card, proof of ownership",
           "北京燃气96777热线或燃气营业厅", "the Beijing Gas 96777 line or a gas service hall",
           "闻到燃气味请立即关闭阀门、开窗通风，不要开关电器，到室外拨打96777",
           "if you smell gas, shut the valve, open the windows, do not touch electrical switches and call 96777 from outside"),
    "08": ("《北京市供热采暖管理办法》", "the Beijing Heating Management Measures",
           "供热用户编号、缴费凭证、室温测量记录", "the heating customer number, payment receipt, room temperature readings",
           "北京热力96069热线或所在供热单位", "the Beijing Heating 96069 line or your heating company",
           "供暖期内居室温度不得低于18℃；测温应在门窗关闭1小时后进行",
           "during the heating season rooms must be at least 18°C; measure after doors and windows have been shut for an hour"),
    "09": ("《中华人民共和国噪声污染防治法》《北京市大气污染防治条例》", "the Noise Pollution Prevention Law and the Beijing Air Pollution Prevention Regulations",
           "问题发生的时间、地点、照片或视频", "time and place of the problem, photos or video",
           "区生态环境局或拨打12345/12369反映", "the district ecology and environment bureau, or 12345/12369",
           "夜间施工须取得夜间施工许可并公示，未公示的可随时反映", "night work needs a permit that is posted on site; report any night work without one"),
    "10": ("《北京市城市管理综合行政执法条例》《北京市生活垃圾管理条例》", "the Beijing Urban Management Enforcement Regulations and the Beijing Domestic Waste Regulations",
           "具体位置、照片、发生时间", "the exact location, photos and time",
           "所在街道（乡镇）综合执法队", "the sub-district (township) law enforcement team",
           "反映违建请说明位置、建设时间和规模", "for illegal construction give the location, when it was built and its size"),
    "11": ("《中华人民共和国义务教育法》《北京市中小学生学籍管理办法》", "the Compulsory Education Law and the Beijing Student Status Measures",
           "户口簿、居住证明、学生学籍信息", "household register, proof of residence, the student's school record",
           "户籍或居住地所在区教委", "the district education commission of your hukou or residence",
           "入学政策以各区当年发布的实施细则为准", "the rules each district publishes for the year apply"),
    "12": ("《中华人民共和国劳动合同法》《保障农民工工资支付条例》《社会保险法》", "the Labour Contract Law, the Regulations on Wage Payment for Migrant Workers and the Social Insurance Law",
           "身份证、劳动合同、工资条或银行流水、考勤记录、工作证",
           "ID card, employment contract, payslips or bank statements, attendance records, work badge",
           "用人单位所在区人力社保局劳动保障监察大队，或拨打12333", "the labour inspection team of the district where the employer is registered, or 12333",
           "劳动争议申请仲裁的时效为一年，请及时保留证据", "the time limit for labour arbitration is one year; keep your evidence"),
    "13": ("《中华人民共和国治安管理处罚法》《北京市消防条例》", "the Public Security Administration Punishments Law and the Beijing Fire Regulations",
           "身份证件、相关证明材料", "ID documents and the relevant supporting papers",
           "户籍地或居住地派出所，或“北京公安”政务服务平台", "your local police station or the Beijing police online service",
           "正在发生的警情请直接拨打110，火警拨打119", "for an emergency in progress call 110, for fire call 119"),
    "14": ("《优化营商环境条例》《北京市优化营商环境条例》", "the Regulations on Optimising the Business Environment and the Beijing regulations on the same",
           "营业执照、法定代表人身份证、经办人授权委托书", "business licence, the legal representative's ID, a power of attorney for the agent",
           "各区政务服务中心或“北京市政务服务网”", "district government service centres or the Beijing government services website",
           "大部分事项可“全程网办”，无需到现场", "most services can be done completely online"),
    "15": ("《中华人民共和国基本医疗卫生与健康促进法》《北京市控制吸烟条例》", "the Basic Medical and Health Care Law and the Beijing Tobacco Control Regulations",
           "就诊卡、病历、收费票据、身份证", "patient card, medical records, bills, ID card",
           "就诊医院的医务处（患者服务中心）或区卫生健康委", "the hospital's patient service centre or the district health commission",
           "医疗纠纷可申请医疗纠纷人民调解，不收取费用", "medical disputes can go to free people's mediation"),
    "16": ("《社会救助暂行办法》《北京市居家养老服务条例》", "the Interim Measures on Social Assistance and the Beijing Home-based Elderly Care Regulations",
           "身份证、户口簿、家庭收入及财产情况说明", "ID card, household register, a statement of family income and assets",
           "户籍所在地街道（乡镇）社区服务中心", "the community service centre of the sub-district where your hukou is",
           "社会救助实行“一门受理、协同办理”", "social assistance is applied for at one counter and handled jointly"),
    "17": ("《中华人民共和国旅游法》《北京市旅游条例》", "the Tourism Law and the Beijing Tourism Regulations",
           "旅游合同、发票、行程单、照片", "the travel contract, invoice, itinerary, photos",
           "市文化和旅游局旅游投诉受理部门", "the tourism complaints office of the culture and tourism bureau",
           "参团请选择有资质的旅行社并签订书面合同", "book with licensed travel agencies and sign a written contract"),
    "18": ("《中华人民共和国电信条例》《快递暂行条例》", "the Telecommunications Regulations and the Interim Regulations on Express Delivery",
           "手机号码、账单、快递单号", "the phone number, bills, the tracking number",
           "运营商或快递企业的客服热线", "the carrier's or courier's customer service line",
           "先向运营商或快递企业投诉，7日内未处理可向通信管理局（12300）或邮政管理局（12305）申诉",
           "complain to the carrier or courier first; if not handled within 7 days, appeal to 12300 (telecom) or 12305 (post)"),
    "19": ("《中华人民共和国农村土地承包法》", "the Rural Land Contracting Law",
           "土地承包经营权证、身份证、村委会证明", "the land contract certificate, ID card, a certificate from the village committee",
           "所在乡镇农业农村服务中心或区农业农村局", "the township agricultural service centre or the district agriculture bureau",
           "土地纠纷可先申请村民委员会或乡镇调解", "land disputes can first go to mediation by the village or township"),
    "20": ("《防范和处置非法集资条例》", "the Regulations on Preventing and Handling Illegal Fundraising",
           "合同、转账记录、宣传材料", "contracts, transfer records, promotional material",
           "市地方金融管理部门或属地派出所", "the local financial regulator or the local police station",
           "承诺高息、保本的“理财”多为非法集资，请勿轻信", "\"investments\" that promise high, guaranteed returns are usually illegal fundraising"),
    "21": ("《中华人民共和国城乡规划法》《不动产登记暂行条例》", "the Urban and Rural Planning Law and the Interim Regulations on Real Estate Registration",
           "不动产权证书、身份证、相关合同", "the property certificate, ID card, the relevant contracts",
           "各区不动产登记中心或“北京市规划和自然资源委员会”网站", "district real estate registration centres or the planning commission's website",
           "不动产登记可在线预约，避免现场排队", "book real estate registration online to avoid queues"),
    "22": ("《北京市接诉即办工作条例》", "the Beijing Regulations on Responding to Public Complaints",
           "身份证件及与诉求相关的证明材料", "ID and papers supporting the request",
           "相关主管部门或12345热线", "the responsible department or the 12345 hotline",
           "接诉即办：诉求办理结果将回访听取市民意见", "every request is followed up with a call to hear the citizen's view"),
    # more specific facts for some subtrees (looked up by the longest code prefix)
    "01.01": ("《中华人民共和国食品安全法》", "the Food Safety Law",
              "就餐或购买凭证、剩余食品或包装、照片、就医记录", "the receipt, leftover food or packaging, photos, medical records",
              "经营者所在地的市场监管所", "the local market regulation office",
              "疑似食物中毒请先就医，并保留剩余食品和票据", "in suspected food poisoning see a doctor first and keep leftovers and receipts"),
    "02.03": ("《北京市公共租赁住房管理办法》《北京市共有产权住房管理暂行办法》",
              "the Beijing public rental housing measures and the shared-ownership housing measures",
              "申请人及家庭成员身份证、户口簿、婚姻状况证明、收入和住房情况声明",
              "ID cards and household register of the family, marital status, a declaration of income and housing",
              "户籍所在街道（乡镇）住房保障窗口", "the housing security counter of your sub-district",
              "申请审核通过后进入轮候，可在住房保障网站查询轮候序号", "after approval you join the waiting list; check your number on the housing security website"),
    "02.06": ("《北京市老旧小区综合整治工作实施意见》", "the Beijing implementing opinions on renovating old residential compounds",
              "业主意见征询结果、加装方案、相关业主签字同意书", "the owners' consultation result, the plan, signed consent of the owners concerned",
              "所在街道（乡镇）城市建设和管理办公室", "the urban construction office of the sub-district",
              "加装电梯须经本单元业主充分协商，低层住户的合理诉求应予兼顾", "lift retrofits need agreement in the stairwell; the concerns of ground-floor owners must be heard"),
    "03.02": ("《中华人民共和国特种设备安全法》", "the Special Equipment Safety Law",
              "电梯所在楼号、单元，电梯内的使用标志编号", "the building and stairwell, the registration number on the lift's certificate",
              "物业服务企业或电梯使用单位，必要时区市场监管局特种设备科", "the property company or lift owner, or the district special equipment office",
              "电梯困人时请勿扒门，按警铃等待救援", "if trapped, do not force the doors; press the alarm and wait for rescue"),
    "10.03": ("《北京市生活垃圾管理条例》", "the Beijing Domestic Waste Regulations",
              "小区名称、垃圾桶站位置、照片", "the compound name, where the bins are, photos",
              "所在街道（乡镇）城市管理部门或物业服务企业", "the sub-district urban management office or the property company",
              "大件垃圾和装修垃圾请预约单独清运，不得混入生活垃圾", "book collection for bulky and renovation waste; do not mix it with household waste"),
    "11.03": ("《北京市校外培训机构管理办法》", "the Beijing measures on out-of-school training providers",
              "培训合同、缴费凭证、课时记录", "the training contract, payment records, records of lessons taken",
              "培训机构所在区教委或市场监管所", "the district education commission or market regulation office where the provider is",
              "校外培训预收费不得超过3个月或60课时，须使用资金监管账户", "providers may not charge more than 3 months or 60 lessons ahead and must use a supervised account"),
    "12.04": ("《中华人民共和国社会保险法》《北京市基本医疗保险规定》", "the Social Insurance Law and the Beijing basic medical insurance rules",
              "社保卡、身份证、医疗费用票据、费用明细、诊断证明", "social security card, ID, medical bills, itemised costs, the diagnosis",
              "参保区医保经办机构或“北京医保”公众号", "the district medical insurance office or the Beijing medical insurance WeChat account",
              "门诊、住院在定点医疗机构持卡就医可直接结算", "at designated hospitals costs are settled directly when you show your card"),
    "12.07": ("《住房公积金管理条例》", "the Regulations on the Management of Housing Provident Funds",
              "身份证、银行卡、相关合同或证明", "ID card, bank card, the relevant contract or certificate",
              "北京住房公积金网站、“北京公积金”App或各管理部", "the Beijing Housing Provident Fund website, its app or a branch office",
              "大部分公积金业务可在线办理，到账时间一般为1至3个工作日", "most housing fund services are online; money arrives within 1-3 working days"),
    "13.02": ("《中华人民共和国居民身份证法》《北京市实施〈居住证暂行条例〉办法》",
              "the Resident Identity Card Law and the Beijing measures on residence permits",
              "居民身份证、户口簿、居住证明、近期照片", "ID card, household register, proof of residence, a recent photo",
              "户籍地或居住地派出所户籍窗口，或“北京公安”政务服务平台", "the hukou counter of your police station or the Beijing police online service",
              "部分业务可在线预约，办理前请先确认所需材料", "some services can be booked online; check the documents before you go"),
    "13.03": ("《中华人民共和国出境入境管理法》", "the Exit and Entry Administration Law",
              "护照、签证或居留许可、住宿证明、照片", "passport, visa or residence permit, proof of accommodation, photo",
              "市公安局出入境管理总队或各区出入境接待大厅", "the Beijing Exit and Entry Administration or district exit-entry halls",
              "外国人入住家中应在24小时内办理住宿登记", "foreigners staying in a private home must be registered within 24 hours"),
    "13.04": ("《中华人民共和国消防法》《北京市消防条例》", "the Fire Protection Law and the Beijing Fire Regulations",
              "具体位置、照片或视频", "the exact location, photos or video",
              "辖区消防救援站或拨打96119举报火灾隐患", "the local fire station, or report fire hazards on 96119",
              "电动自行车严禁进楼入户充电，请使用小区集中充电设施", "e-bikes must not be charged inside buildings; use the compound's charging points"),
    "14.02": ("《中华人民共和国税收征收管理法》", "the Tax Collection Administration Law",
              "身份证或营业执照、税务登记信息、相关票据", "ID or business licence, tax registration details, related invoices",
              "主管税务机关办税服务厅或电子税务局", "the tax service hall of your tax office or the online tax bureau",
              "个税年度汇算可通过“个人所得税”App办理", "the annual income tax settlement can be done in the Individual Income Tax app"),
}

def _facts(code: str) -> tuple[str, ...]:
    """The facts for the longest prefix of *code* that has any."""
    while code not in AREA_FACTS:
        code = code.rpartition(".")[0]
    return AREA_FACTS[code]


HOURS_ZH = ["工作日 9:00-17:00", "工作日 8:30-12:00、13:30-17:00", "周一至周五 9:00-17:30，周六 9:00-12:00", "工作日 9:00-16:30（中午不休息）"]
HOURS_EN = ["weekdays 9:00-17:00", "weekdays 8:30-12:00 and 13:30-17:00", "Mon-Fri 9:00-17:30, Sat 9:00-12:00", "weekdays 9:00-16:30 (open at lunchtime)"]
DAYS = [3, 5, 7, 10, 15, 20]
STEPS_ZH = [
    "1. 通过网站、App或电话了解办理条件；2. 准备材料；3. 线上提交申请或到窗口递交；4. 等待审核，结果通过短信告知。",
    "1. 预约办理时间；2. 携带材料原件到窗口；3. 工作人员当场审核；4. 符合条件的当场办结，不符合的一次性告知需补正的材料。",
    "1. 在“北京通”App或政务服务网在线填报；2. 上传材料扫描件；3. 主管部门在规定时限内审核；4. 审核结果可在线查询。",
]
STEPS_EN = [
    "1. Check the conditions on the website, app or by phone; 2. prepare the documents; 3. apply online or at the counter; 4. you are told the result by text message.",
    "1. Book an appointment; 2. bring the original documents to the counter; 3. staff check them on the spot; 4. eligible cases are completed at once, otherwise you are told in one go what is missing.",
    "1. Fill in the form in the Beijing Tong app or on the government services website; 2. upload scans of the documents; 3. the department reviews them within the time limit; 4. check the result online.",
]
FEES_ZH = ["不收取任何费用。", "本事项免费办理。", "工本费按物价部门核定标准收取，其余环节不收费。"]
FEES_EN = ["There is no charge.", "This service is free of charge.", "Only the official fee for the certificate is charged."]
URGENCY_ZH = {"critical": "紧急", "urgent": "较急", "normal": "一般"}


def _hours(h: int) -> str:
    return f"{h // 24}天" if h % 24 == 0 and h >= 48 else f"{h}小时"


def _hours_en(h: int) -> str:
    return f"{h // 24} days" if h % 24 == 0 and h >= 48 else f"{h} hours"


class _KbBuilder:
    def __init__(self, rng: random.Random, now: datetime, dept_names: dict, dept_phones: dict):
        self.rng, self.now = rng, now
        self.names, self.phones = dept_names, dept_phones
        self.articles: list[dict] = []
        self.group = 0

    def updated(self) -> str:
        back = timedelta(days=self.rng.randint(1, 720), minutes=self.rng.randint(0, 1439))
        return (self.now - back).replace(microsecond=0).isoformat()

    def add(self, codes: list[str], tags: list[str], zh: tuple[str, str], en: tuple[str, str] | None,
            tags_en: list[str] | None = None) -> None:
        self.group += 1
        group_id = f"kbg-{self.group:04d}"
        self.articles.append({
            "id": f"kb-{self.group:04d}-zh", "group_id": group_id, "title": zh[0], "body": zh[1],
            "language": "zh", "tags": tags, "category_codes": codes, "updated_at": self.updated(),
        })
        if en:
            self.articles.append({
                "id": f"kb-{self.group:04d}-en", "group_id": group_id, "title": en[0], "body": en[1],
                "language": "en", "tags": tags_en or [t for t in tags if t.isascii()],
                "category_codes": codes, "updated_at": self.updated(),
            })


def _guide(b: _KbBuilder, leaf: CatNode, dept: str, local: bool):
    law_zh, law_en, docs_zh, docs_en, where_zh, where_en, tip_zh, tip_en = _facts(leaf.code)
    r = b.rng
    k = r.randrange(len(HOURS_ZH))
    s = r.randrange(len(STEPS_ZH))
    days = r.choice(DAYS)
    fee = r.randrange(len(FEES_ZH))
    name_zh, name_en = b.names[dept]
    who_zh = "所在区政府及街道（乡镇）" if local else name_zh
    who_en = "the district government and sub-district office" if local else name_en
    topic = leaf.issue[2:] if leaf.issue.startswith("咨询") else leaf.name_zh
    zh = (f"{leaf.name_zh}办理指南", "\n\n".join([
        f"【适用情形】市民{leaf.issue}时，可按本指南答复。",
        f"【主管部门】{who_zh}负责此项工作。咨询电话：{b.phones[dept]}；办公时间：{HOURS_ZH[k]}。办理地点：{where_zh}。",
        f"【所需材料】{docs_zh}。材料不全的，窗口一次性告知需补正的内容。",
        f"【办理流程】{STEPS_ZH[s]}",
        f"【办理时限】材料齐全的，自受理之日起{days}个工作日内办结。{FEES_ZH[fee]}",
        f"【政策依据】{law_zh}。",
        f"【温馨提示】{tip_zh}。如需了解“{topic}”的最新安排，请以主管部门发布的通知为准。",
    ]))
    en = (f"How-to: {leaf.name_en}", "\n\n".join([
        f"When it applies: a caller asks about {leaf.name_en.lower()}.",
        f"Responsible: {who_en}. Phone {b.phones[dept]}, {HOURS_EN[k]}. Where: {where_en}.",
        f"Documents: {docs_en}. If anything is missing you are told everything that is needed in one go.",
        f"Steps: {STEPS_EN[s]}",
        f"Time limit: {days} working days from acceptance when the documents are complete. {FEES_EN[fee]}",
        f"Legal basis: {law_en}.",
        f"Tip: {tip_en}.",
    ]))
    return zh, en


def _handling(b: _KbBuilder, leaf: CatNode, dept: str, local: bool):
    law_zh, law_en, docs_zh, docs_en, where_zh, where_en, tip_zh, tip_en = _facts(leaf.code)
    hours = DEADLINE_PROFILES[leaf.profile]
    name_zh, name_en = b.names[dept]
    who_zh = "案件所在区政府（由街道、乡镇属地办理）" if local else name_zh
    who_en = "the district government of the case's location (handled by the sub-district)" if local else name_en
    urg = {"!": "critical", "+": "urgent"}.get(leaf.urgency_hint, "normal")
    zh = (f"{leaf.name_zh}诉求受理口径", "\n\n".join([
        f"【典型诉求】如：“{leaf.issue}”。",
        f"【记录要点】请记录问题发生的具体地址（区、街道、小区、楼号）、发生时间和持续时长、"
        f"是否已向相关单位反映及对方答复、来电人的具体诉求。可请来电人准备：{docs_zh}。",
        f"【派单部门】按分类“{leaf.name_zh}”派至{who_zh}。此类诉求一般按“{URGENCY_ZH[urg]}”处理。",
        f"【办理时限】紧急{_hours(hours['critical'])}、较急{_hours(hours['urgent'])}、一般{_hours(hours['normal'])}内办结并反馈。",
        f"【答复要点】依据{law_zh}，{name_zh}依职责处理。{tip_zh}。",
        "【回访】办结后由热线回访，不满意的可申请重新办理。",
    ]))
    en = (f"Handling guidance: {leaf.name_en}", "\n\n".join([
        f"Typical request: a problem with {leaf.name_en.lower()}.",
        "Record: the exact address (district, sub-district, compound, building), when it started and how long it has lasted, "
        f"whether the caller already reported it and what they were told, and what they want. Useful evidence: {docs_en}.",
        f"Dispatch to: {who_en}. Usually urgency \"{urg}\".",
        f"Deadlines: critical {_hours_en(hours['critical'])}, urgent {_hours_en(hours['urgent'])}, "
        f"normal {_hours_en(hours['normal'])}.",
        f"What to tell the caller: under {law_en} the department deals with it. Tip: {tip_en}.",
        "Callback: the hotline calls back after the result; an unsatisfied caller can ask for it to be reworked.",
    ]))
    return zh, en


FAQ_ZH = [
    ("多长时间能有结果？", "诉求派发后，承办部门在规定时限内办理并反馈，热线将回访告知结果。"),
    ("可以匿名反映吗？", "可以。但留下联系方式便于承办部门核实情况和反馈结果，个人信息依法保密。"),
    ("对处理结果不满意怎么办？", "回访时可说明不满意的原因，热线将根据情况要求重新办理或提级督办。"),
    ("需要本人到现场吗？", "一般不需要，承办部门会电话联系核实；需要现场查看的会提前与您约定时间。"),
    ("节假日能受理吗？", "12345热线24小时受理，节假日期间紧急事项照常派单处理。"),
]
FAQ_EN = [
    ("How long until there is a result?", "The department handles the request within its deadline and reports back; the hotline calls you with the result."),
    ("Can I report anonymously?", "Yes, but a contact number lets the department check the facts and report back; your details are kept confidential."),
    ("What if I am not satisfied with the result?", "Say why when the hotline calls back; the case can be reworked or escalated for supervision."),
    ("Do I need to be there in person?", "Usually not; the department calls you, and books a time with you if it needs to see the site."),
    ("Are requests handled on public holidays?", "12345 takes calls 24 hours a day; urgent matters are dispatched on holidays too."),
]


def _faq(b: _KbBuilder, leaf: CatNode, dept: str, local: bool):
    law_zh, law_en, docs_zh, docs_en, where_zh, where_en, tip_zh, tip_en = _facts(leaf.code)
    picks = b.rng.sample(range(len(FAQ_ZH)), 2)
    name_zh, name_en = b.names[dept]
    zh_q = [(f"{leaf.name_zh}问题找哪个部门？", f"由{'所在区政府（街道、乡镇）' if local else name_zh}负责，也可拨打{b.phones[dept]}咨询。"),
            ("需要准备哪些材料？", f"{docs_zh}。"),
            ("有什么需要注意的？", f"{tip_zh}。")] + [FAQ_ZH[i] for i in picks]
    en_q = [(f"Who deals with {leaf.name_en.lower()}?", f"{'The district government (sub-district office)' if local else name_en}; phone {b.phones[dept]}."),
            ("What should I prepare?", f"{docs_en}."),
            ("Anything to watch out for?", f"{tip_en}.")] + [FAQ_EN[i] for i in picks]
    zh = (f"{leaf.name_zh}常见问题", "\n\n".join(f"问：{q}\n答：{a}" for q, a in zh_q))
    en = (f"FAQ: {leaf.name_en}", "\n\n".join(f"Q: {q}\nA: {a}" for q, a in en_q))
    return zh, en


# Flagship topics, written out by hand: (category codes, tags, zh title, zh body, en title, en body)
SPECIALS: list[tuple[list[str], list[str], str, str, str, str]] = [
    (["05.01.01"], ["停水", "water", "96116"], "突发停水怎么办",
     "1. 先确认是否只有自家停水：询问邻居或查看小区公告栏。只有自家停水的，检查户内阀门和水表前阀门。\n\n"
     "2. 整栋楼或整个小区停水的，拨打自来水集团96116查询是否为计划停水或抢修停水。计划停水会提前24小时公告，"
     "抢修停水一般在12小时内恢复。\n\n3. 二次供水（楼顶水箱、加压泵）故障由物业或产权单位负责维修。\n\n"
     "4. 停水超过24小时且无送水安排的，热线将按“较急”派单，并督促供水单位安排临时送水。",
     "What to do in a sudden water outage",
     "1. Check whether only your flat is affected: ask neighbours or look at the notice board. If it is just your flat, check the valves inside and in front of the meter.\n\n"
     "2. If the building or compound is affected, call Beijing Waterworks on 96116 to learn whether it is planned or an emergency repair. Planned outages are announced 24 hours ahead; repairs are usually done within 12 hours.\n\n"
     "3. Faults in secondary supply (rooftop tanks, booster pumps) are for the property company or building owner.\n\n"
     "4. If the outage lasts over 24 hours with no water delivery, the hotline dispatches the case as urgent and asks the supplier to bring water."),
    (["08.01.01"], ["供暖", "18度", "heating"], "供暖期室温标准及不热处理",
     "本市供暖期为每年11月15日至次年3月15日，可视天气提前或延长。供暖期内，居民住宅卧室、起居室温度不得低于18℃。\n\n"
     "测温方法：关闭门窗1小时后，在室内中央距地面1.5米处测量。室温不达标的，可拨打供热单位服务电话或北京热力96069报修，"
     "供热单位应在24小时内上门检测。\n\n经检测确属供热单位原因不达标的，按规定退还相应采暖费。",
     "Heating season room temperature and what to do if it is cold",
     "The heating season runs from 15 November to 15 March and may start earlier or end later depending on the weather. Bedrooms and living rooms must be at least 18°C.\n\n"
     "How to measure: after doors and windows have been shut for an hour, measure in the middle of the room 1.5 m above the floor. If it is too cold, call your heating company or Beijing Heating on 96069; they must come and measure within 24 hours.\n\n"
     "If the heating company is at fault, part of the heating fee is refunded under the rules."),
    (["12.02.01", "12.02.02"], ["欠薪", "工资", "wage arrears", "12333"], "被拖欠工资如何维权",
     "1. 收集证据：劳动合同、工资条、银行流水、考勤记录、工作证、工友证言等。\n\n"
     "2. 协商：与用人单位协商支付，可请工会或调解组织参与。\n\n"
     "3. 投诉：向用人单位所在区人力社保局劳动保障监察大队投诉，或拨打12333。农民工欠薪可直接反映至项目所在地，"
     "施工总承包单位对分包单位拖欠的农民工工资先行清偿。\n\n"
     "4. 仲裁：向劳动人事争议仲裁委员会申请仲裁，时效一年，仲裁不收费。\n\n"
     "5. 拒不支付劳动报酬数额较大、经责令仍不支付的，可能构成犯罪，由公安机关依法处理。",
     "What to do about unpaid wages",
     "1. Gather evidence: contract, payslips, bank statements, attendance records, work badge, statements from co-workers.\n\n"
     "2. Negotiate with the employer, with the trade union or a mediator if helpful.\n\n"
     "3. Complain to the labour inspection team of the district where the employer is registered, or call 12333. Migrant workers on building sites can report to the district where the project is; the main contractor must pay first what a subcontractor owes.\n\n"
     "4. Apply for labour arbitration within one year; arbitration is free.\n\n"
     "5. Refusing to pay large amounts after an order to pay may be a crime and is handled by the police."),
    (["01.04.01", "01.04.04"], ["预付卡", "退费", "健身房", "prepaid card"], "单用途预付卡退费规定",
     "根据《北京市单用途预付卡管理条例》：\n\n"
     "1. 消费者自付款之日起7日内未消费的，有权要求经营者全额退款（冷静期）。\n\n"
     "2. 经营者不得设定“最终解释权”等不公平格式条款。\n\n"
     "3. 经营者停业、歇业或者变更经营场所影响消费的，应提前30日告知消费者，并退还预付卡余额。\n\n"
     "4. 健身、美容美发、教育培训等行业单张预付卡金额和预收期限有上限。\n\n"
     "消费者可通过12315平台投诉，或向经营者所在地市场监管所反映。",
     "Refund rules for prepaid (single-purpose) cards",
     "Under the Beijing Regulations on Single-Purpose Prepaid Cards:\n\n"
     "1. Within 7 days of paying, if nothing has been used, you can ask for a full refund (cooling-off period).\n\n"
     "2. Businesses may not use unfair terms such as claiming \"the final right of interpretation\".\n\n"
     "3. A business that closes or moves must tell card holders 30 days ahead and refund the balance.\n\n"
     "4. Gyms, salons and training providers are limited in how much and how far ahead they may charge.\n\n"
     "Complain via the 12315 platform or to the local market regulation office."),
    (["12.07.01"], ["公积金", "租房提取", "12329", "housing fund"], "租房提取住房公积金",
     "职工在本市无自有住房且租房自住的，可申请提取住房公积金支付房租。\n\n"
     "办理方式：通过北京住房公积金网站、“北京公积金”App或手机银行申请，无需提供租房合同的，按月或按季度提取，"
     "每月提取额度以当年公布标准为准；提供租赁登记备案合同的，可按实际房租提取。\n\n咨询电话：12329。",
     "Withdrawing the housing fund to pay rent",
     "Employees who own no home in Beijing and rent one to live in can withdraw from their housing provident fund to pay rent.\n\n"
     "Apply on the Beijing Housing Provident Fund website, its app or online banking. Without a lease you can withdraw monthly or quarterly up to the yearly published limit; with a registered lease you can withdraw the actual rent.\n\nPhone: 12329."),
    (["13.02.03"], ["居住证", "residence permit"], "北京市居住证申领条件",
     "在本市居住半年以上，符合有合法稳定就业、合法稳定住所、连续就读条件之一的非本市户籍人员，可申领居住证。\n\n"
     "办理流程：先在居住地派出所或社区办理居住登记，满半年后持身份证、居住证明和就业或就读证明申领。"
     "居住证有效期一年，期满前可在线签注。办理不收费。",
     "Applying for a Beijing residence permit",
     "People without Beijing hukou who have lived here for over six months and have stable legal employment, a stable legal home, or are in continuous study can apply.\n\n"
     "First register your residence with the local police station or community; after six months apply with your ID, proof of residence and proof of work or study. The permit is valid for one year and can be renewed online. It is free."),
    (["10.03.02"], ["垃圾分类", "waste sorting"], "生活垃圾分类投放指引",
     "本市生活垃圾分为厨余垃圾、可回收物、有害垃圾和其他垃圾四类。\n\n"
     "厨余垃圾（绿色桶）：剩菜剩饭、果皮、菜叶等，投放前应去除包装；可回收物（蓝色桶）：纸张、塑料瓶、金属、玻璃、织物；"
     "有害垃圾（红色桶）：废电池、废灯管、过期药品；其他垃圾（灰色桶）：卫生纸、烟头、尘土等。\n\n"
     "个人未按规定分类投放的，经劝阻拒不改正的，可处罚款。大件垃圾和装修垃圾应预约单独清运。",
     "How to sort household waste",
     "Household waste in Beijing is sorted into four kinds: kitchen waste, recyclables, hazardous waste and other waste.\n\n"
     "Kitchen waste (green bin): leftovers, peel, vegetable scraps, without packaging. Recyclables (blue): paper, plastic bottles, metal, glass, textiles. Hazardous (red): batteries, lamps, expired medicine. Other waste (grey): tissues, cigarette ends, dust.\n\n"
     "People who keep ignoring the rules after a warning can be fined. Bulky and renovation waste must be booked for separate collection."),
    (["12.04.02"], ["异地就医", "备案", "medical insurance"], "异地就医备案办理",
     "参保人员需到外省市就医的，应先办理异地就医备案。可通过国家医保服务平台App、“北京医保”公众号或参保区医保经办机构办理。\n\n"
     "异地长期居住人员需提供居住证明或个人承诺书；临时外出就医人员备案有效期一般为6个月。\n\n"
     "备案后在就医地定点医疗机构可直接结算。未备案的急诊费用可回参保地手工报销。",
     "Registering for medical treatment outside Beijing",
     "Insured people who need treatment in another province should register first, via the National Medical Insurance app, the Beijing medical insurance WeChat account or their district office.\n\n"
     "People living elsewhere long-term give proof of residence or a personal declaration; temporary registrations are usually valid for 6 months.\n\n"
     "After registering, bills are settled directly at designated hospitals there; emergency costs without registration can be claimed back in Beijing."),
    (["03.02.01"], ["电梯困人", "trapped in lift", "96333"], "电梯困人应急处置",
     "1. 安抚被困人员：不要扒门、不要试图从轿厢顶部爬出，按下轿厢内警铃或拨打轿厢内救援电话。\n\n"
     "2. 立即通知物业和电梯维保单位，维保单位应在30分钟内到达现场。\n\n"
     "3. 有人员受伤、身体不适或维保单位未及时到场的，拨打119。\n\n"
     "4. 热线按“紧急”派单至市场监管部门，事后督促使用单位查明原因。",
     "Someone trapped in a lift",
     "1. Reassure the people inside: do not force the doors or climb out through the roof; press the alarm button or call the rescue number in the car.\n\n"
     "2. Tell the property company and the lift maintenance company at once; the maintenance company must arrive within 30 minutes.\n\n"
     "3. If someone is hurt or unwell, or the maintenance company does not come in time, call 119.\n\n"
     "4. The hotline dispatches the case as critical to market regulation, which then makes the owner find the cause."),
    (["11.01.03"], ["非京籍", "入学", "五证"], "非京籍适龄儿童入学材料",
     "非本市户籍适龄儿童在京接受义务教育，一般需提供父母在京务工就业证明、在京实际住所居住证明、全家户口簿、"
     "北京市居住证（或有效期内的居住登记卡）及户籍所在地无监护条件证明等材料，具体以居住地所在区当年发布的入学政策为准。\n\n"
     "审核通过后由区教委统筹安排学校。信息采集一般在每年5月进行，请关注所在区教委通知。",
     None, None),
    (["07.01.01"], ["燃气泄漏", "96777", "gas leak"], "闻到燃气味的应急处置",
     "1. 立即关闭燃气表前阀门，打开门窗通风。\n\n2. 切勿开关电灯、电器，切勿使用明火，不要在室内拨打电话。\n\n"
     "3. 迅速撤离到室外安全地带后拨打北京燃气96777或119。\n\n4. 热线接到此类诉求按“紧急”立即派单，并提醒来电人注意安全。",
     "If you smell gas",
     "1. Shut the valve in front of the gas meter at once and open doors and windows.\n\n2. Do not switch lights or appliances on or off, no open flames, do not phone from inside.\n\n"
     "3. Get outside to a safe place, then call Beijing Gas on 96777 or 119.\n\n4. The hotline dispatches such calls as critical immediately and reminds the caller to stay safe."),
]


def build_kb(rng: random.Random, now: datetime, leaves: list[CatNode], areas: dict[str, CatNode],
             dept_for: dict[str, tuple[str, bool]], dept_names: dict[str, tuple[str, str]],
             dept_phones: dict[str, str]) -> list[dict]:
    """Articles for every leaf. *dept_for* maps a leaf code to (department, handled locally)."""
    b = _KbBuilder(rng, now, dept_names, dept_phones)
    for codes, tags, tz, bz, te, be in SPECIALS:
        b.add(codes, tags + ["热点"], (tz, bz), (te, be) if te else None,
              [t for t in tags if t.isascii()] + ["hot topic"])
    for leaf in leaves:
        area = areas[leaf.code[:2]]
        dept, local = dept_for[leaf.code]
        tags = [area.name_zh, leaf.name_zh] + [k for k in leaf.keywords if not k.isascii()][:3]
        tags_en = [area.name_en.lower(), leaf.name_en.lower()] + [k for k in leaf.keywords if k.isascii()][:2]
        first = _guide if leaf.is_enquiry else _handling
        zh, en = first(b, leaf, dept, local)
        b.add([leaf.code], tags, zh, en if rng.random() < 0.75 else None, tags_en)
        if rng.random() < 0.45:
            zh, en = _faq(b, leaf, dept, local)
            b.add([leaf.code], tags + ["常见问题"], zh, en if rng.random() < 0.6 else None, tags_en + ["faq"])
    return b.articles
