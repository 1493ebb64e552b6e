"""Source-specific rules as data: one entry per known site or app, nothing of it in the stages.

A rule applies to a text when one of its ``detect`` patterns matches a whole line.  Its
``drop`` patterns remove whole lines anywhere, ``cut_from`` ends the document at the first
matching line (a "related articles" block and everything below it), ``head`` drops matching
lines only before the document's own title, and ``title_suffix`` is cut from the title line.
``signature`` drops the trailing block of short lines (a mail signature).  ``inline``
patterns are cut wherever they occur in the joined text (watermarks, boilerplate) and
``title_decorations`` from every title.  ``cut`` patterns are cut out of the lines that stay
(a view counter beside the publishing date) and ``replace`` rewrites them (a Markdown quote
mark or list dash at the start of a line).  Patterns match a whole stripped line
(``re.fullmatch``) after width folding, so ``:`` stands for ``：`` too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceRule:
    name: str
    detect: tuple[str, ...]
    drop: tuple[str, ...] = ()
    cut_from: tuple[str, ...] = ()
    head: tuple[str, ...] = ()
    title_suffix: str = ""
    signature: bool = False
    # Strings the source stamps inside the text (watermarks, boilerplate), cut wherever found.
    inline: tuple[str, ...] = ()
    # Decorations the source adds to listed titles ("(10篇)(优秀版)"), stripped from titles.
    title_decorations: tuple[str, ...] = ()
    # Pieces cut out of a kept line, and (pattern, replacement) rewrites of a kept line.
    cut: tuple[str, ...] = ()
    replace: tuple[tuple[str, str], ...] = ()


# Words of a site's or an app's chrome: top links, nav bars, toolbars.
_NAV_WORD = r"[\u4e00-\u9fffA-Za-z]{2,6}"
_COUNTER = r"(?:(?:浏览|阅读|点击|访问|查看)(?:次数|量|数)\s*:?|(?:浏览|阅读|点击)\s*:)\s*\d+\s*次?"
# "某某 创建于 2025年…", "最后修改：2025-06-03 18:20 · 某某": a sentence ending in 。 is text.
_WHEN = r"(?:\d{4}\s*[-/.年]|\d{1,2}\s*月|\d{1,2}-\d{1,2}|今天|昨天)"
_CREATED = rf".{{0,20}}\s*创建于\s*{_WHEN}[^。；;]*"
_EDITED = (
    r".{0,24}?(?:(?:最后|最近)(?:由.{1,10})?(?:编辑|修改|更新)(?:于|时间)?|编辑于|更新于)\s*:?\s*"
    rf"{_WHEN}[^。；;]*"
)
# "张三 · 2025年3月2日 · 128人看过": a byline ending in how many people read the document.
_READERS = r".{0,40}?\d+\s*人(?:看过|查看过?|浏览过?|阅读过?|已读)"
_SITE_COUNTER = r"(?:下载积分|下载券|积分|浏览量|浏览|阅读量|下载量|下载次数|下载|页数|收藏量|评分)"
_SITE_NAMES = r"百度文库|道客巴巴|豆丁网|原创力文档|360文库|360doc|文库|新浪爱问|docin|book118"

SOURCES: tuple[SourceRule, ...] = (
    SourceRule(
        # Document libraries whose pages list a main document and "related documents"; their
        # watermarks and boilerplate are cut wherever they occur, so no detection is needed.
        name="document-library",
        detect=(),
        inline=(
            r"Standardization of [A-Za-z ]{2,40}#[A-Z0-9-]+#",
            r"公司标准化编码\s*\[[A-Z0-9-]+\]",
            r"[#\[][A-Z0-9]{5,8}(?:-[A-Z0-9]{5,8}){3}[#\]]",
            r"\(本[^()]{1,8}所有[,，]更多请登[录陆]查看\)",
            r"令狐采学",  # a fake author name stamped into texts as a watermark
            r"页脚内容",
            r"各位读友大家好[,，]此文档由网络收集而来[,，]欢迎您下载[,，]谢谢",
            r"《[^》]{1,40}》是[^,，。]{0,12}为你整理收集[:：]?",
            r"说明[:：]为规范化、制度化和统一化作业行为.*?特此编写。",
            r"使用说明[:：]本管理制度资料适用于.*?套用时请仔细阅读。",
            r"\S*系列\s.{0,60}?\((?:标准、完整、实用、可修改|[^()]{0,12}可编辑)\)",
            r"A4打印/\s*新修订/\s*完整/\s*内容可编辑",
            r"学习导航\s*通过学习本课程[,，]你将能够[:：]\s*(?:●[^●。]*[;；。]\s*)+",
            r"要点提示",
        ),
        title_decorations=(
            r"^\((?:企业|完整版|客户管理|精品|推荐|最新)\)",
            r"\(\d+篇\)",
            r"\((?:优秀版|最新\s*版|完整版|适用|最终|精选|推荐|可编辑|word版)\)",
            r"\(\d+个\s*doc\)\s*\d*",
            r"\s*-\s*(?:精品|制度大全|范文大全|百度文库)$",
            r"\d{4}全文$",
            r"(?:\.\d+)?\.docx?$",
            r"_共\d+页$",
        ),
    ),
    SourceRule(
        name="wechat",
        detect=(
            r".*(?:点击|点|扫码|扫描|长按).{0,8}关注.*",
            r"阅读原文",
            r"(?:分享\s*)?(?:点赞|在看|收藏)(?:\s*(?:分享|点赞|在看|收藏|转发))*",
            r".*点个?在看.*",
            r".*长按.{0,6}(?:识别|扫描)?.{0,4}二维码.*",
            r"(?:推荐阅读|往期推荐|往期回顾|往期精选)\s*:?",
        ),
        drop=(
            r".*(?:点击|点|扫码|扫描|长按).{0,8}关注.*",
            r"(?:原创\s+)?.{0,30}\s*\d{4}(?:-\d{1,2}-\d{1,2}|年\d{1,2}月\d{1,2}日)"
            r"(?:\s+\d{1,2}:\d{2})?(?:\s*发表于\S{1,6})?",
            r".*(?:如有侵权|侵删|版权归原作者).*",
            r"(?:原标题|本文转载自|转载自)\s*:.{0,40}",
            r"(?:作者|来源|文章来源|内容来源|编辑|责编|排版|审核|图片来源|图源|文|图)\s*[:|｜/].{0,30}",
            r".*长按.{0,6}(?:识别|扫描)?.{0,4}二维码.*",
            r"阅读原文",
            r"(?:分享\s*)?(?:点赞|在看|收藏)(?:\s*(?:分享|点赞|在看|收藏|转发))*",
            r".*点个?在看.*",
            r"[-—–]*\s*(?:END|End|THE END|完)\s*[-—–]*",
        ),
        cut_from=(r"(?:推荐阅读|往期推荐|往期回顾|往期精选|相关阅读)\s*:?",),
        # a teaser line above the title ("新员工必看！") and the account's name on a line alone
        head=(r".{1,20}[!?]", r"[^\s,，。;；:：!?]{2,16}"),
    ),
    SourceRule(
        name="document-site",
        detect=(
            rf".*\s-\s(?:{_SITE_NAMES})",
            r".*本文档由.{0,10}上传.*",
            r"(?:下载文档|VIP专享|VIP专享文档).*",
        ),
        drop=(
            r"首页\s*[>›»].*",
            r"上传者\s*[:].*",
            r".*本文档由.{0,10}上传.*",
            r".*仅供学习交流.*",
            r"(?:下载文档|收藏|分享|举报|VIP专享文档|VIP专享)(?:\s+(?:下载文档|收藏|分享|举报|打印))*",
            # the counters line under the breadcrumb: "VIP专享文档  下载积分：8  浏览量：1.2万"
            rf"(?:VIP专享文档|VIP专享|免费文档)?\s*(?:{_SITE_COUNTER}\s*:\s*[\d.]+\s*[万千]?\s*[页次]?\s*){{1,6}}",
            # the read-more prompt where the free preview ends
            r"(?:还剩\s*\d+\s*页未读)?\s*[,，]?\s*(?:继续阅读|点击阅读全文|展开阅读全文).{0,10}",
        ),
        cut_from=(r"(?:相关文档推荐|相关文档|猜你喜欢|相关推荐|热门文档)\s*",),
        title_suffix=rf"\s*[-_|]\s*[^\s_|-]{{0,6}}(?:{_SITE_NAMES})\s*$",
    ),
    SourceRule(
        name="email",
        detect=(r"(?:发件人|From)\s*:.*", r"(?:主\s*题|Subject)\s*:.*"),
        drop=(
            r"(?:发件人|收件人|抄\s*送|密\s*送|发送时间|日\s*期|主\s*题|From|To|Cc|Sent|Date|Subject)"
            r"\s*:.*",
            r">.*",
            # the confidentiality disclaimer under a mail
            r".{0,20}(?:本邮件|此邮件|该邮件|(?i:this\s+(?:e-?mail|message))).{0,150}"
            r"(?:保密|机密|误收|误发|(?i:confidential|intended\s+recipient)).*",
        ),
        cut_from=(r"-{2,}\s*(?:原始邮件|Original Message|转发的邮件)\s*-{2,}",),
        head=(r".{1,20}[:]", r".{4,80}[。]"),  # the salutation and the cover note
        signature=True,
    ),
    SourceRule(
        # An intranet or CMS page saved as text: top links, the portal's name, a nav bar, a
        # breadcrumb, a publishing line with a view counter, print and font buttons above the
        # text; a download line, previous/next links, friendly links, copyright and ICP below.
        name="intranet-page",
        detect=(
            rf"(?:{_NAV_WORD}\s*\|\s*)*(?:登录|注册|设为首页|加入收藏)(?:\s*\|\s*{_NAV_WORD})+",
            rf".*\s{_COUNTER}",
            r"(?:【[^【】]{1,12}】\s*){2,}",
            r"(?:上一篇|下一篇)\s*:.{1,60}",
            r".*(?:ICP备|ICP证)\s*\d+.*",
        ),
        drop=(
            rf"(?:{_NAV_WORD}\s*\|\s*)+{_NAV_WORD}",
            r"[\u4e00-\u9fffA-Za-z]{2,20}(?:门户网站|信息门户|门户|办公平台|平台|内网|网站|OA系统|OA)",
            rf"(?:网站)?首页(?:\s+{_NAV_WORD}){{3,}}",
            r"(?:当前位置|您的位置|你的位置|您现在的位置|所在位置)\s*:.*",
            r"(?:【[^【】\d]{1,12}】\s*)+",  # buttons: 【打印本页】【关闭窗口】
            r"(?:附件下载|相关附件|下载附件)\s*:.*",
            r".*\.(?:docx?|xlsx?|pdf|zip|rar|wps)\s*\(\s*\d+(?:\.\d+)?\s*[KMG]B\s*\)",
            # a footer, not a clause about copyright: it starts or ends with the notice
            r"(?:版权所有|Copyright|\(C\)\s*\d{4}).*|.*(?:©|Copyright).*|.{0,40}版权所有",
            r".*(?:ICP备|ICP证|公网安备).*",
            r"(?:技术支持|主办|承办)(?:单位)?\s*:.{1,80}",
            r".*地址\s*:.{1,60}(?:邮编|电话)\s*:.*",
            r"分享到\s*:.{0,40}",
            r".{0,6}扫一扫.{0,16}",
            r"返回顶部",
            r".*(?:分辨率|浏览器).{0,12}(?:浏览|访问|查看).{0,4}",
        ),
        cut_from=(
            r"(?:上一篇|下一篇)\s*:.*",
            r"(?:相关链接|友情链接|相关文章|相关阅读|相关新闻|热点文章)\s*(?::.*)?",
        ),
        # the browser's page title above the document's own: "…规定 - 某集团门户", "…_栏目_站名"
        head=(r".{2,40}?(?:\s*[-_|–—]\s*[^\s_|\-–—]{2,20}){1,3}",),
        title_suffix=(
            r"(?:\s*[-_|–—]\s*[^\s_|\-–—]{2,12}){0,2}\s*[-_|–—]\s*"
            r"[^\s_|\-–—]{0,20}(?:门户|网站|平台|内网|官网|信息网|集团|公司)\s*$"
        ),
        cut=(rf"\s*【?\s*{_COUNTER}\s*】?",),
        # "【发布日期：…】【来源：…】" as plain "key:value" pairs the control header reads
        replace=((r"【\s*([^【】:]{2,8}:[^【】]{1,30}?)\s*】", r"\1  "),),
    ),
    SourceRule(
        # An online document app's export (Feishu, DingTalk, Tencent Docs, Yuque): creator
        # and last-edited lines, view and comment counters and a toolbar above the text, and
        # the comment thread at the end.
        name="online-doc",
        detect=(
            _CREATED,
            _EDITED,
            r"(?:全部)?评论\s*\(\d+\)",
            r"复制链接(?:\s+\S{1,6}){1,6}",
            _READERS,
        ),
        drop=(
            _CREATED,
            _EDITED,
            r"(?:文档)?(?:所有者|创建者|创建人)\s*:.{1,20}",
            _READERS,
            r"[\d\s·•|]*(?:(?:浏览|阅读|评论|点赞|收藏|分享|查看|字数)\s*\d*\s*[·•|]?\s*){1,6}",
            r"(?:(?:复制链接|分享|@提及|评论|收藏|导出|下载|打印|更多|…|\.{3})\s*){2,}",
        ),
        cut_from=(r"(?:全部)?评论\s*\(\d+\)|全部评论",),
    ),
    SourceRule(
        # A wiki page (Confluence and the like): the page tree and space links above the
        # title, the author line, an attachment count with the labels, and below the text the
        # like button, the comment box and the label list.
        name="wiki-page",
        detect=(
            r"页面树",
            r"喜欢\s*成为第一个喜欢(?:的人|此页面的人)?",
            r"附件\s*\(\d+\)\s+标签\s*:.*",
        ),
        drop=(
            r"页面树",
            r">\s*[^。；;，,:]{1,30}",  # the tree's branches down to this page
            r"(?:空间目录|空间|浏览|搜索|页面|工具)(?:\s+(?:空间目录|空间|浏览|搜索|页面|工具)){1,4}",
            r"附件\s*\(\d+\)(?:\s+标签\s*:.*)?",
            r"标签\s*:.{0,60}",
        ),
        cut_from=(r"喜欢\s*成为第一个喜欢.{0,8}|评论|写评论.{0,6}|无标签",),
    ),
    SourceRule(
        # A Markdown paste: quote marks before a block (often the control fields) and "-"
        # list items.  Heading marks go in normalisation, bold stays as clause Markdown.
        name="markdown",
        detect=(
            r">\s*\S.*",
            r"(?:[-*+]\s+)?\*\*[^*]{2,16}\*\*\s*:.*",
        ),
        replace=(
            (r"^\s*>\s?", ""),
            # a list item, not a "- 3 -" page number or a "- END -" line
            (r"^\s*[-*+]\s+(?=\S)(?!.*[-—–]\s*$)", "● "),
        ),
    ),
)


def _compiled(patterns: tuple[str, ...]) -> list[re.Pattern]:
    """One alternation per list: a line is tried once, not once per pattern."""
    return [re.compile("|".join(f"(?:{p})" for p in patterns))] if patterns else []


@dataclass(frozen=True)
class CompiledRule:
    rule: SourceRule
    detect: list[re.Pattern]
    drop: list[re.Pattern]
    cut_from: list[re.Pattern]
    head: list[re.Pattern]
    title_suffix: re.Pattern | None
    cut: list[re.Pattern]
    replace: list[tuple[re.Pattern, str]]


COMPILED = [
    CompiledRule(
        rule,
        _compiled(rule.detect),
        _compiled(rule.drop),
        _compiled(rule.cut_from),
        _compiled(rule.head),
        re.compile(rule.title_suffix) if rule.title_suffix else None,
        [re.compile(p) for p in rule.cut],
        [(re.compile(p, re.MULTILINE), r) for p, r in rule.replace],
    )
    for rule in SOURCES
]


_LONGEST = 200  # furniture is a short line; a long one is text, whatever it contains


def matches(patterns: list[re.Pattern], line: str) -> bool:
    return len(line) <= _LONGEST and any(pattern.fullmatch(line) for pattern in patterns)


def detect_sources(lines: list[str]) -> list[CompiledRule]:
    """The rules whose ``detect`` patterns match some line of the text."""
    found = []
    for rule in COMPILED:
        if rule.detect and any(matches(rule.detect, line) for line in lines):
            found.append(rule)
    return found


def rewrite(rules: list[CompiledRule], line: str) -> str:
    """A kept line with the detected sources' ``cut`` pieces removed and ``replace`` applied."""
    for rule in rules:
        for pattern in rule.cut:
            line = pattern.sub("", line)
        for pattern, replacement in rule.replace:
            line = pattern.sub(replacement, line)
    return line


# Every source's inline noise and title decorations, in table order.
INLINE_NOISE = [re.compile(p) for rule in SOURCES for p in rule.inline]
TITLE_DECORATIONS = [re.compile(p) for rule in SOURCES for p in rule.title_decorations]
