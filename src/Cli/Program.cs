// Replaced by the command-line entry point.
return 0;
