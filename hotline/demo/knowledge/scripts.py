"""The eight response scripts of ``004_…txt`` (lines 1–360), retold in our own words.

Questions, expected answers, judgement rules, outcomes and promised times are the
source's; where the source is silent a choice is made and marked ``CHOICE`` here:

- a dispatch needs a promised time and a unit; where the source names neither, the
  script promises 2 working days (the source's usual dispatch wording) and names the unit
  of the demo branch (``seed_telecom``) nearest to the source's words;
- scripts without numbered questions ask what decides between their outcomes (漫游,
  悦铃: whether the caller accepts, whether the front desk can answer) or ask nothing at
  all when the source always dispatches (信号弱).
"""

from __future__ import annotations

from typing import Any, Final

TWO_WORKING_DAYS: Final = {"amount": 2, "unit": "working_days"}
ONE_WORKING_DAY: Final = {"amount": 1, "unit": "working_days"}

# the source's usual words when a matter is dispatched (大灵通短信, "需要派单处理的解释口径")
DISPATCH_WORDING: Final = (
    "您的情况我们已经记录下来,并报送相关职能部门和负责单位协调处理,"
    "我们会在两个工作日内把处理情况告诉您。谢谢您的支持和谅解!"
)


def _q(key: str, text: str, expected: bool) -> dict[str, Any]:
    return {"key": key, "text": text, "expected": expected}


