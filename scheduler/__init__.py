"""Counties, municipalities, Sprechstunden locations, office hours, slots and bookings."""
