"""Web accounts: who may sign in, their sessions, the login throttle and the share links."""
