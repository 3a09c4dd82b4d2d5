"""Figures for the bureau's leaders (issue 16, statistics): the monthly dispatch summary (调度) of the
closed loop, by department, and the figures behind it. Reads across every area, filtered by the access
rule of each kind of record; it sits above them all and writes nothing."""
