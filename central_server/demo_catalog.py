"""The demo category tree: a three-level appeal taxonomy for a 12345 hotline.

The tree is written as an indented table (one line a category) and parsed by
:func:`parse_catalog`. Line formats, fields separated by ``|``:

    NN name_zh | name_en | options                       (level 1)
      NN name_zh | name_en | options                     (level 2)
        NN name_zh | name_en | keywords | issue | opts   (level 3, a leaf)

*keywords* is a comma list of Chinese and English synonyms. *issue* is how a
caller's problem reads in a work order ("市民来电反映：<issue>"); an issue that
starts with 咨询 marks an enquiry-type topic. Options (space separated):

    @DEPT      the responsible department (inherited by the subtree)
    ~profile   resolution deadline profile, see DEADLINE_PROFILES (inherited)
    district   route this subtree to the district government of the case
    !  +       cases here are often critical / urgent

Everything here is invented demo data; it reads like the real thing but is not
an official classification.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Resolution hours per urgency (the deadline a department gets on dispatch).
DEADLINE_PROFILES: dict[str, dict[str, int]] = {
    "emergency": {"critical": 4, "urgent": 24, "normal": 72},
    "fast": {"critical": 24, "urgent": 48, "normal": 168},
    "standard": {"critical": 24, "urgent": 72, "normal": 360},
    "long": {"critical": 72, "urgent": 168, "normal": 720},
}

CATALOG = """
01 市场监管 | Market regulation | @MARKET ~standard
  01 食品安全 | Food safety
    01 餐饮服务卫生 | Restaurant hygiene | 餐馆不卫生, 后厨脏, 吃出异物, dirty restaurant, kitchen hygiene | 在附近一家餐馆就餐时发现后厨卫生状况很差，菜品中吃出异物
    02 疑似食物中毒 | Suspected food poisoning | 吃坏肚子, 腹泻, 呕吐, food poisoning, diarrhoea | 与家人在附近餐馆就餐后多人出现腹泻、呕吐症状，已到医院就诊 | !
    03 过期变质食品 | Expired or spoiled food | 过期, 变质, 发霉, expired food, mouldy | 在超市购买的食品已超过保质期，货架上同批次商品仍在销售
    04 无证餐饮经营 | Unlicensed food business | 无照经营, 黑作坊, 无证经营, unlicensed, illegal workshop | 居民楼内有人无证加工售卖熟食，卫生条件堪忧
    05 网络订餐安全 | Online food delivery safety | 外卖, 外卖异物, 外卖平台, takeaway, food delivery | 通过外卖平台点餐，餐品中发现头发等异物，商家拒绝处理
    06 食品标签标识 | Food labelling | 无中文标签, 生产日期, 保质期, food label, production date | 购买的进口食品没有中文标签，生产日期模糊不清
  02 价格监管 | Price supervision
    01 未明码标价 | Prices not displayed | 不标价, 价签, 价格不透明, price tag, no price displayed | 周边多家商户未明码标价，结账价格与询价时不一致
    02 价格欺诈 | Price fraud | 虚假折扣, 先涨后降, 虚构原价, fake discount, price fraud | 商场以虚高“原价”打折促销，实际价格并未优惠
    03 乱收费 | Arbitrary charges | 乱收费, 强制收费, 服务费, illegal fees, extra charges | 商户在消费后额外收取服务费和包间费，事先未告知
    04 哄抬价格 | Price gouging | 哄抬物价, 涨价, 囤积, price gouging | 节假日期间周边药店、超市部分商品价格大幅上涨 | +
  03 消费纠纷 | Consumer disputes
    01 商品质量问题 | Defective goods | 质量问题, 次品, 坏了, defective product, poor quality | 购买的家用电器使用不到一个月即出现故障，商家拒绝退换
    02 拒绝退换货 | Refusal to refund or exchange | 退货, 换货, 七天无理由, refund, return | 网购商品符合七天无理由退货条件，商家以各种理由拒绝退货
    03 虚假宣传 | False advertising | 虚假宣传, 夸大宣传, 保健品, false advertising, misleading claims | 商家宣称保健品可治疗慢性病，老人购买后发现毫无效果
    04 网购纠纷 | Online shopping disputes | 网购, 电商, 直播带货, online shopping, live-stream sales | 在直播间购买的商品与宣传严重不符，平台客服相互推诿
    05 维修服务纠纷 | Repair service disputes | 上门维修, 乱要价, 维修费, repair, overcharging | 上门维修家电后被索要高额维修费，维修后故障仍未排除
    06 家装服务纠纷 | Home renovation disputes | 装修公司, 增项, 拖延工期, renovation, decoration company | 装修公司收取预付款后拖延工期，并多次要求增加费用
    07 二手车交易纠纷 | Used car disputes | 二手车, 调表, 事故车, used car, odometer fraud | 购买的二手车被查出是事故车，车商隐瞒了车况
  04 预付式消费 | Prepaid consumption | ~long
    01 健身房闭店 | Fitness studio closed | 健身房跑路, 私教课, 健身卡, gym closed, fitness membership | 办理会员卡的健身房突然闭店，剩余私教课程无法退费
    02 美容美发预付卡 | Beauty and hair salon prepaid cards | 美发卡, 美容卡, 充值卡, beauty salon, hair salon card | 美发店更换经营者后不承认之前办理的储值卡
    03 洗车餐饮储值卡 | Car-wash and restaurant stored-value cards | 储值卡, 洗车卡, 卡内余额, stored-value card, car wash | 常去的洗车店突然关门，卡内余额无法使用
    04 预付卡退费 | Prepaid card refunds | 退卡, 退费, 冷静期, card refund, cooling-off period | 办卡后七日内申请退卡，商家拒绝退还预付款
    05 经营者变更不认卡 | New owner refuses old cards | 转让, 换老板, 不认卡, new owner, card not honoured | 店铺转让后新经营者拒绝履行原预付卡合同
  05 计量与特种设备 | Metrology and special equipment
    01 缺斤短两 | Short weight | 短斤少两, 秤不准, 鬼秤, short weight, rigged scale | 在农贸市场买菜，回家复称发现明显短斤少两
    02 加油机计量 | Fuel dispenser accuracy | 加油站, 加油不足, 油量不准, petrol station, fuel pump | 在加油站加油，实际加油量明显少于显示数量
    03 气瓶安全 | Gas cylinder safety | 液化气罐, 钢瓶, 过期钢瓶, gas cylinder, LPG bottle | 附近餐馆使用过期未检验的液化气钢瓶 | +
    04 游乐设施安全 | Amusement ride safety | 游乐设施, 儿童乐园, 游乐场, amusement ride, playground ride | 商场内儿童游乐设施存在明显安全隐患 | +
  06 产品质量与广告 | Product quality and advertising
    01 假冒伪劣 | Counterfeit goods | 假货, 冒牌, 山寨, counterfeit, fake goods | 购买的品牌运动鞋经鉴定为假冒产品，商家拒不认账
    02 违法广告 | Illegal advertising | 违法广告, 医疗广告, 电梯广告, illegal advertisement | 小区电梯内播放的医疗广告内容涉嫌虚假违法
    03 电动自行车质量 | E-bike quality | 电动车, 电瓶, 电池过热, e-bike, battery | 新购电动自行车电池频繁过热，存在起火隐患 | +
