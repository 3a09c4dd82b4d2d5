"""What is due on a day, written once a day: renewal, report and feedback reminders, the monthly digest,
feedback left unanswered becoming enforcement leads. It reads the areas it reminds of and writes through
the notification centre (``domain.notifications``); nothing below imports it."""
