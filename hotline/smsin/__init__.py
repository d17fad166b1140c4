"""SMS in (短信受理): the SMS provider's upstream push into tickets, correspondence and ratings."""