02 住房与建设 | Housing and construction | @HOUSING ~long
  01 房屋租赁 | Housing rental
    01 押金不退 | Deposit not returned | 押金, 退押金, 扣押金, deposit, refund deposit | 租约到期退房后，中介以各种理由扣留押金不退
    02 中介违规 | Letting agent misconduct | 黑中介, 中介费, 虚假房源, rogue agent, fake listing | 房产中介发布虚假房源，收取看房费后失联
    03 群租房 | Overcrowded rental flats | 群租, 隔断房, 打隔断, overcrowding, subdivided flat | 楼内一套住房被打隔断出租，居住十余人，存在消防隐患 | district
    04 长租公寓纠纷 | Long-term rental apartment disputes | 长租公寓, 二房东, 租金贷, rental apartment, rent loan | 长租公寓运营方资金链断裂，房东要求租户限期搬离
    05 租赁合同纠纷 | Lease disputes | 租房合同, 提前解约, 涨租, lease, early termination | 房东在租期内单方面要求涨租，否则收回房屋
    06 租赁登记备案 | Lease registration | 租赁备案, 房屋租赁登记, lease registration | 咨询房屋租赁登记备案的办理流程和所需材料
  02 房屋交易 | Housing transactions
    01 购房资格 | Home purchase eligibility | 购房资格, 限购, 社保年限, purchase eligibility | 咨询非京籍家庭在京购房的资格条件及社保缴纳年限要求
    02 网签备案 | Online contract filing | 网签, 合同备案, 过户, contract filing | 二手房交易网签后，卖方拒绝配合办理后续手续
    03 开发商延期交房 | Delayed handover by developer | 延期交房, 逾期交房, 烂尾楼, delayed handover, unfinished building | 购买的期房已超过合同约定交房日期半年仍未交付
    04 商品房销售违规 | Improper sales practices | 捂盘惜售, 捆绑销售, 车位捆绑, bundled sales | 售楼处要求购房时必须同时购买车位，否则不予认购
    05 房产证办理 | Property title certificate | 房产证, 不动产权证, 办证难, title deed | 小区入住多年，业主仍未取得不动产权证书
  03 保障性住房 | Affordable housing
    01 公租房申请 | Public rental housing application | 公租房, 廉租房, 保障房申请, public rental housing | 咨询公租房的申请条件、收入标准及申请材料
    02 共有产权房 | Shared-ownership housing | 共有产权, 共产房, 摇号, shared-ownership housing | 咨询共有产权住房的申购条件和摇号规则
    03 保障房轮候配租 | Waiting list and allocation | 轮候, 配租, 备案号, waiting list, allocation | 保障房备案已数年，仍未轮候配租，希望了解进度
    04 市场租房补贴 | Rent subsidy | 租房补贴, 租金补贴, rent subsidy | 咨询市场租房补贴的申请条件和发放标准
  04 建设工程 | Construction works
    01 新建住宅质量 | Defects in new homes | 墙体裂缝, 渗水, 空鼓, cracks, leaking walls | 新交付的住房墙体多处开裂、卫生间渗水，开发商拖延维修
    02 工地安全隐患 | Construction site hazards | 塔吊, 脚手架, 安全网, tower crane, scaffolding | 附近工地脚手架未设安全网，建材随时可能坠落 | +
    03 违规施工 | Unpermitted construction works | 无证施工, 违规施工, 施工许可, unpermitted works | 小区旁地块未见施工许可公示即开始施工
    04 建材质量 | Building material quality | 建材, 钢筋, 混凝土, building materials | 反映在建项目使用的钢筋疑似不合格
  05 房屋征收 | Expropriation and relocation
    01 征收补偿 | Compensation for expropriation | 拆迁补偿, 补偿标准, 评估价, compensation | 对房屋征收补偿标准有异议，认为评估价格偏低
    02 回迁安置 | Resettlement housing | 回迁, 安置房, 周转费, resettlement | 回迁安置房迟迟未建成，周转费已停发
    03 违规拆除 | Unlawful demolition | 强拆, 断水断电逼迁, forced demolition | 尚未签订补偿协议，房屋被施工队强行拆除 | +
  06 老旧小区改造 | Renovation of old compounds | district
    01 加装电梯 | Retrofitting lifts | 加装电梯, 老楼电梯, 低层住户反对, lift retrofit | 咨询老旧住宅楼加装电梯的申请流程和补贴政策
    02 综合整治进度 | Renovation progress | 老旧小区改造, 施工进度, 综合整治, renovation progress | 小区综合整治工程停工一个多月，楼前道路开挖后无人管理
    03 外墙保温 | External wall insulation | 外墙保温, 节能改造, 外墙脱落, wall insulation | 节能改造后外墙保温层出现大面积空鼓脱落 | +
    04 房屋安全鉴定 | Building safety appraisal | 危房, 房屋开裂, 鉴定, unsafe building | 居住的老楼承重墙出现明显裂缝，担心房屋安全 | +
03 物业管理 | Property management | @HOUSING ~standard district
  01 物业服务 | Property services
    01 物业费争议 | Property fee disputes | 物业费, 物业涨价, 催缴, property fee | 物业公司未经业主大会同意大幅上调物业费
    02 物业服务质量差 | Poor property service | 物业不作为, 服务差, 物业不管, poor service | 物业公司收费后不履行服务，小区长期无人管理
    03 公共收益不公开 | Undisclosed common revenue | 公共收益, 广告收入, 账目公开, common revenue | 物业公司从未公开电梯广告、停车等公共收益去向
    04 物业撤场交接 | Property company handover | 物业撤场, 弃管, 交接, handover | 原物业公司突然撤场，小区垃圾无人清运、门岗无人值守
    05 物业人员态度 | Conduct of property staff | 保安态度, 物业人员, 保安打人, security guard | 小区保安态度恶劣，与业主发生推搡
  02 电梯 | Lifts
    01 电梯困人 | Person trapped in a lift | 电梯困人, 被困电梯, 关在电梯里, trapped in lift, elevator stuck | 家人被困在电梯中，已联系物业但十几分钟仍无人到场 | ! @MARKET ~emergency
    02 电梯停运 | Lift out of service | 电梯坏了, 电梯停运, elevator broken, lift out of order | 楼内电梯已停运一周，楼上老人无法下楼 | +
    03 电梯维保不到位 | Poor lift maintenance | 电梯维保, 年检, 异响, lift maintenance, inspection | 电梯运行时有明显异响和抖动，维保公司检修后问题依旧 | @MARKET
  03 小区停车 | Residential parking
    01 小区停车收费 | Residential parking fees | 停车费, 停车收费, 月租, parking fee | 物业单方面上调小区地面停车费
    02 车位只租不售 | Spaces only rented, not sold | 车位, 只租不售, 车位价格, parking space sale | 开发商车位只租不售，租金逐年上涨
    03 外来车辆停放 | Outside vehicles | 外来车, 门禁, 道闸, visitor cars | 小区道闸形同虚设，大量外来车辆占用消防通道
    04 充电桩安装 | EV charger installation | 充电桩, 报装, 物业不同意, EV charger | 申请在自有车位安装充电桩，物业拒绝出具同意证明
  04 小区环境 | Compound environment
    01 绿地被占 | Green space occupied | 毁绿, 种菜, 占绿, green space | 楼下公共绿地被个别住户圈占种菜
    02 小区树木修剪 | Pruning trees in the compound | 树枝, 遮挡采光, 修剪, tree pruning | 楼前树木过高遮挡采光，多次要求物业修剪未果
    03 楼道堆物 | Items piled in stairwells | 楼道堆物, 杂物, 堵塞通道, stairwell clutter | 楼道内长期堆放杂物，影响通行和消防安全
    04 小区卫生差 | Poor cleanliness | 卫生, 垃圾, 清扫, cleanliness | 小区垃圾堆放多日无人清扫，蚊蝇滋生
    05 宠物扰民 | Nuisance from pets | 狗叫, 遛狗不牵绳, 狗粪, dog barking, unleashed dog | 邻居饲养的犬只夜间持续吠叫，遛狗不牵绳
  05 公共设施 | Shared facilities
    01 楼道灯损坏 | Stairwell lights broken | 楼道灯, 灯不亮, stairwell light | 单元楼道灯坏了一个多月，老人夜间上下楼不便
    02 单元门禁损坏 | Broken entrance door or access control | 门禁, 单元门, 门锁, door lock, access control | 单元门禁损坏，陌生人随意进出
    03 屋顶漏水 | Leaking roof | 顶楼漏水, 防水, roof leak | 顶层住户家中屋顶漏水，雨天墙面大面积渗水 | +
    04 维修资金使用 | Use of the maintenance fund | 维修基金, 专项维修资金, maintenance fund | 咨询住宅专项维修资金的使用条件和申请流程
    05 小区监控 | CCTV in the compound | 监控, 摄像头, CCTV | 小区监控设备长期损坏，电动车多次被盗
  06 业主自治 | Owners' self-governance
    01 业委会成立 | Setting up an owners' committee | 业委会, 业主大会, owners' committee | 咨询成立业主委员会的条件和筹备流程
    02 业委会履职 | Conduct of the owners' committee | 业委会换届, 选聘物业, committee election | 业委会任期届满未组织换届，擅自续签物业合同
    03 物业管理委员会 | Property management committee | 物管会, 街道指导, property committee | 咨询物业管理委员会的组建方式和职责
