// Replaced by the Validator service entry point.
return 0;
