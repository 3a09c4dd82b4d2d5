"""Annual grading of permit holders (年度等级评定, PT §4 and annex 2): each year the post-permit working group
grades every permit holder of the district on the previous year's discharging per permit (按证排污) as
excellent (优秀), qualified (合格) or unqualified (不合格). The product proposes a grade from the records,
each unqualified ground linked to its record; regulators confirm or change it with a reason; excellent
units are at most 10 % of the previous year's permit holders."""