04 交通出行 | Transport | @TRANSPORT ~standard
  01 出租汽车 | Taxis
    01 拒载 | Refused fare | 拒载, 挑活, 不打表, refused fare | 在机场出租车排队区，司机嫌路程近拒绝载客
    02 绕路 | Detour | 绕路, 绕远, detour | 乘坐出租车时司机故意绕路，车费明显偏高
    03 出租车多收费 | Overcharging | 多收钱, 不给发票, overcharge | 出租车司机不打表，下车时索要高额车费
    04 乘车遗失物品 | Lost property | 丢东西, 落在车上, 找手机, lost property | 乘坐出租车时将背包遗落在车上，无法联系到司机 | +
    05 网约车服务 | Ride-hailing service | 网约车, 司机, 平台, ride-hailing | 网约车司机中途要求乘客下车，平台投诉无人处理
    06 非法营运 | Unlicensed taxis | 黑车, 黑摩的, illegal taxi | 地铁站口长期聚集黑车、黑摩的揽客
  02 公交 | Buses | @BUS
    01 公交线路建议 | Bus route suggestions | 线路, 加车, 新开线路, bus route | 新建小区周边没有公交线路，居民出行困难
    02 公交站台设施 | Bus stop facilities | 站牌, 候车亭, bus stop | 公交站牌信息陈旧，候车亭顶棚破损
    03 公交驾乘服务 | Bus driver service | 司机态度, 急刹车, 不等乘客, bus driver | 公交司机未等乘客站稳即急加速，老人险些摔倒
    04 公交甩站 | Buses skipping stops | 甩站, 不停站, skipped stop | 多次遇到公交车在站点不停车直接驶离
    05 发车间隔过长 | Infrequent service | 等车久, 间隔, 末班车, headway | 早高峰公交发车间隔过长，候车超过半小时
  03 轨道交通 | Metro | @SUBWAY
    01 地铁运营服务 | Metro service | 地铁, 晚点, 延误, subway delay | 早高峰地铁多次临时停车，未有广播说明原因
    02 地铁设施故障 | Metro facility faults | 扶梯, 闸机, 电梯, escalator, gate | 地铁站出入口扶梯长期停用
    03 乘车拥挤 | Overcrowding | 拥挤, 限流, crowded | 早高峰限流排队时间过长，建议增加运力
    04 票款与乘车码 | Fares and QR codes | 乘车码, 一卡通, 票价, fare, transit card | 乘车码重复扣费，申请退款未果
  04 道路设施 | Road infrastructure
    01 道路破损 | Damaged road surface | 坑洼, 路面塌陷, 坑, pothole | 路面出现大坑，夜间已有电动车摔倒
    02 井盖缺失 | Missing manhole cover | 井盖, 没盖, 井盖破损, manhole cover | 路边井盖缺失，仅用树枝遮挡，极易发生危险 | ! ~emergency
    03 护栏损坏 | Damaged guardrail | 护栏, 隔离栏, guardrail | 道路中央隔离护栏被撞倒多日无人修复
    04 人行道破损 | Damaged pavement | 人行道, 方砖, sidewalk | 人行道方砖松动破损，雨天踩踏溅水
    05 道路积水 | Flooded road | 积水, 内涝, 下凹桥, flooding | 降雨后下凹桥区积水严重，车辆无法通行 | + @DRAINAGE ~emergency
    06 无障碍设施 | Accessibility facilities | 盲道, 坡道, accessibility | 盲道被占用、中断，视障人士出行困难
  05 交通秩序 | Traffic order | @TRAFFIC
    01 信号灯故障 | Traffic light failure | 红绿灯坏了, 信号灯, traffic light | 路口信号灯不亮，车辆行人通行混乱 | + ~fast
    02 信号灯配时 | Traffic light timing | 配时, 绿灯太短, light timing | 路口行人绿灯时间过短，老人过不去马路
    03 违章停车 | Illegal parking | 乱停车, 违停, illegal parking | 路边车辆长期违停，堵塞消防通道
    04 交通拥堵 | Congestion | 堵车, 拥堵, congestion | 学校周边早晚高峰接送车辆造成严重拥堵
    05 标志标线 | Road signs and markings | 标线, 标志, road markings | 路口导向标线模糊不清，车辆频繁加塞
    06 渣土车 | Muck trucks | 渣土车, 遗撒, 超载, muck truck | 夜间渣土车超速行驶，沿途遗撒严重
  06 停车与慢行 | Parking and cycling
    01 路侧停车收费 | On-street parking fees | 路侧停车, 电子收费, on-street parking | 路侧停车电子收费记录有误，被重复扣费
    02 停车场管理 | Car park management | 停车场, 收费标准, car park | 公共停车场收费标准未公示，收费明显偏高
    03 僵尸车 | Abandoned vehicles | 僵尸车, 废弃车, abandoned car | 小区门口一辆废弃车辆停放一年多，占用车位 | @TRAFFIC
    04 共享单车乱停 | Bike-share clutter | 共享单车, 乱停放, shared bikes | 地铁站口共享单车大量堆放，堵塞通道
    05 非机动车道被占 | Bike lane blocked | 自行车道, 占道, bike lane | 非机动车道被机动车长期占用停放
05 供水排水 | Water supply and drainage | @WATERCO ~emergency
  01 供水 | Water supply
    01 停水 | Water outage | 停水, 没水, 断水, 停水了, 停水咨询, water outage, no water | 小区自今天早上起停水，事先未见任何停水通知 | +
    02 水压低 | Low water pressure | 水压小, 水流小, 高层没水, low water pressure | 高层住户水压过低，早晚用水高峰时基本没水 | +
    03 水质异常 | Water quality problem | 水发黄, 浑浊, 有异味, dirty water, discoloured water | 家中自来水发黄浑浊，有明显异味 | +
    04 供水管线爆裂 | Burst water main | 爆管, 跑水, 漏水, burst pipe | 路边供水管线爆裂，大量自来水涌出路面 | !
    05 水费与水表 | Water bills and meters | 水费, 水表, 阶梯水价, water bill, water meter | 本期水费比往常高出数倍，怀疑水表计量有误 | ~standard
    06 二次供水 | Secondary water supply | 二次供水, 水箱, 加压泵, rooftop tank | 楼顶水箱多年未清洗，水中有杂质 | ~standard
  02 排水 | Drainage | @DRAINAGE
    01 下水道堵塞 | Blocked sewer | 下水道, 堵了, 返水, blocked drain | 楼道下水主管堵塞，低层住户家中返水 | +
    02 污水外溢 | Sewage overflow | 污水冒, 化粪池, 冒水, sewage overflow | 路边污水井冒水，臭味严重 | +
    03 雨水口堵塞 | Blocked storm drains | 雨水篦子, 雨水口, storm drain | 雨水篦子被垃圾堵塞，下雨后路面积水
    04 排水接入 | Sewer connection | 排水许可, 接入, sewer connection | 咨询商户排水接入市政管网的审批手续 | ~standard
  03 水务管理 | Water administration | @WATER ~standard
    01 河道管理 | Rivers and waterways | 河道, 河湖, 漂浮物, river | 河道内漂浮大量垃圾，岸边杂草丛生
    02 节水与自备井 | Water saving and private wells | 自备井, 节水, 浪费水, private well | 附近洗车店使用自来水大量冲洗，浪费严重
    03 防汛 | Flood control | 防汛, 汛期, 沙袋, flood control | 汛期临近，小区地下车库挡水设施缺失 | + ~emergency
    04 野泳与垂钓 | Wild swimming and fishing | 野泳, 垂钓, 溺水, wild swimming | 河道禁泳区每天有大量人员野泳，存在溺水风险
06 电力 | Electricity | @POWER ~emergency
  01 停电 | Power cuts
    01 突发停电 | Unplanned power cut | 停电, 没电, 断电, 停电了, power outage, blackout | 整栋楼突然停电，已有两个多小时仍未恢复 | +
    02 计划停电 | Planned outage | 计划停电, 检修停电, 停电通知, planned outage | 咨询小区计划检修停电的时间和范围
    03 频繁停电 | Frequent outages | 频繁停电, 跳闸, 三天两头停电, frequent outages | 近一个月小区频繁停电，家用电器受损 | +
    04 电压不稳 | Unstable voltage | 电压低, 灯闪, 电压, voltage | 晚高峰电压过低，空调无法启动
  02 用电业务 | Electricity services | ~standard
    01 电费异常 | Unusual electricity bill | 电费高, 电费, 电费突增, electricity bill | 家中无人居住，电费却比往月高出很多
    02 阶梯与峰谷电价 | Tiered and time-of-use tariffs | 阶梯电价, 峰谷电价, tariff | 咨询居民阶梯电价和峰谷电价的计费标准
    03 新装增容 | New connection and capacity | 报装, 增容, new connection | 申请用电增容已一个多月仍未办理
    04 电表问题 | Meter problems | 电表, 智能电表, 电表走字快, meter | 怀疑电表计量不准，申请校验
    05 电费缴纳 | Paying electricity bills | 交电费, 购电, 预付费, pay bill | 咨询电费缴纳渠道及欠费停电规定
  03 电力设施 | Power infrastructure
    01 电线掉落 | Fallen power line | 电线断了, 电线落地, fallen wire | 大风后电线断落在人行道上，仍有火花 | !
    02 电杆倾斜 | Leaning utility pole | 电线杆, 倾斜, 电杆, leaning pole | 路边电线杆严重倾斜，随时可能倒塌 | +
    03 变压器噪声 | Transformer noise | 变压器, 嗡嗡声, 箱变, transformer | 楼下箱式变压器噪声很大，夜间影响休息 | ~standard
    04 私拉电线充电 | Dangling charging cables | 飞线, 私拉电线, 飞线充电, dangling cable | 居民从楼上私拉电线给电动车充电 | @FIRE ~fast