SCRIPTS: Final[list[dict[str, Any]]] = [
    # (一) 互连互通 — L23–79
    {
        "code": "interconnection",
        "title": "互联互通",
        "category": "telecom.interconnection",
        "symptom": "拨打其他运营商的号码时接通率低,或拨出后没有任何反应,"
        "出现串线、接错号码、只有一方能听到、通话中途断掉等情况。",
        "typical_case": "串线或拨出后没有反应时,主叫方通常听不到正常的回铃音,但这次呼叫照样计费,产生了话费。",
        "front_desk": "按询问要点确认属于互联互通问题的,由服务窗口当场办结,"
        "并由服务窗口定期把这类问题汇总报市场经营部;不属于互联互通问题的,按正常投诉流程派单。",
        "keywords": ["异网", "接通率", "串线", "错号", "单通", "掉话", "打不通", "联通"],
        "questions": [
            _q("1", "被叫号码是否属于其他运营商(特别是电信、联通)", True),
            _q("2", "以往使用中,这个被叫号码是否一直都打不通", False),
            _q("3", "如果每次都串线:被叫号码是否设置了呼叫转移", False),
        ],
        "outcomes": [
            {
                "when": {"all": ["1", "2", "3"]},
                "outcome": "close",
                "label": "互联互通问题",
                "wording": "您遇到的接通率低,是我公司和对方运营商之间的网间通道太繁忙造成的,"
                "我们正在和对方运营商协商解决。因为这涉及两家的通信网络,"
                "您也可以向对方运营商的客服热线反映。谢谢您的理解和支持!",
                "notes": [
                    {
                        "situation": "拨出后无反应、串音、错号、单通或掉话",
                        "text": "我公司正在和对方运营商积极沟通,一起查找原因。因为涉及两家的通信网络,"
                        "您也可以拨打对方运营商的客服热线反映。谢谢您的理解和支持!",
                    },
                    {
                        "situation": "来电人要求退费",
                        "text": "您反映的问题涉及两家运营商的网络,我们已经为您提供了基本的通信保障,"
                        "资费上也给了您相当大的优惠,所以这部分费用不能退还。"
                        "这些问题我们正在积极和对方运营商协商解决。",
                    },
                    {
                        "situation": "来电人要求明确解决时限",
                        "text": "我们正在积极和对方运营商协商解决,请您过一会儿再试一次;"
                        "如果还有问题,请随时和我们联系。",
                    },
                ],
            },
            {
                # CHOICE: the source says "按正常的投诉派单流程处理"; 2 working days, network unit.
                "outcome": "dispatch",
                "label": "非互联互通问题",
                "wording": "您反映的情况我们已经详细记录,并转交网络维护部门核查处理,"
                "我们会在两个工作日内把处理情况答复您。谢谢您的耐心!",
                "unit": "JZ-TEL-NET",
                "promised": TWO_WORKING_DAYS,
            },
        ],
    },
    # (二) 资费争议-短信定制 — L81–124
    {
        "code": "sms-subscription",
        "title": "资费争议—短信定制",
        "category": "fee_dispute",
        "symptom": "来电人定制某项增值业务后,不清楚是怎么扣费的;"
        "或来电人查到的智能网通话详单与消费余额对不上。",
        "typical_case": "来电人投诉话费被无缘无故扣掉;或投诉查到的通话详单和余额不一致。",
        "front_desk": "服务窗口先向来电人作初步解释,来电人接受的不派单;"
        "需要查询来电人上行定制记录、要求退费或赔偿的,派单给对应的短信业务合作商(SP)处理。",
        "keywords": ["扣费", "短信", "定制", "增值业务", "余额", "详单", "SP", "退订"],
        # CHOICE: the source judges without numbered questions ("余额减少且不清楚定制扣费"
        # → 查询后解释 → 不接受则派单); these two questions carry that judgement.
        "questions": [
            _q("1", "经系统查询,这笔费用确由来电人定制的短信SP业务产生", True),
            _q("2", "听完解释后,来电人是否接受", True),
        ],
        "outcomes": [
            {
                "when": {"all": ["1", "2"]},
                "outcome": "close",
                "label": "短信定制业务扣费,解释后接受",
                "wording": "您好!经过查询,这笔扣费来自您定制的××业务,它的收费标准是……。"
                "这项业务开通初期一直免费,最近才开始正式收费,请您回想一下几个月前是否订过这类短信增值业务。"
                "如果不想继续使用,可以发送0000到××××(收费SP端口号码的前五位)取消。谢谢您的来电!",
            },
            {
                "outcome": "dispatch",
                "label": "需查询定制上行记录,派单SP",
                "wording": "短信增值业务的定制指令是从您的手机直接发到我公司短信合作商网关的,"
                "只有合作商的系统里有记录,我公司这边查不到。我们马上派单给合作商查询您的定制记录,"
                "并在1个工作日内给您满意的答复。",
                "unit": "JZ-TEL-SP",
                "promised": ONE_WORKING_DAY,
                "notes": [
                    {
                        "situation": "来电人坚持没有定制,并要求退费或赔偿",
                        "text": "仍按派单口径答复:定制记录只保存在合作商系统中,"
                        "我们立即派单查询,1个工作日内给您答复。",
                    },
                ],
            },
        ],
    },
    # (三) 网络质量—大灵通短信 — L126–187
    {
        "code": "network-sms",
        "title": "网络质量—大灵通短信",
        "category": "telecom.network",
        "symptom": "大灵通收不到短信,或发不出短信。",
        "typical_case": "排除话机故障之后,在一些地方大灵通仍然不能正常收发短信,发送时提示“发送失败”。",
        "front_desk": "按询问要点确认属于短信设置和使用问题的,由服务窗口当场办结;"
        "服务窗口处理不了的短信类投诉,按正常投诉流程派单。",
        "keywords": ["短信", "大灵通", "发送失败", "收不到短信", "公益短信"],
        "questions": [
            _q("1", "是否用大灵通成功发送过短信", True),
            _q("2", "发送短信时是否加了区号", True),
            _q("3", "话机里存储的短信是否已满", False),
            _q("4", "是否一直收不到公司发送的公益短信,但大灵通之间互发短信正常", True),
            _q("5", "换到别的地方后能否正常收发短信", True),
        ],
        "outcomes": [
            {
                # "(2,3)有一项未满足或全部条件满足的,服务窗口可以直接处理"
                "when": {"any": [{"not": "2"}, {"not": "3"}, {"all": ["1", "2", "3", "4", "5"]}]},
                "outcome": "close",
                "label": "短信设置和使用问题",
                "wording": "(先向来电人介绍大灵通短信的设置和使用方法,再说)"
                "请问大灵通短信的使用方法您清楚了吗?如果还有疑问,请告诉我们。欢迎您再次来电咨询!",
            },
            {
                "when": {"all": ["1", "2", "3", "4"]},
                "outcome": "dispatch",
                "label": "未增加公益短信字冠",
                "wording": DISPATCH_WORDING,
                "unit": "JZ-TEL-SUP",
                "promised": TWO_WORKING_DAYS,
            },
            {
                "when": {"all": ["1", "2", "3", "5"]},
                "outcome": "close",
                "label": "所在地网络信号覆盖问题",
                "wording": "感谢您提出的宝贵意见。您反映的问题是所在地的SCDMA网络信号覆盖还需要优化,"
                "我们正在抓紧进行网络优化。这项业务还在发展初期,网络需要逐步完善,请您谅解;"
                "以后再遇到类似情况,请及时告诉我们!",
                "notes": [
                    {
                        "situation": "记录位置",
                        "text": "记下来电人收发短信失败的具体地点(附近基站需要升级);"
                        "服务窗口定期把位置信息汇总报市场经营部。",
                    },
                ],
            },
            {
                # "其他情况均派单处理" — CHOICE: to the network unit.
                "outcome": "dispatch",
                "label": "其他短信故障",
                "wording": DISPATCH_WORDING,
                "unit": "JZ-TEL-NET",
                "promised": TWO_WORKING_DAYS,
            },
        ],
    },
    # (三) 网络质量—信号弱 — L189–219
    {
        "code": "weak-signal",
        "title": "网络质量—信号弱",
        "category": "telecom.network",
        "symptom": "1. 信号弱;2. 信号时有时无;3. 所在地没有信号覆盖。",
        "typical_case": "这类故障多与干扰有关,或是基站中断后片区内没有信号、信号弱。",
        "front_desk": "不在服务窗口办结:受理后直接转派来电人所属的分公司处理。",
        "keywords": ["信号弱", "没信号", "无信号", "信号时有时无", "覆盖"],
        # The source always dispatches ("由10060直接转派各分公司"): nothing to ask.
        "questions": [],
        "outcomes": [
            {
                # CHOICE: the source promises no time; 2 working days; the demo's 营业部.
                "outcome": "dispatch",
                "label": "信号弱或无信号,转派分公司",
                "wording": "您好,根据您提供的信息,我们已经为您核查了部分用户数据的维护情况,"
                "并把您的意见和建议直接转给了受理部门。他们会重点检测您所说区域的网络状况,"
                "工作人员也会主动联系您,进一步了解具体的故障现象。谢谢您的理解和支持,再次感谢您的来电!",
                "unit": "JZ-TEL-DH",
                "promised": TWO_WORKING_DAYS,
            },
        ],
    },
    # (四) 服务质量—漫游业务 — L221–243
    {
        "code": "roaming",
        "title": "服务质量—漫游业务",
        "category": "telecom.service",
        "symptom": "SCDMA业务不能漫游。",
        "typical_case": "来电人投诉SCDMA业务用不了漫游功能;"
        "也包括咨询漫游,或投诉我公司曾承诺能漫游、以前能漫游现在不能用。",
        "front_desk": "经服务窗口解释,来电人没有异议的当场办结;"
        "解释后仍不满意、需要进一步协商的,按本地网归属的原则派单。",
        "keywords": ["漫游", "SCDMA", "外地", "商务电话", "大灵通"],
        "questions": [_q("1", "听完解释后,来电人是否接受", True)],
        "outcomes": [
            {
                "when": "1",
                "outcome": "close",
                # CHOICE: the source's sentence breaks off after "都属于"; the explanation
                # is what its symptom says: these services do not roam.
                "label": "SCDMA业务不提供漫游,解释后接受",
                "wording": "很抱歉,我公司推出的SCDMA商务电话和大灵通都是在本地网内使用的业务,"
                "不提供漫游功能。给您带来不便,请您谅解!",
            },
            {
                "outcome": "dispatch",
                "label": "解释后仍不满意,按本地网归属派单",
                "wording": "您的情况我们已经记录下来,并报送当地分公司核查处理,"
                "我们会在两个工作日内给您回复。您也可以直接到购机的地方核实情况。谢谢您的支持和谅解!",
                "unit": "JZ-TEL-DH",
                "promised": TWO_WORKING_DAYS,
            },
        ],
    },
    # (五) 服务质量—悦铃业务 — L245–299
    {
        "code": "ringback",
        "title": "服务质量—悦铃业务",
        "category": "telecom.service",
        "symptom": "悦铃业务的咨询和投诉。",
        "typical_case": "来电人投诉悦铃业务设置不了。",
        "front_desk": "悦铃业务的咨询由服务窗口当场办结;服务窗口能处理的投诉当场办结;"
        "服务窗口处理不了的投诉转派省维护中心(演示中为网络维护中心)。",
        "keywords": ["悦铃", "回铃音", "116100", "铃音"],
        "questions": [
            _q("1", "是咨询,或服务窗口能当场处理的问题(资费、密码、默认铃音设置等)", True),
        ],
        "outcomes": [
            {
                "when": "1",
                "outcome": "close",
                "label": "咨询或窗口可处理的问题",
                "wording": "悦铃是由被叫用户自己定制的业务:开通后,别人打给您时听到的是一段音乐或音效,"
                "而不是普通的回铃音;您还可以给某一位或某一组来电的人、在不同时段设置不同的铃音。"
                "(再按常见问答回答来电人的具体问题)",
            },
            {
                # CHOICE: the source promises no time; 2 working days.
                "outcome": "dispatch",
                "label": "窗口无法处理,转维护中心",
                "wording": "您反映的悦铃问题我们已经记录下来,并转交维护中心处理,"
                "会在两个工作日内答复您。谢谢您的耐心!",
                "unit": "JZ-TEL-NET",
                "promised": TWO_WORKING_DAYS,
            },
        ],
        "faq": [
            {
                "q": "悦铃怎么收费?",
                "a": "共四项:一是包月使用费,后付费用户每月5元,预付费用户每天0.16元;"
                "二是拨打116100接入号的市话费(目前只能通过这个号码注册);三是铃音订购费,每条0.5–5元;"
                "四是铃音变更费,每月可免费更换3次,超过3次后每换1次收0.5–1.5元。",
            },
            {"q": "目前哪些用户收费?", "a": "全省各分公司的大灵通用户。"},
            {
                "q": "拨打116100要付费吗?",
                "a": "要。按区内市话标准计费:前3分钟0.22元,超过3分钟后每分钟0.11元。",
            },
            {
                "q": "悦铃密码就是大灵通的身份密码吗?",
                "a": "不是。注册悦铃时要另外设置悦铃业务密码。设置不成功的,可以联系我们或拨打10060,"
                "我们帮您设置。",
            },
            {
                "q": "能不能在网站上开通、试听和下载?",
                "a": "注册悦铃目前只能拨打116100;悦铃网站可以试听、下载和更换铃音。",
            },
            {
                "q": "我定制了一条悦铃,为什么回铃音没变?",
                "a": "系统自带两条默认铃音,您新定的铃音在“个人铃音库”里编号为3。定制后默认铃音仍是系统自带的,"
                "需要再做一次“设置默认铃音”,换成新定的铃音;从网站下载的铃音也一样要修改默认铃音。",
            },
        ],
    },
    # (六) 服务质量—话务高峰期 — L301–335
    {
        "code": "peak-traffic",
        "title": "服务质量—话务高峰期",
        "category": "telecom.network",
        "symptom": "节假日话务量猛增,形成话务高峰,占线严重。",
        "typical_case": "春节是一年中最重要的节日,话务量会猛增,占线严重,除夕和初一尤其厉害。",
        "front_desk": "节日期间暂时不能正常拨打或接听、接通率低、占线较严重的,"
        "按询问要点确认属于话务高峰后由服务窗口当场办结。",
        "keywords": ["春节", "占线", "忙音", "高峰", "除夕", "打不出去"],
        "questions": [
            _q("1", "在此之前使用是否正常", True),
            _q("2", "做主叫时是否经常听到忙音、占线较多", True),
            _q("3", "第2种情况是否在除夕、初一特别严重", True),
        ],
        "outcomes": [
            {
                "when": {"all": ["1", "2", "3"]},
                "outcome": "close",
                "label": "春节话务高峰",
                "wording": "您好,先祝您新年快乐、吉祥如意,也谢谢您一直以来对我们工作的支持。"
                "您遇到的情况,可能是对方正在通话,也可能是对端局话务高峰造成的。"
                "建议您避开话务高峰时段,过一会儿再拨会好一些。我们也会把情况通知相关部门,"
                "密切关注、跟踪您反映的问题。感谢您的谅解和支持,新春佳节再次祝您新年快乐、万事如意!",
            },
            {
                # CHOICE: the source names no other outcome; a normal dispatch.
                "outcome": "dispatch",
                "label": "非话务高峰原因",
                "wording": DISPATCH_WORDING,
                "unit": "JZ-TEL-NET",
                "promised": TWO_WORKING_DAYS,
            },
        ],
    },
    # (七) 话机故障 — L337–357
    {
        "code": "handset-fault",
        "title": "话机故障",
        "category": "telecom.terminal",
        "symptom": "1. 摘机就是忙音;2. 打不进、打不出;3. 话机上显示限制呼出或限制呼入。",
        "typical_case": "常见的终端故障有:屏幕不显示、屏幕闪烁、按键失灵、听筒或话筒失效。",
        "front_desk": "号码业务权限正常、是话机上设置了呼叫限制的,由服务窗口指导取消后当场办结;"
        "其他属于来电人末梢终端故障,派给来电人所在地的末梢服务单位(分公司、终端维修等)。",
        "keywords": ["话机", "忙音", "打不进", "打不出", "限制呼出", "限制呼入", "屏幕", "按键"],
        "questions": [
            _q("1", "查询号码的业务权限(呼入、呼出)是否都正常", True),
            _q("2", "话机上是否显示限制呼出或限制呼入", True),
        ],
        "outcomes": [
            {
                "when": {"all": ["1", "2"]},
                "outcome": "close",
                "label": "话机上设置了呼叫限制",
                "wording": "您号码的业务权限都正常,是话机上设置了呼叫限制。"
                "您可以在话机的“系统设置—保密设置—呼叫限制”里选择“取消所有限制”。"
                "如果不会操作,也可以带着话机到我们的维修点处理。",
            },
            {
                "when": "1",
                "outcome": "dispatch",
                "label": "末梢终端故障",
                "wording": "您好,根据您提供的信息,我们为您核查了部分用户数据的维护情况,都是正常的,"
                "建议您检查一下话机。我们也会把话机故障的情况转告相关部门,工作人员会主动和您联系。"
                "如果方便,您也可以抽空到我们的终端维修点检测话机。谢谢您的理解和支持,再次感谢您的来电!",
                "unit": "JZ-TEL-TERM",
                "promised": TWO_WORKING_DAYS,
            },
            {
                # CHOICE: the source's first check is cut off ("2,若以上业务权限均正常…");
                # abnormal rights go to the caller's branch (a 末梢服务单位 it names).
                "outcome": "dispatch",
                "label": "号码业务权限异常",
                "wording": "您号码的业务权限有异常,我们已经转给您所属的营业部核查处理,"
                "会在两个工作日内答复您。谢谢您的耐心!",
                "unit": "JZ-TEL-DH",
                "promised": TWO_WORKING_DAYS,
            },
        ],
    },
]
