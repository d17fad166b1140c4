"""Standard service phrases (标准服务用语), two or three per situation of a call.

The seeds only require that agents use standard phrases (001 L9, 002 L67); the phrases
themselves are ours."""

from __future__ import annotations

from typing import Final

from hotline.knowledge.models import Situation

PHRASES: Final[list[tuple[str, str]]] = [
    (Situation.GREETING, "您好,这里是服务热线,我是×号受理员,很高兴为您服务。"),
    (Situation.GREETING, "您好,请问有什么可以帮您?"),
    (Situation.GREETING, "您好,感谢您的来电,请讲。"),
    (Situation.IDENTIFY, "为了方便和您联系,请问您怎么称呼?您的联系电话是……对吗?"),
    (Situation.IDENTIFY, "跟您核对一下:您反映的是……地点的……问题,我记录得对吗?"),
    (Situation.IDENTIFY, "请问您办理业务的号码是多少?机主姓名是?"),
    (Situation.HOLD, "请您稍等,我为您查询一下。"),
    (Situation.HOLD, "需要核实一些信息,大约要一两分钟,请您不要挂机。"),
    (Situation.RESUME, "感谢您的耐心等待,已经为您查到了。"),
    (Situation.RESUME, "让您久等了,我们继续。"),
    (Situation.TRANSFER, "您的问题由……负责办理,我现在为您转接,请稍候。"),
    (Situation.TRANSFER, "这个问题需要专业人员为您解答,我为您转接,如果转接不成功,我们会回电给您。"),
    (Situation.APOLOGY, "非常抱歉给您带来了不便,我们一定尽快帮您处理。"),
    (Situation.APOLOGY, "您的心情我能理解,请您别着急,我们一起把问题说清楚。"),
    (Situation.APOLOGY, "对不起,让您久等了。"),
    (Situation.CANNOT, "很抱歉,这件事不在我们的受理范围内,建议您向……反映,联系方式是……。"),
    (Situation.CANNOT, "很抱歉,这个问题需要通过……途径解决,我把办理方式告诉您,好吗?"),
    (Situation.CANNOT, "您的要求我们暂时无法满足,原因是……,请您谅解。"),
    (Situation.CLOSING, "请问还有其他可以帮您的吗?感谢您的来电,再见!"),
    (Situation.CLOSING, "您的工单号是……,查询码是……,可以凭它们在门户网站查询办理进度。感谢您的来电!"),
    (Situation.CLOSING, "处理结果出来后我们会及时告诉您,稍后可能会有回访,请留意接听。再见!"),
]
