"""Tickets: the service that changes them, routing to units, deadlines and the working calendar, rendering."""
