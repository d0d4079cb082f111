"""Inspection rounds (督查) over the 测评点位: starting, marking, linking reports, ending, summing up."""