07 燃气 | Gas | @GAS ~emergency
  01 燃气安全 | Gas safety
    01 燃气泄漏 | Gas leak | 煤气味, 燃气泄漏, 天然气味, gas leak, smell of gas | 楼道内有明显燃气味，怀疑燃气泄漏 | !
    02 燃气报警器 | Gas alarms | 报警器, 燃气报警, gas alarm | 家中燃气报警器频繁误报，燃气公司未上门处理 | +
    03 燃气管道老化 | Ageing gas pipes | 燃气管, 胶管, 管道锈蚀, gas pipe | 楼内燃气立管锈蚀严重，担心存在安全隐患 | +
    04 入户安检 | Gas safety inspections | 入户安检, 燃气检查, inspection | 咨询燃气公司入户安检的时间安排及如何辨别真假安检人员 | ~standard
  02 燃气供应 | Gas supply
    01 停气 | Gas supply interruption | 停气, 没气, 打不着火, no gas | 家中突然停气，燃气灶无法使用 | +
    02 燃气费 | Gas bills | 燃气费, 气费, 阶梯气价, gas bill | 燃气费扣费金额与实际用气量不符 | ~standard
    03 燃气表 | Gas meters | 燃气表, IC卡, 插卡, gas meter | 燃气表IC卡充值后插卡无反应 | +
    04 开户过户 | Account opening and transfer | 开户, 过户, 更名, account transfer | 咨询二手房燃气过户需要的材料 | ~standard
    05 液化石油气 | LPG supply | 液化气, 换气点, LPG | 附近液化气换气点关闭，农村住户换气困难 | ~standard
08 供热 | District heating | @HEAT ~emergency
  01 供暖质量 | Heating quality
    01 供暖不热 | Radiators not warm enough | 暖气不热, 供暖不热, 室温低, not warm, cold flat | 供暖期内家中暖气不热，室温只有十五度左右 | +
    02 暖气漏水 | Leaking radiator | 暖气漏水, 跑水, 暖气管漏水, radiator leak | 暖气管道接口漏水，已泡到楼下住户 | +
    03 供暖起止时间 | Heating season dates | 提前供暖, 延长供暖, 何时供暖, heating season | 近期气温骤降，咨询能否提前供暖 | ~standard
    04 暖气改装 | Radiator alterations | 改暖气, 换暖气片, 改管线, radiator alteration | 邻居私自改装暖气管线，导致整个单元供暖不均 | ~standard
  02 供暖收费 | Heating charges | ~standard
    01 采暖费 | Heating fees | 供暖费, 采暖费, heating fee | 对采暖费收费面积和标准有疑问
    02 报停供暖 | Suspending heating | 报停, 停供, 空置房, suspend heating | 咨询空置房屋办理供暖报停的流程
    03 采暖补贴 | Heating subsidies | 采暖补贴, 报销, heating subsidy | 咨询单位职工采暖费报销和低收入家庭采暖补贴
  03 供热设施与清洁取暖 | Heating network and clean heating
    01 供热管线 | Heating pipes | 管线, 井室, 冒热气, heating pipe | 路边供热井室冒出大量热气，疑似管线泄漏 | +
    02 壁挂炉自采暖 | Gas wall-hung boilers | 壁挂炉, 自采暖, wall-hung boiler | 自采暖壁挂炉频繁熄火，售后维修不及时
    03 煤改电 | Coal-to-electricity heating | 煤改电, 空气源热泵, 电采暖, clean heating | 村里煤改电设备制热效果差，电费负担重 | @CITYMGMT ~standard
09 生态环境 | Environment | @ECO ~standard
  01 噪声 | Noise
    01 施工噪声 | Construction noise | 施工噪音, 夜间施工, 工地噪音, construction noise | 附近工地夜间施工，机械噪声持续到凌晨 | +
    02 社会生活噪声 | Neighbourhood noise | 广场舞, 装修噪音, 邻居噪音, loud neighbours | 小区广场舞音响声音过大，每天持续到晚上十点 | district
    03 商业经营噪声 | Noise from businesses | 酒吧, 商铺音响, 喇叭叫卖, bar noise | 临街商铺用大喇叭循环播放促销广告 | district
    04 交通噪声 | Traffic noise | 交通噪音, 高架, 声屏障, traffic noise | 高架桥车流噪声大，建议加装声屏障
    05 工业噪声 | Industrial noise | 工厂噪声, 风机, industrial noise | 附近厂房风机昼夜运转，噪声扰民
    06 空调外机噪声 | AC unit noise | 空调外机, 冷却塔, air conditioner noise | 商场空调外机正对居民楼，夜间噪声很大
  02 大气 | Air
    01 工地扬尘 | Construction dust | 扬尘, 土堆未苫盖, dust | 工地土方未苫盖，大风天扬尘严重
    02 餐饮油烟 | Restaurant fumes | 油烟, 排烟, 烟道, cooking fumes | 楼下餐馆油烟直排，住户无法开窗 | @URBANLAW district
    03 露天烧烤 | Open-air barbecue | 烧烤, 露天烧烤, barbecue | 夜间路边露天烧烤烟雾大，持续到凌晨 | @URBANLAW district
    04 焚烧垃圾 | Burning waste | 烧垃圾, 烧秸秆, 焚烧, burning rubbish | 村边空地有人焚烧垃圾，浓烟刺鼻
    05 工业废气 | Industrial emissions | 废气, 冒黑烟, 排放, emissions | 附近工厂烟囱夜间冒黑烟
    06 异味 | Odours | 臭味, 异味, 化工味, bad smell | 夜间常闻到刺鼻的化工异味
  03 水与土壤 | Water and soil
    01 企业偷排 | Illegal discharge | 偷排, 排污, 污水直排, illegal discharge | 附近企业将污水直接排入雨水管道
    02 河道污染 | River pollution | 河水发黑, 发臭, 黑臭水体, polluted river | 河水发黑发臭，有死鱼漂浮 | @WATER
    03 土壤污染 | Soil pollution | 土壤, 倾倒, 废渣, soil pollution | 空地上被倾倒不明废渣
  04 固废与辐射 | Waste and radiation
    01 危险废物 | Hazardous waste | 危废, 废机油, 废电池, hazardous waste | 汽修店将废机油随意倾倒 | +
    02 电磁辐射 | Electromagnetic radiation | 基站, 辐射, 电磁, base station | 楼顶新装通信基站，担心电磁辐射影响健康
    03 医疗废物 | Medical waste | 医疗垃圾, 医疗废物, medical waste | 诊所将医疗垃圾混入生活垃圾 | +
10 城市管理 | Urban management | @CITYMGMT ~standard
  01 违法建设 | Illegal construction | @URBANLAW district
    01 私搭乱建 | Illegal structures | 私搭乱建, 违建, 乱盖, illegal structure | 一楼住户在楼前私自搭建彩钢房
    02 楼顶加层 | Rooftop additions | 楼顶, 加盖, 违建, rooftop addition | 顶层住户在楼顶违规加盖房屋
    03 破墙开店 | Knocking through walls for shops | 破墙开店, 开门脸, 承重墙, illegal shopfront | 居民楼一层住宅被破墙开门改为商铺
    04 地下空间违规使用 | Illegal basement use | 地下室住人, 地下空间, basement | 居民楼地下室被改造出租住人
  02 街面秩序 | Street order | @URBANLAW district
    01 无照游商 | Unlicensed street vendors | 摆摊, 小贩, 游商, street vendor | 地铁口每天晚上聚集大量无照游商，堵塞通道
    02 占道经营 | Businesses occupying the road | 占道经营, 占用人行道, road occupation | 商户占用人行道摆放货物，行人被迫走机动车道
    03 店外经营 | Trading outside shop fronts | 出店经营, 门前摆放, outside trading | 饭店在门前摆放桌椅经营，夜间喧哗
    04 小广告 | Fly-posting | 小广告, 牛皮癣, 喷涂, fly-posting | 小区楼道内被张贴大量办证小广告
    05 户外广告牌 | Outdoor billboards | 广告牌, 牌匾, 招牌, billboard | 商铺牌匾松动，大风天有坠落危险 | +
  03 垃圾管理 | Waste management | district
    01 垃圾清运不及时 | Rubbish not collected | 垃圾没人收, 清运, 垃圾站, rubbish collection | 小区垃圾已三天没有清运，异味严重 | +
    02 垃圾分类投放 | Waste sorting | 垃圾分类, 桶前值守, 厨余垃圾, waste sorting | 咨询生活垃圾分类的投放标准和时间
    03 垃圾桶满溢 | Overflowing bins | 垃圾桶满, 满溢, overflowing bin | 路边垃圾桶满溢，垃圾散落一地
    04 大件垃圾 | Bulky waste | 大件垃圾, 旧家具, bulky waste | 咨询旧家具等大件垃圾的预约清运方式
    05 装修垃圾 | Renovation waste | 装修垃圾, 渣土, renovation waste | 小区内装修垃圾随意堆放，物业长期不清运
    06 垃圾楼异味 | Odour from refuse stations | 垃圾楼, 垃圾站臭, refuse station | 垃圾楼紧邻居民楼，夏季臭味难闻
  04 环境卫生 | Sanitation
    01 道路清扫 | Street cleaning | 清扫, 保洁, street cleaning | 道路长期无人清扫，落叶垃圾堆积
    02 公共厕所 | Public toilets | 公厕, 厕所脏, public toilet | 公园旁公厕卫生差，夜间不开放
    03 积雪清扫 | Snow clearing | 积雪, 扫雪, 结冰, snow clearing | 降雪后人行道积雪结冰，无人清扫 | +
    04 乱倒废弃物 | Fly-tipping | 乱倒, 倾倒, fly-tipping | 夜间有车辆在路边偷倒建筑垃圾
  05 照明与市容 | Lighting and streetscape
    01 路灯不亮 | Streetlights out | 路灯, 路灯不亮, streetlight | 道路两侧路灯多日不亮，夜间出行不安全
    02 景观照明 | Decorative lighting | 景观灯, 光污染, light pollution | 商场外墙景观灯过亮，直射居民卧室
    03 架空线 | Overhead cables | 线缆, 架空线, 蜘蛛网, overhead cable | 胡同内通信线缆杂乱低垂，影响通行 | +
    04 城市家具 | Street furniture | 座椅, 指示牌, 公交站椅, street furniture | 道路指示牌倾斜损坏多日无人维修
  06 园林绿化 | Parks and greening | @GARDEN
    01 树木倒伏 | Fallen tree | 树倒了, 断枝, 大树倾斜, fallen tree | 大风后路边大树倒伏，压住了停放的车辆 | ! ~emergency
    02 行道树修剪 | Street tree pruning | 修剪, 树枝挡路, tree pruning | 行道树枝杈过低，遮挡交通信号灯
    03 公园管理 | Park management | 公园, 开放时间, park | 公园内有人违规骑行、遛狗不牵绳
    04 杨柳飞絮 | Poplar and willow catkins | 飞絮, 杨絮, 柳絮, catkins | 小区杨柳飞絮严重，建议采取抑制措施
    05 绿地养护 | Green space maintenance | 绿地, 浇水, 草坪, lawn | 道路绿化带长期无人养护，植物大面积枯死
