"""A small dictionary of common written Chinese, and the longest-match test the repairs share.

A confusable character is repaired only when the repaired text makes a dictionary word at that
place that is longer than every word the text as read makes there: 相矢 makes no word and 相关
does; 无聊 is a word, but 无论是否 is longer; 自己 and 已经 tie, so 自己经常 stays as it is.
The dictionary therefore holds both kinds of word: the ones repairs make (相关, 已经, 未经) and
the ones a confusable character is rightly part of (自己, 期末, 监理, 财务), so that correct text
is left alone. The words are common ones in procedures and office writing, not phrases copied
from any one source; a repair the dictionary cannot confirm is not made (and, for the rare
characters of ``ocr.RARE``, becomes a suggestion for the reviewer).
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


WORDS = _words(
    """
    相关 有关 无关 关于 关系 机关 海关 关键 关注 关心 开关 把关 攸关 相关方 有关部门
    形象 现象 对象 印象 气象 想象 景象 抽象 象征
    投诉 上诉 起诉 申诉 告诉 诉求 诉讼 投诉处理 客户投诉
    设置 位置 放置 配置 处置 安置 购置 闲置 置换
    一般 每一 统一 唯一 一致 一律 一切 之一 一起 一经 一旦 一定 一贯 逐一 同一 第一
    一般投诉 统一管理 统一打印 每一位
    决不 决定 决策 决议 解决 坚决 判决 否决 表决 决不允许 得到解决 予以解决 及时解决
    建立 设立 成立 确立 树立 建立健全 建立良好
    财物 物品 物资 物料 货物 实物 财产 财务 任务 服务 事务 业务 义务 务必 索要财物
    实事求是 求是 实事 是否 还是 就是 但是 只是 可是 总是 于是 凡是 满是 要是 正是 无论是否
    显著 著名 著作 显示 明显 显然 突显
    一经发现 已经 已于 曾经 经过 经理 经营 经济 经验 神经 途经 经常
    会议内容 会议 内容 会议记录 会议纪要 工作内容 主要内容
    拨打 拨付 拨款 调拨 拨号 拨打电话
    接待 等待 对待 招待 款待 期待 待遇 待命 接待人员 接待室 虐待 看待 亟待
    向其 及其 其他 其中 其余 其实 尤其 与其 其次 向其说明 对其 由其 使其
    耍脾气 耍赖 玩耍 戏耍 杂耍 耍弄 耍花招 耍手段 耍威风 要认真 要及时 要求 需要 重要
    主要 只要 必要 要点 要素 摘要 纪要 要害 要是 要么 首要 概要 提要 切要 不要
    子公司 分公司 公司 母公司 总公司 子女 孩子 样子 例子 电子 分子 因子 子项
    客户收费 收费 收费标准 客户 用户 住户 账户 户口 商户 农户 门户 散户
    采取相应 相应 响应 反响 影响 音响 回响 声响 响亮
    备品备件 备件 备品 备用 备案 准备 设备 配备 储备 具备 完备 预备 戒备
    满足顾客 满足 满足要求 顾客 顾问 照顾 顾及 满意 满意度 满分 满员 充满 圆满 满是
    流程改进 改进 改善 改正 改造 改变 改革 修改 更改 整改 改动 改编 改良 流程 工作流程
    货板 木板 板材 看板 模板 黑板 地板 样板 面板 电路板 线路板 退货
    监理 监督 监控 监测 监察 监管 监视 监事
    无聊 聊天 闲聊 无论 理论 讨论 评论 论证 结论 议论 舆论
    感觉 觉得 自觉 发觉 睡觉 知觉 视觉 听觉 察觉 警觉 觉悟 觉醒 直觉 错觉 味觉 不觉
    着手 着重 随着 接着 看着 沿着 意味着 穿着 着装 着落 着想 衣着 执着 着眼 紧接着 本着 显得
    起来 一起 引起 发起 起草 提起 起点 起诉 起见 起到 起因 起止 发起人 起算 起始 起飞 兴起
    持续 坚持 支持 保持 主持 持有 维持 把持 持证 扶持 持久 劫持 挟持 主持人 手持 持平
    拔出 选拔 提拔 海拔 拔河 拔除
    拆除 拆卸 拆迁 拆开 拆封 拆分 拆解 拆装
    文字 字体 签字 数字 字样 字号 名字 字母 打字 字迹 字段 汉字 赤字 十字
    实际 实施 实行 落实 核实 事实 真实 实现 实验 实践 确实 切实 证实 实在 充实 扎实
    同意 同时 共同 合同 相同 同事 同步 同类 不同 同等 同期 协同 同样 同级 陪同 如同 连同
    的确 目的 有的放矢 尖端 顶尖 尖锐 笔尖 拔尖
    当日 日期 每日 次日 前日 同日 节日 假日 工作日 生效日 之日 日起 日前 日内 日止 日报
    个月 月份 日常 日志 本日 即日 日程 近日 今日 明日 昨日 平日 日益 日夜 日均 日历
    已经 已于 已有 已在 已将 已被 已按 已由 已达 已满 业已 早已 并已 均已 已办 已领 已交
    已完成 已签 已付 已做 已过 已知 而已
    未经 未能 未按 未及 未满 未在 未做 未予 未有 未达 未到 未向 尚未 并未 均未 未曾 未办
    未签 未付 未交 未作 未见 未设 未发 未填 未用 从未 未被 未对 未来 未必 未完成 未遂
    自己 己方 知己 利己 异己 舍己 克己 己任 一己 各自
    期末 周末 月末 年末 末尾 末端 末位 始末 末期 末日 末班 季末 本末 末梢 末了 末次 篇末 文末
    人员 人事 人力 个人 本人 他人 负责人 责任人 人数 每人 人工 人身 工人 客人 人民 人才
    收入 输入 进入 录入 投入 加入 入库 入职 出入 入口 列入 纳入 入账 计入 深入 介入 入场 入住
    土地 土建 土方 土壤 国土 本土 泥土 土木 出土
    人士 士兵 护士 博士 硕士 学士 战士 女士 男士 院士 爵士
    子曰 巳时 辰巳
    工作 工作日 工作人员 提供 发现 说明 管理 制度 部门 负责 检查 记录 处理 情况 要求 规定 文件
    认为 作为 成为 行为 因为 为了 为止 以为 称为 视为 为主 为准 为期 为何 更为 较为 最为 为此
    或者 或许 或是 总和 和谐 温和 参与 与会 给与 以及 及时 涉及 及其 将来 即将 将要 把握 把关
    被告 被迫 对于 面对 针对 相对 核对 对比 对方 在于 存在 现在 正在 所在 在职 在岗 在内 实在
    开始 结束 联系 跟踪 确认 通知 反馈 回访 维修 安装 调试 使用 保管 保存 归档 存档 发放 领用
    采购 销售 合同 付款 报销 审批 签字 盖章 印章 档案 资料 表格 报告 计划 总结 统计 分析 评审
    发货 清单 发货清单 验收 接收 安排 执行 组织 审核 批准 申请 登记 办理 考核 培训 质量 产品
    """
)

# Fixed expressions: one character changed makes no other expression, so a text that differs
# from one in a single character (where no word as read covers the difference) is repaired.
SET_PHRASES = _words(
    """
    实事求是 一经发现 备品备件 有的放矢 一视同仁 精益求精 循序渐进 因地制宜
    各司其职 行之有效 切实可行 众所周知 迫在眉睫 与日俱增 持之以恒 一丝不苟 兢兢业业 全心全意
    尽职尽责 井然有序 有条不紊 准确无误 以身作则 责无旁贷 一目了然 实事求是 不折不扣 统筹兼顾
    """
)

# Words an editor or OCR doubles by mistake are repaired only outside these, which the language
# doubles on purpose (AA and ABAB forms).
REDUPLICATED = _words(
    """
    常常 天天 人人 看看 刚刚 往往 渐渐 仅仅 纷纷 偏偏 处处 时时 事事 个个 样样 家家 年年 层层
    步步 件件 条条 默默 慢慢 好好 轻轻 明明 谢谢 等等 稍稍 略略 多多 早早 大大 小小 高高 满满
    试试 想想 说说 谈谈 问问 查查 一一 级级 重重 节节 点点 片片 面面 句句 字字 平平 行行 久久
    研究研究 讨论讨论 学习学习 考虑考虑 商量商量 休息休息 活动活动 交流交流 锻炼锻炼 整理整理
    """
)

# Latin acronyms and codes that procedures cite; a transposed one (two letters swapped) is
# repaired to the dictionary form.
ACRONYMS = _words(
    "C-TPAT ISO HACCP GMP GSP GSV OHSAS SOP ERP CRM PMC IQC OQC IPQC FQC QC QA KPI BOM"
)

WORDS = WORDS | SET_PHRASES
MAX_WORD = max(len(word) for word in WORDS | REDUPLICATED)


def longest_at(text: str, index: int, words: frozenset[str] = WORDS) -> str:
    """The longest dictionary word of ``text`` that covers position ``index`` ("" if none)."""
    for size in range(MAX_WORD, 1, -1):
        for start in range(max(0, index - size + 1), min(index, len(text) - size) + 1):
            if text[start : start + size] in words:
                return text[start : start + size]
    return ""


def steals(text: str, start: int, end: int, keep: int) -> bool:
    """Whether the word ``text[start:end]`` (made by changing position ``keep``) would take a
    character from a word the text already has: 开始未 → 始末 takes 始 from 开始."""
    for index in range(start, end):
        if index != keep:
            word = longest_at(text, index)
            if word:
                first = text.index(word, max(0, index - len(word) + 1))
                if first < start or first + len(word) > end:
                    return True
    return False


def made_table(replacements) -> dict[str, list[tuple[str, int]]]:
    """For each replacement character or pair, the dictionary words it can make and where it
    sits in them, longest first."""
    return {
        meant: sorted(
            ((word, k) for word in WORDS for k in range(len(word)) if word.startswith(meant, k)),
            key=lambda item: (-len(item[0]), item[1], item[0]),
        )
        for meant in set(replacements)
    }


def made_at(text: str, index: int, candidates: list[tuple[str, int]]) -> str:
    """The longest of ``candidates`` that ``text`` holds over ``index`` without taking a character
    from a word the text already has (开始未 does not make 始末: 始 belongs to 开始)."""
    for word, offset in candidates:
        start = index - offset
        if (
            start >= 0
            and text.startswith(word, start)
            and not steals(text, start, start + len(word), index)
        ):
            return word
    return ""
