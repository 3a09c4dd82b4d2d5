"""The read side of inspections, one module per page family: ``common`` (who may read or act on a
region's plan, the columns of the access rule), ``plan`` (the year's plan with what is done, due and behind,
coverage against the targets), ``draws`` (public under 双随机一公开), ``records`` (records, the unit its own;
the roster and checklist of the record form; the outlet's public inspection history). Lists filter, count
and page with the SQL form of the access rule."""
