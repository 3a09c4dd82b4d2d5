"""Public disclosure (信息公开, M48 §32, §37, §39; AP (4), (7), (12)): what anyone may read without logging
in, decided once, and the public register that lists permits and registrations side by side.

It sits above the areas it discloses (permits, registrations, enterprises), which never import it."""