11 教育 | Education | @EDU ~standard
  01 入学入园 | School and kindergarten admission | district
    01 幼儿园入园 | Kindergarten admission | 入园, 幼儿园, 学位, kindergarten | 咨询孩子入读公办幼儿园的报名时间和条件
    02 小学入学 | Primary school admission | 入学, 学区, 幼升小, primary school | 咨询适龄儿童入学登记的时间和所需材料
    03 非京籍入学 | Enrolment without Beijing hukou | 非京籍, 五证, 借读, non-Beijing hukou | 咨询非京籍子女在京入学需要提供的证明材料
    04 转学 | School transfer | 转学, 学籍, transfer school | 因搬家申请转学，学校迟迟不办理学籍转出
    05 中高考 | Entrance exams | 中考, 高考, 报名, entrance exam | 咨询随迁子女在京参加中考的条件
  02 学校管理 | School management
    01 学校收费 | School fees | 收费, 校服费, 资料费, school fees | 学校要求统一购买教辅资料，收费未公示
    02 校园安全 | Campus safety | 校园安全, 校门口, 欺凌, campus safety | 孩子在学校遭受同学欺凌，学校处理不力 | +
    03 学生餐 | School meals | 学生餐, 食堂, 配餐, school meals | 学校配餐质量差，多名学生反映饭菜不熟
    04 课业负担 | Homework load | 作业多, 减负, 课业负担, homework | 学校布置作业过多，学生每天写到深夜
    05 师德师风 | Teacher conduct | 老师, 体罚, 有偿补课, teacher conduct | 反映有教师组织学生参加有偿补课
    06 课后服务 | After-school services | 课后服务, 托管, after-school | 学校课后服务时间安排不合理，家长无法接送
  03 校外培训 | Out-of-school tutoring | ~long
    01 培训退费 | Tutoring refunds | 退费, 培训班, 退课, refund | 培训机构以各种理由拖延退还剩余课时费用
    02 无证培训机构 | Unlicensed tutoring providers | 无证, 无资质, 违规办学, unlicensed | 居民楼内有人违规开办培训班，无任何办学资质
    03 违规学科类培训 | Illegal academic tutoring | 学科培训, 补课, 一对一, academic tutoring | 反映有机构在周末违规开展学科类培训
    04 培训机构闭店 | Tutoring provider closed | 跑路, 闭店, 停课, closed down | 培训机构突然停课闭店，大量家长课时费无法退还 | +
  04 其他教育事务 | Other education matters
    01 学历学位认证 | Degree certification | 学历认证, 学位, 学历, degree certification | 咨询国外学历学位认证的办理途径
    02 民办学校 | Private schools | 民办学校, 学费, private school | 民办学校未经批准大幅上涨学费
    03 学生资助 | Student financial aid | 资助, 助学金, 贷款, student aid | 咨询家庭经济困难学生资助的申请方式
12 人力社保 | Employment and social security | @HRSS ~standard
  01 就业 | Employment
    01 失业登记与失业金 | Unemployment registration and benefit | 失业金, 失业登记, unemployment benefit | 咨询失业保险金的申领条件和领取期限
    02 就业创业补贴 | Employment subsidies | 创业补贴, 就业补贴, 岗位补贴, start-up subsidy | 咨询自主创业可以享受的补贴政策
    03 招聘欺诈 | Recruitment fraud | 招聘陷阱, 培训贷, 押金, job scam | 应聘时被要求先缴纳培训费和押金，入职后公司失联
    04 职业技能培训 | Vocational training | 技能培训, 职业培训, 证书, vocational training | 咨询免费职业技能培训的报名方式
    05 灵活就业参保 | Social insurance for flexible workers | 灵活就业, 个人缴费, flexible employment | 咨询灵活就业人员以个人身份缴纳社保的流程
  02 劳动关系 | Labour relations
    01 欠薪 | Wage arrears | 欠薪, 拖欠工资, 不发工资, unpaid wages, wage arrears | 公司已连续三个月未发工资，多次讨要无果 | +
    02 农民工欠薪 | Migrant workers' wage arrears | 农民工工资, 工地欠薪, 包工头, migrant wages | 在工地干活的二十多名工人被拖欠工资，包工头失联 | + ~fast
    03 未签劳动合同 | No written employment contract | 劳动合同, 没签合同, employment contract | 入职半年单位一直未签订书面劳动合同
    04 违法解除劳动合同 | Unlawful dismissal | 辞退, 开除, 补偿金, unlawful dismissal | 公司无故辞退员工，拒绝支付经济补偿
    05 加班费 | Overtime pay | 加班, 加班费, 996, overtime | 单位长期安排加班但从不支付加班费
    06 未缴社保 | Employer not paying social insurance | 不交社保, 断缴, 社保, social insurance | 单位未给员工缴纳社会保险
    07 休息休假 | Leave and rest days | 年假, 休假, 病假, annual leave | 单位不允许员工休法定年休假
  03 养老保险 | Pension insurance
    01 养老金领取 | Pension payments | 养老金, 退休金, pension | 咨询养老金调整后的发放时间和标准
    02 养老保险转移 | Transferring pension insurance | 转移接续, 社保转移, pension transfer | 外地养老保险关系转入北京，手续办理迟迟未完成
    03 退休手续 | Retirement procedures | 退休, 办理退休, 退休年龄, retirement | 咨询办理退休手续需要的材料和办理地点
    04 城乡居民养老保险 | Residents' pension insurance | 城乡居民养老, 居民养老, residents' pension | 咨询城乡居民养老保险的缴费档次和待遇
  04 医疗保障 | Medical insurance | @MEDSEC
    01 医保报销 | Medical insurance reimbursement | 报销, 医保报销, 手工报销, reimbursement | 门诊费用手工报销已提交两个月仍未到账
    02 异地就医 | Medical care outside Beijing | 异地就医, 备案, 跨省, out-of-town treatment | 咨询异地就医备案的办理方式和报销比例
    03 社保卡 | Social security card | 社保卡, 医保卡, 补卡, social security card | 社保卡丢失，咨询补办流程和时间
    04 门诊特殊病 | Chronic disease outpatient cover | 门特, 特殊病, 慢病, chronic disease | 咨询门诊特殊病的申请条件和报销比例
    05 居民医保缴费 | Residents' medical insurance contributions | 城乡居民医保, 缴费, 一老一小, residents' insurance | 咨询城乡居民医保的缴费时间和缴费标准
    06 定点医疗机构 | Designated medical institutions | 定点医院, 定点药店, designated hospital | 咨询如何查询和变更医保定点医院
  05 工伤与生育 | Work injury and maternity
    01 工伤认定 | Work injury recognition | 工伤, 工伤认定, 受伤, work injury | 员工上班途中发生交通事故，单位拒绝申报工伤
    02 生育津贴 | Maternity allowance | 生育津贴, 产假, 生育保险, maternity allowance | 咨询生育津贴的申领条件和计算方式 | @MEDSEC
    03 工伤待遇 | Work injury benefits | 工伤待遇, 伤残, 工伤赔偿, injury benefits | 工伤认定后单位拒绝支付停工留薪期工资
  06 人才与档案 | Talent and personnel files
    01 人才引进落户 | Talent hukou | 人才引进, 落户, 积分落户, talent hukou | 咨询积分落户的申报条件和时间
    02 职称评审 | Professional titles | 职称, 评审, professional title | 咨询专业技术职称评审的申报时间和条件
    03 人事档案 | Personnel files | 档案, 存档, 调档, personnel file | 咨询个人人事档案的存放和调取方式
  07 住房公积金 | Housing provident fund | @HOUSINGFUND
    01 公积金提取 | Withdrawing the housing fund | 公积金提取, 租房提取, 取公积金, withdraw housing fund | 咨询租房提取住房公积金的条件和额度
    02 公积金贷款 | Housing fund loans | 公积金贷款, 贷款额度, housing fund loan | 咨询公积金贷款的可贷额度和审批时间
    03 单位缴存 | Employer contributions | 缴存, 公积金基数, 未缴公积金, contributions | 单位未按规定为职工缴存住房公积金
