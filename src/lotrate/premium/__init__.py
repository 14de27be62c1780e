"""Premium rules of PN 12/2023: the lot, rate schedules, eligibility, the formula, assessment."""
