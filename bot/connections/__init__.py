"""Long connections the bot opens itself (DingTalk Stream, Feishu 长连接, WeCom 智能机器人 长连接).

A district office's server rarely has a public HTTPS address; with these, the platform pushes
messages down a connection the bot dials out, and no callback URL is needed.
"""