13 公共安全 | Public safety (non-emergency) | @POLICE ~standard
  01 治安秩序 | Public order
    01 电信网络诈骗 | Telecom and online fraud | 诈骗, 刷单, 冒充客服, fraud, scam | 接到冒充客服的电话要求转账，咨询如何辨别和报案
    02 赌博线索 | Gambling leads | 赌博, 棋牌室, gambling | 小区底商棋牌室疑似聚众赌博，夜间人员进出频繁
    03 扰乱公共秩序 | Public disorder (non-emergency) | 醉酒, 闹事, 扰民, disorder | 楼下烧烤店夜间经常有人醉酒喧哗
    04 犬只管理 | Dog management | 养犬登记, 大型犬, 烈性犬, dog registration | 小区内有人饲养禁养的烈性犬，且不牵绳
    05 无人机飞行 | Unauthorised drone flights | 无人机, 黑飞, drone | 居民楼附近经常有无人机低空飞行拍摄
  02 户籍证件 | Hukou and ID documents
    01 户口迁移 | Hukou transfer | 户口迁移, 迁户口, 落户, hukou transfer | 咨询购房后将户口迁入所需材料
    02 身份证办理 | ID cards | 身份证, 补办身份证, 异地换证, ID card | 咨询身份证到期换领的办理地点和时限
    03 居住证 | Residence permit | 居住证, 居住登记, 暂住证, residence permit | 咨询北京市居住证的申领条件和办理流程
    04 出生登记 | Registering a newborn | 出生登记, 新生儿落户, 上户口, newborn registration | 咨询新生儿办理出生登记需要的材料
  03 出入境 | Exit and entry | @IMMIGRATION
    01 护照通行证 | Passports and travel permits | 护照, 港澳通行证, 签注, passport | 咨询护照和港澳通行证的办理时间和材料
    02 外国人居留许可 | Foreigners' residence permits | 居留许可, 签证, residence permit, visa | 外籍人士咨询工作类居留许可延期手续
    03 外国人住宿登记 | Foreigners' accommodation registration | 住宿登记, 境外人员, accommodation registration | 外籍来访亲友入住家中，咨询如何办理住宿登记
  04 消防安全 | Fire safety | @FIRE
    01 消防通道堵塞 | Blocked fire lanes | 消防通道, 占用, 堵塞, fire lane | 小区消防通道被私家车长期占用 | +
    02 电动车入户充电 | E-bikes charging indoors | 电动车, 楼道充电, 电动车进楼, e-bike charging | 有住户将电动车推进楼道和电梯内充电 | !
    03 消防设施损坏 | Damaged fire equipment | 灭火器, 消火栓, 烟感, fire extinguisher | 楼内消火栓箱内水带缺失，灭火器过期
    04 人员密集场所隐患 | Hazards in crowded venues | 安全出口, 疏散通道, emergency exit | 商场安全出口被货物堵塞，疏散指示灯不亮 | +
  05 安全生产 | Workplace safety | @EMERGENCY
    01 非法储存危化品 | Illegal storage of hazardous chemicals | 危化品, 易燃易爆, 存放汽油, hazardous chemicals | 居民楼底商违规存放大量油漆和稀料 | !
    02 生产安全隐患 | Workplace safety hazards | 安全生产, 隐患, 有限空间, safety hazard | 附近工厂工人在没有防护的情况下进行高空作业 | +
    03 违规燃放烟花爆竹 | Fireworks in banned areas | 烟花爆竹, 禁放, fireworks | 禁放区域内有人燃放烟花爆竹
  06 交通管理业务 | Traffic administration | @TRAFFIC
    01 驾驶证业务 | Driving licences | 驾驶证, 换证, 驾照, driving licence | 咨询驾驶证到期换证的办理方式
    02 交通违法处理 | Traffic violations | 违章, 罚单, 扣分, traffic ticket | 对交通违法记录有异议，认为当时车辆不在现场
    03 机动车登记 | Vehicle registration | 上牌, 过户, 年检, vehicle registration | 咨询外地车辆转入北京办理过户登记的流程
    04 进京证 | Beijing entry permits | 进京证, 外地车, entry permit | 咨询外地车辆办理进京证的次数和期限规定
14 企业服务 | Enterprise services | @GOVSERV ~standard
  01 登记注册 | Business registration | @MARKET
    01 企业开办 | Starting a business | 注册公司, 开公司, 企业开办, start a company | 咨询新办企业一次性办理营业执照、刻章和发票的流程
    02 营业执照变更 | Changing a business licence | 执照变更, 法人变更, 地址变更, licence change | 咨询公司变更注册地址需要准备的材料
    03 企业注销 | Deregistering a company | 注销, 简易注销, deregistration | 咨询企业简易注销的适用条件
    04 个体工商户 | Sole traders | 个体户, 营业执照, sole trader | 咨询个体工商户办理营业执照的流程
  02 税费 | Tax | @TAX
    01 发票开具 | Invoices | 发票, 开票, 电子发票, invoice | 商家以各种理由拒绝开具发票
    02 个税汇算 | Individual income tax annual settlement | 个税, 汇算清缴, 退税, income tax | 咨询个人所得税年度汇算的办理时间和方式
    03 退税 | Tax refunds | 退税, 出口退税, tax refund | 企业申请的增值税留抵退税迟迟未到账
    04 社保费征缴 | Collection of social insurance contributions | 社保费, 征缴, contributions | 咨询社保费由税务部门征收后的缴费方式
    05 税收优惠 | Tax incentives | 减免, 小微企业, 优惠政策, tax incentive | 咨询小微企业可以享受的税收优惠政策
  03 营商环境 | Business environment
    01 惠企政策兑现 | Business support payments | 政策兑现, 补贴, 扶持资金, support funds | 企业申报的扶持资金审核通过后长期未拨付
    02 审批时限 | Approval delays | 审批, 超时, 办理时限, approval delay | 企业申请的行政许可已超过承诺时限仍未办结
    03 涉企收费 | Charges on enterprises | 涉企收费, 乱收费, 中介服务费, business fees | 园区管理方向入驻企业收取名目繁多的费用
    04 拖欠企业账款 | Overdue payments to SMEs | 拖欠账款, 工程款, 中小企业, overdue payment | 为某单位提供服务后，对方拖欠货款一年多未支付 | @ECONINFO
    05 招商承诺 | Investment promises | 招商, 承诺, 落地, investment promise | 招商引资时承诺的配套条件迟迟未落实
  04 政务服务 | Government services
    01 一网通办 | Online government services | 网上办事, 一网通办, 系统故障, online services | 政务服务网上申报系统频繁报错，无法提交材料
    02 政务服务大厅 | Government service centres | 办事大厅, 排队, 窗口, service centre | 区政务服务中心排队时间过长，窗口开放不足
    03 证明事项 | Certificates required | 证明, 开证明, 奇葩证明, certificate | 办理业务时被要求提供不合理的证明材料
    04 工作人员作风 | Staff conduct | 态度差, 推诿, 不作为, staff conduct | 窗口工作人员态度冷淡，对咨询问题推诿
    05 电子证照 | Electronic licences | 电子证照, 电子营业执照, e-licence | 咨询电子营业执照的下载和使用方式
