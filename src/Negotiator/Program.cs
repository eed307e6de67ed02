// Replaced by the Negotiator service entry point.
return 0;
