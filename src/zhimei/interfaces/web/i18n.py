"""The studio's words in Chinese and English; the language comes from a cookie or the browser."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["LANGS", "LANG_COOKIE", "MESSAGES", "pick_lang", "translator"]

LANGS = ("zh", "en")
LANG_COOKIE = "zm_lang"

# key: (zh, en)
MESSAGES: dict[str, tuple[str, str]] = {
    "app": ("智媒工作室", "zhimei studio"),
    "inbox": ("收件箱", "Inbox"),
    "drafts": ("稿件", "Drafts"),
    "new_draft": ("新建稿件", "New draft"),
    "review": ("审核", "Review"),
    "jobs": ("任务", "Jobs"),
    "sources": ("信源", "Sources"),
    "users": ("用户", "Users"),
    "account": ("账户", "Account"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "name": ("用户名", "Name"),
    "password": ("密码", "Password"),
    "setup": ("首次设置", "First start"),
    "setup_intro": (
        "还没有可以登录的管理员。请输入 zhimei serve 打印的设置码，创建第一位管理员。",
        "No admin can sign in yet. Enter the setup code printed by zhimei serve to create the first admin.",
    ),
    "setup_code": ("设置码", "Setup code"),
    "create_admin": ("创建管理员", "Create admin"),
    "stories": ("新闻线索", "Stories"),
    "topic": ("主题", "Topic"),
    "language": ("语言", "Language"),
    "since": ("时间范围", "Since"),
    "any": ("全部", "Any"),
    "filter": ("筛选", "Filter"),
    "search": ("搜索", "Search"),
    "documents": ("文档", "Documents"),
    "updated": ("更新于", "Updated"),
    "no_stories": ("暂无新闻线索。添加信源并运行采集。", "No stories yet. Add a source and run an ingest."),
    "task": ("任务类型", "Task"),
    "source_text": ("素材原文", "Source text"),
    "title": ("标题", "Title"),
    "variants": ("备选版本数", "Variants"),
    "temperature": ("温度", "Temperature"),
    "max_tokens": ("最大长度（词元）", "Max tokens"),
    "length": ("目标长度", "Target length"),
    "style": ("风格", "Style"),
    "generate": ("生成", "Generate"),
    "cancel": ("取消", "Cancel"),
    "cancelled": ("已取消", "Cancelled"),
    "generating": ("生成中…", "Generating…"),
    "variant": ("版本", "Variant"),
    "pick": ("选用此版本", "Pick this one"),
    "open_draft": ("打开稿件", "Open draft"),
    "state": ("状态", "State"),
    "author": ("作者", "Author"),
    "created": ("创建于", "Created"),
    "no_drafts": ("暂无稿件。", "No drafts yet."),
    "sources_panel": ("素材", "Sources"),
    "text": ("正文", "Text"),
    "edit": ("编辑", "Edit"),
    "save": ("保存为新修订", "Save as a new revision"),
    "revisions": ("修订历史", "Revisions"),
    "revision": ("修订", "Revision"),
    "restore": ("恢复", "Restore"),
    "diff": ("差异对比", "Diff"),
    "compare": ("对比", "Compare"),
    "from": ("从", "From"),
    "to": ("到", "To"),
    "by_model": ("AI 生成", "AI-written"),
    "by_human": ("人工编辑", "Human-written"),
    "provenance": ("逐句来源", "Provenance per sentence"),
    "sentence": ("句子", "Sentence"),
    "model_share": ("AI 占比", "AI share"),
    "quoted": ("直接引用素材", "Quoted from a source"),
    "flags": ("核查提示", "Verification flags"),
    "no_flags": ("没有核查提示。", "No verification flags."),
    "acknowledge": ("确认", "Acknowledge"),
    "acknowledged_by": ("已确认：", "Acknowledged by "),
    "blocks": ("阻止发布", "blocks publishing"),
    "comments": ("评论", "Comments"),
    "comment": ("发表评论", "Comment"),
    "submit": ("提交审核", "Submit for review"),
    "approve": ("通过", "Approve"),
    "reject": ("退回", "Reject"),
    "reason": ("原因", "Reason"),
    "spike": ("撤稿", "Spike"),
    "publish": ("发布", "Publish"),
    "history": ("操作记录", "History"),
    "regenerate": ("重新生成", "Regenerate"),
    "rewrite_paragraph": ("重写一段", "Rewrite one paragraph"),
    "paragraph": ("段落", "Paragraph"),
    "style_default": ("默认", "default"),
    "queue_empty": ("没有待审核的稿件。", "Nothing waiting for review."),
    "preview": ("预览", "Preview"),
    "label": ("AIGC 标识", "AIGC label"),
    "publications": ("发布记录", "Publications"),
    "public_feed": ("公开 RSS 订阅", "Public RSS feed"),
    "not_approved": (
        "稿件尚未通过审核，无法预览发布。",
        "The draft is not approved yet: nothing to preview.",
    ),
    "format": ("格式", "Format"),
    "when": ("时间", "When"),
    "action": ("操作", "Action"),
    "actor": ("操作人", "Actor"),
    "detail": ("详情", "Detail"),
    "progress": ("进度", "Progress"),
    "kind": ("类型", "Kind"),
    "no_jobs": ("暂无任务。", "No jobs yet."),
    "location": ("地址", "Location"),
    "every": ("频率", "Every"),
    "last_run": ("上次运行", "Last run"),
    "add_source": ("添加信源", "Add source"),
    "ingest_now": ("立即采集", "Ingest now"),
    "role": ("角色", "Role"),
    "add_user": ("添加用户", "Add user"),
    "set_role": ("修改角色", "Change role"),
    "reset_password": ("重置密码", "Reset password"),
    "change_password": ("修改密码", "Change password"),
    "current_password": ("当前密码", "Current password"),
    "new_password": ("新密码", "New password"),
    "api_tokens": ("API 令牌", "API tokens"),
    "new_token": ("新建令牌", "New token"),
    "token_once": ("请立即复制此令牌，它不会再次显示：", "Copy this token now; it is not shown again:"),
    "revoke": ("吊销", "Revoke"),
    "revoked": ("已吊销", "revoked"),
    "error": ("出错了", "Something went wrong"),
    "back": ("返回", "Back"),
    "saved": ("已保存", "Saved"),
    "lang_switch": ("English", "中文"),
    "assignee": ("负责人", "Assignee"),
    "assign": ("指派", "Assign"),
    "head": ("当前版本", "current"),
    "generated_variants": ("AI 生成的备选版本", "AI-written variants"),
    "legend": ("图例", "Legend"),
    "new_from_story": ("用此线索写稿", "Write from this story"),
    "draft_from_text": ("从素材生成稿件", "Generate a draft from a source"),
    "edit_ratio": ("人工编辑比例", "Human edit ratio"),
    "stream_error": ("生成失败", "Generation failed"),
    "reporter": ("记者", "reporter"),
    "editor": ("编辑", "editor"),
    "admin": ("管理员", "admin"),
    "draft": ("草稿", "draft"),
    "in_review": ("审核中", "in review"),
    "approved": ("已通过", "approved"),
    "published": ("已发布", "published"),
    "rejected": ("已退回", "rejected"),
    "spiked": ("已撤稿", "spiked"),
}


def translator(lang: str) -> Callable[[str], str]:
    """``t(key)``: the word for ``key`` in ``lang`` (the key itself for an unknown key)."""
    index = 0 if lang == "zh" else 1

    def t(key: str) -> str:
        found = MESSAGES.get(key)
        return found[index] if found else key

    return t


def pick_lang(cookie: str | None, accept_language: str | None) -> str:
    """The studio language: the cookie's, else the browser's first zh or en, else zh."""
    if cookie in LANGS:
        return cookie
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()
        if code.startswith("en"):
            return "en"
        if code.startswith("zh"):
            return "zh"
    return "zh"