15 卫生健康 | Health | @HEALTH ~standard
  01 医疗服务 | Medical services
    01 挂号难 | Difficulty getting appointments | 挂号, 预约挂号, 号源, appointment | 医院专家号源很难预约，号一放出即被抢空
    02 医疗纠纷 | Medical disputes | 医疗事故, 医疗纠纷, 误诊, medical dispute | 家属在医院手术后出现并发症，对医院处理不满 | ~long
    03 医疗收费 | Medical charges | 收费, 重复收费, 检查费, medical fees | 住院费用清单中存在重复收费项目
    04 医务人员态度 | Attitude of medical staff | 医生态度, 护士, 服务态度, doctor attitude | 就诊时医生态度生硬，未详细说明病情
    05 号贩子 | Appointment touts | 号贩子, 倒号, 黄牛, touts | 医院门口有号贩子公开倒卖专家号
    06 非法行医 | Illegal medical practice | 黑诊所, 无证行医, illegal clinic | 小区内有人无证开设诊所输液 | +
  02 公共卫生 | Public health
    01 疫苗接种 | Vaccination | 疫苗, 打疫苗, 接种, vaccination | 咨询儿童疫苗接种的预约方式和接种点
    02 传染病防控 | Infectious diseases | 传染病, 流感, 发热, infectious disease | 学校班级多名学生出现发热症状，家长担心传染 | +
    03 病媒生物 | Pests | 老鼠, 蟑螂, 蚊子, pests, rats | 小区内老鼠泛滥，多次咬坏住户物品
    04 公共场所控烟 | Smoking in public places | 吸烟, 控烟, 二手烟, smoking | 餐厅内顾客吸烟无人劝阻
    05 职业病 | Occupational disease | 职业病, 尘肺, 职业健康, occupational disease | 咨询职业病诊断鉴定的申请途径
  03 药品医疗器械 | Drugs and medical devices | @DRUG
    01 药品质量 | Drug quality | 药品, 假药, 过期药, medicine | 药店出售的药品包装破损，疑似过期
    02 药店经营 | Pharmacy practices | 药店, 处方药, pharmacy | 药店无处方销售处方药
    03 医疗美容 | Cosmetic procedures | 医美, 整形, 美容针, cosmetic surgery | 在美容院注射玻尿酸后出现感染，机构无医疗资质 | +
    04 化妆品 | Cosmetics | 化妆品, 过敏, cosmetics | 使用网购化妆品后面部严重过敏
  04 妇幼与托育 | Maternal, child health and childcare
    01 生育登记 | Birth registration | 生育登记, 生育服务, birth registration | 咨询生育登记的网上办理流程
    02 出生医学证明 | Medical birth certificate | 出生证明, 出生医学证明, birth certificate | 出生医学证明信息有误，咨询更正流程
    03 托育机构 | Childcare centres | 托育, 托儿所, 托管班, childcare | 托育机构卫生条件差，孩子多次生病
    04 母婴设施 | Mother-and-baby rooms | 母婴室, 哺乳室, nursing room | 大型商场没有设置母婴室
16 民政 | Civil affairs | @CIVIL ~standard
  01 社会救助 | Social assistance
    01 最低生活保障 | Subsistence allowance | 低保, 低收入, subsistence allowance, dibao | 咨询申请城市最低生活保障的条件和材料
    02 特困供养 | Support for people in extreme poverty | 特困, 五保, 特困供养, extreme poverty | 独居老人无子女无收入，咨询特困供养政策
    03 临时救助 | Temporary assistance | 临时救助, 急难, 救助, emergency assistance | 家人突发重病，家庭无力支付医疗费，申请临时救助 | +
    04 流浪乞讨人员 | Homeless people | 流浪, 乞讨, 露宿, homeless | 天桥下有流浪人员露宿，夜间气温很低 | +
  02 养老服务 | Elderly care
    01 养老机构 | Care homes | 养老院, 养老机构, care home | 养老院护理人员对老人态度恶劣，伙食差
    02 居家养老服务 | Home care services | 居家养老, 助浴, 上门服务, home care | 咨询失能老人居家上门照护服务的申请
    03 老年餐桌 | Meal services for the elderly | 老年餐桌, 助餐, elderly canteen | 社区老年餐桌停业，老人吃饭不便
    04 高龄津贴 | Old-age allowance | 高龄津贴, 养老助残卡, 老年卡, old-age allowance | 咨询高龄老人津贴的发放标准和领取方式
  03 婚姻殡葬 | Marriage and funerals
    01 婚姻登记 | Marriage registration | 结婚登记, 离婚, 预约, marriage registration | 咨询婚姻登记的预约方式和所需证件
    02 殡葬服务 | Funeral services | 殡仪馆, 殡葬, 丧葬费, funeral | 殡仪服务收费项目不透明，存在强制消费
    03 公墓 | Cemeteries | 墓地, 公墓, 墓价, cemetery | 公墓墓位价格过高，管理费逐年上涨
  04 社区治理 | Community affairs | district
    01 居委会工作 | Residents' committee | 居委会, 社区, residents' committee | 居委会工作人员办事推诿，开具证明困难
    02 社区服务站 | Community service station | 社区服务站, 便民服务, service station | 社区服务站开放时间与上班族时间冲突
    03 社会组织 | Social organisations | 社会组织, 协会, 非法社会组织, NGO | 反映某协会以评比为名向企业收取费用
  05 残疾人服务 | Services for disabled people | @DISABLED
    01 残疾人证 | Disability certificate | 残疾证, 评残, disability certificate | 咨询办理残疾人证的流程和鉴定机构
    02 残疾人补贴 | Disability benefits | 残疾补贴, 护理补贴, disability benefits | 咨询重度残疾人护理补贴的申请条件
    03 无障碍环境 | Barrier-free access | 无障碍, 轮椅, 坡道, wheelchair access | 社区卫生服务中心没有无障碍坡道，轮椅无法进入
  06 儿童福利 | Child welfare
    01 困境儿童 | Children in difficulty | 困境儿童, 留守儿童, 保障, vulnerable children | 邻居家孩子长期无人照看，疑似被遗弃 | +
    02 收养登记 | Adoption registration | 收养, 收养登记, adoption | 咨询收养登记的条件和流程
17 文化旅游体育 | Culture, tourism and sport | @CULTOUR ~standard
  01 旅游 | Tourism
    01 旅行社纠纷 | Travel agency disputes | 旅行社, 跟团游, 退团, travel agency | 旅行社临时取消行程，拒绝全额退还团费
    02 强制购物 | Forced shopping on tours | 强制购物, 低价团, 导游, forced shopping | 参加一日游被导游带到购物店强制消费
    03 景区管理 | Scenic spot management | 景区, 排队, 乱收费, scenic spot | 景区内观光车收费标准不清，服务混乱
    04 景区预约 | Booking scenic spots | 预约, 门票, 故宫, ticket booking | 咨询热门景区的门票预约方式和优惠政策
    05 民宿酒店 | Guesthouses and hotels | 民宿, 酒店, 订房, guesthouse | 网上预订的民宿与图片严重不符，拒绝退款
  02 文化市场 | Cultural market
    01 演出票务 | Performance tickets | 演唱会, 门票, 黄牛票, concert tickets | 演唱会门票开售即售罄，黄牛高价倒卖
    02 网吧 | Internet cafés | 网吧, 未成年人, internet cafe | 网吧接纳未成年人上网
    03 娱乐场所 | Entertainment venues | KTV, 酒吧, 娱乐场所, nightclub | KTV超时营业，深夜噪声扰民
    04 剧本杀密室 | Escape rooms and murder-mystery games | 剧本杀, 密室逃脱, escape room | 密室逃脱场所安全出口不畅，存在隐患
  03 公共文化 | Public culture
    01 图书馆 | Libraries | 图书馆, 借书, 开放时间, library | 咨询市区图书馆的开放时间和办证方式
    02 博物馆 | Museums | 博物馆, 展览, 预约, museum | 博物馆预约系统每天放票太少，难以预约
    03 文物保护 | Heritage protection | 文物, 古建, 保护, heritage | 胡同内文物保护建筑被改建为商铺
  04 体育 | Sport | @SPORT
    01 全民健身设施 | Public fitness equipment | 健身器材, 健身路径, fitness equipment | 小区健身器材损坏多时，存在安全隐患
    02 体育场馆 | Sports venues | 体育馆, 游泳馆, 开放, sports venue | 公共体育场馆开放时间缩短，收费上涨
    03 赛事活动 | Sports events | 马拉松, 比赛, 赛事, marathon | 咨询马拉松赛事期间的交通管制安排
18 通信邮政 | Telecom and post | @COMMS ~standard
  01 电信服务 | Telecom services
    01 手机信号差 | Poor mobile signal | 没信号, 信号差, 基站, poor signal | 小区内手机信号很差，室内经常无法通话
    02 宽带故障 | Broadband faults | 宽带, 断网, 网速慢, broadband | 家中宽带断网三天，运营商迟迟不上门维修
    03 话费争议 | Billing disputes | 话费, 扣费, 增值业务, phone bill | 手机被开通未订购的增值业务，每月被扣费
    04 骚扰电话 | Nuisance calls | 骚扰电话, 推销电话, 垃圾短信, spam calls | 每天接到大量贷款推销骚扰电话
    05 携号转网 | Number portability | 携号转网, 转网, number portability | 申请携号转网被原运营商以各种理由拒绝
    06 套餐营销 | Plan mis-selling | 套餐, 合约, 营业厅, mobile plan | 营业厅工作人员诱导老人办理高价套餐
  02 快递邮政 | Parcels and post | @POST
    01 快递丢失 | Lost parcel | 快递丢了, 丢件, lost parcel | 快递显示已签收但本人并未收到
    02 快递损坏 | Damaged parcel | 快递损坏, 破损, damaged parcel | 快递外包装完好但内部商品破损，快递公司拒赔
    03 快递员服务 | Courier service | 快递员, 不送上门, courier | 快递员不送货上门，直接放入快递柜并收费
    04 快递柜收费 | Parcel locker fees | 快递柜, 超时费, parcel locker | 快递柜超时收费标准不合理
    05 邮政服务 | Postal services | 邮局, 邮政, 挂号信, post office | 挂号信件寄出一个月仍未送达
