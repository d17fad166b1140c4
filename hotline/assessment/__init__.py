"""Assessment (考核): scorecards per unit and per handler, with the scoring rule as data."""
