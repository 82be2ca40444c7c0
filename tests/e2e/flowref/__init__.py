"""flowref: an independent reference interpreter for stateless .flow programs.

Built from LANGUAGE.md, docs/language.md and docs/runtime.md only (not from
flowc's code generator or runtime), to compute what `flowc run` must print
for a program and its Lambda events. Stdlib only."""