19 农业农村 | Agriculture and rural affairs | @AGRI ~long
  01 农村土地 | Rural land
    01 土地承包 | Land contracts | 承包地, 土地流转, land contract | 村委会未经同意将村民承包地流转给企业
    02 宅基地 | Homestead land | 宅基地, 翻建, homestead | 咨询农村宅基地房屋翻建的审批手续
    03 集体经济 | Collective economy | 集体经济, 分红, 村务公开, collective assets | 村集体收益分配不公开，村民多次询问无果
  02 农业生产 | Agricultural production | ~standard
    01 农资质量 | Agricultural inputs | 种子, 化肥, 农药, fertiliser | 购买的种子发芽率极低，怀疑是假种子
    02 动物防疫 | Animal disease control | 动物防疫, 死猪, 病死畜禽, animal disease | 村边有人随意丢弃病死家禽 | +
    03 农产品质量 | Produce quality | 农产品, 农药残留, produce | 怀疑市场销售的蔬菜农药残留超标
  03 乡村建设 | Village development | ~standard
    01 农村人居环境 | Village living environment | 人居环境, 旱厕, 村容, village environment | 村里旱厕改造后无人维护，粪污外溢
    02 农村公路 | Rural roads | 村路, 农村公路, rural road | 通村道路损坏严重，雨天车辆无法通行 | @TRANSPORT
20 金融 | Finance | @FINANCE ~long
  01 金融风险 | Financial risk
    01 非法集资 | Illegal fundraising | 非法集资, 高息, 理财, illegal fundraising | 社区内有公司以高息为诱饵向老人推销理财产品
    02 网络借贷 | Online lending | 网贷, 套路贷, 利息, online loan | 网贷平台实际利率远超宣传，借款人无力偿还
    03 暴力催收 | Abusive debt collection | 催收, 暴力催收, 爆通讯录, debt collection | 催收人员频繁骚扰借款人的家人和同事 | +
    04 养老诈骗 | Investment scams targeting the elderly | 养老诈骗, 以房养老, 保健品会销, elderly scam | 老人参加免费旅游后被诱导购买所谓养老项目
  02 金融服务 | Financial services | ~standard
    01 银行服务 | Bank services | 银行, 排队, 销户, bank service | 银行网点以各种理由拒绝为老人办理销户
    02 保险理赔 | Insurance claims | 理赔, 保险, 拒赔, insurance claim | 保险公司以各种理由拖延理赔
    03 信用卡 | Credit cards | 信用卡, 年费, 分期, credit card | 信用卡被收取未告知的年费和分期手续费
    04 拒收现金 | Refusing cash | 拒收现金, 现金, cash payment | 停车场只支持手机支付，拒收现金
21 规划自然资源 | Planning and natural resources | @PLANNING ~long
  01 规划 | Urban planning
    01 规划公示 | Planning notices | 规划公示, 规划许可, planning notice | 咨询小区周边地块规划用途和公示信息
    02 采光日照 | Sunlight obstruction | 采光, 日照, 遮挡, sunlight | 新建楼房距离过近，严重遮挡住户采光
    03 配套设施 | Missing community facilities | 配套, 学校, 菜市场, community facilities | 大型社区规划的学校和菜市场迟迟未建设
  02 不动产登记 | Real estate registration
    01 不动产登记 | Real estate registration | 不动产登记, 过户, 继承登记, property registration | 咨询继承房产办理不动产登记需要的材料 | ~standard
    02 房屋测绘 | Property surveying | 测绘, 面积, 公摊, surveying | 房屋实测面积与合同面积相差较大
    03 抵押登记 | Mortgage registration | 抵押, 解押, mortgage | 咨询贷款还清后办理抵押注销登记的流程 | ~standard
  03 自然资源 | Natural resources
    01 违法占地 | Illegal land use | 占地, 违法用地, 耕地, illegal land use | 有人在基本农田上建设大棚房
    02 地质灾害 | Geological hazards | 山体滑坡, 塌陷, 落石, landslide | 山区道路旁山体有落石隐患 | + ~fast
22 综合事务 | General affairs | @GOVSERV ~standard
  01 退役军人 | Veterans | @VETERANS
    01 优抚待遇 | Veterans' benefits | 优抚, 退役军人, 补助, veterans' benefits | 咨询退役军人优抚补助的申请条件
    02 退役安置 | Resettlement of veterans | 退役安置, 就业安置, resettlement | 退役士兵咨询安置就业政策
  02 法律服务 | Legal services | @JUSTICE
    01 法律援助 | Legal aid | 法律援助, 免费律师, legal aid | 咨询申请法律援助的条件和办理地点
    02 公证 | Notarisation | 公证, 公证处, notary | 咨询办理继承公证需要的材料和费用
    03 人民调解 | Mediation | 调解, 邻里纠纷, mediation | 与邻居因漏水问题产生纠纷，希望社区调解
  03 涉外服务 | Services for foreigners | @FOREIGN
    01 外籍人士咨询 | Enquiries from foreign residents | 外国人, 外籍, foreigner, expat | 外籍人士咨询在京生活办事的相关渠道
    02 外国人工作许可 | Work permits for foreigners | 工作许可, 外国人来华工作, work permit | 外籍人士咨询外国人工作许可的办理流程
  04 热线与建议 | Hotline feedback and suggestions
    01 热线服务建议 | Suggestions about the 12345 hotline | 12345, 热线, 接听, hotline feedback | 对12345热线接听等待时间较长提出建议
    02 表扬 | Praise | 表扬, 感谢, 锦旗, praise, thanks | 感谢相关部门和工作人员及时帮助解决问题
    03 政策建议 | Policy suggestions | 建议, 意见, 政策, suggestion | 就社区养老服务设施建设提出意见建议
"""


@dataclass
class CatNode:
    code: str
    parent_code: str
    level: int
    name_zh: str
    name_en: str
    keywords: list[str]
    department: str  # resolved default department
    profile: str  # resolved deadline profile
    own_department: str = ""  # set on this line (routing rule source)
    district_routing: bool = False  # set on this line
    issue: str = ""  # leaves only
    urgency_hint: str = ""  # "!" critical-prone, "+" urgent-prone, ""
    children: list[str] = field(default_factory=list)

    @property
    def is_leaf(self) -> bool:
        return self.level == 3

    @property
    def is_enquiry(self) -> bool:
        return self.issue.startswith("咨询")

    def to_category(self) -> dict:
        return {
            "code": self.code,
            "parent_code": self.parent_code,
            "level": self.level,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "keywords": list(self.keywords),
            "default_department": self.department,
            "deadline_hours": dict(DEADLINE_PROFILES[self.profile]),
            "active": True,
        }


def _options(text: str) -> dict:
    opts: dict = {"department": "", "profile": "", "district": False, "hint": ""}
    for token in text.split():
        if token.startswith("@"):
            opts["department"] = token[1:]
        elif token.startswith("~"):
            opts["profile"] = token[1:]
            if opts["profile"] not in DEADLINE_PROFILES:
                raise ValueError(f"unknown deadline profile {token!r}")
        elif token == "district":
            opts["district"] = True
        elif token in ("!", "+"):
            opts["hint"] = token
        else:
            raise ValueError(f"unknown catalog option {token!r}")
    return opts


def parse_catalog(text: str = CATALOG) -> list[CatNode]:
    """Parse the indented table into nodes, parents before children."""
    nodes: list[CatNode] = []
    stack: list[CatNode] = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        level = indent // 2 + 1
        parts = [p.strip() for p in raw.strip().split("|")]
        num, name_zh = parts[0].split(" ", 1)
        name_en = parts[1]
        if level == 3:
            keywords = [k.strip() for k in parts[2].split(",") if k.strip()]
            issue = parts[3]
            opts = _options(parts[4] if len(parts) > 4 else "")
        else:
            keywords, issue = [], ""
            opts = _options(parts[2] if len(parts) > 2 else "")
        stack = stack[: level - 1]
        parent = stack[-1] if stack else None
        code = f"{parent.code}.{num}" if parent else num
        node = CatNode(
            code=code,
            parent_code=parent.code if parent else "",
            level=level,
            name_zh=name_zh.strip(),
            name_en=name_en,
            keywords=keywords,
            department=opts["department"] or (parent.department if parent else ""),
            profile=opts["profile"] or (parent.profile if parent else "standard"),
            own_department=opts["department"],
            district_routing=opts["district"],
            issue=issue,
            urgency_hint=opts["hint"],
        )
        if not node.department:
            raise ValueError(f"category {code} has no department")
        if parent:
            parent.children.append(code)
        nodes.append(node)
        stack.append(node)
    return nodes
