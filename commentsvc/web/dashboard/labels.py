"""Dashboard wording in English and Simplified Chinese; moderators and tests rely on these exact labels.
Report reasons and comment statuses come from the readers' table (static/widget/labels.json)."""

from __future__ import annotations

from ...config import LANGUAGES
from ...models import CommentStatus
from ...text.labels import code_label

_LABELS: dict[str, tuple[str, str]] = {
    # key: (English, 简体中文)
    "dashboard": ("Comment moderation", "评论审核"),
    "username": ("Username", "用户名"),
    "password": ("Password", "密码"),
    "log_in": ("Log in", "登录"),
    "log_out": ("Log out", "退出"),
    "login_failed": ("Wrong username or password.", "用户名或密码错误。"),
    "overview": ("Overview", "概览"),
    "reported": ("Reported", "被举报"),
    "approve": ("Approve", "通过"),
    "reject": ("Reject", "拒绝"),
    "spam_action": ("Spam", "垃圾"),
    "delete": ("Delete", "删除"),
    "restore": ("Restore", "恢复"),
    "edit": ("Edit text", "编辑内容"),
    "save": ("Save", "保存"),
    "reply_staff": ("Reply as staff", "以工作人员身份回复"),
    "send": ("Send", "发送"),
    "bans": ("Bans", "封禁"),
    "words": ("Sensitive words", "敏感词"),
    "policy": ("Sites", "站点设置"),
    "audit": ("Audit log", "操作日志"),
    "moderators": ("Moderators", "审核员"),
    "filter": ("Filter", "筛选"),
    "site": ("Site", "站点"),
    "article": ("Article", "文章"),
    "author": ("Author name or email", "作者昵称或邮箱"),
    "ip": ("IP", "IP"),
    "text": ("Text", "内容"),
    "since": ("From", "开始日期"),
    "until": ("To", "结束日期"),
    "select_all": ("Select all", "全选"),
    "selected": ("With selected:", "对所选评论："),
    "no_comments": ("No comments here.", "这里没有评论。"),
    "page_of": ("Page {page} of {pages}", "第 {page} 页，共 {pages} 页"),
    "previous": ("Previous", "上一页"),
    "next": ("Next", "下一页"),
    "in_reply_to": ("In reply to", "回复"),
    "email": ("Email", "邮箱"),
    "website": ("Website", "网站"),
    "user_agent": ("User agent", "浏览器"),
    "author_history": ("Comments by this author", "该作者评论"),
    "ip_history": ("Comments from this IP", "该 IP 评论"),
    "site_settings": ("Site settings", "站点设置"),
    "site_settings_intro": (
        "Each setting's configured value (COMMENTSVC_*) applies unless the site has its own; leave a value empty to "
        "use the configured one.",
        "每项设置默认使用配置值（COMMENTSVC_*），站点可单独设定；留空即使用配置值。",
    ),
    "setting": ("Setting", "设置"),
    "configured": ("Configured", "配置值"),
    "site_value": ("This site", "本站"),
    "api_keys": ("API keys", "API 密钥"),
    "api_keys_intro": (
        "Servers (a CMS, an import script) post with X-Commentsvc-Key instead of a form token; rate limits and "
        "moderation still apply. A new key is shown once.",
        "服务器（CMS、导入脚本）用 X-Commentsvc-Key 代替表单令牌发帖；频率限制和审核规则照常适用。新密钥只显示一次。",
    ),
    "label": ("Label", "备注"),
    "revoked": ("Revoked", "已吊销"),
    "create_key": ("Create key", "创建密钥"),
    "revoke": ("Revoke", "吊销"),
    "new_key": ("New key, shown only now:", "新密钥（仅此一次显示）："),
    "identity_history": ("Comments by this reader (identity)", "该读者（身份）评论"),
    "full_history": ("full history", "全部记录"),
    "history_author": ("Every comment by author {value}", "作者 {value} 的全部评论"),
    "history_identity": ("Every comment by reader {value}", "读者 {value} 的全部评论"),
    "history_ip": ("Every comment from IP {value}", "IP {value} 的全部评论"),
    "reject_all_author": ("Reject all from this author", "拒绝该作者的全部评论"),
    "reject_all_identity": ("Reject all from this reader", "拒绝该读者的全部评论"),
    "reject_all_ip": ("Reject all from this IP", "拒绝该 IP 的全部评论"),
    "rejected_all": ("{n} comments rejected.", "已拒绝 {n} 条评论。"),
    "history_shows": ("Showing the newest {shown} of {total}.", "显示最新的 {shown} 条，共 {total} 条。"),
    "rejected_count": ("rejected", "被拒"),
    "reports": ("Reports", "举报"),
    "resolved": ("resolved", "已处理"),
    "matched_words": ("Sensitive words found", "命中敏感词"),
    "staff": ("Staff", "工作人员"),
    "status": ("Status", "状态"),
    "shortcuts": (
        "Keys: j/k next/previous, a approve, r reject, s spam",
        "快捷键：j/k 下一条/上一条，a 通过，r 拒绝，s 垃圾",
    ),
    "comments_per_day": ("Comments per day, last 30 days", "近 30 天每日评论数"),
    "most_commented": ("Most commented articles this week", "本周评论最多的文章"),
    "comments": ("Comments", "评论"),
    "kind": ("Kind", "类型"),
    "value": ("IP, CIDR range or email", "IP、网段或邮箱"),
    "note": ("Note", "备注"),
    "expires": ("Expires (UTC, empty = never)", "到期时间（UTC，留空为永久）"),
    "never": ("never", "永久"),
    "add_ban": ("Add ban", "添加封禁"),
    "remove": ("Remove", "移除"),
    "word": ("Word", "词语"),
    "action": ("Action", "处理方式"),
    "word_reject": ("Reject", "拒绝"),
    "word_hold": ("Hold for review", "待审核"),
    "word_mask": ("Mask with ＊", "以＊屏蔽"),
    "add_word": ("Add word", "添加词语"),
    "import_words": ("Import from a text file (one word per line)", "从文本文件导入（每行一个）"),
    "import": ("Import", "导入"),
    "search": ("Search", "搜索"),
    "mode": ("Moderation", "审核模式"),
    "mode_default": ("Default", "默认"),
    "mode_post": ("post (publish at once)", "先发后审"),
    "mode_pre": ("pre (hold for approval)", "先审后发"),
    "closed": ("Comments closed", "关闭评论"),
    "open_state": ("Open", "开放"),
    "closed_state": ("Closed", "已关闭"),
    "apply": ("Save", "保存"),
    "article_settings": ("This article", "本文设置"),
    "when": ("When", "时间"),
    "who": ("Who", "操作人"),
    "what": ("What", "操作"),
    "target": ("Target", "对象"),
    "detail": ("Detail", "详情"),
    "role": ("Role", "角色"),
    "active": ("Active", "启用"),
    "create_moderator": ("Create moderator", "创建审核员"),
    "deactivate": ("Deactivate", "停用"),
    "activate": ("Activate", "启用"),
    "language": ("中文", "English"),
    "saved": ("Saved.", "已保存。"),
    "done": ("Done: {n} comment(s) changed.", "完成：{n} 条评论已更新。"),
    "articles": ("Articles", "文章"),
    "article_id": ("Article id", "文章 ID"),
    "article_search": ("Id, title or URL", "ID、标题或网址"),
    "all_sites": ("All sites", "全部站点"),
    "open_article": ("Open article settings", "打开文章设置"),
    "open_article_help": (
        "Any article id on a site, even before its first comment: pre-moderate or close a story in advance.",
        "可填写站点上任意文章 ID，无需已有评论：可提前设为先审后发或关闭评论。",
    ),
    "article_ready": (
        "These settings apply to the article's first comment and every later one.",
        "本文设置对首条及之后的评论生效。",
    ),
    "no_articles": ("No articles found.", "没有找到文章。"),
    "title": ("Title", "标题"),
    "url": ("URL", "网址"),
    "created": ("Created", "创建时间"),
    "settings": ("Settings", "设置"),
    "no_title_yet": ("(no title until the first comment)", "（首条评论前暂无标题）"),
    "comment_heading": ("Comment #{id}", "评论 #{id}"),
    "comment_count_one": ("{n} comment", "{n} 条评论"),
    "comment_count_other": ("{n} comments", "{n} 条评论"),
    "actions_column": ("Actions", "操作"),
    "import_file": ("Export file", "导出文件"),
    "import_format": ("Format", "格式"),
    "import_key": ("Articles keyed by", "文章标识"),
    "import_key_path": ("page path", "页面路径"),
    "import_key_url": ("whole link", "完整链接"),
    "import_preview": ("Preview (dry run)", "预览（不写入）"),
    "import_report": ("Import report", "导入报告"),
    "import_previewed": ("Preview: nothing written yet", "预览：尚未写入"),
    "import_done": ("Imported", "已导入"),
    "import_threads": ("Threads", "文章"),
    "import_comments": ("Comments", "评论"),
    "import_replies": ("Replies", "回复"),
    "import_pending": ("Pending", "待审核"),
    "import_already_present": ("Already present", "已存在"),
    "import_reparented": ("Re-parented", "调整了上级"),
    "import_skipped": ("Skipped", "跳过"),
    "import_choose_file": ("Choose an export file.", "请选择导出文件。"),
    "import_upload_again": ("Choose a format and upload the file again.", "请选择格式并重新上传文件。"),
    "export": ("Export", "导出"),
    "export_help": (
        "Every site, thread, comment (with authors' emails and IP addresses), vote, ban and sensitive word as "
        "one JSON file: keep it as safely as the database.",
        "所有站点、文章、评论（含作者邮箱和 IP 地址）、投票、封禁和敏感词，导出为一个 JSON 文件：请像数据库一样妥善保管。",
    ),
    "export_download": ("Download export", "下载导出文件"),
    "why": ("Why", "原因"),
    "why_banned": ("banned reader", "封禁用户"),
    "why_sensitive_word": ("sensitive word", "命中敏感词"),
    "why_too_many_links": ("too many links", "链接过多"),
    "why_pre_moderation": ("pre-moderated article", "先审后发"),
    "why_reports": ("reported by readers", "读者举报"),
    "why_unknown": ("not recorded", "未记录"),
    "why_honeypot": ("filled the hidden field (bot trap)", "填写了隐藏字段（机器人陷阱）"),
    "why_form_token_forged": ("forged form token", "伪造的表单令牌"),
    "why_form_token_replayed": ("reused form token", "重复使用的表单令牌"),
    "why_too_fast": ("posted faster than a person can write", "提交速度快于常人"),
    "why_pow_failed": ("proof of work failed", "工作量证明未通过"),
    "why_trust": ("new reader, first comments reviewed", "新读者，前几条评论需审核"),
    "why_approve": ("approved by a moderator", "审核员通过"),
    "why_reject": ("rejected by a moderator", "审核员拒绝"),
    "why_spam": ("marked spam by a moderator", "审核员标为垃圾"),
    "why_delete": ("deleted by a moderator", "审核员删除"),
    "why_restore": ("restored by a moderator", "审核员恢复"),
    "why_author_deleted": ("deleted by its author", "作者自行删除"),
}

STATUSES = frozenset(status.value for status in CommentStatus)


def label(key: str, language: str) -> str:
    """Comment statuses come from the readers' table (text/labels.py), so widget and dashboard agree."""
    if key in STATUSES:
        return code_label("statuses", key, language)
    english, chinese = _LABELS[key]
    return chinese if language == "zh-CN" else english


def reason_label(code: str, language: str) -> str:
    """Chinese label always shown beside the English one: reports come mostly from Chinese readers."""
    chinese = code_label("reasons", code, "zh-CN")
    return chinese if language == "zh-CN" else f"{chinese} / {code_label('reasons', code, 'en')}"


def pick_language(requested: str | None, accept_language_best: str | None) -> str:
    """An explicit choice wins; otherwise the browser's preference; English when neither says."""
    if requested in LANGUAGES:
        return requested
    if accept_language_best and accept_language_best.lower().startswith("zh"):
        return "zh-CN"
    return "en"
