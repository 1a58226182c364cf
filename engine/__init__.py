"""Everything that touches SpiffWorkflow: parse, validate, sandbox, deploy, run, timers, history."""
