"""Reading a group message: is it a report, which problems, where, how urgent.

Rules a clerk edits (config `categories.*.keywords`, `parser:`) and a statistical model learned
from examples (`guanjia train`) both live here; nothing in this package touches the database.
"""
